import type { DeliveryRecord } from '../notify/delivery-log.js';
import { escalationLogKey } from '../route/dispatcher.js';
import type { NotificationLogEntry } from '../route/dispatcher.js';
import type { AlertState } from '../state/alert-state.js';

/** `<route group key>/escalation/<step>`: the group key the dispatcher gives an escalation's notification. */
const ESCALATION_GROUP = /^(.*)\/escalation\/(\d+)$/;

/**
 * Escalations sent by a release that kept them in memory only (before 3a96100: 376690e and
 * earlier), rebuilt from the delivery log as the notification-log entries this release keeps
 * (`escalationLogKey`: `<receiver>|<group key>/escalation/<step>`, the firing alert ids). Without
 * them the first start after such an upgrade sends every unacknowledged firing alert's
 * ESCALATED notification a second time.
 *
 * Only for steps the notification log has no entry of (an entry this release wrote is the
 * truth), only alerts firing now, and only deliveries sent during their current episode (an
 * escalation of an earlier episode of the same alert id says nothing about this one).
 */
export function legacyEscalations(
  deliveries: readonly DeliveryRecord[],
  states: Iterable<AlertState>,
  has: (key: string) => boolean,
): NotificationLogEntry[] {
  const episodeStart = new Map<string, number>();
  for (const s of states)
    if (s.status === 'firing') episodeStart.set(s.id, s.active_since ?? s.fired_at ?? s.last_eval_at);
  const out = new Map<string, NotificationLogEntry>();
  for (const r of deliveries) {
    const step = ESCALATION_GROUP.exec(r.group_key);
    if (r.reason !== 'escalation' || r.status !== 'sent' || !step?.[1]) continue;
    // A delivery through the receiver's fallback was the escalation receiver's notification.
    const key = escalationLogKey(step[1], Number(step[2]), r.fallback_for ?? r.receiver);
    if (has(key)) continue;
    const ids = r.alert_ids.filter((id) => {
      const since = episodeStart.get(id);
      return since !== undefined && r.at >= since;
    });
    if (!ids.length) continue;
    const e = out.get(key) ?? { key, at: r.at, firing: [], resolved: [] };
    e.at = Math.max(e.at, r.at);
    e.firing = [...new Set([...e.firing, ...ids])].sort();
    out.set(key, e);
  }
  return [...out.values()];
}
