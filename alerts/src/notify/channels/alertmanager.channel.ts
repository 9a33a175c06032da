import { z } from 'zod';
import { annotationsOf } from '../alertmanager-format.js';
import { hostOf, postJson } from '../http.js';
import { maskPans } from '../../lib/mask.js';
import type { Channel, Notification, NotifyAlert } from '../types.js';

/**
 * Forwards alerts to a real Alertmanager through its API (`POST /api/v2/alerts`). Firing
 * alerts are sent with an `endsAt` of now + `resolve_timeout` (Alertmanager expects clients to
 * re-send while firing: the dispatcher refreshes them, `keepAliveMs`, since reminders come only
 * every `repeat_interval`, 4 h by default, and never for an acknowledged alert); resolved alerts
 * with their end time.
 */
export const AlertmanagerSpecSchema = z.strictObject({
  type: z.literal('alertmanager'),
  url: z.url(),
  resolve_timeout_minutes: z.number().int().positive().default(60),
  basic_auth: z.strictObject({ username: z.string(), password: z.string() }).optional(),
});
export type AlertmanagerSpec = z.infer<typeof AlertmanagerSpecSchema>;

/**
 * `endsAt` of a "send test notification" push (now + 5 min): Alertmanager shows it as active,
 * then resolves it. At `resolve_timeout` (60 min) it looked like a real incident for an hour.
 */
export const TEST_ENDS_AFTER_MS = 5 * 60_000;

/**
 * The labels an alert is forwarded to Alertmanager with: its labels without the finding labels.
 * Alertmanager identifies an alert by its label set; a finding label named mid-episode (a
 * provider page gaining `country=AU`) made it a second alert there, and the first, no longer
 * refreshed, was resolved at its `endsAt` while the outage went on.
 */
export function identityLabels(a: Pick<NotifyAlert, 'labels' | 'finding_labels'>): Record<string, string> {
  const finding = a.finding_labels ?? {};
  return Object.fromEntries(Object.entries(a.labels).filter(([k]) => !(k in finding)));
}

export function alertmanagerAlerts(
  n: Notification,
  now: number,
  resolveTimeoutMs: number,
): Record<string, unknown>[] {
  return n.alerts.map((a) => ({
    labels: Object.fromEntries(Object.entries(identityLabels(a)).map(([k, v]) => [k, maskPans(v)])),
    // Finding labels as annotations (never over one of ours): they may appear mid-episode.
    annotations: {
      ...Object.fromEntries(Object.entries(a.finding_labels ?? {}).map(([k, v]) => [k, maskPans(v)])),
      ...annotationsOf(a, n),
    },
    startsAt: new Date(a.starts_at).toISOString(),
    endsAt: new Date(
      a.status === 'resolved'
        ? (a.ends_at ?? now)
        : now + (n.reason === 'test' ? Math.min(TEST_ENDS_AFTER_MS, resolveTimeoutMs) : resolveTimeoutMs),
    ).toISOString(),
    generatorURL: a.dashboard_url,
  }));
}

export function createAlertmanagerChannel(
  spec: AlertmanagerSpec,
  deps: { now?: () => number } = {},
): Channel {
  const now = deps.now ?? Date.now;
  const base = spec.url.replace(/\/+$/, '');
  return {
    type: 'alertmanager',
    target: hostOf(spec.url),
    keepAliveMs: spec.resolve_timeout_minutes * 60_000,
    async send(n, signal) {
      const headers: Record<string, string> = {};
      if (spec.basic_auth)
        headers['authorization'] =
          `Basic ${Buffer.from(`${spec.basic_auth.username}:${spec.basic_auth.password}`).toString('base64')}`;
      await postJson(
        `${base}/api/v2/alerts`,
        alertmanagerAlerts(n, now(), spec.resolve_timeout_minutes * 60_000),
        { signal, headers },
      );
    },
  };
}
