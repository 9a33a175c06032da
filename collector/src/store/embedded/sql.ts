import {
  DIMENSIONS,
  FAILURE_STATUSES,
  FIRST_MONDAY_MS,
  SUCCESS_STATUSES,
  WEEK_MS,
  isZonedBucket,
} from '@paywatch/contracts';
import type { RangeFilter } from '../types.js';
import { DIMENSION_COLUMNS } from './row.js';

/** A value DuckDB binds as a parameter. */
export type SqlValue = string | number | boolean | null;

/**
 * The one binding helper of the embedded store: every value that reaches SQL goes through
 * `bind`, which returns a numbered placeholder (`$1`, `$2`, …). Identifiers never come from
 * input; they come from the fixed column maps in `row.ts`.
 */
export class SqlParams {
  readonly values: SqlValue[] = [];

  bind(v: SqlValue): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }

  /** `(p1, p2, …)` for an IN list; the list must not be empty. */
  list(vs: readonly SqlValue[]): string {
    if (vs.length === 0) throw new RangeError('empty IN list');
    return `(${vs.map((v) => this.bind(v)).join(', ')})`;
  }
}

/** Event time bounds become integers: `ts` is integral, so `ts >= x` ⇔ `ts >= ceil(x)`. */
function bound(x: number, name: string): number {
  if (!Number.isFinite(x)) throw new RangeError(`${name} must be a finite number of epoch ms`);
  return Math.ceil(x);
}

/**
 * The WHERE clause for a range and its filters: `[from, to)` on event time, OR within the
 * values of one dimension, AND across dimensions; `payment_id` equality and amount bounds. An
 * empty value list for a dimension means no constraint on it (as `filtersOf` never sends one).
 */
export function whereOf(q: RangeFilter, p: SqlParams): string {
  const parts = [`ts >= ${p.bind(bound(q.from, 'from'))}`, `ts < ${p.bind(bound(q.to, 'to'))}`];
  const f = q.filters;
  // Iterate the fixed dimension list, not the keys of the input object.
  for (const d of DIMENSIONS) {
    const vs = f[d];
    if (vs && vs.length > 0) parts.push(`${DIMENSION_COLUMNS[d]} IN ${p.list(vs)}`);
  }
  if (f.payment_id !== undefined) parts.push(`payment_id = ${p.bind(f.payment_id)}`);
  if (f.min_amount_minor !== undefined) parts.push(`amount_minor >= ${p.bind(f.min_amount_minor)}`);
  if (f.max_amount_minor !== undefined) parts.push(`amount_minor <= ${p.bind(f.max_amount_minor)}`);
  return parts.join(' AND ');
}

/**
 * Status predicates for outcome events (see `outcomeOf` in contracts). Each is bound on first
 * use only: DuckDB refuses parameters the statement does not reference.
 */
export interface OutcomeSql {
  readonly success: string;
  readonly failure: string;
  readonly outcome: string;
}

export function outcomeSqlOf(p: SqlParams): OutcomeSql {
  let s: string[] | null = null;
  let f: string[] | null = null;
  const succ = () => (s ??= SUCCESS_STATUSES.map((v) => p.bind(v)));
  const fail = () => (f ??= FAILURE_STATUSES.map((v) => p.bind(v)));
  return {
    get success() {
      return `status IN (${succ().join(', ')})`;
    },
    get failure() {
      return `status IN (${fail().join(', ')})`;
    },
    get outcome() {
      return `status IN (${[...succ(), ...fail()].join(', ')})`;
    },
  };
}

/**
 * The bucket start of `ts` (`bucketStart` in contracts): a multiple of `bucketMs`; a week from
 * Monday 00:00 UTC; or for 6 h / 1 d / 1 w buckets with a zone, the zone's local midnight (ICU:
 * the local wall time truncated to the day or ISO week, read back in the zone), a day then cut
 * into whole buckets of elapsed time, the last one of a 25-hour day an hour longer.
 */
export function bucketSql(p: SqlParams, bucketMs: number, tz: string | null): string {
  if (bucketMs === WEEK_MS && tz === null) {
    const m = p.bind(FIRST_MONDAY_MS);
    return `(ts - (ts - ${m}) % ${p.bind(WEEK_MS)})`;
  }
  if (tz === null || !isZonedBucket(bucketMs)) {
    const b = p.bind(bucketMs);
    return `(ts - ts % ${b})`;
  }
  const z = p.bind(tz);
  const trunc = (unit: 'day' | 'week') =>
    `epoch_ms(date_trunc('${unit}', make_timestamptz(ts * 1000) AT TIME ZONE ${z}) AT TIME ZONE ${z})`;
  if (bucketMs === WEEK_MS) return trunc('week');
  const day = trunc('day');
  const b = p.bind(bucketMs);
  return `(${day} + least((ts - ${day}) // ${b}, ${p.bind(86_400_000 / bucketMs - 1)}) * ${b})`;
}
