import type { InhibitRule } from '../mute/inhibit.js';
import { inhibitedBy } from '../mute/inhibit.js';
import { matchesAll } from '../mute/matchers.js';
import type { SilenceRegistry } from '../mute/silences.js';
import type { Notifier } from '../notify/notifier.js';
import type { NotifyAlert } from '../notify/types.js';
import type { Route } from './route.js';
import { groupLabels, matchRoutes } from './route.js';

/** What was last notified for one receiver × group (Alertmanager's notification log). */
export interface NotificationLogEntry {
  key: string;
  at: number;
  firing: string[];
  resolved: string[];
}

/** Persistence of the notification log, so a restart neither re-sends a firing nor loses a resolve. */
export interface NotificationLogStore {
  get(key: string): NotificationLogEntry | undefined;
  set(entry: NotificationLogEntry): void;
}

/**
 * Why an alert is not notified right now: the silences muting it, the alert inhibiting it, and
 * whether it flaps (`Dispatcher.setFlapping`: nothing is sent about it until it settles).
 */
export interface MuteInfo {
  silenced_by: string[];
  inhibited_by: string | null;
  flapping: boolean;
}

interface Group {
  key: string;
  route: Route;
  labels: Record<string, string>;
  alerts: Map<string, NotifyAlert>;
  next_flush_at: number;
  /**
   * The last escalation attempt could not be delivered: it is tried again with the group's next
   * flush (every `group_interval`), not at every tick (back to back, each attempt a delivery-log
   * record, for as long as the escalation receiver fails).
   */
  escalation_failed: boolean;
  /** The last keep-alive refresh failed: likewise tried again with the next flush. */
  refresh_failed: boolean;
  /** The last flush's send to the group's receiver failed (escalation then need not wait for it). */
  send_failed: boolean;
}

/** Alerts to push again to one receiver of a group (`keepAlive`): its log key and group key. */
interface Refresh {
  receiver: string;
  key: string;
  group_key: string;
  alerts: NotifyAlert[];
}

/** A snapshot of a group for the API. */
export interface GroupSnapshot {
  key: string;
  receiver: string;
  labels: Record<string, string>;
  alert_ids: string[];
  next_flush_at: number;
}

/**
 * Routes alert updates into aggregation groups and flushes them on `tick(now)` (wall clock):
 * group_wait for a new group, group_interval between updates, repeat_interval for reminders
 * of still-firing unacknowledged alerts, then mute (silences, inhibition) → notify. Escalates
 * alerts unacknowledged for longer than a route's escalation step, and refreshes alerts to
 * channels that forget them (`keepAliveMs`), both checked every tick; a refresh runs in the
 * background, so a hung Alertmanager never holds back a page or an escalation. Groups flush independently
 * (never one twice at once), and a flush is done once one channel of the receiver took it (the
 * notifier sends the others on in the background); `tick` settles once every send under way is done.
 */
export interface Dispatcher {
  update(alert: NotifyAlert, now: number): void;
  tick(now: number): Promise<void>;
  acknowledge(alertId: string, by: string): boolean;
  /**
   * Withdraws an alert's acknowledgement at `at` (wall clock): reminders resume, and escalation
   * steps not yet taken count their `after` from `at` (a step already taken is not repeated).
   */
  unacknowledge(alertId: string, at: number): boolean;
  /**
   * Marks a notified alert flapping (or no longer): the engine sends no updates while an alert
   * flaps, so the group's copy is the last status notified, and it was reminded and escalated as
   * firing after it had resolved. A flapping alert is muted like a silenced one (its resolve still
   * owed).
   */
  setFlapping(alertId: string, flapping: boolean): void;
  mute(alert: NotifyAlert, now: number): MuteInfo;
  groups(): GroupSnapshot[];
}

export interface DispatcherDeps {
  /**
   * `refresh`/`keepAliveMs` (optional): re-sending firing alerts to channels that forget them.
   * `idle` (optional): channel sends still going after `notify` resolved, which `tick` settles after.
   */
  notifier: Pick<Notifier, 'notify'> & Partial<Pick<Notifier, 'refresh' | 'keepAliveMs' | 'idle'>>;
  silences: SilenceRegistry;
  nflog: NotificationLogStore;
  inhibitRules: InhibitRule[];
  /** `externalURL` of each notification (read when sent: the host's address may come late). */
  externalUrl?: () => string;
  /**
   * Awaited before a flush sends a page with a firing alert the receiver has not heard: the
   * engine makes its record of the pages it owes durable there (write-ahead), so a crash during
   * the send (`kill -9`, OOM) does not lose the page. A failure is logged by the caller; the
   * page is sent anyway.
   */
  beforeSend?: () => Promise<void>;
}

/** A target that began this long before an inhibiting source fired counts as its consequence too. */
const INHIBIT_LEAD_MS = 5 * 60_000;
/** How long an inhibiting source's ended episode keeps its consequences muted, at most. */
const INHIBIT_MEMORY_MS = 6 * 3_600_000;
/** Ended episodes remembered per inhibiting alert. */
const MAX_ENDED_EPISODES = 16;

/**
 * Where an alert's escalation steps count their `after` from: the start of its firing, or the
 * withdrawal of its acknowledgement when later (escalation resumes from there: an alert
 * acknowledged at once and un-acknowledged an hour later would otherwise be escalated at once).
 */
function escalationClock(a: NotifyAlert): number {
  return Math.max(a.starts_at, a.unacknowledged_at ?? -Infinity);
}

/** Notification-log key of escalation step `i` of a group (what was escalated, to whom). */
export function escalationLogKey(groupKey: string, i: number, receiver: string): string {
  return `${receiver}|${groupKey}/escalation/${i}`;
}

export function createDispatcher(deps: DispatcherDeps, route: Route): Dispatcher {
  const groups = new Map<string, Group>();
  /** The keys of the groups each alert was put in (`update`), to follow an alert whose labels change. */
  const memberOf = new Map<string, Set<string>>();
  /** Each route's ancestors, nearest first (by id: "0.1.2" → "0.1", "0"). */
  const ancestors = new Map<string, Route[]>();
  const walk = (r: Route, up: Route[]): void => {
    ancestors.set(r.id, up);
    for (const c of r.routes) walk(c, [r, ...up]);
  };
  walk(route, []);
  /** The group alert labels fall in under route `r`: its group labels and key. */
  const groupOf = (r: Route, alertLabels: Readonly<Record<string, string>>) => {
    const labels = groupLabels(r, alertLabels);
    return { route: r, labels, key: `${r.id}:${JSON.stringify(Object.entries(labels).sort())}` };
  };
  /**
   * Groups whose flush is awaiting its sends, and that flush. Groups flush independently: a
   * receiver that does not answer (retried for up to ~45 s with the default policy, then its
   * fallback) holds up its own group only, never a page to another receiver. A group is never
   * flushed twice at once.
   */
  const sending = new Map<Group, Promise<void>>();
  /**
   * Keep-alive refreshes under way, by group. Apart from
   * `sending`: a refresh to an Alertmanager that hangs (≈ 45 s of retries) held back the group's
   * escalation (and its next page) behind it — a page or an escalation never waits for one.
   */
  const refreshing = new Map<Group, Promise<void>>();
  /**
   * Escalations under way, by group: one at a time per group (each reads and writes the
   * escalation log, so two at once could page the manager twice), yet beside the group's flush —
   * a page to an on-call receiver that hangs (≈ 45 s) held back the escalation of what that
   * receiver had already been paged about.
   */
  const escalating = new Map<Group, Promise<unknown>>();

  /** Whether route `r`'s group `key` notified alert `id` as firing (its receiver or an escalation's). */
  function heardIn(r: Route, key: string, id: string): boolean {
    return (
      deps.nflog.get(`${r.receiver}|${key}`)?.firing.includes(id) === true ||
      r.escalate.some((step, i) =>
        deps.nflog.get(escalationLogKey(key, i, step.receiver))?.firing.includes(id),
      )
    );
  }

  function firingAlerts(): NotifyAlert[] {
    const seen = new Map<string, NotifyAlert>();
    for (const g of groups.values())
      for (const a of g.alerts.values()) if (a.status === 'firing') seen.set(a.id, a);
    return [...seen.values()];
  }

  /**
   * Inhibiting alerts' ended episodes, by alert id (an alert id is reused by every episode of its
   * rule × slice: the earlier episodes are kept too, up to MAX_ENDED_EPISODES). An alert whose own
   * episode began while such a source was firing (or up to INHIBIT_LEAD_MS before it) is the
   * incident's consequence and stays inhibited until it resolves: slices with longer windows than
   * the provider's rule fire on for minutes after the provider's alert resolved, and paged right
   * after its RESOLVED. Kept for INHIBIT_MEMORY_MS after the resolve.
   */
  const endedSources = new Map<string, NotifyAlert[]>();

  /** The rules whose mute outlasts the source for its consequences. */
  const holding = deps.inhibitRules.filter((r) => r.hold_consequences !== false);

  function isSource(a: NotifyAlert): boolean {
    return deps.inhibitRules.some((r) => matchesAll(r.source, a.labels));
  }

  function muteInfo(a: NotifyAlert, now: number, firing: NotifyAlert[]): MuteInfo {
    let inhibited: NotifyAlert | null = null;
    if (a.status === 'firing') {
      inhibited = inhibitedBy(deps.inhibitRules, a, firing);
      if (!inhibited && endedSources.size) {
        for (const [id, eps] of endedSources) {
          const kept = eps.filter((src) => src.ends_at !== null && now - src.ends_at <= INHIBIT_MEMORY_MS);
          if (kept.length) endedSources.set(id, kept);
          else endedSources.delete(id);
        }
        const during = [...endedSources.values()]
          .flat()
          .filter(
            (src) =>
              src.ends_at !== null &&
              a.starts_at >= src.starts_at - INHIBIT_LEAD_MS &&
              a.starts_at <= src.ends_at,
          );
        // A rule with hold_consequences: false mutes only while its source fires.
        inhibited = inhibitedBy(holding, a, during);
      }
    }
    return {
      silenced_by: deps.silences.mutedBy(a.labels, now).map((s) => s.id),
      inhibited_by: inhibited?.id ?? null,
      flapping: a.flapping === true,
    };
  }

  async function flush(g: Group, now: number, firingAll: NotifyAlert[]): Promise<void> {
    const logKey = `${g.route.receiver}|${g.key}`;
    const last = deps.nflog.get(logKey);
    const lastFiring = new Set(last?.firing ?? []);
    const firing: NotifyAlert[] = [];
    const resolved: NotifyAlert[] = [];
    // Notified, still firing, muted since (a silence, an inhibition): nothing is sent about them
    // now, but they stay in the log as heard, so their resolve still goes out when they end (it
    // was lost: the log forgot them the moment they were muted).
    const keep: string[] = [];
    for (const a of g.alerts.values()) {
      const m = muteInfo(a, now, firingAll);
      const muted = m.silenced_by.length > 0 || m.inhibited_by !== null || m.flapping;
      if (a.status === 'firing' && !muted) firing.push(a);
      if (a.status === 'firing' && muted && lastFiring.has(a.id)) keep.push(a.id);
      // A resolve is worth sending only to those who heard the firing.
      if (a.status === 'resolved' && lastFiring.has(a.id)) resolved.push(a);
    }
    const firingIds = firing.map((a) => a.id).sort();
    const heard = new Set([...lastFiring].filter((id) => !keep.includes(id)));
    const changed =
      firingIds.length !== heard.size || firingIds.some((id) => !heard.has(id)) || resolved.length > 0;
    const unacked = firing.some((a) => a.acknowledged_by === null);
    const repeatDue =
      last !== undefined && firing.length > 0 && unacked && now - last.at >= g.route.repeat_interval_ms;
    // A resolve of an alert whose refresh is under way reaches Alertmanager after it (sent before,
    // the refresh — firing, endsAt an hour ahead — would reopen the alert there): the notifier
    // sends a channel a group's notifications in order, so only that channel's send waits, not
    // the receiver's chat channels (until 27 Nov the whole resolve waited here for the refresh).
    let failed: unknown = null;
    try {
      if (changed && firing.some((a) => !lastFiring.has(a.id)))
        await deps.beforeSend?.().catch(() => undefined);
      if (changed && (firing.length > 0 || resolved.length > 0)) {
        await send(
          g,
          firing,
          resolved,
          last === undefined || last.firing.length === 0 ? 'new' : 'update',
          now,
          logKey,
          keep,
        );
      } else if (repeatDue) {
        await send(g, firing, [], 'repeat', now, logKey, keep);
      } else if (changed && firing.length === 0 && resolved.length === 0 && last) {
        // Nothing left to tell (what was heard is muted or gone): remember that, send nothing.
        deps.nflog.set({ key: logKey, at: last.at, firing: [...keep].sort(), resolved: [] });
      }
    } catch (e) {
      failed = e;
    }
    g.send_failed = failed !== null;
    // Not awaited: escalation (next) must not wait behind a refresh to a hung Alertmanager.
    if (failed === null) startRefresh(g, now);
    // Escalation runs even when the receiver's send failed: a receiver that cannot be reached
    // is when the next one is needed most (the failure was rethrown before it, so a dead
    // receiver without a working fallback was never escalated).
    // After an escalation a tick started meanwhile (it wrote who was escalated to).
    const prior = escalating.get(g);
    if (prior) await prior;
    const esc = escalate(g, now, firing, true);
    const mine = esc.catch(() => undefined); // what others wait on: never rejects
    escalating.set(g, mine);
    try {
      g.escalation_failed = await esc;
    } finally {
      if (escalating.get(g) === mine) escalating.delete(g);
    }
    if (failed !== null) throw failed;
    // Resolved alerts leave the group once every receiver that heard the firing got the resolve
    // (the log says who heard it: one that resolved while its firing was being sent is heard now).
    for (const a of [...g.alerts.values()]) {
      if (a.status === 'resolved' && !heardIn(g.route, g.key, a.id)) {
        g.alerts.delete(a.id);
        const of = memberOf.get(a.id);
        of?.delete(g.key);
        if (of?.size === 0) memberOf.delete(a.id);
      }
    }
    if (g.alerts.size === 0) {
      groups.delete(g.key);
      pushedAt.delete(logKey);
      for (const [i, step] of g.route.escalate.entries())
        pushedAt.delete(escalationLogKey(g.key, i, step.receiver));
    } else g.next_flush_at = now + g.route.group_interval_ms;
  }

  /**
   * When each receiver × group last pushed every alert its log has as heard and firing: a send
   * with none of them muted (a send leaves muted ones out), or a refresh. Not persisted: after a
   * restart the first flush refreshes.
   */
  const pushedAt = new Map<string, number>();

  /**
   * Channels that forget a firing alert unless told again (Alertmanager resolves it at its
   * `endsAt`, 60 min after the push) hear the group's notified, still-firing alerts again once
   * half that time has passed since they were all last pushed. Reminders did not do it: every
   * `repeat_interval` (4 h by default), never for an acknowledged or muted alert — Alertmanager
   * resolved such an alert an hour in, and told its own receivers so, while it still fired.
   * Checked every tick like escalation: at each flush only, a `resolve_timeout_minutes` under
   * twice the `group_interval` (Alertmanager's own default is 5 min) let alerts expire there
   * before each refresh. The receivers of the group's escalation steps likewise (the alerts
   * escalated to them). Returns the pushes due (none when not due).
   */
  function refreshable(g: Group, now: number): Refresh[] {
    if (!deps.notifier.refresh) return [];
    const targets = [
      { receiver: g.route.receiver, key: `${g.route.receiver}|${g.key}`, group_key: g.key },
      ...g.route.escalate.map((step, i) => ({
        receiver: step.receiver,
        key: escalationLogKey(g.key, i, step.receiver),
        group_key: `${g.key}/escalation/${i}`,
      })),
    ];
    return targets.flatMap((t) => {
      const ms = deps.notifier.keepAliveMs?.(t.receiver) ?? null;
      const entry = ms === null ? undefined : deps.nflog.get(t.key);
      // Not since the last send: one that left a muted alert out (a silence, a flapping alert)
      // did not push it, and a group updated every few minutes was never refreshed.
      if (ms === null || !entry || now - (pushedAt.get(t.key) ?? -Infinity) < ms / 2) return [];
      const alerts = [...g.alerts.values()].filter(
        (a) => a.status === 'firing' && entry.firing.includes(a.id),
      );
      return alerts.length ? [{ ...t, alerts }] : [];
    });
  }

  /**
   * Starts the group's due refreshes in the background (`refreshing`) unless one is under way;
   * a failure sets `refresh_failed` (tried again at the next flush).
   */
  function startRefresh(g: Group, now: number): void {
    if (refreshing.has(g)) return;
    const due = refreshable(g, now);
    if (!due.length) {
      g.refresh_failed = false; // nothing owed: the tick may refresh again when due
      return;
    }
    const p = keepAlive(g, now, due)
      .then((failed) => {
        g.refresh_failed = failed;
      })
      .catch(() => {
        g.refresh_failed = true; // the delivery log has it
      })
      .finally(() => refreshing.delete(g));
    refreshing.set(g, p);
  }

  /** Sets `patch` on the alert in every group that holds it; whether one did. */
  function patchAlert(alertId: string, patch: Partial<NotifyAlert>): boolean {
    let found = false;
    for (const g of groups.values()) {
      const a = g.alerts.get(alertId);
      if (a) {
        g.alerts.set(alertId, { ...a, ...patch });
        found = true;
      }
    }
    return found;
  }

  /** Makes the pushes `refreshable` found due; whether one failed. */
  async function keepAlive(g: Group, now: number, due: Refresh[]): Promise<boolean> {
    let failed = false;
    for (const r of due) {
      if (!deps.notifier.refresh) break;
      const out = await deps.notifier.refresh(r.receiver, {
        group_key: r.group_key,
        group_labels: g.labels,
        status: 'firing',
        alerts: r.alerts,
        sent_at: now,
        external_url: deps.externalUrl?.() ?? '',
      });
      // Not for a group that ended while this refresh was under way (its keys were dropped).
      if (out.ok && groups.get(g.key) === g) pushedAt.set(r.key, now);
      else if (!out.ok) failed = true;
    }
    return failed;
  }

  /**
   * Escalation of unacknowledged firing alerts (`firing`: the group's unmuted ones). Who was
   * escalated to is kept in the notification log (persisted), so a restart does not escalate
   * again and the resolve reaches the escalation receiver too (`withResolves`; one not delivered
   * stays in the log, so the alert stays in the group and it is tried again). Returns whether an
   * escalation due could not be delivered.
   */
  async function escalate(
    g: Group,
    now: number,
    firing: NotifyAlert[],
    withResolves: boolean,
  ): Promise<boolean> {
    let failed = false;
    for (const [i, step] of g.route.escalate.entries()) {
      const escKey = escalationLogKey(g.key, i, step.receiver);
      const escLast = deps.nflog.get(escKey);
      const escalated = new Set(escLast?.firing ?? []);
      const escResolved = [...g.alerts.values()].filter(
        (a) => a.status === 'resolved' && escalated.has(a.id),
      );
      if (withResolves && escResolved.length) {
        const out = await deps.notifier.notify(step.receiver, {
          group_key: `${g.key}/escalation/${i}`,
          group_labels: g.labels,
          status: 'resolved',
          alerts: escResolved,
          reason: 'update',
          sent_at: now,
          external_url: deps.externalUrl?.() ?? '',
        });
        if (out.delivered) for (const a of escResolved) escalated.delete(a.id);
      }
      const due = firing.filter(
        (a) =>
          a.acknowledged_by === null && now - escalationClock(a) >= step.after_ms && !escalated.has(a.id),
      );
      if (due.length) {
        const out = await deps.notifier.notify(step.receiver, {
          group_key: `${g.key}/escalation/${i}`,
          group_labels: g.labels,
          status: 'firing',
          alerts: due,
          reason: 'escalation',
          sent_at: now,
          external_url: deps.externalUrl?.() ?? '',
        });
        if (out.delivered) {
          // Carrying every firing alert escalated to this receiver, it counts as their push (the
          // keep-alive's clock); else a refresh follows at the next tick.
          const others = [...g.alerts.values()].some(
            (a) => a.status === 'firing' && escalated.has(a.id) && !due.some((d) => d.id === a.id),
          );
          if (out.ok && !others) pushedAt.set(escKey, now);
          for (const a of due) escalated.add(a.id);
        } else failed = true;
      }
      const ids = [...escalated].sort();
      if (escLast || ids.length)
        if (!escLast || ids.length !== escLast.firing.length || ids.some((id, k) => id !== escLast.firing[k]))
          deps.nflog.set({ key: escKey, at: now, firing: ids, resolved: [] });
    }
    return failed;
  }

  /**
   * The group's unmuted firing alerts when one of them is due for an escalation step it has not
   * had, else null. Checked every tick: an escalation waited for the group's next flush, up to a
   * `group_interval` (5 min by default) late.
   */
  function escalationDue(g: Group, now: number, firingAll: NotifyAlert[]): NotifyAlert[] | null {
    if (!g.route.escalate.length || g.escalation_failed) return null;
    // Only alerts the group's receiver was paged about (or could not be: its send failed): one it
    // has not heard yet (a silence just ended) is escalated at the flush that sends it, after it —
    // checked every tick, the escalation went out first, up to a group_interval before the page.
    const heard = deps.nflog.get(`${g.route.receiver}|${g.key}`)?.firing ?? [];
    const open = [...g.alerts.values()].filter(
      (a) =>
        a.status === 'firing' &&
        a.acknowledged_by === null &&
        a.flapping !== true &&
        (g.send_failed || heard.includes(a.id)),
    );
    const due = g.route.escalate.some((step, i) => {
      const escalated = deps.nflog.get(escalationLogKey(g.key, i, step.receiver))?.firing ?? [];
      return open.some((a) => now - escalationClock(a) >= step.after_ms && !escalated.includes(a.id));
    });
    if (!due) return null;
    const firing = open.filter((a) => {
      const m = muteInfo(a, now, firingAll);
      return m.silenced_by.length === 0 && m.inhibited_by === null;
    });
    return firing.length ? firing : null;
  }

  async function send(
    g: Group,
    firing: NotifyAlert[],
    resolved: NotifyAlert[],
    reason: 'new' | 'update' | 'repeat',
    now: number,
    logKey: string,
    /** Heard before and muted now: still recorded as heard (their resolve is owed). */
    keep: string[],
  ): Promise<void> {
    const out = await deps.notifier.notify(g.route.receiver, {
      group_key: g.key,
      group_labels: g.labels,
      status: firing.length ? 'firing' : 'resolved',
      alerts: [...firing, ...resolved],
      reason,
      sent_at: now,
      external_url: deps.externalUrl?.() ?? '',
    });
    // Only a delivered notification enters the log: a failed one is tried again next interval.
    // Delivered through the fallback counts: its people were paged (and get the resolve).
    if (out.delivered) {
      if (out.ok && keep.length === 0) pushedAt.set(logKey, now);
      deps.nflog.set({
        key: logKey,
        at: now,
        firing: [...firing.map((a) => a.id), ...keep].sort(),
        resolved: resolved.map((a) => a.id),
      });
    } else {
      // Keep resolved alerts so the resolve is retried.
      for (const a of resolved) g.alerts.set(a.id, { ...a, status: 'resolved' });
      throw new Error('delivery failed');
    }
  }

  return {
    update(alert, now) {
      if (alert.status === 'resolved' && isSource(alert)) {
        const eps = (endedSources.get(alert.id) ?? []).filter((e) => e.starts_at !== alert.starts_at);
        endedSources.set(alert.id, [...eps, alert].slice(-MAX_ENDED_EPISODES));
      }
      const into = new Set<string>();
      for (const matched of matchRoutes(route, alert.labels)) {
        // A child route added since an ancestor's group notified the alert to the same receiver
        // (an upgrade whose route tree grew, e.g. the default pack's decline_mix_shift route):
        // that group keeps it, or the alert is paged again as new and its resolve never reaches
        // the first group.
        let place = groupOf(matched, alert.labels);
        if (!heardIn(matched, place.key, alert.id)) {
          for (const a of ancestors.get(matched.id) ?? []) {
            if (a.receiver !== matched.receiver) continue;
            const up = groupOf(a, alert.labels);
            if (heardIn(a, up.key, alert.id)) {
              place = up;
              break;
            }
          }
        }
        const { route: r, labels, key } = place;
        let g = groups.get(key);
        if (!g) {
          if (alert.status === 'resolved' && !heardIn(r, key, alert.id)) continue;
          g = {
            key,
            route: r,
            labels,
            alerts: new Map(),
            next_flush_at: now + r.group_wait_ms,
            escalation_failed: false,
            refresh_failed: false,
            send_failed: false,
          };
          groups.set(key, g);
        }
        g.alerts.set(alert.id, alert);
        into.add(key);
      }
      // Labels that changed during the episode (a finding label named later, e.g. the provider a
      // decline-mix shift concentrates on) move the alert to other groups. A group it left and
      // that has not notified it drops it — still waiting in group_wait, it would be sent
      // without the label that mutes it; one that notified it keeps following it (its mute state,
      // reminders, and the resolve owed to whoever heard the firing).
      const was = memberOf.get(alert.id);
      if (was)
        for (const key of was) {
          if (into.has(key)) continue;
          const g = groups.get(key);
          if (!g?.alerts.has(alert.id)) was.delete(key);
          // One being sent may be notifying it right now (the log says so only once it is done).
          else if (sending.has(g) || heardIn(g.route, key, alert.id)) g.alerts.set(alert.id, alert);
          else {
            g.alerts.delete(alert.id);
            was.delete(key);
            if (g.alerts.size === 0) groups.delete(key);
          }
        }
      if (into.size) {
        const of = memberOf.get(alert.id) ?? new Set<string>();
        for (const key of into) of.add(key);
        memberOf.set(alert.id, of);
      } else if (was?.size === 0) memberOf.delete(alert.id);
    },
    tick(now) {
      const firingAll = firingAlerts();
      for (const g of [...groups.values()]) {
        // Between flushes, and while the group's flush is still sending: escalation is checked.
        if (sending.has(g) || g.next_flush_at > now) {
          if (!sending.has(g) && !g.refresh_failed) startRefresh(g, now);
          if (escalating.has(g)) continue;
          const firing = escalationDue(g, now, firingAll);
          if (!firing) continue;
          const p = escalate(g, now, firing, false)
            .then((failed) => {
              g.escalation_failed = failed;
            })
            .catch(() => undefined) // the delivery log has it; tried again at the next flush
            .finally(() => {
              if (escalating.get(g) === p) escalating.delete(g);
            });
          escalating.set(g, p);
          continue;
        }
        const p = flush(g, now, firingAll)
          .catch(() => {
            // Delivery failed: the delivery log has the details; retry at the next interval.
            g.next_flush_at = now + g.route.group_interval_ms;
          })
          .finally(() => sending.delete(g));
        sending.set(g, p);
      }
      // Settles once every flush and refresh under way is done (those of earlier ticks too), and
      // every channel send a finished flush left going: a stop that awaits it persists a
      // notification log that has every send in it. The refreshes and channel sends are read
      // once the flushes are done (a flush starts its refresh, and calls the notifier after its
      // write-ahead: read at the call, a stop left their Alertmanager sends going).
      return Promise.all([...sending.values(), ...escalating.values()])
        .then(() => Promise.all(refreshing.values()))
        .then(() => deps.notifier.idle?.());
    },
    acknowledge: (alertId, by) => patchAlert(alertId, { acknowledged_by: by }),
    unacknowledge: (alertId, at) => patchAlert(alertId, { acknowledged_by: null, unacknowledged_at: at }),
    setFlapping(alertId, flapping) {
      patchAlert(alertId, { flapping });
    },
    mute: (alert, now) => muteInfo(alert, now, firingAlerts()),
    groups: () =>
      [...groups.values()].map((g) => ({
        key: g.key,
        receiver: g.route.receiver,
        labels: g.labels,
        alert_ids: [...g.alerts.keys()],
        next_flush_at: g.next_flush_at,
      })),
  };
}
