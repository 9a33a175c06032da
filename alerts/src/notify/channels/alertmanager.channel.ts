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
function identityLabels(a: Pick<NotifyAlert, 'labels' | 'finding_labels'>): Record<string, string> {
  const finding = a.finding_labels ?? {};
  return Object.fromEntries(Object.entries(a.labels).filter(([k]) => !(k in finding)));
}

/** One alert of a `POST /api/v2/alerts` body. */
export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** Alerts remembered by `pushed` at most (the alerts of a channel firing at once). */
const PUSHED_MAX = 20_000;

export function alertmanagerAlerts(n: Notification, now: number, resolveTimeoutMs: number): AmAlert[] {
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
  /**
   * The label set each firing alert was last pushed with (by id, oldest first): when it changes
   * (an `slo` rule moving between its burn windows' severities), the old set is pushed resolved
   * with it. Left alone, Alertmanager kept the old set firing until its `endsAt`, up to
   * `resolve_timeout_minutes` after paywatch resolved the alert, and then sent its RESOLVED.
   */
  const pushed = new Map<string, { key: string; labels: Record<string, string> }>();
  return {
    type: 'alertmanager',
    target: hostOf(spec.url),
    keepAliveMs: spec.resolve_timeout_minutes * 60_000,
    async send(n, signal) {
      const headers: Record<string, string> = {};
      if (spec.basic_auth)
        headers['authorization'] =
          `Basic ${Buffer.from(`${spec.basic_auth.username}:${spec.basic_auth.password}`).toString('base64')}`;
      const at = now();
      const alerts = alertmanagerAlerts(n, at, spec.resolve_timeout_minutes * 60_000);
      const keys = alerts.map((a) => JSON.stringify(Object.entries(a.labels).sort()));
      const ended: AmAlert[] = [];
      if (n.reason !== 'test')
        n.alerts.forEach((a, i) => {
          const before = pushed.get(a.id);
          if (before && before.key !== keys[i])
            ended.push({ ...alerts[i]!, labels: before.labels, endsAt: new Date(at).toISOString() });
        });
      await postJson(`${base}/api/v2/alerts`, [...ended, ...alerts], { signal, headers });
      if (n.reason === 'test') return;
      n.alerts.forEach((a, i) => {
        pushed.delete(a.id);
        if (a.status === 'firing') pushed.set(a.id, { key: keys[i]!, labels: alerts[i]!.labels });
      });
      while (pushed.size > PUSHED_MAX) pushed.delete(pushed.keys().next().value!);
    },
  };
}
