import { isRateMetric } from '@paywatch/contracts';
import type { FailureCategory, PaymentEvent, SeriesMetric } from '@paywatch/contracts';
import type { SummaryMessage } from './summary.js';

/**
 * One closed event-time minute of one slice (a set of label values), built by the engine from
 * `PaymentEvent`s. Amounts are in the reporting currency (major units).
 */
export interface MinuteAggregate {
  /** Minute start, epoch ms UTC (event time). */
  t: number;
  /** Outcome events (succeeded/captured/failed). */
  attempts: number;
  succeeded: number;
  failed: number;
  /** Failures the payment stack caused (provider_error, timeout, network_error, issuer_unavailable). */
  technical_failed: number;
  failures: Partial<Record<FailureCategory, number>>;
  /** Successful volume. */
  gmv: number;
  /** Volume of all attempts (used to price a lost attempt). */
  attempted_amount: number;
  latency_sum: number;
  latency_n: number;
  /** Sum of ln(latency_ms) (geometric mean = median of log-normal latency, robust to tails). */
  latency_log_sum: number;
  /** Failed attempts by `dimension=value`, for "top contributing dimensions" (capped). */
  contrib: Map<string, number>;
  /** All attempts by the same `dimension=value` keys (to find over-represented values). */
  contrib_attempts: Map<string, number>;
  /** A few masked payment ids of failed (or, failing that, any) attempts. */
  samples: string[];
  /**
   * The payment of each failed attempt and of each retry (`attempt` > 1) that succeeded, in
   * arrival order (`payment_id`; a retry shares it), and its outcome in `payment_outcomes`
   * (`OUTCOME_SUCCESS`, `OUTCOME_FAILED`, `OUTCOME_TECHNICAL`): the rate tests count a payment
   * once per window, with its latest outcome. A first attempt's success supersedes nothing and
   * is not listed; attempts without an entry (those, synthetic minutes) each count as a payment.
   * Not merged by `mergeMinute`.
   */
  payments: string[];
  payment_outcomes: number[];
  /**
   * Attempts of this slice that arrived after their own minute was judged (dropped as late),
   * counted on the minute that was open when they arrived, and how far (ms) the furthest was
   * behind it: the slice's data is late, not stopped (a webhook backlog). Set by the engine for
   * the rules that judge silence only.
   */
  late: number;
  late_lag_max: number;
  /**
   * Set by the engine only on the minute it hands a silence rule (absent elsewhere, never
   * merged): what tells a stop from delayed delivery before any late attempt has arrived — the
   * event time of the slice's newest attempt received in time, the source it came by, and the
   * event time of the newest event of any kind (other methods, lifecycle statuses) from the
   * slice's provider received in time (absent when the slice names no provider).
   */
  last_attempt_at?: number;
  last_source?: string;
  provider_seen_at?: number;
}

/**
 * The payment lists of a minute that has none (most minutes: no failures, no retries), shared
 * and frozen; `addEvent` gives a minute its own lists at its first entry.
 */
export const NO_PAYMENTS = Object.freeze([]) as readonly string[] as string[];
const NO_OUTCOMES = Object.freeze([]) as readonly number[] as number[];

/** Lists a payment's attempt on its minute (`MinuteAggregate.payments`), in arrival order. */
export function notePayment(agg: MinuteAggregate, id: string, code: number): void {
  if (agg.payments === NO_PAYMENTS) {
    agg.payments = [];
    agg.payment_outcomes = [];
  }
  agg.payments.push(id);
  agg.payment_outcomes.push(code);
}

/** Codes of `MinuteAggregate.payment_outcomes`. */
export const OUTCOME_SUCCESS = 0;
export const OUTCOME_FAILED = 1;
/** A failure the payment stack caused (counted in `technical_failed`). */
export const OUTCOME_TECHNICAL = 2;

/** What a detector concluded about one point. `insufficient` = below the minimum volume gate. */
export type Verdict = 'normal' | 'anomalous' | 'no_data' | 'insufficient';

/**
 * The output of one detector step: what was observed, what was expected (a band), and a
 * score in [0,1]. `revenue_at_risk` is the money at stake in this step alone (reporting
 * currency); the alert accumulates it while firing.
 */
export interface Evaluation {
  /** Event time of the evaluated point (end of the minute or the event's ts). */
  at: number;
  verdict: Verdict;
  value: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  score: number;
  revenue_at_risk: number;
  /** One human sentence in English, e.g. "success rate will cross 85% in ~12 min". */
  summary: string;
  /**
   * The same sentence as data (null when there is nothing to say), so that notifications
   * render it in the receiver's language (`summaryText`). Set both through `say(message)`.
   */
  message: SummaryMessage | null;
  /** Overrides the rule's severity (e.g. the SLO fast-burn pair pages, the slow one tickets). */
  severity?: string;
  /** Masked transaction ids backing the finding. */
  samples?: string[];
  /** `dimension=value` → weight, largest first. */
  contributors?: { key: string; value: number }[];
  /**
   * Labels the finding adds to its alert for routing and muting, outside its identity (the
   * alert id and the slice stay those of the rule's slice): e.g. the provider a decline-mix
   * shift concentrates on. Taken at the start of an episode and kept for it; a label of the
   * slice itself wins.
   */
  labels?: Record<string, string>;
}

/**
 * A series detector: fed one closed minute at a time, in event-time order, for one slice.
 * It keeps whatever history it needs (bounded) and never looks ahead. One instance per slice.
 */
export interface SeriesDetector {
  readonly kind: 'series';
  readonly type: string;
  evaluate(minute: MinuteAggregate): Evaluation;
  /**
   * Optional: the detector's state as plain JSON, so that its history survives a restart.
   * `restore` takes what `snapshot` returned (by an instance built from the same spec) and
   * throws `SnapshotError` when it cannot use it. Without these, a restart starts it afresh.
   */
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

/**
 * An event detector (fraud and compliance): sees each payment event in event-time order and
 * returns findings keyed by the entity it concerns (a BIN, a customer…). One instance per rule;
 * it keeps per-entity state and evicts entities idle for longer than its window.
 */
export interface EventDetector {
  readonly kind: 'event';
  readonly type: string;
  observe(event: PaymentEvent, amountReporting: number): EventFinding[];
  /**
   * Optional: true when a later finding may claim this event (`EventFinding.retracts`), e.g. a
   * small attempt for card testing. The engine keeps such events (only those) while their
   * minute is open, so that it can retract them.
   */
  mayClaim?(event: PaymentEvent, amountReporting: number): boolean;
  /** Optional, as for `SeriesDetector`: per-entity windows as JSON, to survive a restart. */
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

/** A finding of an event detector: the entity's labels and the evaluation. */
export interface EventFinding {
  labels: Record<string, string>;
  evaluation: Evaluation;
  /**
   * True when the observed event is itself part of the anomaly found (an attempt of a
   * card-testing burst): the engine then leaves the event out of every series rule's minute
   * aggregates, so one incident pages once (card testing) and not also as the provider's
   * success-rate drop or a decline-mix shift, while a real outage beside it still counts.
   */
  excludes_event?: boolean;
  /**
   * Event ids of earlier events the finding claims too (a burst's first attempts, seen before
   * it qualified): the engine takes them back out of the series rules' minutes that are not
   * yet judged (see `EventDetector.mayClaim`); ids it no longer holds are ignored.
   */
  retracts?: string[];
}

/** Any detector. */
export type Detector = SeriesDetector | EventDetector;

// Metrics, their formatting and the rate check live in contracts (shared with the summary formatter).
export { SERIES_METRICS, formatMetric, isRateMetric } from '@paywatch/contracts';
export type { SeriesMetric } from '@paywatch/contracts';

export function emptyMinute(t: number): MinuteAggregate {
  return {
    t,
    attempts: 0,
    succeeded: 0,
    failed: 0,
    technical_failed: 0,
    failures: {},
    gmv: 0,
    attempted_amount: 0,
    latency_sum: 0,
    latency_n: 0,
    latency_log_sum: 0,
    contrib: new Map(),
    contrib_attempts: new Map(),
    samples: [],
    payments: NO_PAYMENTS,
    payment_outcomes: NO_OUTCOMES,
    late: 0,
    late_lag_max: 0,
  };
}

/**
 * Adds `b` into `a` (mutates `a`). With `full`, contributors and samples too (capped); the
 * light form (counts only) is what detectors use on every minute — details are merged only
 * when a finding needs them.
 */
export function mergeMinute(a: MinuteAggregate, b: MinuteAggregate, full = true): MinuteAggregate {
  a.attempts += b.attempts;
  a.succeeded += b.succeeded;
  a.failed += b.failed;
  a.technical_failed += b.technical_failed;
  for (const k in b.failures) {
    const c = k as FailureCategory;
    a.failures[c] = (a.failures[c] ?? 0) + (b.failures[c] ?? 0);
  }
  a.gmv += b.gmv;
  a.attempted_amount += b.attempted_amount;
  a.latency_sum += b.latency_sum;
  a.latency_n += b.latency_n;
  a.latency_log_sum += b.latency_log_sum;
  a.late += b.late;
  if (b.late_lag_max > a.late_lag_max) a.late_lag_max = b.late_lag_max;
  if (!full) return a;
  for (const [k, v] of b.contrib)
    if (a.contrib.has(k) || a.contrib.size < MAX_CONTRIB) a.contrib.set(k, (a.contrib.get(k) ?? 0) + v);
  for (const [k, v] of b.contrib_attempts)
    if (a.contrib_attempts.has(k) || a.contrib_attempts.size < MAX_CONTRIB * 2)
      a.contrib_attempts.set(k, (a.contrib_attempts.get(k) ?? 0) + v);
  for (const s of b.samples) if (a.samples.length < MAX_SAMPLES && !a.samples.includes(s)) a.samples.push(s);
  return a;
}

export const MAX_CONTRIB = 40;
export const MAX_SAMPLES = 5;

/** The value of `metric` for an aggregate; null when undefined (a rate with no attempts). */
export function metricValue(a: MinuteAggregate, metric: SeriesMetric): number | null {
  switch (metric) {
    case 'attempts':
      return a.attempts;
    case 'succeeded':
      return a.succeeded;
    case 'failed':
      return a.failed;
    case 'gmv':
      return a.gmv;
    case 'success_rate':
      return a.attempts > 0 ? a.succeeded / a.attempts : null;
    case 'decline_rate':
      return a.attempts > 0 ? a.failed / a.attempts : null;
    case 'technical_success_rate':
      return a.attempts > 0 ? 1 - a.technical_failed / a.attempts : null;
    case 'latency_avg':
      return a.latency_n > 0 ? a.latency_sum / a.latency_n : null;
    case 'latency_gmean':
      return a.latency_n > 0 ? Math.exp(a.latency_log_sum / a.latency_n) : null;
  }
}

/** True for metrics that are averages or ratios (not summed per minute): rates and latencies. */
export function isIntensiveMetric(m: SeriesMetric): boolean {
  return isRateMetric(m) || m === 'latency_avg' || m === 'latency_gmean';
}

/** Average ticket of a minute (reporting currency), 0 without attempts. */
export function avgTicket(a: MinuteAggregate): number {
  return a.attempts > 0 ? a.attempted_amount / a.attempts : 0;
}

/**
 * Average ticket of the failed attempts (reporting currency): the price of an attempt a drop
 * lost. The failures of an incident are its own payments, whose tickets can be far from the
 * slice's average (only JPY failing on a provider: ¥ tickets of ~$25 among EUR/GBP/KWD ones).
 * The average ticket when nothing failed.
 */
export function failedTicket(a: MinuteAggregate): number {
  return a.failed > 0 ? Math.max(0, a.attempted_amount - a.gmv) / a.failed : avgTicket(a);
}

/**
 * Top contributors of an aggregate, largest first: for a dimension value, its *excess*
 * failures (failures beyond what its share of attempts would explain at the overall failure
 * rate), so a value every attempt shares (the slice's own country) does not rank; failure
 * categories rank by their count.
 */
export function topContributors(a: MinuteAggregate, n = 5): { key: string; value: number }[] {
  const rate = a.attempts > 0 ? a.failed / a.attempts : 0;
  return [...a.contrib]
    .map(([key, fails]) => {
      const att = a.contrib_attempts.get(key);
      const value = key.startsWith('failure_category=') || att === undefined ? fails : fails - att * rate;
      return { key, value: Math.round(value * 10) / 10 };
    })
    .filter((c) => c.value > 0)
    .sort((x, y) => y.value - x.value || (x.key < y.key ? -1 : 1))
    .slice(0, n);
}

/**
 * Money at stake in one minute for a metric that moved the wrong way: lost successful
 * attempts for a success-type rate (priced at the failed attempts' ticket, `failedTicket`),
 * lost volume for a count or GMV. Never negative.
 */
export function revenueAtRisk(
  metric: SeriesMetric,
  minute: MinuteAggregate,
  expected: number | null,
): number {
  if (expected === null) return 0;
  const obs = metricValue(minute, metric);
  if (obs === null) return 0;
  const ticket = avgTicket(minute);
  switch (metric) {
    case 'success_rate':
    case 'technical_success_rate':
      return Math.max(0, expected - obs) * minute.attempts * failedTicket(minute);
    case 'decline_rate':
      return Math.max(0, obs - expected) * minute.attempts * failedTicket(minute);
    case 'attempts':
    case 'succeeded':
      return Math.max(0, expected - obs) * ticket;
    case 'gmv':
      return Math.max(0, expected - obs);
    default:
      return 0;
  }
}

/** A fixed-capacity ring of minute aggregates with a running window sum. */
export class MinuteWindow {
  private readonly ring: (MinuteAggregate | undefined)[];
  private head = 0;
  private count = 0;
  constructor(readonly size: number) {
    this.ring = new Array<MinuteAggregate | undefined>(size);
  }
  push(m: MinuteAggregate): void {
    this.ring[this.head] = m;
    this.head = (this.head + 1) % this.size;
    if (this.count < this.size) this.count++;
  }
  /** The held minutes, oldest first. */
  minutes(): MinuteAggregate[] {
    const out: MinuteAggregate[] = [];
    for (let i = this.count - 1; i >= 0; i--) {
      const m = this.ring[(this.head - 1 - i + this.size * 2) % this.size];
      if (m) out.push(m);
    }
    return out;
  }
  /** Minutes held (≤ size). */
  get length(): number {
    return this.count;
  }
  /** Sum of the held minutes' counts (no contributors/samples), stamped with the latest minute's t. */
  sum(): MinuteAggregate {
    return this.merge(false);
  }
  /** Sum including contributors and samples (for a finding). */
  full(): MinuteAggregate {
    return this.merge(true);
  }
  private merge(full: boolean): MinuteAggregate {
    const latest = this.ring[(this.head - 1 + this.size) % this.size];
    const out = emptyMinute(latest?.t ?? 0);
    for (let i = 0; i < this.count; i++) {
      const m = this.ring[(this.head - 1 - i + this.size * 2) % this.size];
      if (m) mergeMinute(out, m, full);
    }
    return out;
  }
}

/** Samples and contributors of a window, for an anomalous evaluation. */
export function details(win: MinuteWindow): {
  samples: string[];
  contributors: { key: string; value: number }[];
} {
  const f = win.full();
  return { samples: f.samples, contributors: topContributors(f) };
}

/** Median of a numeric array (copy-sorted); NaN when empty. */
export function median(xs: ArrayLike<number>): number {
  const a = Array.from(xs)
    .filter((x) => Number.isFinite(x))
    .sort((x, y) => x - y);
  if (a.length === 0) return NaN;
  const m = a.length >> 1;
  return a.length % 2 ? (a[m] ?? NaN) : ((a[m - 1] ?? 0) + (a[m] ?? 0)) / 2;
}

/** Median absolute deviation around `med`. */
export function mad(xs: ArrayLike<number>, med: number): number {
  return median(
    Array.from(xs)
      .filter((x) => Number.isFinite(x))
      .map((x) => Math.abs(x - med)),
  );
}

export const MINUTE_MS = 60_000;
