import type { SummaryMessage } from '../detect/summary.js';
import type { Evaluation } from '../detect/types.js';

/** Lifecycle status of one alert instance (a rule × a label set). */
export type AlertStatus = 'inactive' | 'pending' | 'firing' | 'resolved';

/**
 * The persisted state of one alert instance. Times are event time (epoch ms) except
 * `acknowledged_at`, which is wall-clock. Owned by the engine; the state machine derives the
 * next value from the previous one and never mutates it.
 */
export interface AlertState {
  /** Stable id: hash of rule name and sorted labels. */
  id: string;
  rule: string;
  labels: Record<string, string>;
  status: AlertStatus;
  severity: string;
  /** When the current pending/firing episode began. */
  active_since: number | null;
  fired_at: number | null;
  resolved_at: number | null;
  last_eval_at: number;
  last_anomalous_at: number | null;
  /**
   * The latest normal evaluation (absent in states saved before it). A firing alert with
   * `last_normal_at > last_anomalous_at` is recovering (held by `keep_firing_for`); one whose
   * evaluations since its last anomalous one were only `insufficient` or `no_data` (traffic gone,
   * not known to be normal) is not.
   */
  last_normal_at?: number | null;
  value: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  score: number;
  /** English sentence of the latest judged evaluation. */
  summary: string;
  /** `summary` as data, rendered per receiver language (absent in states saved before it). */
  message?: SummaryMessage | null;
  /** Revenue at risk accumulated over the current episode (reporting currency). */
  revenue_at_risk: number;
  samples: string[];
  contributors: { key: string; value: number }[];
  /**
   * Labels the episode's findings added (`Evaluation.labels`, e.g. the provider a decline-mix
   * shift concentrates on): routed and muted on with the alert's labels, not part of its id.
   * Completed by every anomalous finding of the episode (a label once given is kept, so the alert
   * stays in its route group): the concentration that names a provider often shows a minute or
   * two after the shift itself, while the alert is already pending or firing.
   */
  finding_labels?: Record<string, string>;
  /** Times of recent firing/resolved transitions (for flapping detection). */
  transitions: number[];
  flapping: boolean;
  /** True while the firing is due to the no-data policy rather than a detection. */
  no_data: boolean;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  /** Why it was acknowledged, as the acknowledger wrote it (null without one; absent in states saved before 27 Nov). */
  acknowledged_reason?: string | null;
  /**
   * When its acknowledgement was withdrawn (wall clock), null when it never was this episode:
   * escalation counts its steps' `after` from there (not from the start of the episode).
   */
  unacknowledged_at?: number | null;
}

/** How a rule's alerts move between states. Durations in ms. */
export interface Lifecycle {
  /** Anomalous for this long before firing (0 = fire on the first anomalous point). */
  for_ms: number;
  /** Keep firing this long after the last anomalous point (absorbs short recoveries). */
  keep_firing_for_ms: number;
  /**
   * What a no-data evaluation means: `ok` (treat as normal), `keep_last` (no change),
   * `alerting` (treat as anomalous), `no_data` (fire, flagged as no-data).
   */
  no_data: 'ok' | 'keep_last' | 'alerting' | 'no_data';
  /** Flapping: at least `flap_threshold` firing/resolved transitions within `flap_window_ms`. */
  flap_window_ms: number;
  flap_threshold: number;
}

export const DEFAULT_LIFECYCLE: Lifecycle = {
  for_ms: 0,
  keep_firing_for_ms: 5 * 60_000,
  no_data: 'keep_last',
  flap_window_ms: 60 * 60_000,
  flap_threshold: 6,
};

/** One step's result. `transition` is the new status when it changed; `notify` says whether routing should hear about it. */
export interface StepResult {
  next: AlertState;
  transition: AlertStatus | null;
  notify: boolean;
}

// The two running FNV-1a-style hashes of `alertId` (module state: `alertId` is synchronous).
let h1 = 0;
let h2 = 0;

/** Feeds the UTF-16 code units of `s` to `h1`/`h2`. */
function feed(s: string): void {
  let a = h1;
  let b = h2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  h1 = a;
  h2 = b;
}

/**
 * Stable alert id from a rule name and labels (FNV-1a over the sorted pairs, hex): the hash of
 * `rule + '\u0000' + sorted 'k=v' pairs joined by '\u0001'`, fed piece by piece instead of
 * building that string (the engine hashes a label set per finding; same ids as before).
 */
export function alertId(rule: string, labels: Record<string, string>): string {
  h1 = 0x811c9dc5;
  h2 = 0x01000193;
  feed(rule);
  feed('\u0000');
  const keys = Object.keys(labels).sort();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (i > 0) feed('\u0001');
    feed(k);
    feed('=');
    feed(String(labels[k] ?? ''));
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

/** A fresh inactive state for a rule × labels. */
export function initialState(
  rule: string,
  labels: Record<string, string>,
  severity: string,
  at: number,
): AlertState {
  return {
    id: alertId(rule, labels),
    rule,
    labels,
    status: 'inactive',
    severity,
    active_since: null,
    fired_at: null,
    resolved_at: null,
    last_eval_at: at,
    last_anomalous_at: null,
    value: null,
    expected: null,
    lower: null,
    upper: null,
    score: 0,
    summary: '',
    revenue_at_risk: 0,
    samples: [],
    contributors: [],
    transitions: [],
    flapping: false,
    no_data: false,
    acknowledged_by: null,
    acknowledged_at: null,
  };
}

/**
 * The pure alert state machine: `(previous, evaluation, rule, now) → next`. No I/O, no clock:
 * `now` is the evaluation's event time. pending → firing after `for`; firing → resolved once
 * nothing anomalous was seen for `keep_firing_for`; a resolved alert that turns anomalous
 * again starts a new episode. Flapping alerts keep their state but stop notifying.
 */
export function step(
  prev: AlertState,
  ev: Evaluation,
  rule: { lifecycle: Lifecycle; severity: string },
  now: number,
): StepResult {
  const lc = rule.lifecycle;
  const next: AlertState = { ...prev, last_eval_at: now };
  let verdict = ev.verdict;
  let noData = false;
  if (verdict === 'no_data') {
    if (lc.no_data === 'ok') verdict = 'normal';
    else if (lc.no_data === 'alerting') verdict = 'anomalous';
    else if (lc.no_data === 'no_data') {
      verdict = 'anomalous';
      noData = true;
    }
  }
  const active = prev.status === 'pending' || prev.status === 'firing';
  if (verdict === 'anomalous' || (active && verdict !== 'no_data' && verdict !== 'insufficient')) {
    next.value = ev.value;
    next.expected = ev.expected;
    next.lower = ev.lower;
    next.upper = ev.upper;
    next.score = ev.score;
    if (ev.summary) {
      next.summary = ev.summary;
      next.message = ev.message;
    }
  }
  let transition: AlertStatus | null = null;

  if (verdict === 'anomalous') {
    next.last_anomalous_at = now;
    next.no_data = noData;
    next.severity = ev.severity ?? rule.severity;
    if (ev.samples?.length) next.samples = ev.samples.slice(0, 5);
    if (ev.contributors?.length) next.contributors = ev.contributors.slice(0, 5);
    if (active && ev.labels && Object.keys(ev.labels).length)
      next.finding_labels = { ...ev.labels, ...prev.finding_labels };
    if (!active) {
      // New episode.
      next.active_since = now;
      next.finding_labels = ev.labels ?? {};
      next.fired_at = null;
      next.resolved_at = null;
      next.revenue_at_risk = 0;
      next.acknowledged_by = null;
      next.acknowledged_at = null;
      delete next.acknowledged_reason;
      delete next.unacknowledged_at;
      next.status = lc.for_ms <= 0 ? 'firing' : 'pending';
      transition = next.status;
    } else if (prev.status === 'pending' && now - (prev.active_since ?? now) >= lc.for_ms) {
      next.status = 'firing';
      transition = 'firing';
    }
    if (next.status === 'firing' && transition === 'firing') next.fired_at = now;
    next.revenue_at_risk += ev.revenue_at_risk;
  } else if (verdict === 'normal') {
    next.last_normal_at = now;
    if (prev.status === 'pending') {
      next.status = 'inactive';
      next.active_since = null;
      transition = 'inactive';
    } else if (prev.status === 'firing') {
      next.revenue_at_risk += ev.revenue_at_risk;
      if (now - (prev.last_anomalous_at ?? now) >= lc.keep_firing_for_ms) {
        next.status = 'resolved';
        next.resolved_at = now;
        next.no_data = false;
        transition = 'resolved';
      }
    }
  }
  // no_data with keep_last, and insufficient volume: no change of status.

  if (transition === 'firing' || transition === 'resolved') {
    next.transitions = [...prev.transitions.filter((t) => now - t < lc.flap_window_ms), now];
  } else if (prev.transitions.length && now - (prev.transitions[0] ?? now) >= lc.flap_window_ms) {
    next.transitions = prev.transitions.filter((t) => now - t < lc.flap_window_ms);
  }
  next.flapping = next.transitions.length >= lc.flap_threshold;
  // Once flapping stops, routing hears the settled status (it heard nothing while flapping).
  const flapEnded =
    prev.flapping && !next.flapping && (next.status === 'firing' || next.status === 'resolved');
  const notify =
    ((transition === 'firing' || transition === 'resolved') && !next.flapping && !prev.flapping) || flapEnded;
  return { next, transition, notify };
}
