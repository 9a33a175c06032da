import type { LiveAlertAck, PaymentEvent } from '@paywatch/contracts';
import type { LoadedAlertsConfig } from '../config/load.js';
import type { RuleConfig } from '../config/schema.js';
import { asEvent, asSeries, createDetector, isEventSpec } from '../detect/registry.js';
import { say } from '../detect/summary.js';
import type { RetireReason } from '../detect/summary.js';
import type { Evaluation, EventDetector, MinuteAggregate, SeriesDetector } from '../detect/types.js';
import { MINUTE_MS, emptyMinute } from '../detect/types.js';
import { minuteFromJson, minuteToJson } from '../detect/snapshot.js';
import type { MinuteJson } from '../detect/snapshot.js';
import { addEvent, contribKeys, createFx, removeEvent } from '../input/aggregate.js';
import { maskId } from '../lib/mask.js';
import { outcomeOf } from '@paywatch/contracts';
import { eventLabelMap, labelOf } from '../input/labels.js';
import { backtracksBadly, matchesAll } from '../mute/matchers.js';
import type { Matcher } from '../mute/matchers.js';
import { createSilenceRegistry } from '../mute/silences.js';
import { inhibitRuleOf } from '../mute/inhibit.js';
import type { Silence } from '../mute/silences.js';
import type { DeliveryLog, DeliveryQuery, DeliveryRecord } from '../notify/delivery-log.js';
import { createDeliveryLog } from '../notify/delivery-log.js';
import type { Notifier, NotifyOutcome } from '../notify/notifier.js';
import type { NotifyAlert } from '../notify/types.js';
import { createDispatcher } from '../route/dispatcher.js';
import type { Dispatcher, MuteInfo, NotificationLogEntry } from '../route/dispatcher.js';
import { alertId, initialState, step } from '../state/alert-state.js';
import type { AlertState, AlertStatus, Lifecycle } from '../state/alert-state.js';
import type { AlertStateStore } from '../state/store.js';
import { SlicePooler } from './pooling.js';
import { legacyEscalations } from './legacy-escalations.js';
import { ruleFingerprint, sameRuleDefinition } from './rule-identity.js';
import { maskPans } from '../lib/mask.js';

/** One alert transition, as written by `paywatch replay` and pushed on the live stream. */
export interface AlertTransition {
  id: string;
  rule: string;
  labels: Record<string, string>;
  state: AlertStatus;
  /** Event time of the transition, epoch ms. */
  at: number;
  value: number | null;
  expected: number | null;
  revenue_at_risk: number;
  severity: string;
  summary: string;
}

/** An alert as the HTTP API returns it. */
export interface AlertView extends AlertState {
  dashboard_url: string;
  muted: MuteInfo;
}

/**
 * An acknowledgement given or withdrawn (`AlertEngine.onAcknowledgement`): the live stream's
 * `alert_ack` event as it is pushed (`LiveAlertAck`, one definition).
 */
export type AckChange = LiveAlertAck;

/** Minimal logger the engine reports problems to (pino fits). */
export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AlertEngineDeps {
  store: AlertStateStore;
  /** Omit to evaluate without notifying (replay). */
  notifier?: Notifier;
  deliveryLog?: DeliveryLog;
  /** Wall clock (dispatch timers, acks, silences). */
  now?: () => number;
  logger?: EngineLogger;
  /**
   * The host's dashboard base URL for deep links when the config sets no `dashboard_url`; read
   * per alert, because a host listening on port 0 knows its address only once it listens.
   */
  dashboardUrl?: () => string;
  /**
   * Masks the free text people type — an acknowledgement's reason, a silence's comment — before
   * it is stored, logged or broadcast (a pasted card number or e-mail must not be). The collector
   * passes its own text masker (cards, e-mails, phones, IP addresses); by default card numbers
   * are masked (lib/mask.ts).
   */
  maskText?: (s: string) => string;
}

/** Deep-link base when neither the config nor the host names one: where `paywatch start` serves the dashboard. */
const DEFAULT_DASHBOARD_URL = 'http://127.0.0.1:8080';

/** Base of deep links: an explicit `dashboard_url` in the alerts config wins over the host's address. */
export function dashboardBaseOf(
  config: Pick<LoadedAlertsConfig, 'dashboard_url'>,
  host: (() => string) | undefined,
): string {
  return config.dashboard_url ?? host?.() ?? DEFAULT_DASHBOARD_URL;
}

/** `externalURL` of Alertmanager-format payloads: the config's `external_url`, else the deep-link base (no trailing slash). */
export function externalUrlOf(
  config: Pick<LoadedAlertsConfig, 'dashboard_url' | 'external_url'>,
  host: (() => string) | undefined,
): string {
  return (config.external_url ?? dashboardBaseOf(config, host)).replace(/\/+$/, '');
}

export interface AlertEngineOptions {
  /** Live mode: event time follows the wall clock when traffic stops (so silence is seen). Off for replay. */
  followWallClock?: boolean;
  /** Dispatcher/persistence tick, ms. */
  tickMs?: number;
  /**
   * How often (wall clock, ms) the detectors' state is saved through the store while running
   * (it is also saved on `stop()`); 0 = only on stop. Default 5 minutes.
   */
  snapshotIntervalMs?: number;
  /**
   * How long `stop()` waits for notifications being sent (wall clock, ms; default
   * `DEFAULT_STOP_TIMEOUT_MS`, 5 s). Sends still under way then are cut off (`Notifier.abort`):
   * not recorded as notified, they go out after the restart.
   */
  stopTimeoutMs?: number;
}

/**
 * `stop()`'s wait for sends under way: a receiver that does not answer is retried for ≈ 45 s
 * (4 attempts of 10 s), and a SIGTERM waited for all of it.
 */
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;

/**
 * Notification-log entry (not a receiver × group key) listing the firing alerts handed to routing
 * and not yet notified (a send under way or cut off, a group in `group_wait`): the restart routes
 * them however old their evidence (else withheld as history: a lost page) — at their first
 * judgement of a recent minute, if they still fire then (`owedIds`). Kept up to date with every
 * save and written ahead of each page (`DispatcherDeps.beforeSend`), so it survives a `kill -9`
 * or an OOM mid-send too, not only a graceful stop; a page delivered is in the notification log,
 * which outranks it. (The key's name is from when only the stop wrote it.)
 */
export const OWED_NFLOG_KEY = 'owed|stop';

/** Version of the detector snapshot format (`AlertStateStore.saveDetectors`). */
const SNAPSHOT_VERSION = 1;

/** What the engine saves of its detectors (see `AlertStateStore.saveDetectors`). */
interface EngineSnapshot {
  version: number;
  /** Wall clock of the save. */
  saved_at: number;
  /** Event time up to which minutes were closed: later events continue from here. */
  closed_up_to: number | null;
  rules: {
    name: string;
    /**
     * The rule's detector spec, slicing and filter (`ruleFingerprint`): a changed rule starts
     * afresh (`sameRuleDefinition`).
     */
    fingerprint: string;
    pooler: [string, number, number][] | null;
    /** An event rule's `EventDetector.snapshot()` (per-entity windows); null otherwise. */
    event?: unknown;
    series: {
      labels: Record<string, string>;
      last_event_at: number;
      /** Minutes not yet closed (events already received). */
      open: MinuteJson[];
      /** `SeriesDetector.snapshot()`; null for a detector without one (it restarts afresh). */
      det: unknown;
    }[];
  }[];
  /**
   * Attempts an event rule may still claim (`EventDetector.mayClaim`) in the open minutes, with
   * the series minutes (rule name, slice key) they were added to: a burst that qualifies just
   * after a restart retracts its first declines as it would have without one. Absent in
   * snapshots from before it (nothing to retract then).
   */
  claimable?: {
    id: string;
    minute: number;
    e: PaymentEvent;
    amount: number;
    keys: (string | null)[];
    masked: string;
    in: [string, string][];
  }[];
}

/**
 * The alert engine: feed it payment events (`onEvents`), it aggregates them per rule slice
 * into event-time minutes, runs the detectors as minutes close (after `allowed_lateness`),
 * drives the pure state machine, persists state and hands notifying transitions to the
 * dispatcher (route → group → mute → notify). `start()` restores persisted state and starts
 * the tick; `stop()` (idempotent) stops it and flushes state.
 */
export interface AlertEngine {
  start(): Promise<void>;
  stop(): Promise<void>;
  onEvents(events: readonly PaymentEvent[]): void;
  /** Closes every minute that ends at or before `t - allowed_lateness`. */
  advanceTo(t: number): void;
  /** Closes every open minute (end of a replay). */
  finish(): void;
  onTransition(listener: (t: AlertTransition) => void): () => void;
  /** Tells `listener` of every acknowledgement given or withdrawn; returns its removal. */
  onAcknowledgement(listener: (a: AckChange) => void): () => void;
  /**
   * Newest episode first (`active_since` descending, then id), at most `limit` (500); `where`
   * keeps only the alerts it accepts, before their views are built (label filters, cursors).
   */
  list(q?: {
    status?: AlertStatus | 'active';
    rule?: string;
    severity?: string;
    limit?: number;
    where?: (s: AlertState) => boolean;
  }): AlertView[];
  get(id: string): AlertView | undefined;
  /**
   * Acknowledges an alert (`reason`: optional, stored and shown); stops its reminders and
   * escalation. The caller checks it is pending or firing and not yet acknowledged.
   */
  acknowledge(id: string, by: string, reason?: string | null): AlertView | undefined;
  /**
   * Withdraws an alert's acknowledgement (`by`: who withdrew it): reminders resume, and escalation
   * steps not yet taken count from now. The caller checks it is acknowledged.
   */
  unacknowledge(id: string, by: string): AlertView | undefined;
  createSilence(s: {
    matchers: Matcher[];
    starts_at?: number;
    ends_at: number;
    created_by: string;
    comment: string;
  }): Silence;
  expireSilence(id: string): boolean;
  silences(): Silence[];
  deliveries(q?: DeliveryQuery): DeliveryRecord[];
  onDelivery(listener: (r: DeliveryRecord) => void): () => void;
  testReceiver(name: string): Promise<NotifyOutcome>;
  receivers(): string[];
  stats(): EngineStats;
}

export interface EngineStats {
  events: number;
  /**
   * Events dropped because their event-time minute had already been judged (older than the
   * watermark − `allowed_lateness` once newer events or the wall clock moved event time on).
   */
  late_events: number;
  /**
   * Live mode: events judged as history — more than `allowed_lateness` + 5 min behind the wall
   * clock on arrival (a back-fill caught up in event time): they feed the baselines, never page.
   */
  history_events: number;
  /** Live mode: firing notifications withheld because their evidence was history. */
  history_notifications_withheld: number;
  /** Live mode: minutes skipped, unjudged, between the end of a back-fill and the wall clock. */
  skipped_minutes: number;
  /** Live mode: events stamped more than 2 minutes ahead of the wall clock (dropped). */
  future_events: number;
  /**
   * Attempts an event rule claimed as part of its finding (a card-testing burst's attempts, see
   * `EventFinding.excludes_event`): left out of every series rule (success rates, decline mix…).
   */
  excluded_events: number;
  series: number;
  evaluations: number;
  alerts_active: number;
  watermark: number | null;
  fx_missing: string[];
  /** Series (and event rules) whose detector state was restored from the last snapshot at start. */
  restored_series: number;
}

interface Series {
  labels: Record<string, string>;
  /** The alert id of this series (`seriesAlertId`), computed once: every minute's judgement needs it. */
  id: string;
  det: SeriesDetector;
  open: Map<number, MinuteAggregate>;
  lastEventAt: number;
  /** The source (`PaymentEvent.source`) of the attempt at `lastEventAt`, when received since the start. */
  lastSource?: string;
}

interface RuleRt {
  cfg: RuleConfig;
  lifecycle: Lifecycle;
  series: Map<string, Series>;
  event: EventDetector | null;
  pooler: SlicePooler | null;
  /** Alert ids of this rule that are pending/firing (event rules resolve through them). */
  active: Set<string>;
  /** What `step` needs of the rule (one object, not one per evaluation). */
  stepRule: { lifecycle: Lifecycle; severity: string };
  /**
   * Alert ids of slices seen in findings (`sliceAlertId`), by `sliceCacheKey`: an event rule
   * reports the same entity finding after finding during a burst. Emptied when it holds
   * `ID_CACHE_MAX` entries (a cache, bounded: entities come and go).
   */
  ids: Map<string, string>;
}

/** Size at which a rule's alert-id cache (`RuleRt.ids`) starts over. */
const ID_CACHE_MAX = 4096;

/** The alerts a notification log's entries record as notified firing (not the stop's owed list). */
function notifiedFiring(entries: Iterable<NotificationLogEntry>): Set<string> {
  const out = new Set<string>();
  for (const e of entries) if (e.key !== OWED_NFLOG_KEY) for (const id of e.firing) out.add(id);
  return out;
}

/**
 * A key telling slice label sets apart: the pairs in their order, each name and value preceded
 * by its length (no value can make two different label sets look alike).
 */
function sliceCacheKey(labels: Record<string, string>): string {
  let key = '';
  for (const k in labels) {
    const v = String(labels[k] ?? '');
    key += `${k.length}:${k}${v.length}:${v}`;
  }
  return key;
}

/** How far ahead of the wall clock a live event may be stamped. */
const MAX_FUTURE_SKEW_MS = 2 * MINUTE_MS;
/**
 * Live mode: event time more than `allowed_lateness` + this behind the wall clock is *history*
 * (a back-fill, a backlog): it feeds the detectors, but what it finds is not paged.
 */
export const HISTORY_AFTER_MS = 5 * MINUTE_MS;
/**
 * Live mode: while history keeps arriving (the watermark advanced within this much wall time),
 * event time follows the events, not the wall clock, so a back-fill is judged minute by minute
 * instead of being overtaken by the clock and dropped as late.
 */
export const CATCH_UP_IDLE_MS = 30_000;

export function createAlertEngine(
  deps: AlertEngineDeps,
  config: LoadedAlertsConfig,
  opts: AlertEngineOptions = {},
): AlertEngine {
  const now = deps.now ?? Date.now;
  const maskText = deps.maskText ?? maskPans;
  const log = deps.deliveryLog ?? createDeliveryLog();
  const fx = createFx(config.reporting_currency, config.fx);
  const silences = createSilenceRegistry();
  const nflogMap = new Map<string, NotificationLogEntry>();
  const dirtyNflog: NotificationLogEntry[] = [];
  let dirtySilences = false;
  const dispatcher: Dispatcher | null = deps.notifier
    ? createDispatcher(
        {
          notifier: deps.notifier,
          silences,
          inhibitRules: config.inhibit_rules.map(inhibitRuleOf),
          nflog: { get: (k) => nflogMap.get(k), set: (e) => (nflogMap.set(e.key, e), dirtyNflog.push(e)) },
          externalUrl: () => externalUrlOf(config, deps.dashboardUrl),
          // Write-ahead: the page about to go out is saved as owed first (see OWED_NFLOG_KEY).
          beforeSend: () => persist(),
        },
        config.routeTree,
      )
    : null;

  const rules: RuleRt[] = config.rules
    .filter((r) => r.enabled)
    .map((cfg) => {
      const lifecycle: Lifecycle = {
        for_ms: cfg.for,
        keep_firing_for_ms: cfg.keep_firing_for,
        no_data: cfg.no_data,
        flap_window_ms: cfg.flap_window,
        flap_threshold: cfg.flap_threshold,
      };
      return {
        cfg,
        lifecycle,
        stepRule: { lifecycle, severity: cfg.severity },
        ids: new Map<string, string>(),
        series: new Map(),
        event: isEventSpec(cfg.detector)
          ? asEvent(createDetector(cfg.detector, { calendar: config.calendar }))
          : null,
        pooler: cfg.pool.length ? new SlicePooler(cfg.pool, cfg.pool_min_per_hour) : null,
        active: new Set<string>(),
      };
    });
  const ruleByName = new Map(rules.map((r) => [r.cfg.name, r]));
  // Event rules see each event before the series rules aggregate it: a finding may claim it.
  const eventRules = rules.filter((r) => r.event !== null);
  const seriesRules = rules.filter((r) => r.event === null);
  // Provider → event time of its newest event received in time (any status, any slice): while a
  // provider × method is silent, its provider's other events still arriving mean its delivery
  // works (a stop), nothing at all from it means a stop or a delivery delay (see noteLate).
  const providerSeen = new Map<string, number>();
  // Attempts an event rule may claim later (`EventDetector.mayClaim`), by open minute and event
  // id, so a finding's `retracts` can take them back out of the series minutes not yet judged.
  // `aggs`: the open series minutes the attempt was added to.
  const claimable = new Map<
    number,
    Map<
      string,
      { e: PaymentEvent; amount: number; keys: (string | null)[]; masked: string; aggs: MinuteAggregate[] }
    >
  >();
  const states = new Map<string, AlertState>();
  const dirty = new Set<string>();
  const removed = new Set<string>();
  const listeners = new Set<(t: AlertTransition) => void>();
  const ackListeners = new Set<(a: AckChange) => void>();
  let closedUpTo: number | null = null;
  let watermark: number | null = null;
  const stats = {
    events: 0,
    late_events: 0,
    history_events: 0,
    history_notifications_withheld: 0,
    skipped_minutes: 0,
    future_events: 0,
    excluded_events: 0,
    evaluations: 0,
    restored_series: 0,
  };
  const historyMs = config.allowed_lateness + HISTORY_AFTER_MS;
  // Wall clock of the last event that moved the watermark (live catch-up detection).
  let lastAdvanceWall = -Infinity;
  // Alerts handed to the dispatcher while pending/firing: their updates always go through.
  const dispatched = new Set<string>();
  // Firing alerts the last graceful stop owed a page (OWED_NFLOG_KEY) whose evidence is history
  // by the restart: routed at their first judgement of a recent minute if still firing. Routed
  // at the start, a page went out after group_wait for an incident that had ended while it was
  // down (its RESOLVED a group_interval later).
  const owedIds = new Set<string>();
  // After a restore: event time resumes at `restoredFloor` with the first event; minutes up to
  // `restoredLastOpen` hold restored events and are closed, the downtime after them is skipped.
  let restoredFloor: number | null = null;
  let restoredLastOpen: number | null = null;
  // Rules whose saved detector state was discarded at start because the rule changed.
  const changedRules = new Set<string>();
  const snapshotIntervalMs = opts.snapshotIntervalMs ?? 300_000;
  let lastSnapshotAt = 0;
  let timer: NodeJS.Timeout | null = null;
  let persisting: Promise<void> = Promise.resolve();
  let started = false;
  let startedAt = 0;
  let stopped = false;

  function dashboardUrl(s: AlertState): string {
    const from = (s.active_since ?? s.last_eval_at) - 30 * MINUTE_MS;
    const to = (s.resolved_at ?? s.last_eval_at) + 15 * MINUTE_MS;
    const q = new URLSearchParams({ from: String(from), to: String(to) });
    for (const [k, v] of Object.entries(s.labels))
      if (k !== 'alertname' && k !== 'severity' && v !== '_pooled') q.set(k, v);
    return `${dashboardBaseOf(config, deps.dashboardUrl).replace(/\/+$/, '')}/alerts/${encodeURIComponent(s.id)}?${q.toString()}`;
  }

  function toNotify(s: AlertState): NotifyAlert {
    return {
      id: s.id,
      rule: s.rule,
      // The finding's labels route and mute with the alert's own; the slice's labels win.
      labels: { ...s.finding_labels, ...s.labels, severity: s.severity },
      finding_labels: Object.fromEntries(
        Object.entries(s.finding_labels ?? {}).filter(([k]) => !(k in s.labels) && k !== 'severity'),
      ),
      status: s.status === 'resolved' ? 'resolved' : 'firing',
      starts_at: s.fired_at ?? s.active_since ?? s.last_eval_at,
      ends_at: s.status === 'resolved' ? s.resolved_at : null,
      summary: s.summary,
      message: s.message ?? null,
      value: s.value,
      expected: s.expected,
      lower: s.lower,
      upper: s.upper,
      revenue_at_risk: s.revenue_at_risk,
      reporting_currency: config.reporting_currency,
      samples: s.samples,
      contributors: s.contributors,
      dashboard_url: dashboardUrl(s),
      acknowledged_by: s.acknowledged_by,
      unacknowledged_at: s.unacknowledged_at ?? null,
      flapping: s.flapping,
    };
  }

  /** The full labels of a rule's alert for a slice (alert name, the rule's labels, the slice's). */
  function alertLabels(rt: RuleRt, sliceLabels: Record<string, string>): Record<string, string> {
    return { alertname: rt.cfg.name, ...rt.cfg.labels, ...sliceLabels };
  }

  /** The alert id of a rule's slice (what `apply` looks states up by). */
  function seriesAlertId(rt: RuleRt, sliceLabels: Record<string, string>): string {
    return alertId(rt.cfg.name, alertLabels(rt, sliceLabels));
  }

  /** `seriesAlertId` through the rule's cache (`RuleRt.ids`): for findings, which carry no id. */
  function sliceAlertId(rt: RuleRt, sliceLabels: Record<string, string>): string {
    const key = sliceCacheKey(sliceLabels);
    let id = rt.ids.get(key);
    if (id === undefined) {
      if (rt.ids.size >= ID_CACHE_MAX) rt.ids.clear();
      id = seriesAlertId(rt, sliceLabels);
      rt.ids.set(key, id);
    }
    return id;
  }

  /**
   * `knownId`: the slice's alert id when the caller has it (series cache it). `closed`: a minute
   * being closed — one the alert has already been judged past (`last_eval_at`) is not applied: a
   * detector snapshot restored after a kill -9 is older than the alert state (written every 5 min
   * against every second), and judging its open minutes again re-fired a resolved outage (paged
   * for a finished incident) and moved a firing alert's start back (escalated at once).
   */
  function apply(
    rt: RuleRt,
    sliceLabels: Record<string, string>,
    ev: Evaluation,
    at: number,
    knownId?: string,
    closed = false,
  ): void {
    stats.evaluations++;
    const id = knownId ?? sliceAlertId(rt, sliceLabels);
    let prev = states.get(id);
    if (closed && prev && at <= prev.last_eval_at) return;
    if (!prev) {
      const fires =
        ev.verdict === 'anomalous' ||
        (ev.verdict === 'no_data' &&
          (rt.lifecycle.no_data === 'alerting' || rt.lifecycle.no_data === 'no_data'));
      if (!fires) return;
      prev = initialState(rt.cfg.name, alertLabels(rt, sliceLabels), rt.cfg.severity, at);
    }
    const r = step(prev, ev, rt.stepRule, at);
    // Routing hears nothing while an alert flaps: its group must stop reminding and escalating
    // the status it last heard.
    if (dispatcher && r.next.flapping !== prev.flapping && dispatched.has(id))
      dispatcher.setFlapping(id, r.next.flapping);
    states.set(id, r.next);
    dirty.add(id);
    const s = r.next;
    if (s.status === 'pending' || s.status === 'firing') rt.active.add(id);
    else rt.active.delete(id);
    if (r.transition) {
      emitTransition(s, r.transition, at);
    }
    if (dispatcher && (r.notify || (s.status === 'firing' && !s.flapping))) {
      // Live: page only on recent evidence. A back-filled incident (or one held firing by
      // keep_last after its history ended) is recorded, not paged; a resolve always goes
      // through (the dispatcher sends it only for alerts it notified as firing).
      if (
        s.status === 'resolved' ||
        dispatched.has(id) ||
        (owedIds.has(id) && !isHistory(at)) ||
        !isHistory(s.last_anomalous_at ?? at)
      ) {
        if (s.status === 'resolved') dispatched.delete(id);
        else dispatched.add(id);
        dispatcher.update(toNotify(s), now());
      } else stats.history_notifications_withheld++;
    }
    if (owedIds.size && (dispatched.has(id) || s.status !== 'firing')) owedIds.delete(id);
    if (s.status === 'inactive') {
      dispatched.delete(id);
      states.delete(id);
      dirty.delete(id);
      removed.add(id);
    }
  }

  /** Live mode: evidence from event time `t` is history (see HISTORY_AFTER_MS). */
  function isHistory(t: number): boolean {
    return opts.followWallClock === true && now() - t > historyMs;
  }

  /**
   * Live mode: moves event time with the wall clock when traffic stops (so silence is seen),
   * but not while a back-fill far behind the clock is still arriving (it is judged in event
   * time), and when one has ended, skips the time between its end and the clock unjudged
   * (no events there means unknown, not silence).
   */
  function followWallClock(t: number): void {
    if (closedUpTo === null || watermark === null) return;
    // Catching up: events keep coming but their time lags the clock by more than the lateness
    // allowance — following the clock would make the rest of them late.
    const catchingUp = t - watermark > config.allowed_lateness && t - lastAdvanceWall < CATCH_UP_IDLE_MS;
    closeSkippingGaps(catchingUp ? watermark : Math.max(watermark, t));
  }

  /**
   * Live mode: closes minutes up to event time `t` like `advanceTo`, except that a run of more
   * than `allowed_lateness` + 5 min without a single event in any series, reached in one jump
   * (the end of a back-fill, the time between a back-fill and live traffic), is skipped
   * unjudged: nothing was received for that time, which is unknown, not silence. Ticking
   * minute by minute (traffic that stops while the engine runs) never skips.
   */
  function closeSkippingGaps(t: number): void {
    if (closedUpTo === null) return;
    const target = Math.floor((t - config.allowed_lateness) / MINUTE_MS) * MINUTE_MS;
    if (target - closedUpTo <= historyMs) {
      advanceTo(t);
      return;
    }
    const withData = new Set<number>();
    for (const rt of rules)
      for (const x of rt.series.values()) for (const m of x.open.keys()) withData.add(m);
    let c: number = closedUpTo;
    while (c < target) {
      if (!withData.has(c)) {
        let next: number = c;
        while (next < target && !withData.has(next)) next += MINUTE_MS;
        if (next - c > historyMs) {
          stats.skipped_minutes += (next - c) / MINUTE_MS;
          c = next;
          closedUpTo = c;
          continue;
        }
      }
      closeMinute(c);
      c += MINUTE_MS;
      closedUpTo = c;
    }
  }

  /** A fresh detector for the series of `rt` with these labels (they scope the calendar). */
  function seriesDetector(rt: RuleRt, labels: Readonly<Record<string, string>>): SeriesDetector {
    return asSeries(createDetector(rt.cfg.detector, { calendar: config.calendar, labels }));
  }

  function sliceOf(rt: RuleRt, e: PaymentEvent): Record<string, string> | null {
    const labels: Record<string, string> = {};
    for (const g of rt.cfg.group_by) {
      const v = labelOf(e, g);
      labels[g] = v ?? 'unknown';
    }
    return rt.pooler ? rt.pooler.resolve(labels) : labels;
  }

  /**
   * A late attempt (its minute already judged) is counted on its slice's open minute `open` for
   * the rules that judge silence (`MinuteAggregate.late`), so that a slice whose data is late
   * (a webhook backlog) is not reported as stopped. Only existing slices; nothing else counts it.
   * Only an attempt at most the rule's window + `allowed_lateness` behind `open` (event time): the
   * minutes the silence judges. Older ones are a history import (a day back-filled into a running
   * collector), not delayed delivery: counted, a real stop during an import read "delivery
   * delayed, not stopped" and priced nothing.
   */
  function noteLate(e: PaymentEvent, open: number): void {
    if (outcomeOf(e.status) === null) return;
    for (const rt of seriesRules) {
      if (rt.cfg.detector.type !== 'silence') continue;
      if (rt.cfg.filter.length && !matchesAll(rt.cfg.filter, eventLabelMap(e))) continue;
      const labels = sliceOf(rt, e);
      const s = labels ? rt.series.get(SlicePooler.keyOf(labels)) : undefined;
      if (!s) continue;
      // Further behind than the silence's minutes, it is still the quiet time's own traffic when
      // newer than every attempt of the slice received in time (a backlog 15 min behind); an
      // import of older history is not.
      if (
        open - e.ts > rt.cfg.detector.window_minutes * MINUTE_MS + config.allowed_lateness &&
        e.ts <= s.lastEventAt
      )
        continue;
      let agg = s.open.get(open);
      if (!agg) s.open.set(open, (agg = emptyMinute(open)));
      agg.late++;
      agg.late_lag_max = Math.max(agg.late_lag_max, open - e.ts);
    }
  }

  /**
   * Takes a claimable attempt (`claimable`) back out of every series rule's open minute it was
   * added to: an event rule's finding claimed it after the fact (a burst's first attempts).
   */
  function retract(eventId: string): void {
    for (const byId of claimable.values()) {
      const c = byId.get(eventId);
      if (!c) continue;
      byId.delete(eventId);
      for (const agg of c.aggs) removeEvent(agg, c.e, c.amount, c.keys, c.masked);
      stats.excluded_events++;
      return;
    }
  }

  function closeMinute(t: number): void {
    claimable.delete(t);
    const end = t + MINUTE_MS;
    for (const rt of rules) {
      if (rt.event) {
        // Event rules: nothing new this minute means "normal" for their active alerts.
        for (const id of [...rt.active]) {
          const s = states.get(id);
          if (s && (s.last_anomalous_at ?? 0) < t)
            apply(
              rt,
              stripMeta(s.labels),
              {
                at: end,
                verdict: 'normal',
                value: null,
                expected: null,
                lower: null,
                upper: null,
                score: 0,
                revenue_at_risk: 0,
                summary: '',
                message: null,
              },
              end,
              undefined,
              true,
            );
        }
        continue;
      }
      const silence = rt.cfg.detector.type === 'silence';
      for (const [key, s] of rt.series) {
        const agg = s.open.get(t) ?? emptyMinute(t);
        s.open.delete(t);
        if (silence) {
          // What tells a stop from a delivery delay before any late attempt arrives.
          agg.last_attempt_at = s.lastEventAt;
          if (s.lastSource !== undefined) agg.last_source = s.lastSource;
          const provider = s.labels['provider'];
          const seen = provider === undefined ? undefined : providerSeen.get(provider);
          if (seen !== undefined) agg.provider_seen_at = seen;
        }
        apply(rt, s.labels, s.det.evaluate(agg), end, s.id, true);
        if (end - s.lastEventAt > config.idle_ttl && s.open.size === 0 && !rt.active.has(s.id))
          rt.series.delete(key);
      }
      rt.pooler?.tick();
    }
    // Forget resolved alerts a day after they resolved.
    for (const [id, s] of states) {
      if (s.status === 'resolved' && s.resolved_at !== null && end - s.resolved_at > 86_400_000) {
        states.delete(id);
        removed.add(id);
      }
    }
  }

  function stripMeta(labels: Record<string, string>): Record<string, string> {
    const out = { ...labels };
    delete out['alertname'];
    const rt = ruleByName.get(labels['alertname'] ?? '');
    for (const k of Object.keys(rt?.cfg.labels ?? {})) delete out[k];
    return out;
  }

  function advanceTo(t: number): void {
    const target = Math.floor((t - config.allowed_lateness) / MINUTE_MS) * MINUTE_MS;
    if (closedUpTo === null) return;
    while (closedUpTo < target) {
      closeMinute(closedUpTo);
      closedUpTo += MINUTE_MS;
    }
  }

  /**
   * Brings the owed-pages entry (OWED_NFLOG_KEY) up to date: the firing alerts handed to routing
   * (or owed since the last run) that no receiver has heard yet. Marked dirty only when it changed.
   */
  function syncOwed(): void {
    const had = nflogMap.get(OWED_NFLOG_KEY)?.firing ?? [];
    if (!dispatcher || (dispatched.size === 0 && owedIds.size === 0 && had.length === 0)) return;
    const heard = notifiedFiring(nflogMap.values());
    const owed = [...new Set([...dispatched, ...owedIds])]
      .filter((id) => states.get(id)?.status === 'firing' && !heard.has(id))
      .sort();
    if (owed.length === had.length && owed.every((id, i) => id === had[i])) return;
    const e = { key: OWED_NFLOG_KEY, at: now(), firing: owed, resolved: [] };
    nflogMap.set(e.key, e);
    dirtyNflog.push(e);
  }

  function persist(): Promise<void> {
    syncOwed();
    if (dirty.size === 0 && removed.size === 0 && dirtyNflog.length === 0 && !dirtySilences)
      return persisting;
    const patch = {
      states: [...dirty].map((id) => states.get(id)).filter((s): s is AlertState => s !== undefined),
      removed: [...removed],
      nflog: dirtyNflog.splice(0),
      ...(dirtySilences ? { silences: silences.list() } : {}),
    };
    dirty.clear();
    removed.clear();
    dirtySilences = false;
    persisting = persisting
      .then(() => deps.store.save(patch))
      .catch((e: unknown) => deps.logger?.error({ err: e }, 'alerts: saving alert state failed'));
    return persisting;
  }

  function view(s: AlertState): AlertView {
    const n = toNotify(s);
    return {
      ...s,
      dashboard_url: n.dashboard_url,
      muted: dispatcher
        ? dispatcher.mute(n, now())
        : {
            silenced_by: silences.mutedBy(n.labels, now()).map((x) => x.id),
            inhibited_by: null,
            flapping: s.flapping,
          },
    };
  }

  /** The claimable attempts as JSON (see `EngineSnapshot.claimable`). */
  function claimableToJson(): NonNullable<EngineSnapshot['claimable']> {
    if (claimable.size === 0) return [];
    const where = new Map<MinuteAggregate, [string, string]>();
    for (const rt of seriesRules)
      for (const [key, x] of rt.series) for (const agg of x.open.values()) where.set(agg, [rt.cfg.name, key]);
    const out: NonNullable<EngineSnapshot['claimable']> = [];
    for (const [minute, byId] of claimable)
      for (const [id, c] of byId) {
        const at = c.aggs.map((a) => where.get(a)).filter((w): w is [string, string] => w !== undefined);
        out.push({ id, minute, e: c.e, amount: c.amount, keys: c.keys, masked: c.masked, in: at });
      }
    return out;
  }

  /** Restores `claimableToJson` output into the restored series' open minutes (bad rows skipped). */
  function restoreClaimable(rows: unknown): void {
    if (!Array.isArray(rows)) return;
    for (const r of rows as NonNullable<EngineSnapshot['claimable']>) {
      if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || !Array.isArray(r.in)) continue;
      const aggs: MinuteAggregate[] = [];
      for (const w of r.in) {
        if (!Array.isArray(w)) continue;
        const agg = ruleByName.get(String(w[0]))?.series.get(String(w[1]))?.open.get(r.minute);
        if (agg) aggs.push(agg);
      }
      if (aggs.length === 0) continue;
      let byId = claimable.get(r.minute);
      if (!byId) claimable.set(r.minute, (byId = new Map()));
      byId.set(r.id, { e: r.e, amount: r.amount, keys: r.keys, masked: r.masked, aggs });
    }
  }

  function snapshotState(): EngineSnapshot {
    return {
      version: SNAPSHOT_VERSION,
      saved_at: now(),
      closed_up_to: closedUpTo ?? restoredFloor,
      rules: rules.map((rt) => ({
        name: rt.cfg.name,
        fingerprint: ruleFingerprint(rt.cfg),
        pooler: rt.pooler ? rt.pooler.toJson() : null,
        event: rt.event?.snapshot ? rt.event.snapshot() : null,
        series: [...rt.series.values()].map((x) => ({
          labels: x.labels,
          last_event_at: x.lastEventAt,
          open: [...x.open.values()].map(minuteToJson),
          det: x.det.snapshot ? x.det.snapshot() : null,
        })),
      })),
      claimable: claimableToJson(),
    };
  }

  function saveSnapshot(): Promise<void> {
    lastSnapshotAt = now();
    const snap = snapshotState();
    return deps.store
      .saveDetectors(snap)
      .catch((e: unknown) => deps.logger?.error({ err: e }, 'alerts: saving detector state failed'));
  }

  /** Restores what `snapshotState` saved; anything unusable is skipped (those detectors start afresh). */
  function restoreSnapshot(raw: unknown): void {
    const snap = raw as Partial<EngineSnapshot> | null;
    if (!snap || snap.version !== SNAPSHOT_VERSION || !Array.isArray(snap.rules)) {
      if (raw !== null) deps.logger?.warn({}, 'alerts: detector snapshot of an unknown version ignored');
      return;
    }
    let lastOpen: number | null = null;
    let skipped = 0;
    for (const rs of snap.rules) {
      const rt = ruleByName.get(rs.name);
      // Same rule: its saved definition, read with today's schema, equals today's (a setting
      // added since with a default is not a change; see rule-identity.ts).
      const same = rt !== undefined && sameRuleDefinition(rs.fingerprint, rt.cfg);
      if (!rt || !same || !Array.isArray(rs.series)) {
        if (rt && !same) changedRules.add(rt.cfg.name);
        skipped += (Array.isArray(rs.series) ? rs.series.length : 0) + (rs.event ? 1 : 0);
        continue;
      }
      if (rt.event && rs.event !== undefined && rs.event !== null && rt.event.restore) {
        try {
          rt.event.restore(rs.event);
          stats.restored_series++;
        } catch (e) {
          skipped++;
          deps.logger?.warn({ err: e, rule: rs.name }, 'alerts: detector state not restored');
          rt.event = asEvent(createDetector(rt.cfg.detector, { calendar: config.calendar }));
        }
      }
      if (rt.pooler && rs.pooler) rt.pooler.fromJson(rs.pooler);
      for (const x of rs.series) {
        const det = seriesDetector(rt, x.labels);
        let restored = det;
        if (x.det !== null && det.restore) {
          try {
            det.restore(x.det);
            stats.restored_series++;
          } catch (e) {
            skipped++;
            deps.logger?.warn({ err: e, rule: rs.name }, 'alerts: detector state not restored');
            restored = seriesDetector(rt, x.labels);
          }
        }
        const open = new Map<number, MinuteAggregate>();
        try {
          for (const m of x.open) {
            const agg = minuteFromJson(m);
            open.set(agg.t, agg);
          }
        } catch (e) {
          // Damaged open minutes: drop them (those events are lost), keep the detector.
          open.clear();
          deps.logger?.warn({ err: e, rule: rs.name }, 'alerts: open minutes not restored');
        }
        for (const t of open.keys()) if (lastOpen === null || t > lastOpen) lastOpen = t;
        rt.series.set(SlicePooler.keyOf(x.labels), {
          labels: x.labels,
          id: seriesAlertId(rt, x.labels),
          det: restored,
          open,
          lastEventAt: x.last_event_at,
        });
      }
    }
    restoreClaimable(snap.claimable);
    restoredFloor = typeof snap.closed_up_to === 'number' ? snap.closed_up_to : null;
    restoredLastOpen = lastOpen;
    deps.logger?.info(
      { restored: stats.restored_series, skipped, closed_up_to: restoredFloor, saved_at: snap.saved_at },
      'alerts: detector state restored',
    );
  }

  /**
   * At start, an open (pending/firing) alert whose series the engine no longer has would never
   * be evaluated again (its series is what closing a minute judges): it would stay firing with
   * a stale `last_eval_at`. Its rule removed, or changed (its detector state discarded, the new
   * definition judges afresh): the alert is resolved with the reason (a pending one dropped).
   * Rule unchanged but no saved state for the series (no or unreadable snapshot): the series is
   * recreated with a fresh detector so the alert is judged every minute again.
   */
  function settleOrphanAlerts(): void {
    for (const s of [...states.values()]) {
      if (s.status !== 'pending' && s.status !== 'firing') continue;
      const rt = ruleByName.get(s.rule);
      if (!rt) {
        retire(s, 'rule_removed');
        continue;
      }
      if (rt.event) continue; // event rules judge their active alerts every minute
      if (changedRules.has(rt.cfg.name)) {
        retire(s, 'rule_changed');
        continue;
      }
      const labels = stripMeta(s.labels);
      const key = SlicePooler.keyOf(labels);
      if (!rt.series.has(key))
        rt.series.set(key, {
          labels,
          id: seriesAlertId(rt, labels),
          det: seriesDetector(rt, labels),
          open: new Map(),
          lastEventAt: s.last_eval_at,
        });
    }
  }

  /** Ends an open alert that can no longer be judged (see `settleOrphanAlerts`). */
  function retire(s: AlertState, reason: RetireReason): void {
    const at = Math.max(s.last_eval_at, restoredFloor ?? -Infinity);
    ruleByName.get(s.rule)?.active.delete(s.id);
    deps.logger?.info(
      { alert: s.id, rule: s.rule, status: s.status, reason },
      'alerts: open alert ended at start',
    );
    if (s.status === 'pending') {
      states.delete(s.id);
      removed.add(s.id);
      return;
    }
    const next: AlertState = {
      ...s,
      status: 'resolved',
      resolved_at: at,
      last_eval_at: at,
      no_data: false,
      ...say({ key: 'retired', params: { reason, was: s.summary, was_message: s.message ?? null } }),
      transitions: [...s.transitions, at],
    };
    states.set(s.id, next);
    dirty.add(s.id);
    emitTransition(next, 'resolved', at);
  }

  /** Tells the transition listeners (replay output, live stream) that alert `s` moved to `state`. */
  function emitTransition(s: AlertState, state: AlertTransition['state'], at: number): void {
    const t: AlertTransition = {
      id: s.id,
      rule: s.rule,
      labels: s.labels,
      state,
      at,
      value: s.value,
      expected: s.expected,
      revenue_at_risk: Number(s.revenue_at_risk.toFixed(2)),
      severity: s.severity,
      summary: s.summary,
    };
    for (const l of listeners) l(t);
  }

  /**
   * After a restore, event time resumes at `minute`: the minutes restored with events in them
   * are closed, the downtime after them is skipped (no events there is unknown, not silence).
   */
  function resumeAt(minute: number): void {
    let c = restoredFloor ?? minute;
    closedUpTo = c;
    while (restoredLastOpen !== null && c <= restoredLastOpen && c < minute) {
      closeMinute(c);
      c += MINUTE_MS;
      closedUpTo = c;
    }
    if (c < minute) {
      stats.skipped_minutes += (minute - c) / MINUTE_MS;
      closedUpTo = minute;
    }
  }

  async function tick(): Promise<void> {
    // Live, restored, and still no event 30 s after the start: judge from the start on, so that
    // a slice (or everything) staying silent across the restart is still noticed.
    if (
      opts.followWallClock &&
      closedUpTo === null &&
      restoredFloor !== null &&
      now() - startedAt >= CATCH_UP_IDLE_MS
    ) {
      resumeAt(Math.max(restoredFloor, Math.floor(startedAt / MINUTE_MS) * MINUTE_MS));
      watermark ??= closedUpTo;
    }
    if (opts.followWallClock) followWallClock(now());
    // Saved while sends are under way too (a receiver that hangs is retried ≈ 45 s): state and
    // the owed pages must not wait for them to be durable.
    const sends = dispatcher?.tick(now());
    await persist();
    await sends;
    await persist();
    if (snapshotIntervalMs > 0 && now() - lastSnapshotAt >= snapshotIntervalMs) await saveSnapshot();
  }

  return {
    async start() {
      if (started) return;
      started = true;
      startedAt = now();
      const p = await deps.store.load();
      try {
        restoreSnapshot(await deps.store.loadDetectors());
      } catch (e) {
        deps.logger?.error({ err: e }, 'alerts: reading detector state failed; detectors start afresh');
      }
      lastSnapshotAt = now();
      for (const s of p.states) {
        states.set(s.id, s);
        const rt = ruleByName.get(s.rule);
        if (rt && (s.status === 'pending' || s.status === 'firing')) rt.active.add(s.id);
      }
      settleOrphanAlerts();
      for (const e of p.nflog) nflogMap.set(e.key, e);
      // An upgrade from a release that kept escalations in memory only: rebuilt from the
      // delivery log, or every unacknowledged firing alert is escalated a second time.
      const sent = log.list({ limit: Infinity });
      for (const e of legacyEscalations(sent, states.values(), (k) => nflogMap.has(k))) {
        nflogMap.set(e.key, e);
        dirtyNflog.push(e);
      }
      silences.replaceAll(p.silences);
      // A silence saved before such regexes were refused would test its regex against every
      // alert on every evaluation, each test up to seconds on the event loop: ended, and said.
      for (const sil of p.silences)
        if (sil.ends_at > now() && sil.matchers.some(backtracksBadly)) {
          silences.expire(sil.id, now());
          dirtySilences = true;
          deps.logger?.warn(
            { silence: sil.id },
            'alerts: silence ended at start: its regex can backtrack for seconds per alert (re-create it with one quantifier per group, at most 3 in a row)',
          );
        }
      // Rebuild the dispatch groups: the notification log stops firing alerts from being re-sent
      // and lets a resolve that was not yet delivered go out.
      // Firing alerts go back only if they were notified before (the notification log has them)
      // or their evidence is recent: one withheld as history must not page on a restart. One the
      // stop owed a page waits for its first judgement (`owedIds`).
      if (dispatcher) {
        const notified = notifiedFiring(p.nflog);
        const owedAtStop = new Set(nflogMap.get(OWED_NFLOG_KEY)?.firing ?? []);
        for (const s of states.values()) {
          if (s.status === 'resolved') dispatcher.update(toNotify(s), now());
          else if (
            s.status === 'firing' &&
            (notified.has(s.id) || !isHistory(s.last_anomalous_at ?? s.last_eval_at))
          ) {
            dispatched.add(s.id);
            dispatcher.update(toNotify(s), now());
          } else if (s.status === 'firing' && owedAtStop.has(s.id)) owedIds.add(s.id);
        }
      }
      timer = setInterval(() => {
        void tick().catch((e: unknown) => deps.logger?.error({ err: e }, 'alerts: tick failed'));
      }, opts.tickMs ?? 1000);
      timer.unref();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      if (dispatcher) {
        // Sends under way get `stopTimeoutMs`; cut off after it, they are not in the notification
        // log (persisted below), so the restart sends them again. One delivered before is in it.
        const flushed = dispatcher.tick(now()).catch(() => undefined);
        let timeout: NodeJS.Timeout | undefined;
        const late = await Promise.race([
          flushed.then(() => false),
          new Promise<boolean>((r) => {
            timeout = setTimeout(() => r(true), opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(timeout);
        if (late) {
          deps.logger?.warn(
            { timeout_ms: opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS },
            'alerts: stop cut off notifications still being sent; they go out after the restart',
          );
          deps.notifier?.abort();
          await flushed;
        }
      }
      // persist() brings the owed pages up to date (those cut off above included).
      await persist();
      await saveSnapshot();
      await log.flush();
      await deps.store.close();
    },
    onEvents(events) {
      let maxTs = watermark ?? -Infinity;
      const liveNow = opts.followWallClock ? now() : null;
      for (const e of events) {
        stats.events++;
        const minute = Math.floor(e.ts / MINUTE_MS) * MINUTE_MS;
        if (closedUpTo === null) {
          if (restoredFloor === null) closedUpTo = minute;
          else if (minute >= restoredFloor) resumeAt(minute);
        }
        if (closedUpTo === null || minute < closedUpTo) {
          // Older than the restored event-time position (already judged before the restart).
          stats.late_events++;
          if (closedUpTo !== null) noteLate(e, closedUpTo);
          continue;
        }
        // Live: an event stamped in the future (a client clock ahead; the contract accepts up to
        // a day) must not drag event time forward, or every on-time event after it would be late.
        if (liveNow !== null && e.ts > liveNow + MAX_FUTURE_SKEW_MS) {
          stats.future_events++;
          continue;
        }
        if (e.ts > maxTs) maxTs = e.ts;
        if (e.ts > (providerSeen.get(e.provider) ?? -Infinity)) providerSeen.set(e.provider, e.ts);
        if (liveNow !== null && liveNow - e.ts > historyMs) stats.history_events++;
        const amount = fx.toReporting(e.amount_minor, e.currency);
        const lm = eventLabelMap(e);
        const isAttempt = outcomeOf(e.status) !== null;
        let excluded = false;
        let mayClaim = false;
        for (const rt of eventRules) {
          if (!rt.event || (rt.cfg.filter.length && !matchesAll(rt.cfg.filter, lm))) continue;
          if (isAttempt && rt.event.mayClaim?.(e, amount) === true) mayClaim = true;
          for (const f of rt.event.observe(e, amount)) {
            apply(rt, f.labels, f.evaluation, e.ts);
            if (f.excludes_event === true) excluded = true;
            if (f.retracts) for (const id of f.retracts) retract(id);
          }
        }
        // Lifecycle statuses are not attempts: they neither create series nor count. An attempt
        // claimed by an event rule's finding (a card-testing burst) is that rule's to report: in
        // the series rules it would page the same incident again (a provider's success rate, its
        // decline mix), though the provider is healthy.
        if (!isAttempt) continue;
        if (excluded) {
          stats.excluded_events++;
          continue;
        }
        // Only what the series minutes keep of an attempt (not needed for an excluded one).
        const keys = contribKeys(e);
        const masked = maskId(e.payment_id);
        const aggs: MinuteAggregate[] | null = mayClaim ? [] : null;
        for (const rt of seriesRules) {
          if (rt.cfg.filter.length && !matchesAll(rt.cfg.filter, lm)) continue;
          const labels = sliceOf(rt, e);
          if (!labels) continue;
          const key = SlicePooler.keyOf(labels);
          let s = rt.series.get(key);
          if (!s) {
            s = {
              labels,
              id: seriesAlertId(rt, labels),
              det: seriesDetector(rt, labels),
              open: new Map(),
              lastEventAt: e.ts,
            };
            rt.series.set(key, s);
          }
          let agg = s.open.get(minute);
          if (!agg) {
            agg = emptyMinute(minute);
            s.open.set(minute, agg);
          }
          addEvent(agg, e, amount, keys, masked);
          aggs?.push(agg);
          if (e.ts >= s.lastEventAt) {
            s.lastEventAt = e.ts;
            s.lastSource = e.source;
          }
        }
        if (aggs) {
          let byId = claimable.get(minute);
          if (!byId) claimable.set(minute, (byId = new Map()));
          byId.set(e.event_id, { e, amount, keys, masked, aggs });
        }
      }
      if (maxTs > (watermark ?? -Infinity)) {
        watermark = maxTs;
        if (liveNow !== null) {
          lastAdvanceWall = liveNow;
          closeSkippingGaps(maxTs);
        } else advanceTo(maxTs);
      }
      // Minutes skipped unjudged (gaps, a restore) never close: forget their claimable attempts.
      for (const m of claimable.keys()) if (closedUpTo !== null && m < closedUpTo) claimable.delete(m);
    },
    advanceTo,
    finish() {
      if (watermark !== null) advanceTo(watermark + config.allowed_lateness + MINUTE_MS);
    },
    onTransition(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onAcknowledgement(l) {
      ackListeners.add(l);
      return () => ackListeners.delete(l);
    },
    list(q = {}) {
      let out = [...states.values()];
      if (q.status === 'active') out = out.filter((s) => s.status === 'pending' || s.status === 'firing');
      else if (q.status) out = out.filter((s) => s.status === q.status);
      if (q.rule) out = out.filter((s) => s.rule === q.rule);
      if (q.severity) out = out.filter((s) => s.severity === q.severity);
      if (q.where) out = out.filter(q.where);
      out.sort((a, b) => (b.active_since ?? 0) - (a.active_since ?? 0) || (a.id < b.id ? -1 : 1));
      return out.slice(0, q.limit ?? 500).map(view);
    },
    get(id) {
      const s = states.get(id);
      return s ? view(s) : undefined;
    },
    acknowledge(id, by, given = null) {
      const s = states.get(id);
      if (!s) return undefined;
      const reason = given === null ? null : maskText(given);
      const next = { ...s, acknowledged_by: by, acknowledged_at: now(), acknowledged_reason: reason };
      states.set(id, next);
      dirty.add(id);
      dispatcher?.acknowledge(id, by);
      const change = { id, rule: s.rule, labels: s.labels, acknowledged: true, by, at: now(), reason };
      for (const l of ackListeners) l(change);
      return view(next);
    },
    unacknowledge(id, by) {
      const s = states.get(id);
      if (!s) return undefined;
      const at = now();
      const next = {
        ...s,
        acknowledged_by: null,
        acknowledged_at: null,
        acknowledged_reason: null,
        unacknowledged_at: at,
      };
      states.set(id, next);
      dirty.add(id);
      dispatcher?.unacknowledge(id, at);
      const change = { id, rule: s.rule, labels: s.labels, acknowledged: false, by, at, reason: null };
      for (const l of ackListeners) l(change);
      return view(next);
    },
    createSilence(s) {
      const sil = silences.create(
        {
          matchers: s.matchers,
          starts_at: s.starts_at ?? now(),
          ends_at: s.ends_at,
          created_by: s.created_by,
          comment: maskText(s.comment),
        },
        now(),
      );
      dirtySilences = true;
      return sil;
    },
    expireSilence(id) {
      const ok = silences.expire(id, now());
      if (ok) dirtySilences = true;
      return ok;
    },
    silences: () => silences.list(),
    deliveries: (q) => log.list(q),
    onDelivery: (l) => log.onRecord(l),
    testReceiver(name) {
      if (!deps.notifier)
        return Promise.resolve({ ok: false, sent: 0, failed: 0, fallback: null, delivered: false });
      return deps.notifier.test(name);
    },
    receivers: () => deps.notifier?.receivers() ?? [],
    stats() {
      let series = 0;
      for (const rt of rules) series += rt.series.size;
      let active = 0;
      for (const rt of rules) active += rt.active.size;
      return { ...stats, series, alerts_active: active, watermark, fx_missing: fx.missing() };
    },
  };
}
