import { contributorKind, contributorLine, formatMessageValue } from '@paywatch/contracts';
import { summaryText } from '../detect/summary.js';
import { maskPans } from '../lib/mask.js';
import type { Locale, Notification, NotifyAlert } from './types.js';

/** Message strings per locale. */
const T = {
  en: {
    firing: 'FIRING',
    resolved: 'RESOLVED',
    escalation: 'ESCALATED',
    reminder: 'REMINDER',
    stillFiring: 'Still firing since',
    minutes: 'min',
    notAcked: 'not acknowledged',
    test: 'TEST',
    observed: 'Observed',
    expected: 'Expected',
    band: 'band',
    revenue: 'Revenue at risk',
    contributors: 'Top contributors',
    samples: 'Sample transactions',
    since: 'Since',
    resolvedAt: 'Resolved',
    ack: 'Acknowledged by',
    open: 'Open in dashboard',
    alerts: 'alerts',
    colon: ': ',
    lparen: ' (',
    rparen: ')',
  },
  zh: {
    firing: '告警中',
    resolved: '已恢复',
    escalation: '已升级',
    reminder: '提醒',
    stillFiring: '仍在告警，开始于',
    minutes: '分钟',
    notAcked: '尚未确认',
    test: '测试',
    observed: '观测值',
    expected: '期望值',
    band: '区间',
    revenue: '风险营收',
    contributors: '主要贡献维度',
    samples: '样例交易',
    since: '开始时间',
    resolvedAt: '恢复时间',
    ack: '确认人',
    open: '在看板中打开',
    alerts: '条告警',
    // Chinese punctuation: full-width colon and parentheses.
    colon: '：',
    lparen: '（',
    rparen: '）',
  },
} as const satisfies Record<Locale, Record<string, string>>;

export function strings(locale: Locale) {
  return T[locale];
}

/**
 * Whether an alert *without message data* (saved before messages) has fractions for figures:
 * every one of value, expected and band lies in [0, 1] and one is not a whole number. Decided per
 * alert, so a rate's band that reaches 1 or 0 reads "100.0%" / "0.0%" like its other figures.
 */
function isFraction(a: NotifyAlert): boolean {
  const xs = [a.value, a.expected, a.lower, a.upper].filter((v): v is number => v !== null);
  return xs.some((v) => !Number.isInteger(v)) && xs.every((v) => v >= 0 && v <= 1);
}

/** Prints one of an alert's figures. */
type NumFormat = (v: number | null) => string;

/**
 * How an alert's figures print: in the unit of what its message judges (contracts'
 * `formatMessageValue`: a rate as a percentage, a latency in ms, a decline-mix divergence as a
 * JSD — it printed "32.0%" when guessed from its size); the guess only for alerts without one.
 */
function numFormat(a: NotifyAlert): NumFormat {
  const m = a.message;
  if (m && formatMessageValue(m, 0) !== null)
    return (v) => (v === null ? '–' : (formatMessageValue(m, v) ?? String(v)));
  const fraction = isFraction(a);
  return (v) => {
    if (v === null) return '–';
    if (fraction) return `${(v * 100).toFixed(1)}%`;
    return Number.isInteger(v) ? String(v) : v.toFixed(2);
  };
}

export function fmtMoney(v: number, currency: string, locale: Locale): string {
  return new Intl.NumberFormat(locale === 'zh' ? 'zh-CN' : 'en-US', {
    style: 'currency',
    currency,
    maximumFractionDigits: 0,
  }).format(v);
}

/** " (band 85.5%–100.0%)", or one-sided " (band ≤ 15)" / " (band ≥ 20)" (zh: "（区间 …）"); empty without a band. */
function band(a: NotifyAlert, f: NumFormat, s: ReturnType<typeof strings>): string {
  const inner =
    a.lower !== null && a.upper !== null
      ? `${f(a.lower)}–${f(a.upper)}`
      : a.upper !== null
        ? `≤ ${f(a.upper)}`
        : a.lower !== null
          ? `≥ ${f(a.lower)}`
          : null;
  return inner === null ? '' : `${s.lparen}${s.band} ${inner}${s.rparen}`;
}

/**
 * Whether a notification may wake people (@-mentions, at-all): only a first firing page and an
 * escalation. Reminders, updates of a group already paged, resolves and tests mention nobody.
 */
export function mentionsPeople(n: Notification): boolean {
  return n.status === 'firing' && (n.reason === 'new' || n.reason === 'escalation');
}

/** Title of a notification, e.g. "[FIRING:2] success_rate_drop provider=adyen". */
export function title(n: Notification): string {
  const s = strings(n.locale);
  const firing = n.alerts.filter((a) => a.status === 'firing').length;
  const tag =
    n.reason === 'test'
      ? s.test
      : n.reason === 'escalation'
        ? `${s.escalation} ${s.firing}`
        : n.reason === 'repeat' && n.status === 'firing'
          ? `${s.reminder} ${s.firing}`
          : n.status === 'firing'
            ? s.firing
            : s.resolved;
  const rule = n.alerts[0]?.rule ?? 'paywatch';
  // The rule is named already: an `alertname` group label (route group_by) would repeat it.
  const labels = Object.entries(n.group_labels)
    .filter(([k, v]) => !(k === 'alertname' && v === rule))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return maskPans(
    `[${tag}${n.status === 'firing' ? `:${firing}` : ''}] ${rule}${labels ? ' ' + labels : ''}`,
  );
}

/** The detector's sentence in `locale` (its stored English text when the alert has no message data). */
export function summaryOf(a: NotifyAlert, locale: Locale): string {
  return a.message ? summaryText(a.message, locale) : a.summary;
}

/**
 * The one way messages write a time for people (machine payloads keep ISO 8601): "14:02 UTC",
 * with the day when it is not the day of `ref` (the send time; always without one) —
 * "2026-01-05 14:02 UTC", in Chinese "2026年1月5日 14:02 UTC".
 */
export function fmtTime(t: number, locale: Locale, ref?: number): string {
  const d = new Date(t);
  const hm = d.toISOString().slice(11, 16);
  const sameDay =
    ref !== undefined && d.toISOString().slice(0, 10) === new Date(ref).toISOString().slice(0, 10);
  if (sameDay) return `${hm} UTC`;
  const day =
    locale === 'zh'
      ? `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`
      : d.toISOString().slice(0, 10);
  return `${day} ${hm} UTC`;
}

/**
 * For a reminder (`repeat_interval`), the line saying so: "Still firing since 14:02 UTC (38 min),
 * not acknowledged" (with "2 of 3" when some alerts of the group were acknowledged); null for
 * any other notification.
 */
export function reminderLine(n: Notification): string | null {
  if (n.reason !== 'repeat') return null;
  const firing = n.alerts.filter((a) => a.status === 'firing');
  if (!firing.length) return null;
  const s = strings(n.locale);
  const since = Math.min(...firing.map((a) => a.starts_at));
  const start = `${s.stillFiring} ${fmtTime(since, n.locale, n.sent_at ?? since)}`;
  const mins = n.sent_at === undefined ? null : Math.max(0, Math.round((n.sent_at - since) / 60_000));
  const open = firing.filter((a) => a.acknowledged_by === null).length;
  const some = open < firing.length;
  return n.locale === 'zh'
    ? `${start}${mins === null ? '' : `（${mins} ${s.minutes}）`}，${some ? `${open}/${firing.length} 条` : ''}${s.notAcked}`
    : `${start}${mins === null ? '' : ` (${mins} ${s.minutes})`}, ${some ? `${open} of ${firing.length} ` : ''}${s.notAcked}`;
}

/**
 * The lines describing one alert (plain text; channels add their own markup). `sentAt`: the
 * notification's send time, so its times read like the reminder line's (`fmtTime`).
 */
export function alertLines(a: NotifyAlert, locale: Locale, sentAt?: number): string[] {
  const s = strings(locale);
  const lines = [summaryOf(a, locale)];
  const f = numFormat(a);
  const c = s.colon;
  lines.push(`${s.observed}${c}${f(a.value)} · ${s.expected}${c}${f(a.expected)}${band(a, f, s)}`);
  if (a.revenue_at_risk > 0)
    lines.push(`${s.revenue}${c}${fmtMoney(a.revenue_at_risk, a.reporting_currency, locale)}`);
  if (a.contributors.length) {
    // Named for people like the dashboard's alert page (contracts' alert-labels), with their
    // figures in whole payments: "Failure category: Provider error · 331 failures".
    const kind = contributorKind(a);
    const sep = locale === 'zh' ? '；' : '; ';
    lines.push(
      `${s.contributors}${c}${a.contributors.map((x) => contributorLine(locale, x, kind)).join(sep)}`,
    );
  }
  if (a.samples.length) lines.push(`${s.samples}${c}${a.samples.join(', ')}`);
  lines.push(
    a.status === 'firing'
      ? `${s.since}${c}${fmtTime(a.starts_at, locale, sentAt)}`
      : `${s.resolvedAt}${c}${fmtTime(a.ends_at ?? a.starts_at, locale, sentAt)}`,
  );
  if (a.acknowledged_by) lines.push(`${s.ack}${c}${a.acknowledged_by}`);
  return lines.map(maskPans);
}

/** Whole message as plain text (email text part, WeCom, DingTalk fallback). */
export function plainText(n: Notification): string {
  const s = strings(n.locale);
  const parts = [title(n), ''];
  const reminder = reminderLine(n);
  if (reminder) parts.push(reminder, '');
  for (const a of n.alerts) {
    const labels = Object.entries(a.labels)
      .filter(([k]) => k !== 'alertname')
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    parts.push(
      `• ${a.rule} {${maskPans(labels)}}`,
      ...alertLines(a, n.locale, n.sent_at).map((l) => `  ${l}`),
      `  ${s.open}${s.colon}${a.dashboard_url}`,
      '',
    );
  }
  return parts.join('\n').trimEnd();
}

/** Markdown (DingTalk, WeCom markdown, Feishu lark_md). */
export function markdown(n: Notification, mentions = ''): string {
  const s = strings(n.locale);
  const parts = [`### ${title(n)}`];
  const reminder = reminderLine(n);
  if (reminder) parts.push(`**${reminder}**`);
  for (const a of n.alerts) {
    parts.push(
      `**${a.rule}** ${maskPans(
        Object.entries(a.labels)
          .filter(([k]) => k !== 'alertname')
          .map(([k, v]) => `\`${k}=${v}\``)
          .join(' '),
      )}`,
    );
    for (const l of alertLines(a, n.locale, n.sent_at)) parts.push(`- ${l}`);
    parts.push(`[${s.open}](${a.dashboard_url})`);
  }
  if (mentions) parts.push(mentions);
  return parts.join('\n\n');
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
