import { maskPans } from '../lib/mask.js';
import { alertLines, reminderLine, summaryOf } from './render.js';
import type { Notification, NotifyAlert } from './types.js';

/** Alertmanager's zero time, used as endsAt of firing alerts in the webhook format. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Annotations carried by every forwarded/webhook alert. */
export function annotationsOf(
  a: NotifyAlert,
  n: Pick<Notification, 'locale' | 'sent_at'>,
): Record<string, string> {
  const ann: Record<string, string> = {
    summary: maskPans(summaryOf(a, n.locale)),
    description: alertLines(a, n.locale, n.sent_at).slice(1).join('\n'),
    dashboard_url: a.dashboard_url,
    revenue_at_risk: a.revenue_at_risk.toFixed(2),
    reporting_currency: a.reporting_currency,
  };
  if (a.value !== null) ann['value'] = String(a.value);
  if (a.expected !== null) ann['expected'] = String(a.expected);
  if (a.samples.length) ann['samples'] = a.samples.join(',');
  if (a.acknowledged_by) ann['acknowledged_by'] = a.acknowledged_by;
  return ann;
}

function common(maps: Record<string, string>[]): Record<string, string> {
  const first = maps[0];
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first)) if (maps.every((m) => m[k] === v)) out[k] = v;
  return out;
}

/** The Alertmanager webhook payload (version 4), so existing webhook consumers work unchanged. */
export function alertmanagerWebhookPayload(n: Notification): Record<string, unknown> {
  // A reminder keeps the format: its alerts carry one more annotation saying so.
  const reminder = reminderLine(n);
  const alerts = n.alerts.map((a) => {
    const labels = Object.fromEntries(Object.entries(a.labels).map(([k, v]) => [k, maskPans(v)]));
    return {
      status: a.status,
      labels,
      annotations: { ...annotationsOf(a, n), ...(reminder && a.status === 'firing' ? { reminder } : {}) },
      startsAt: new Date(a.starts_at).toISOString(),
      endsAt: a.ends_at === null ? ZERO_TIME : new Date(a.ends_at).toISOString(),
      generatorURL: a.dashboard_url,
      fingerprint: a.id,
    };
  });
  return {
    version: '4',
    groupKey: n.group_key,
    truncatedAlerts: 0,
    status: n.status,
    receiver: n.receiver,
    groupLabels: n.group_labels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: n.external_url,
    alerts,
  };
}
