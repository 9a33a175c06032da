import {
  DIMENSIONS,
  FAILURE_STATUSES,
  FIRST_MONDAY_MS,
  SUCCESS_STATUSES,
  WEEK_MS,
  bucketStarts,
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

/** Zoned buckets beyond this many in a query's range are cut by ICU per row instead. */
export const MAX_PRECOMPUTED_BUCKETS = 20_000;

/**
 * The starts of a zone's 6 h / 1 d / 1 w buckets meeting [from, to) (`bucketStarts`, the zone's
 * rules from this runtime's ICU, as the read API's gap-filling), for `bucketSql`; null when the
 * buckets are not zoned, the range is empty or holds more than `MAX_PRECOMPUTED_BUCKETS`.
 * Computed once per query (≈1.7 ms for 30 days, ≈140 ms for 5 000 days in Europe/Berlin).
 */
export function zonedStartsOf(
  bucketMs: number,
  tz: string | null,
  range: { from: number; to: number },
): number[] | null {
  if (tz === null || !isZonedBucket(bucketMs) || !(range.from < range.to)) return null;
  const starts = bucketStarts(range.from, range.to, bucketMs, tz, MAX_PRECOMPUTED_BUCKETS);
  return starts.length > 0 && starts.length <= MAX_PRECOMPUTED_BUCKETS ? starts : null;
}

/**
 * The bucket start of `ts` (`bucketStart` in contracts): a multiple of `bucketMs`; a week from
 * Monday 00:00 UTC; or for 6 h / 1 d / 1 w buckets with a zone, the zone's local midnight, a day
 * then cut into whole buckets of elapsed time, the last one of a 25-hour day an hour longer.
 *
 * With `starts` (`zonedStartsOf` for the query's range, whose rows alone are bucketed), each row
 * is placed by integer arithmetic against them (`zonedBucketSql`); without them DuckDB's ICU
 * converts every row (`icuBucketSql`), 4–5× slower than UTC buckets (npm run bench:trends).
 */
export function bucketSql(
  p: SqlParams,
  bucketMs: number,
  tz: string | null,
  starts?: readonly number[] | null,
): string {
  if (tz !== null && isZonedBucket(bucketMs) && starts && starts.length > 0) {
    return zonedBucketSql(p, starts, bucketMs);
  }
  return icuBucketSql(p, bucketMs, tz);
}

/**
 * The bucket start of `ts` given the ascending bucket starts of the range (the first at or
 * before every row's ts; rows at or after the last start belong to it). Runs of starts
 * `bucketMs` apart (every bucket of a range without an offset change) are one segment, placed
 * by `s0 + least((ts − s0) // b, n − 1) · b`; a DST change (or any other offset change) starts a
 * new segment, chosen by a CASE on the segment starts: one branch per change, not per bucket.
 */
export function zonedBucketSql(p: SqlParams, starts: readonly number[], bucketMs: number): string {
  const segments: { s0: number; n: number }[] = [];
  let prev: number | undefined;
  for (const t of starts) {
    const last = segments[segments.length - 1];
    if (last && prev !== undefined && t - prev === bucketMs) last.n++;
    else segments.push({ s0: t, n: 1 });
    prev = t;
  }
  // Bound on first use: DuckDB refuses parameters the statement does not reference.
  let bound: string | undefined;
  const piece = (g: { s0: number; n: number }) => {
    if (g.n === 1) return `${p.bind(g.s0)}::BIGINT`;
    const b = (bound ??= p.bind(bucketMs));
    const s0 = p.bind(g.s0);
    return `(${s0} + least((ts - ${s0}) // ${b}, ${p.bind(g.n - 1)}) * ${b})::BIGINT`;
  };
  if (segments.length === 1) return piece(segments[0] as { s0: number; n: number });
  const whens = segments
    .slice(0, -1)
    .map((g, i) => `WHEN ts < ${p.bind((segments[i + 1] as { s0: number }).s0)} THEN ${piece(g)}`);
  return `(CASE ${whens.join(' ')} ELSE ${piece(segments[segments.length - 1] as { s0: number; n: number })} END)`;
}

/**
 * The same bucket start computed per row by DuckDB's ICU: the local wall time truncated to the
 * day or ISO week, read back in the zone. Used for ranges too long to precompute, and as the
 * reference the precomputed buckets are tested against.
 */
export function icuBucketSql(p: SqlParams, bucketMs: number, tz: string | null): string {
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
