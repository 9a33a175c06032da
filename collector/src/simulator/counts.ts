import {
  canonicalEnum,
  ENUM_ALIASES,
  outcomeOf,
  parseTimestamp,
  PROVIDERS,
  STATUSES,
  type PaymentEventInput,
  type Status,
} from '@paywatch/contracts';

const STATUS_SET: ReadonlySet<string> = new Set(STATUSES);
const PROVIDER_SET: ReadonlySet<string> = new Set(PROVIDERS);

/** Per-provider slice of the totals. */
export interface ProviderCounts {
  events: number;
  attempts: number;
  succeeded: number;
  failed: number;
}

/**
 * What a simulator run produced (or what the server acknowledged), counted with the contracts'
 * `outcomeOf` exactly as the store's overview counts: `attempts = succeeded + failed`, GMV is the
 * sum of `amount_minor` of successful events per currency.
 */
export interface SimCounts {
  events: number;
  attempts: number;
  succeeded: number;
  failed: number;
  by_status: Record<string, number>;
  /** Sum of `amount_minor` of successful events, per currency (minor units). */
  gmv_minor: Record<string, number>;
  by_provider: Record<string, ProviderCounts>;
  by_failure_category: Record<string, number>;
  /** Earliest and latest event time (epoch ms); null before the first event. */
  first_ts: number | null;
  last_ts: number | null;
}

/** A running total. `add` is O(1); `snapshot` returns a copy safe to keep. */
export interface Counter {
  /** `tsMs` may be passed when the caller already knows the event time (saves a parse). */
  add(ev: PaymentEventInput, tsMs?: number): void;
  /** Adds every event of another counter's snapshot. */
  merge(other: SimCounts): void;
  snapshot(): SimCounts;
}

export function emptyCounts(): SimCounts {
  return {
    events: 0,
    attempts: 0,
    succeeded: 0,
    failed: 0,
    by_status: {},
    gmv_minor: {},
    by_provider: {},
    by_failure_category: {},
    first_ts: null,
    last_ts: null,
  };
}

function bump(rec: Record<string, number>, key: string, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}

/** Creates an empty running total. */
export function createCounter(): Counter {
  const c = emptyCounts();
  return {
    add(ev, tsMs) {
      // Fast paths: the simulator always writes canonical values; other inputs are normalized.
      const status = STATUS_SET.has(ev.status)
        ? (ev.status as Status)
        : (canonicalEnum(STATUSES, ENUM_ALIASES.status, ev.status) ?? 'created');
      const outcome = outcomeOf(status);
      const currency = /^[A-Z]{3}$/.test(ev.currency) ? ev.currency : ev.currency.trim().toUpperCase();
      const provider = PROVIDER_SET.has(ev.provider)
        ? ev.provider
        : (canonicalEnum(PROVIDERS, ENUM_ALIASES.provider, ev.provider) ?? 'other');
      const p = (c.by_provider[provider] ??= { events: 0, attempts: 0, succeeded: 0, failed: 0 });
      c.events++;
      p.events++;
      bump(c.by_status, status);
      if (outcome !== null) {
        c.attempts++;
        p.attempts++;
        if (outcome === 'success') {
          c.succeeded++;
          p.succeeded++;
          bump(c.gmv_minor, currency, ev.amount_minor);
        } else {
          c.failed++;
          p.failed++;
          bump(c.by_failure_category, ev.failure?.category ?? 'other');
        }
      }
      const t = tsMs ?? parseTimestamp(ev.ts);
      if (c.first_ts === null || t < c.first_ts) c.first_ts = t;
      if (c.last_ts === null || t > c.last_ts) c.last_ts = t;
    },
    merge(o) {
      c.events += o.events;
      c.attempts += o.attempts;
      c.succeeded += o.succeeded;
      c.failed += o.failed;
      for (const [k, v] of Object.entries(o.by_status)) bump(c.by_status, k, v);
      for (const [k, v] of Object.entries(o.gmv_minor)) bump(c.gmv_minor, k, v);
      for (const [k, v] of Object.entries(o.by_failure_category)) bump(c.by_failure_category, k, v);
      for (const [k, v] of Object.entries(o.by_provider)) {
        const p = (c.by_provider[k] ??= { events: 0, attempts: 0, succeeded: 0, failed: 0 });
        p.events += v.events;
        p.attempts += v.attempts;
        p.succeeded += v.succeeded;
        p.failed += v.failed;
      }
      if (o.first_ts !== null && (c.first_ts === null || o.first_ts < c.first_ts)) c.first_ts = o.first_ts;
      if (o.last_ts !== null && (c.last_ts === null || o.last_ts > c.last_ts)) c.last_ts = o.last_ts;
    },
    snapshot() {
      return structuredClone(c);
    },
  };
}

/** Counts a finished list of events (tests recount emitted streams with this). */
export function countEvents(events: Iterable<PaymentEventInput>): SimCounts {
  const counter = createCounter();
  for (const ev of events) counter.add(ev);
  return counter.snapshot();
}

/** Success rate as the overview reports it: succeeded / attempts, null without attempts. */
export function successRate(c: SimCounts): number | null {
  return c.attempts === 0 ? null : c.succeeded / c.attempts;
}

/** GMV per currency in major units (the overview's `gmv.by_currency`). */
export function gmvMajor(c: SimCounts, exponentOf: (currency: string) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [cur, minor] of Object.entries(c.gmv_minor)) out[cur] = minor / 10 ** exponentOf(cur);
  return out;
}
