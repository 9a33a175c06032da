import { z } from 'zod';
import { FAILURE_CATEGORY_NAMES } from './enums.js';
import { formatMessage } from './plural.js';

// An alert's human sentence as data, and the one formatter that turns it into words (en / zh).
// It lives here, in the browser-safe contracts, because three parts render it: the alert
// engine's detectors (English `summary`), its notifications (the receiver's language) and the
// dashboard (the UI language). alerts/src/detect/summary.ts re-exports it and adds `say()`.

/** Metrics a series rule can watch. Rates are in [0,1]. */
export const SERIES_METRICS = [
  'attempts',
  'succeeded',
  'failed',
  'success_rate',
  'decline_rate',
  'technical_success_rate',
  'gmv',
  'latency_avg',
  'latency_gmean',
] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

/** True for metrics that are proportions of attempts. */
export function isRateMetric(m: SeriesMetric): boolean {
  return m === 'success_rate' || m === 'decline_rate' || m === 'technical_success_rate';
}

/** Formats a metric value for messages (rates as percentages). */
export function formatMetric(metric: SeriesMetric, v: number | null): string {
  if (v === null) return 'n/a';
  if (isRateMetric(metric)) return `${(v * 100).toFixed(1)}%`;
  if (metric === 'latency_avg' || metric === 'latency_gmean') return `${Math.round(v)} ms`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/**
 * What a detector says about a point, as data: a key naming the sentence and its figures
 * (plain JSON, so it is persisted with the alert and returned by the alerts API as `message`).
 * `summaryText` is the one place that turns it into words, per locale; a detector never writes
 * a sentence itself. English is what `Evaluation.summary` / the API's `summary` carry; a
 * receiver with `locale: zh` and the dashboard in Chinese render the same message in Chinese.
 */
export type SummaryMessage = {
  [K in keyof SummaryParams]: { key: K; params: SummaryParams[K] };
}[keyof SummaryParams];

type Side = 'above' | 'below';

/**
 * Why a notification was sent (the delivery log's `reason`, which the dashboard names): a new
 * group, an update, a reminder (`repeat`), an escalation, a test, or a `refresh` of still-firing
 * alerts to a channel that forgets them otherwise (Alertmanager's endsAt).
 */
export const DELIVERY_REASONS = ['new', 'update', 'repeat', 'escalation', 'test', 'refresh'] as const;
export type DeliveryReason = (typeof DELIVERY_REASONS)[number];

/** The languages alert sentences are written in (receivers' `locale`, the dashboard's language). */
export type SummaryLocale = 'en' | 'zh';

/** What a detector is still learning (its warm-up). */
export type LearningWhat =
  | 'baseline'
  | 'recent_level'
  | 'seasonal_baseline'
  | 'forecast'
  | 'daily_totals'
  | 'expected_volume'
  | 'decline_mix';

/** Why the engine ended an open alert at start-up. */
export type RetireReason = 'rule_removed' | 'rule_changed';

/** The figures of each sentence. Numbers are raw (the formatter rounds them per sentence). */
export interface SummaryParams {
  learning: { what: LearningWhat };
  /** Too few attempts in the window to judge (`merged`: carried into the next step). */
  too_few_attempts: { attempts: number; min: number; merged?: boolean };
  too_few_failures: { failures: number; min: number };
  threshold: {
    metric: SeriesMetric;
    value: number;
    bad: boolean;
    op: Side;
    threshold: number;
    window_minutes: number;
  };
  seasonal: {
    metric: SeriesMetric;
    value: number;
    side: Side | null;
    lower: number;
    upper: number;
    /** Names of the calendar entries that adjusted the expectation (user labels). */
    calendar: string[];
  };
  level: {
    metric: SeriesMetric;
    value: number;
    mean: number;
    baseline_minutes: number;
    side: Side | null;
    /** The band edge crossed (when `side`). */
    edge: number;
  };
  rate: {
    metric: SeriesMetric;
    /** Null when nothing was judged (shown "n/a"). */
    value: number | null;
    attempts: number;
    /** Distinct payments behind `attempts`, when retries made them fewer (rate tests count payments). */
    payments?: number;
    lower: number;
    upper: number;
    baseline: number;
    /** A drop judged as held (`sustain_minutes`): the minutes the rate and its interval are over. */
    held_minutes?: number;
  };
  slo: {
    value: number | null;
    long_minutes: number;
    short_minutes: number;
    long_burn: number;
    short_burn: number;
    burn_rate: number;
    objective: number;
  };
  forecast_breach: { metric: SeriesMetric; level: number; breach: Side; threshold: number };
  forecast_cross: {
    metric: SeriesMetric;
    threshold: number;
    eta_minutes: number;
    now: number;
    trend: number;
  };
  forecast: { metric: SeriesMetric; value: number; mean: number; half: number };
  eod: { metric: SeriesMetric; bad: boolean; shortfall_pct: number; projected: number; forecast: number };
  silence: {
    observed: number;
    minutes: number;
    expected: number;
    p: number;
    /** Attempts of the slice that arrived late in the window (their minutes already judged). */
    late?: number;
    /** How far behind the furthest of them was, in minutes. */
    late_minutes?: number;
    /**
     * A silence with no late arrival yet (stopped, or delivery delayed: the data cannot tell):
     * the event time (epoch ms) of the slice's newest attempt, the source it came by, and the
     * slice's provider with whether its other events (other methods, lifecycle statuses) still
     * arrive in time — then the provider's delivery works and the slice really went quiet.
     */
    last_at?: number;
    via?: string;
    provider?: string;
    provider_live?: boolean;
  };
  mix_stable: { jsd: number; season_days: number | null; adopted_minutes: number | null };
  mix_shifted: {
    jsd: number;
    failures: number;
    season_days: number | null;
    p: number;
    from: string | null;
    to: string | null;
    /** Failure categories that grew, with their growth as a fraction of failures. */
    shifts: { category: string; value: number }[];
  };
  univariate: { metric: SeriesMetric; value: number; score: number; expected: number };
  card_testing: {
    dimension: string;
    entity: string;
    attempts: number;
    small_amount: number;
    window_minutes: number;
    declined: number;
  };
  velocity: {
    customer: string;
    /** `count`: too many attempts (value = attempts); `amount`: too much volume. */
    over: 'count' | 'amount';
    value: number;
    window_minutes: number;
    limit: number | null;
    level: string;
  };
  aml: { payment: string; amount: number; currency: string; threshold: number };
  structuring: { customer: string; count: number; threshold: number; window_hours: number; total: number };
  limit: { per_transaction: boolean; value: number; limit: number | null; level: string };
  retired: { reason: RetireReason; was: string; was_message: SummaryMessage | null };
}

/**
 * Each metric's name in a sentence, per language: "Success rate 14.0% over 407 attempts",
 * "成功率 14.0%（407 笔尝试…）". Until 27 Nov the English sentences printed the metric's id
 * (`success_rate 14.0% …`) while the Chinese ones named it. English names are written as a
 * sentence starts them; `metricEn(m, true)` lowers the first letter mid-sentence (an acronym
 * such as GMV stays).
 */
export const METRIC_NAMES: Record<SeriesMetric, Record<SummaryLocale, string>> = {
  attempts: { en: 'Attempts', zh: '尝试笔数' },
  succeeded: { en: 'Successful payments', zh: '成功笔数' },
  failed: { en: 'Failed payments', zh: '失败笔数' },
  success_rate: { en: 'Success rate', zh: '成功率' },
  decline_rate: { en: 'Decline rate', zh: '失败率' },
  technical_success_rate: { en: 'Technical success rate', zh: '技术成功率' },
  gmv: { en: 'GMV', zh: '交易额' },
  latency_avg: { en: 'Average latency', zh: '平均延迟' },
  latency_gmean: { en: 'Typical latency (geometric mean)', zh: '延迟几何均值' },
};

const METRIC_ZH = (m: SeriesMetric): string => METRIC_NAMES[m].zh;

/** An English count with its noun in the form the count takes: "1 attempt", "312 attempts". */
function countEn(n: number, one: string, other = `${one}s`): string {
  return formatMessage('en', `{n, plural, one {# ${one}} other {# ${other}}}`, { n });
}

/** A metric's English name; `mid`: inside a sentence ("End-of-day successful payments …"). */
function metricEn(m: SeriesMetric, mid = false): string {
  const name = METRIC_NAMES[m].en;
  const acronym = /^[A-Z]{2,}\b/.test(name);
  return mid && !acronym ? name.charAt(0).toLowerCase() + name.slice(1) : name;
}

/**
 * The keys a card-testing finding names its entity by (the card-testing detector's `keys`): a
 * BIN, a device or an IP — not their field ids (`ip_ref`). An unknown key is shown as is.
 */
export const CARD_TESTING_KEY_NAMES: Record<string, Record<SummaryLocale, string>> = {
  bin: { en: 'BIN', zh: 'BIN' },
  device_ref: { en: 'device', zh: '设备' },
  ip_ref: { en: 'IP', zh: 'IP' },
};

function cardKey(k: string, locale: SummaryLocale): string {
  return Object.hasOwn(CARD_TESTING_KEY_NAMES, k) ? (CARD_TESTING_KEY_NAMES[k]?.[locale] ?? k) : k;
}

const LEARNING: Record<LearningWhat, Record<SummaryLocale, string>> = {
  baseline: { en: 'the baseline', zh: '基线' },
  recent_level: { en: 'the recent level', zh: '近期水平' },
  seasonal_baseline: { en: 'the seasonal baseline', zh: '季节性基线' },
  forecast: { en: 'the forecast', zh: '预测模型' },
  daily_totals: { en: 'daily totals', zh: '每日总量' },
  expected_volume: { en: 'the expected volume', zh: '预期交易量' },
  decline_mix: { en: 'the decline mix', zh: '失败原因构成' },
};

const RETIRED: Record<RetireReason, Record<SummaryLocale, string>> = {
  rule_removed: { en: 'rule removed from the configuration', zh: '规则已从配置中移除' },
  rule_changed: {
    en: 'rule changed: its detector restarted without history',
    zh: '规则已修改，检测器无历史重新开始',
  },
};

/** A metric's value as messages show it; "n/a" (无) when undefined. */
function fm(metric: SeriesMetric, v: number | null, locale: SummaryLocale): string {
  return v === null && locale === 'zh' ? '无' : formatMetric(metric, v);
}

/**
 * A p-value as messages show it, after its name: "p=3.2e-7"; one too small for a double (0
 * after underflow, or below 1e-300) reads "p<1e-300", not "p=0.0e+0" — it is tiny, not zero.
 */
/** `HH:MM` of an epoch-ms time, UTC. */
function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function formatP(name: string, p: number): string {
  return p < 1e-300 ? `${name}<1e-300` : `${name}=${p.toExponential(1)}`;
}

/** A failure category's name (contracts' `FAILURE_CATEGORY_NAMES`); an unknown one as is. */
function categoryName(c: string, locale: SummaryLocale): string {
  return Object.hasOwn(FAILURE_CATEGORY_NAMES, c)
    ? FAILURE_CATEGORY_NAMES[c as keyof typeof FAILURE_CATEGORY_NAMES][locale]
    : c;
}
const categoryZh = (c: string) => categoryName(c, 'zh');

/**
 * An alert's value (observed, expected, band edges) in the unit of what its message judges: the
 * metric's (`formatMetric`: a rate as a percentage, a latency in ms), the SLO's technical success
 * rate, a decline-mix divergence as a JSD ("0.320", as its sentence prints it — not a
 * percentage); null for a message of no such figure (the caller decides).
 */
export function formatMessageValue(m: SummaryMessage, v: number | null): string | null {
  if ('metric' in m.params) return formatMetric(m.params.metric, v);
  if (m.key === 'slo') return formatMetric('technical_success_rate', v);
  if (m.key === 'mix_shifted' || m.key === 'mix_stable') return v === null ? 'n/a' : v.toFixed(3);
  return null;
}

const zhSide = (s: Side) => (s === 'above' ? '高于' : '低于');
const pct2 = (v: number) => `${(v * 100).toFixed(2)}%`;

/** The sentence of `m` in `locale`. */
export function summaryText(m: SummaryMessage, locale: SummaryLocale): string {
  return locale === 'zh' ? zh(m) : summaryEn(m);
}

/**
 * The English sentence (what `Evaluation.summary` carries), written for an on-call: metrics,
 * failure categories and card-testing keys by their names ("Success rate 14.0% over 407
 * attempts", "Provider error +55 pp", "on IP ip_6dec…"), starting with a capital. Until 27 Nov
 * it printed their ids (`success_rate 14.0% …`, `provider_error +55 pp`, `on ip_ref …`).
 */
export function summaryEn(m: SummaryMessage): string {
  const s = en(m);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function en(m: SummaryMessage): string {
  switch (m.key) {
    case 'learning':
      return `learning ${LEARNING[m.params.what].en}`;
    case 'too_few_attempts': {
      const p = m.params;
      return `${countEn(p.attempts, 'attempt')} < ${p.min}${p.merged ? ': merged into the next step' : ''}`;
    }
    case 'too_few_failures':
      return `${countEn(m.params.failures, 'failure')} < ${m.params.min}`;
    case 'threshold': {
      const p = m.params;
      return `${metricEn(p.metric)} ${formatMetric(p.metric, p.value)} is ${p.bad ? '' : 'not '}${p.op} ${formatMetric(p.metric, p.threshold)} over ${p.window_minutes} min`;
    }
    case 'seasonal': {
      const p = m.params;
      const f = (v: number) => formatMetric(p.metric, v);
      const note = p.calendar.length ? ` (calendar: ${p.calendar.join(', ')})` : '';
      return p.side
        ? `${metricEn(p.metric)} ${f(p.value)} is ${p.side} the usual ${f(p.lower)}–${f(p.upper)} for this time${note}`
        : `${metricEn(p.metric)} ${f(p.value)} within the usual ${f(p.lower)}–${f(p.upper)}${note}`;
    }
    case 'level': {
      const p = m.params;
      const f = (v: number) => formatMetric(p.metric, v);
      return `${metricEn(p.metric)} ${f(p.value)} vs ${f(p.mean)} over the last ${p.baseline_minutes} min${p.side ? ` (${p.side} ${f(p.edge)})` : ''}`;
    }
    case 'rate': {
      const p = m.params;
      const f = (v: number | null) => formatMetric(p.metric, v);
      const over =
        p.payments === undefined
          ? countEn(p.attempts, 'attempt')
          : `${countEn(p.payments, 'payment')} (${countEn(p.attempts, 'attempt')})`;
      const held = p.held_minutes === undefined ? '' : `, held ${p.held_minutes} min`;
      return `${metricEn(p.metric)} ${f(p.value)} over ${over} (${f(p.lower)}–${f(p.upper)}) vs baseline ${f(p.baseline)}${held}`;
    }
    case 'slo': {
      const p = m.params;
      return `${metricEn('technical_success_rate')} ${p.value === null ? 'n/a' : pct2(p.value)} over ${p.long_minutes} min; burn rate ${p.long_burn.toFixed(1)}× (${p.long_minutes} min) and ${p.short_burn.toFixed(1)}× (${p.short_minutes} min) vs ${p.burn_rate}× for SLO ${pct2(p.objective)}`;
    }
    case 'forecast_breach': {
      const p = m.params;
      return `${metricEn(p.metric)} ${formatMetric(p.metric, p.level)} (smoothed) is ${p.breach} ${formatMetric(p.metric, p.threshold)}`;
    }
    case 'forecast_cross': {
      const p = m.params;
      const f = (v: number) => formatMetric(p.metric, v);
      return `${metricEn(p.metric)} will cross ${f(p.threshold)} in ~${p.eta_minutes} min (now ${f(p.now)}, trend ${f(p.trend)}/step)`;
    }
    case 'forecast': {
      const p = m.params;
      const f = (v: number) => formatMetric(p.metric, v);
      return `${metricEn(p.metric)} ${f(p.value)}, forecast ${f(p.mean)} ± ${f(p.half)}`;
    }
    case 'eod': {
      const p = m.params;
      const pr = Math.round(p.projected);
      const fc = Math.round(p.forecast);
      return p.bad
        ? `end-of-day ${metricEn(p.metric, true)} will miss forecast by ${p.shortfall_pct}% (projected ${pr} vs ${fc})`
        : `end-of-day ${metricEn(p.metric, true)} projected ${pr} vs forecast ${fc}`;
    }
    case 'silence': {
      const p = m.params;
      const late = p.late
        ? `; ${p.late} more arrived late, up to ${p.late_minutes ?? 0} min behind: delivery delayed, not stopped`
        : p.last_at !== undefined
          ? `; last one at ${hhmm(p.last_at)} UTC${p.via ? ` (by ${p.via})` : ''}, ${
              p.provider_live
                ? `while ${p.provider ?? 'the provider'}'s other events still arrive: stopped, not a delivery delay`
                : `nothing from ${p.provider ?? 'it'} since: stopped or delivery delayed, not known yet`
            }`
          : '';
      return `${countEn(p.observed, 'attempt')} in ${p.minutes} min, ${Math.round(p.expected)} expected (${formatP('P', p.p)})${late}`;
    }
    case 'mix_stable': {
      const p = m.params;
      const vs = p.season_days !== null ? ` vs this time of day on ${p.season_days} past days` : '';
      return `decline mix stable (JSD ${p.jsd.toFixed(3)}${vs})${p.adopted_minutes !== null ? `; the new mix, stable for ${p.adopted_minutes} min, is the baseline now` : ''}`;
    }
    case 'mix_shifted': {
      const p = m.params;
      const c = (x: string) => categoryName(x, 'en');
      const vs = p.season_days !== null ? ` vs this time of day on ${p.season_days} past days` : '';
      const transfer = p.from !== null ? ` (${c(p.from)} → ${p.to === null ? '?' : c(p.to)})` : '';
      const shifts = p.shifts.map((x) => `${c(x.category)} +${(x.value * 100).toFixed(0)} pp`).join(', ');
      return `decline mix shifted (JSD ${p.jsd.toFixed(3)} over ${countEn(p.failures, 'failure')}${vs}, ${formatP('p', p.p)}${transfer})${shifts ? `: ${shifts}` : ''}`;
    }
    case 'univariate': {
      const p = m.params;
      return `${metricEn(p.metric)} ${formatMetric(p.metric, p.value)}, anomaly score ${p.score.toFixed(2)} (expected ≈ ${formatMetric(p.metric, p.expected)})`;
    }
    case 'card_testing': {
      const p = m.params;
      return `card testing suspected on ${cardKey(p.dimension, 'en')} ${p.entity}: ${countEn(p.attempts, 'small attempt')} (≤ ${p.small_amount}) in ${p.window_minutes} min, ${p.declined} declined`;
    }
    case 'velocity': {
      const p = m.params;
      return p.over === 'count'
        ? `customer ${p.customer} made ${countEn(p.value, 'attempt')} in ${p.window_minutes} min (limit ${p.limit} for ${p.level})`
        : `customer ${p.customer} moved ${p.value.toFixed(2)} in ${p.window_minutes} min (limit ${p.limit} for ${p.level})`;
    }
    case 'aml': {
      const p = m.params;
      return `transaction ${p.payment} of ${p.amount} ${p.currency === '*' ? '(reporting)' : p.currency} reaches the AML threshold ${p.threshold}`;
    }
    case 'structuring': {
      const p = m.params;
      return `customer ${p.customer} made ${countEn(p.count, 'transaction')} just below the ${p.threshold} threshold in ${p.window_hours} h (total ${p.total.toFixed(2)})`;
    }
    case 'limit': {
      const p = m.params;
      return `${p.per_transaction ? 'transaction' : '24 h total'} ${p.value.toFixed(2)} exceeds the ${p.per_transaction ? 'per-transaction' : 'daily'} limit ${p.limit} for level ${p.level}`;
    }
    case 'retired': {
      // The ended alert's sentence in today's words when it came as data (else as it was stored).
      const p = m.params;
      return `resolved: ${RETIRED[p.reason].en} (was: ${p.was_message ? summaryEn(p.was_message) : p.was})`;
    }
  }
}

function zh(m: SummaryMessage): string {
  switch (m.key) {
    case 'learning':
      return `正在学习${LEARNING[m.params.what].zh}`;
    case 'too_few_attempts': {
      const p = m.params;
      return `尝试 ${p.attempts} 笔 < ${p.min}${p.merged ? '：并入下一步计算' : ''}`;
    }
    case 'too_few_failures':
      return `失败 ${m.params.failures} 笔 < ${m.params.min}`;
    case 'threshold': {
      const p = m.params;
      return `${METRIC_ZH(p.metric)} ${fm(p.metric, p.value, 'zh')} ${p.bad ? '' : '未'}${zhSide(p.op)}阈值 ${fm(p.metric, p.threshold, 'zh')}（${p.window_minutes} 分钟窗口）`;
    }
    case 'seasonal': {
      const p = m.params;
      const f = (v: number) => fm(p.metric, v, 'zh');
      const note = p.calendar.length ? `（日历：${p.calendar.join('、')}）` : '';
      return p.side
        ? `${METRIC_ZH(p.metric)} ${f(p.value)}，${zhSide(p.side)}该时段的常规区间 ${f(p.lower)}–${f(p.upper)}${note}`
        : `${METRIC_ZH(p.metric)} ${f(p.value)}，处于常规区间 ${f(p.lower)}–${f(p.upper)} 内${note}`;
    }
    case 'level': {
      const p = m.params;
      const f = (v: number) => fm(p.metric, v, 'zh');
      const side = p.side ? `（${p.side === 'above' ? '高于上限' : '低于下限'} ${f(p.edge)}）` : '';
      return `${METRIC_ZH(p.metric)} ${f(p.value)}，近 ${p.baseline_minutes} 分钟均值 ${f(p.mean)}${side}`;
    }
    case 'rate': {
      const p = m.params;
      const f = (v: number | null) => fm(p.metric, v, 'zh');
      const over =
        p.payments === undefined ? `${p.attempts} 笔尝试` : `${p.payments} 笔支付，${p.attempts} 笔尝试`;
      const held = p.held_minutes === undefined ? '' : `，已持续 ${p.held_minutes} 分钟`;
      return `${METRIC_ZH(p.metric)} ${f(p.value)}（${over}，置信区间 ${f(p.lower)}–${f(p.upper)}），基线 ${f(p.baseline)}${held}`;
    }
    case 'slo': {
      const p = m.params;
      return `${p.long_minutes} 分钟技术成功率 ${p.value === null ? '无' : pct2(p.value)}；错误预算消耗速率 ${p.long_burn.toFixed(1)}×（${p.long_minutes} 分钟）与 ${p.short_burn.toFixed(1)}×（${p.short_minutes} 分钟），告警阈值 ${p.burn_rate}×，SLO ${pct2(p.objective)}`;
    }
    case 'forecast_breach': {
      const p = m.params;
      return `${METRIC_ZH(p.metric)}（平滑后）${fm(p.metric, p.level, 'zh')}，已${zhSide(p.breach)}阈值 ${fm(p.metric, p.threshold, 'zh')}`;
    }
    case 'forecast_cross': {
      const p = m.params;
      const f = (v: number) => fm(p.metric, v, 'zh');
      return `${METRIC_ZH(p.metric)} 预计约 ${p.eta_minutes} 分钟后越过 ${f(p.threshold)}（当前 ${f(p.now)}，每步趋势 ${f(p.trend)}）`;
    }
    case 'forecast': {
      const p = m.params;
      const f = (v: number) => fm(p.metric, v, 'zh');
      return `${METRIC_ZH(p.metric)} ${f(p.value)}，预测 ${f(p.mean)} ± ${f(p.half)}`;
    }
    case 'eod': {
      const p = m.params;
      const pr = Math.round(p.projected);
      const fc = Math.round(p.forecast);
      return p.bad
        ? `当日${METRIC_ZH(p.metric)}预计低于预测 ${p.shortfall_pct}%（预计 ${pr}，预测 ${fc}）`
        : `当日${METRIC_ZH(p.metric)}预计 ${pr}，预测 ${fc}`;
    }
    case 'silence': {
      const p = m.params;
      // "仅" (only) for a shortfall alone: the sentence also describes the normal evaluations of
      // an alert held by keep_firing_for and its resolve (940 attempts, 772 expected).
      const only = p.observed < p.expected ? '仅 ' : ' ';
      const late = p.late
        ? `；另有 ${p.late} 笔迟到，最多晚 ${p.late_minutes ?? 0} 分钟：数据延迟送达，并非交易停止`
        : p.last_at !== undefined
          ? `；最后一笔在 UTC ${hhmm(p.last_at)}${p.via ? `（${p.via}）` : ''}，${
              p.provider_live
                ? `${p.provider ?? '渠道'} 的其他事件仍按时到达：交易已停止，并非送达延迟`
                : `此后未收到 ${p.provider ?? '该切片'} 的任何事件：交易停止或送达延迟，尚无法判断`
            }`
          : '';
      return `${p.minutes} 分钟内${only}${p.observed} 笔尝试，预期 ${Math.round(p.expected)} 笔（${formatP('P', p.p)}）${late}`;
    }
    case 'mix_stable': {
      const p = m.params;
      const vs = p.season_days !== null ? `，对比过去 ${p.season_days} 天同一时段` : '';
      const adopted =
        p.adopted_minutes !== null ? `；新的构成已稳定 ${p.adopted_minutes} 分钟，现为基线` : '';
      return `失败原因构成稳定（JSD ${p.jsd.toFixed(3)}${vs}）${adopted}`;
    }
    case 'mix_shifted': {
      const p = m.params;
      const vs = p.season_days !== null ? `，对比过去 ${p.season_days} 天同一时段` : '';
      const transfer =
        p.from !== null ? `，${categoryZh(p.from)} → ${p.to === null ? '?' : categoryZh(p.to)}` : '';
      const shifts = p.shifts
        .map((x) => `${categoryZh(x.category)} +${(x.value * 100).toFixed(0)} 个百分点`)
        .join('、');
      return `失败原因构成突变（${p.failures} 笔失败，JSD ${p.jsd.toFixed(3)}${vs}，${formatP('p', p.p)}${transfer}）${shifts ? `：${shifts}` : ''}`;
    }
    case 'univariate': {
      const p = m.params;
      return `${METRIC_ZH(p.metric)} ${fm(p.metric, p.value, 'zh')}，异常分数 ${p.score.toFixed(2)}（预期 ≈ ${fm(p.metric, p.expected, 'zh')}）`;
    }
    case 'card_testing': {
      const p = m.params;
      return `疑似盗卡测试：${cardKey(p.dimension, 'zh')} ${p.entity} 在 ${p.window_minutes} 分钟内 ${p.attempts} 笔小额尝试（≤ ${p.small_amount}），${p.declined} 笔被拒`;
    }
    case 'velocity': {
      const p = m.params;
      return p.over === 'count'
        ? `客户 ${p.customer} 在 ${p.window_minutes} 分钟内尝试 ${p.value} 笔（${p.level} 级上限 ${p.limit}）`
        : `客户 ${p.customer} 在 ${p.window_minutes} 分钟内交易 ${p.value.toFixed(2)}（${p.level} 级上限 ${p.limit}）`;
    }
    case 'aml': {
      const p = m.params;
      return `交易 ${p.payment} 金额 ${p.amount} ${p.currency === '*' ? '（报告币种）' : p.currency}，达到反洗钱阈值 ${p.threshold}`;
    }
    case 'structuring': {
      const p = m.params;
      return `客户 ${p.customer} 在 ${p.window_hours} 小时内有 ${p.count} 笔交易略低于阈值 ${p.threshold}（合计 ${p.total.toFixed(2)}）`;
    }
    case 'limit': {
      const p = m.params;
      return `${p.per_transaction ? '单笔交易' : '24 小时累计'} ${p.value.toFixed(2)} 超过 ${p.level} 级${p.per_transaction ? '单笔' : '每日'}限额 ${p.limit}`;
    }
    case 'retired': {
      const p = m.params;
      return `已恢复：${RETIRED[p.reason].zh}（此前：${p.was_message ? zh(p.was_message) : p.was}）`;
    }
  }
}

const metric = z.enum(SERIES_METRICS);
const side = z.enum(['above', 'below']);
const num = z.number();
const msg = <K extends keyof SummaryParams, P extends z.ZodType<SummaryParams[K]>>(key: K, params: P) =>
  z.object({ key: z.literal(key), params });

/**
 * `SummaryMessage` at a boundary (the alerts API's `message`, read by the dashboard). A reader
 * that meets a message it cannot parse (a key from a newer engine, a figure that JSON turned
 * into null) shows the English `summary` instead.
 */
export const SummaryMessageSchema: z.ZodType<SummaryMessage> = z.discriminatedUnion('key', [
  msg(
    'learning',
    z.object({
      what: z.enum([
        'baseline',
        'recent_level',
        'seasonal_baseline',
        'forecast',
        'daily_totals',
        'expected_volume',
        'decline_mix',
      ]),
    }),
  ),
  msg('too_few_attempts', z.object({ attempts: num, min: num, merged: z.boolean().optional() })),
  msg('too_few_failures', z.object({ failures: num, min: num })),
  msg(
    'threshold',
    z.object({ metric, value: num, bad: z.boolean(), op: side, threshold: num, window_minutes: num }),
  ),
  msg(
    'seasonal',
    z.object({
      metric,
      value: num,
      side: side.nullable(),
      lower: num,
      upper: num,
      calendar: z.array(z.string()),
    }),
  ),
  msg(
    'level',
    z.object({ metric, value: num, mean: num, baseline_minutes: num, side: side.nullable(), edge: num }),
  ),
  msg(
    'rate',
    z.object({
      metric,
      value: num.nullable(),
      attempts: num,
      payments: num.optional(),
      lower: num,
      upper: num,
      baseline: num,
      held_minutes: num.optional(),
    }),
  ),
  msg(
    'slo',
    z.object({
      value: num.nullable(),
      long_minutes: num,
      short_minutes: num,
      long_burn: num,
      short_burn: num,
      burn_rate: num,
      objective: num,
    }),
  ),
  msg('forecast_breach', z.object({ metric, level: num, breach: side, threshold: num })),
  msg('forecast_cross', z.object({ metric, threshold: num, eta_minutes: num, now: num, trend: num })),
  msg('forecast', z.object({ metric, value: num, mean: num, half: num })),
  msg('eod', z.object({ metric, bad: z.boolean(), shortfall_pct: num, projected: num, forecast: num })),
  msg(
    'silence',
    z.object({
      observed: num,
      minutes: num,
      expected: num,
      p: num,
      late: num.optional(),
      late_minutes: num.optional(),
      last_at: num.optional(),
      via: z.string().optional(),
      provider: z.string().optional(),
      provider_live: z.boolean().optional(),
    }),
  ),
  msg('mix_stable', z.object({ jsd: num, season_days: num.nullable(), adopted_minutes: num.nullable() })),
  msg(
    'mix_shifted',
    z.object({
      jsd: num,
      failures: num,
      season_days: num.nullable(),
      p: num,
      from: z.string().nullable(),
      to: z.string().nullable(),
      shifts: z.array(z.object({ category: z.string(), value: num })),
    }),
  ),
  msg('univariate', z.object({ metric, value: num, score: num, expected: num })),
  msg(
    'card_testing',
    z.object({
      dimension: z.string(),
      entity: z.string(),
      attempts: num,
      small_amount: num,
      window_minutes: num,
      declined: num,
    }),
  ),
  msg(
    'velocity',
    z.object({
      customer: z.string(),
      over: z.enum(['count', 'amount']),
      value: num,
      window_minutes: num,
      limit: num.nullable(),
      level: z.string(),
    }),
  ),
  msg('aml', z.object({ payment: z.string(), amount: num, currency: z.string(), threshold: num })),
  msg(
    'structuring',
    z.object({ customer: z.string(), count: num, threshold: num, window_hours: num, total: num }),
  ),
  msg(
    'limit',
    z.object({ per_transaction: z.boolean(), value: num, limit: num.nullable(), level: z.string() }),
  ),
  msg(
    'retired',
    z.object({
      reason: z.enum(['rule_removed', 'rule_changed']),
      was: z.string(),
      get was_message() {
        return SummaryMessageSchema.nullable();
      },
    }),
  ),
]);
