import {
  DIMENSIONS,
  FAILURE_STATUSES,
  SUCCESS_STATUSES,
  FIRST_MONDAY_MS,
  WEEK_MS,
  isZonedBucket,
  zoneGrid,
  type Dimension,
  type Filters,
  type PaymentEvent,
} from '@paywatch/contracts';
import type { RangeFilter } from '../types.js';
import { ALL_SLICE, CUBE_TABLES, HOUR_MS, isCubeDimension, type CubeDimension } from './cube.js';
import { latencyBucketSql, quantileBucketsSql } from './latency-histogram.js';
import { DAY_OF_TS, MINUTE_ROLLUP, ROLLUP_DIMENSIONS, type RollupDimension } from './migrations.js';
import { COLUMN_NAMES, DIMENSION_COLUMNS, ROW_COLUMNS } from './row.js';
import { ident, join, list, raw, sql, valueSet, type SqlFragment } from './sql.js';

/**
 * Read-query builders for the ClickHouse backend (pure: config and query in, SQL out). Each
 * aggregate read runs two statements: counts and GMV grouped by (keys…, currency), and latency
 * quantiles (histogram buckets, `latency-histogram.ts`) grouped by (keys…). `planRead` splits
 * the range over the sources that answer it exactly, coarsest first; each statement is one
 * `UNION ALL` over the parts, so the parts' counts and histograms add up before quantiles are
 * taken.
 */

export const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const OUTCOME = [...SUCCESS_STATUSES, ...FAILURE_STATUSES];

/**
 * Where (the bulk of) a read is answered from: the hourly one-dimension cube, the per-minute
 * rollup, or the raw table.
 */
export type ReadSource = 'cube' | 'rollup' | 'raw';
/** `auto` uses the rollups whenever they give the same answer; `raw` never does (tests, debugging). */
export type ReadMode = 'auto' | 'raw';

/** A time range [from, to) of a read plan. */
export interface Span {
  from: number;
  to: number;
}

/**
 * How a read is answered. `cube` covers the whole hours of the range from the hourly tables
 * (slice `dim`); `rest` are the remaining spans (the partial hours at both ends, or the whole
 * range without a cube part), whose counts, latencies and failures all come from `restSource`:
 * the per-minute rollup when it is exact for them (`chooseSource`), else raw rows.
 */
export interface ReadPlan {
  cube: (Span & { dim: CubeDimension | typeof ALL_SLICE }) | null;
  rest: Span[];
  restSource: 'rollup' | 'raw';
}

/** Shape of an aggregate read: bucket size and grouping dimension, when any. */
export interface ReadShape {
  bucketMs?: number | null;
  dimension?: Dimension | null;
  /** Zone of 6 h / 1 d buckets (null: UTC); see `bucketStart` in contracts. */
  tz?: string | null;
}

/** The grid the shape's bucket boundaries lie on over the range (`zoneGrid` in contracts). */
type Grid = ReturnType<typeof zoneGrid>;
const gridOf = (q: RangeFilter, shape: ReadShape): Grid =>
  shape.bucketMs == null ? 'hour' : zoneGrid(q.from, q.to, shape.bucketMs, shape.tz ?? null);

const isRollupDim = (d: Dimension): d is Dimension & RollupDimension =>
  (ROLLUP_DIMENSIONS as readonly string[]).includes(d);

/**
 * The per-minute rollup answers a span exactly (counts, sums, latency buckets, failure codes)
 * when it is minute-aligned, every
 * filter is on a rollup dimension, the grouping dimension is one and the bucket is whole
 * minutes. Otherwise the raw table answers.
 */
export function chooseSource(
  mode: ReadMode,
  q: RangeFilter,
  shape: ReadShape = {},
  grid: () => Grid = () => gridOf(q, shape),
): 'rollup' | 'raw' {
  if (mode === 'raw') return 'raw';
  if (q.from % MINUTE_MS !== 0 || q.to % MINUTE_MS !== 0) return 'raw';
  if (shape.bucketMs != null && shape.bucketMs % MINUTE_MS !== 0) return 'raw';
  // A zone with seconds in its offset (none since 1972) cuts days inside a minute.
  if (grid() === 'none') return 'raw';
  if (shape.dimension != null && !isRollupDim(shape.dimension)) return 'raw';
  if (hasRowFilter(q.filters)) return 'raw';
  for (const d of DIMENSIONS) {
    const vs = q.filters[d];
    if (!vs || vs.length === 0) continue;
    // '' stands for NULL in the rollup, so a literal '' filter must go to the raw table.
    if (!isRollupDim(d) || vs.includes('')) return 'raw';
  }
  return 'rollup';
}

const hasRowFilter = (f: Filters) =>
  f.payment_id !== undefined || f.min_amount_minor !== undefined || f.max_amount_minor !== undefined;

/**
 * The cube slice that answers a read exactly, or null: at most one dimension other than status
 * is grouped by or filtered on (status is a column of every slice), it is a cube dimension, no
 * filter value is '' (NULL is stored as ''), there is no row-level filter (payment id, amount)
 * and the bucket is whole hours.
 */
export function cubeSlice(
  q: RangeFilter,
  shape: ReadShape = {},
  grid: () => Grid = () => gridOf(q, shape),
): CubeDimension | typeof ALL_SLICE | null {
  if (hasRowFilter(q.filters)) return null;
  if (shape.bucketMs != null && shape.bucketMs % HOUR_MS !== 0) return null;
  // Local days of +05:30 or +05:45 begin inside an hour row of the cube.
  if (grid() !== 'hour') return null;
  const used = new Set<Dimension>();
  if (shape.dimension != null && shape.dimension !== 'status') used.add(shape.dimension);
  for (const d of DIMENSIONS) {
    const vs = q.filters[d];
    if (!vs || vs.length === 0 || d === 'status') continue;
    if (vs.includes('')) return null;
    used.add(d);
  }
  if (used.size > 1) return null;
  const [d] = [...used];
  if (d === undefined) return ALL_SLICE;
  return isCubeDimension(d) ? d : null;
}

/**
 * Splits a read over its sources: the whole hours inside the range from the hourly cube when a
 * slice answers it, the partial hours at the ends (or everything) from the per-minute rollup or
 * raw rows. A 30-day read thus touches raw rows only for the minutes before its first and after
 * its last whole hour (none when the range is hour-aligned).
 */
export function planRead(mode: ReadMode, q: RangeFilter, shape: ReadShape = {}): ReadPlan {
  // The zone's grid walks every local day of the range (~8 ms for 400 days): once per plan.
  let g: Grid | undefined;
  const grid = () => (g ??= gridOf(q, shape));
  const restSource = chooseSource(mode, q, shape, grid);
  const dim = mode === 'raw' ? null : cubeSlice(q, shape, grid);
  const hFrom = Math.ceil(q.from / HOUR_MS) * HOUR_MS;
  const hTo = Math.floor(q.to / HOUR_MS) * HOUR_MS;
  if (dim === null || hFrom >= hTo) return { cube: null, rest: [{ from: q.from, to: q.to }], restSource };
  const rest: Span[] = [];
  if (q.from < hFrom) rest.push({ from: q.from, to: hFrom });
  if (hTo < q.to) rest.push({ from: hTo, to: q.to });
  // The edges are minute-aligned whenever the range is, so the rollup stays exact for them.
  return { cube: { from: hFrom, to: hTo, dim }, rest, restSource };
}

/**
 * Default for `ClickHouseStoreConfig.rollupMaxRowShare`: a long read with no cube part (several
 * dimensions, or buckets under an hour) takes the per-minute rollup only while the rollup holds
 * at most this share of the raw table's rows in the days read. The rollup's sort key starts with
 * the minute, so such a read scans all of its rows in the range (and merges aggregate states),
 * while the raw table prunes by (provider, status): where nearly every event has its own
 * combination of nine dimensions in a minute — the generated bench data at 10M — the rollup is
 * as large as the raw table and reading it was 2.7x slower (30-day overview + failures filtered
 * on provider and country). Real traffic repeats combinations within a minute and keeps the
 * rollup well below this share.
 */
export const ROLLUP_MAX_ROW_SHARE = 0.25;
/** Ranges at least this long are checked against `ROLLUP_MAX_ROW_SHARE` (shorter ones read little either way). */
export const ROLLUP_SHARE_MIN_SPAN_MS = 6 * HOUR_MS;

/**
 * Whether a plan's rollup part should be checked against the rollup's size: no cube part, the
 * rollup answering the rest, over a long range (`share` is then worth a look-up).
 */
export function needsRollupShare(plan: ReadPlan): boolean {
  if (plan.cube !== null || plan.restSource !== 'rollup') return false;
  const span = plan.rest.reduce((t, s) => t + (s.to - s.from), 0);
  return span >= ROLLUP_SHARE_MIN_SPAN_MS;
}

/**
 * The plan with raw rows instead of the per-minute rollup when the rollup holds more than
 * `maxShare` of the raw rows in the range's days (`share`: rollup rows / raw rows there, null
 * when unknown or no raw rows). Both sources give the same answer; only the cost differs.
 */
export function withRollupShare(plan: ReadPlan, share: number | null, maxShare: number): ReadPlan {
  if (!needsRollupShare(plan) || share === null || share <= maxShare) return plan;
  return { ...plan, restSource: 'raw' };
}

/** Day partition ids (YYYYMMDD) spanned by a range, for `system.parts` look-ups. */
export function partitionIdRange(from: number, to: number): [string, string] {
  const id = (ms: number) => dayLiteral(Math.min(Math.max(0, ms), MAX_DAY_MS)).replace(/-/g, '');
  return [id(from), id(Math.max(from, to - 1))];
}

/** The source answering most of a plan (for tests, benchmarks and logs). */
export function mainSource(p: ReadPlan): ReadSource {
  return p.cube !== null ? 'cube' : p.restSource;
}

/** Last day ClickHouse's Date type holds on every version (ranges are clamped to it). */
const MAX_DAY_MS = Date.UTC(2105, 11, 31);

/** The UTC day (YYYY-MM-DD) of an epoch-ms time. */
export function dayLiteral(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

function timeConditions(time: SqlFragment, s: Span): SqlFragment[] {
  // Clamp the day bounds into the Date range so partition pruning always applies.
  const fromDay = dayLiteral(Math.min(Math.max(0, s.from), MAX_DAY_MS));
  const toDay = dayLiteral(Math.min(Math.max(0, s.to - 1), MAX_DAY_MS));
  return [
    sql`day >= toDate(${fromDay})`,
    sql`day <= toDate(${toDay})`,
    sql`${time} >= ${s.from}`,
    sql`${time} < ${s.to}`,
  ];
}

/**
 * PREWHERE on event time for aggregate reads of raw rows: they read short spans (the partial
 * hours around a cube part) of day partitions the sort key (provider, status, ts) prunes poorly,
 * so reading `ts` first and the other columns only for matching granules is cheaper.
 */
const tsPrewhere = (s: Span) => sql`PREWHERE ts >= ${s.from} AND ts < ${s.to}
`;

/** Range + filter conditions over the raw table or the per-minute rollup. */
export function whereClause(source: 'raw' | 'rollup', q: RangeFilter): SqlFragment {
  const time = source === 'raw' ? raw('ts') : raw('minute');
  return join([...timeConditions(time, q), ...filterConditions(q.filters)], ' AND ');
}

/**
 * Range + slice + filter conditions over a cube table. The latency table names its status
 * column `st` and also holds each histogram under `st = '*'` (all outcome statuses together).
 */
function cubeWhere(
  c: NonNullable<ReadPlan['cube']>,
  f: Filters,
  statusCol: 'status' | 'st' = 'status',
): SqlFragment {
  const parts = [...timeConditions(raw('hour'), c), sql`dim = ${c.dim}`];
  if (c.dim !== ALL_SLICE) {
    const vs = f[c.dim];
    if (vs && vs.length > 0) parts.push(sql`val IN ${list(vs)}`);
  }
  if (f.status && f.status.length > 0) parts.push(sql`${raw(statusCol)} IN ${list(f.status)}`);
  return join(parts, ' AND ');
}

function filterConditions(f: Filters): SqlFragment[] {
  const out: SqlFragment[] = [];
  for (const d of DIMENSIONS) {
    const vs = f[d];
    if (vs && vs.length > 0) out.push(sql`${ident(DIMENSION_COLUMNS[d])} IN ${list(vs)}`);
  }
  if (f.payment_id !== undefined) out.push(sql`payment_id = ${f.payment_id}`);
  if (f.min_amount_minor !== undefined) out.push(sql`amount_minor >= ${f.min_amount_minor}`);
  if (f.max_amount_minor !== undefined) out.push(sql`amount_minor <= ${f.max_amount_minor}`);
  return out;
}

/** Grouping of an aggregate read: optional time bucket (in a zone, see `ReadShape.tz`) and optional dimension. */
export interface Grouping {
  bucketMs: number | null;
  dimension: Dimension | null;
  tz?: string | null;
}

/**
 * The bucket start of a time column (epoch ms) — `bucketStart` in contracts: an epoch multiple;
 * a week from Monday 00:00 UTC; or for 6 h / 1 d / 1 w buckets with a zone, the zone's local
 * midnight (`toStartOfDay(t, tz)`, on 18.16 and current releases; the zone must be a constant,
 * so it is bound as a literal) — a day then cut into whole buckets, the last one of a 25-hour day
 * an hour longer; a week from the local midnight of the day about `toDayOfWeek − 1` days before
 * the local noon (a DST change moves that by an hour, never a day). Exact for a cube or rollup
 * row when the zone's midnights lie on its grid (`planRead` checks).
 */
function bucketExpr(time: SqlFragment, bucketMs: number, tz: string | null): SqlFragment {
  if (bucketMs === WEEK_MS && tz === null) {
    // 1970-01-05 was the epoch's first Monday.
    return sql`intDiv(${time} - ${FIRST_MONDAY_MS}, ${WEEK_MS}) * ${WEEK_MS} + ${FIRST_MONDAY_MS}`;
  }
  if (tz === null || !isZonedBucket(bucketMs)) return sql`intDiv(${time}, ${bucketMs}) * ${bucketMs}`;
  const at = sql`toDateTime(intDiv(${time}, 1000))`;
  if (bucketMs === WEEK_MS) {
    const noonBack = sql`toUInt32(toStartOfDay(${at}, ${tz})) + 43200 - (toDayOfWeek(${at}, ${tz}) - 1) * 86400`;
    return sql`toInt64(toUInt32(toStartOfDay(toDateTime(${noonBack}), ${tz}))) * 1000`;
  }
  const day = sql`toInt64(toUInt32(toStartOfDay(${at}, ${tz}))) * 1000`;
  return sql`${day} + least(intDiv(${time} - ${day}, ${bucketMs}), ${DAY_MS / bucketMs - 1}) * ${bucketMs}`;
}

type PartSource = ReadSource;

/**
 * Key columns (bucket?, gkey?, gnull?) of one part. Every part yields the same types (bucket
 * Int64, gkey String, gnull UInt8: 1 for a NULL value) so parts combine with UNION ALL, and no
 * key is Nullable: grouping by a Nullable key is several times slower on 18.16.
 */
function keyExprs(
  source: PartSource,
  g: Grouping,
  statusCol: 'status' | 'st' = 'status',
): { select: SqlFragment[]; names: SqlFragment[] } {
  const select: SqlFragment[] = [];
  const names: SqlFragment[] = [];
  if (g.bucketMs !== null) {
    const time = raw(source === 'raw' ? 'ts' : source === 'rollup' ? 'minute' : 'hour');
    select.push(sql`${bucketExpr(time, g.bucketMs, g.tz ?? null)} AS bucket`);
    names.push(raw('bucket'));
  }
  if (g.dimension !== null) {
    const col = DIMENSION_COLUMNS[g.dimension];
    if (source === 'raw') {
      select.push(
        ROW_COLUMNS[col].startsWith('Nullable')
          ? sql`ifNull(${ident(col)}, '') AS gkey, toUInt8(isNull(${ident(col)})) AS gnull`
          : sql`${ident(col)} AS gkey, toUInt8(0) AS gnull`,
      );
    } else if (source === 'rollup') {
      // The rollups store NULL as ''.
      select.push(sql`${ident(col)} AS gkey, toUInt8(${ident(col)} = '') AS gnull`);
    } else if (g.dimension === 'status') {
      // In the cube, status is a column of every slice; any other grouping is the slice's value.
      select.push(sql`${raw(statusCol)} AS gkey, toUInt8(0) AS gnull`);
    } else {
      select.push(sql`val AS gkey, toUInt8(val = '') AS gnull`);
    }
    names.push(raw('gkey'), raw('gnull'));
  }
  return { select, names };
}

const withComma = (xs: SqlFragment[]) => (xs.length === 0 ? raw('') : sql`${join(xs, ', ')}, `);
const groupBy = (xs: SqlFragment[]) => (xs.length === 0 ? raw('') : sql` GROUP BY ${join(xs, ', ')}`);
const unionAll = (parts: SqlFragment[]) => join(parts, '\nUNION ALL\n');
const spanQuery = (q: RangeFilter, s: Span): RangeFilter => ({ ...q, from: s.from, to: s.to });

const tbl = (db: string, table: string) => sql`${ident(db)}.${ident(table)}`;

/**
 * Rows (keys…, cur, status, n, amt) of one part: events and amount per status and currency.
 * Cube rows are passed on as stored (summing them here first would only add a GROUP BY).
 */
function countsPart(
  db: string,
  source: PartSource,
  q: RangeFilter,
  g: Grouping,
  plan: ReadPlan,
): SqlFragment {
  const k = keyExprs(source, g);
  if (source === 'raw') {
    return sql`SELECT ${withComma(k.select)}currency AS cur, status AS st, count() AS n, sum(amount_minor) AS a
FROM ${tbl(db, 'payment_events')}
${tsPrewhere(q)}WHERE ${whereClause('raw', q)}
GROUP BY ${withComma(k.names)}cur, st`;
  }
  if (source === 'cube') {
    const c = plan.cube as NonNullable<ReadPlan['cube']>;
    return sql`SELECT ${withComma(k.select)}currency AS cur, status AS st, n, amt AS a
FROM ${tbl(db, CUBE_TABLES.counts)}
WHERE ${cubeWhere(c, q.filters)}`;
  }
  return sql`SELECT ${withComma(k.select)}currency AS cur, status AS st, countMerge(events) AS n, sumMerge(amount) AS a
FROM ${tbl(db, MINUTE_ROLLUP)}
WHERE ${whereClause('rollup', q)}
GROUP BY ${withComma(k.names)}cur, st`;
}

/**
 * Counts and GMV per keys… over every part of the plan: columns bucket?, gkey?, gnull?, events,
 * attempts, succeeded, failed, and the GMV and successes of the currencies with succeeded events
 * as parallel arrays `curs` / `gmvs` / `sucs` — one row per group instead of one per (group, currency):
 * an hourly 30-day series by provider is ~4 300 rows instead of ~22 000 to send and parse.
 * Few groups over many rows (no or daily buckets): cube rows are first added up per (group,
 * currency, status), which is cheaper than evaluating the status conditions on every row.
 */
export function countsQuery(db: string, plan: ReadPlan, q: RangeFilter, g: Grouping): SqlFragment {
  const parts: SqlFragment[] = [];
  if (plan.cube !== null) parts.push(countsPart(db, 'cube', q, g, plan));
  for (const s of plan.rest) parts.push(countsPart(db, plan.restSource, spanQuery(q, s), g, plan));
  const names = keyExprs('raw', g).names;
  const preSum = g.bucketMs === null || g.bucketMs >= DAY_MS;
  // (Pre-summed columns get new names: `sum(n) AS n` confuses 18.16's alias resolution.)
  const rows = preSum
    ? sql`SELECT ${withComma(names)}cur, st, sum(n) AS ns, sum(a) AS as_ FROM (
${unionAll(parts)}
) GROUP BY ${withComma(names)}cur, st`
    : unionAll(parts);
  const [n, a] = preSum ? [raw('ns'), raw('as_')] : [raw('n'), raw('a')];
  return sql`SELECT ${withComma(names)}sum(e_) AS events, sum(at_) AS attempts, sum(su_) AS succeeded, sum(fa_) AS failed,
  groupArrayIf(cur, su_ > 0) AS curs, groupArrayIf(gm_, su_ > 0) AS gmvs, groupArrayIf(su_, su_ > 0) AS sucs
FROM (
SELECT ${withComma(names)}cur,
  sum(${n}) AS e_,
  sumIf(${n}, st IN ${list(OUTCOME)}) AS at_,
  sumIf(${n}, st IN ${list(SUCCESS_STATUSES)}) AS su_,
  sumIf(${n}, st IN ${list(FAILURE_STATUSES)}) AS fa_,
  sumIf(${a}, st IN ${list(SUCCESS_STATUSES)}) AS gm_
FROM (
${rows}
)
GROUP BY ${withComma(names)}cur
)${groupBy(names)}`;
}

/**
 * Latency quantiles of outcome events per keys…, from the histogram buckets of every part
 * (cube rows as stored, or raw rows bucketed by the same expression): columns bucket?, gkey?,
 * gnull?, nlat (how many latencies), qb (the buckets of p50, p95, p99; map with `bucketValue`).
 * A bucket may appear in several rows of a group (statuses, parts): the cumulative sum over the
 * sorted (bucket, count) pairs finds the same rank either way.
 */
export function latencyQuery(db: string, plan: ReadPlan, q: RangeFilter, g: Grouping): SqlFragment {
  const parts: SqlFragment[] = [];
  if (plan.cube !== null) {
    // The '*' rows (all outcome statuses) are a third of the rows to read, unless the read
    // filters or groups by status.
    const perStatus = g.dimension === 'status' || (q.filters.status ?? []).length > 0;
    const k = keyExprs('cube', g, 'st');
    parts.push(sql`SELECT ${withComma(k.select)}lb, c AS n
FROM ${tbl(db, CUBE_TABLES.latency)}
WHERE ${cubeWhere(plan.cube, q.filters, 'st')} AND ${perStatus ? sql`st IN ${list(OUTCOME)}` : sql`st = ${ALL_SLICE}`}`);
  }
  for (const s of plan.rest) {
    const sq = spanQuery(q, s);
    if (plan.restSource === 'rollup') {
      // The rollup keeps each row's latency bucket (-1: no latency) as a key column (not named
      // `lb`: the alias would shadow it in WHERE).
      const k = keyExprs('rollup', g);
      parts.push(sql`SELECT ${withComma(k.select)}toUInt16(latency_bucket) AS lb, countMerge(events) AS n
FROM ${tbl(db, MINUTE_ROLLUP)}
WHERE ${whereClause('rollup', sq)} AND status IN ${list(OUTCOME)} AND latency_bucket >= 0
GROUP BY ${withComma(k.names)}lb`);
      continue;
    }
    const k = keyExprs('raw', g);
    parts.push(sql`SELECT ${withComma(k.select)}${latencyBucketSql('assumeNotNull(latency_ms)')} AS lb, count() AS n
FROM ${tbl(db, 'payment_events')}
${tsPrewhere(sq)}WHERE ${whereClause('raw', sq)} AND status IN ${list(OUTCOME)} AND isNotNull(latency_ms)
GROUP BY ${withComma(k.names)}lb`);
  }
  const names = keyExprs('raw', g).names;
  // Few groups over many rows (no or daily buckets): add up each (group, bucket) first so the
  // arrays stay short. Many small groups (hourly and finer buckets): rows go straight into the
  // arrays, which is cheaper than a GROUP BY over (group, bucket).
  const preSum = g.bucketMs === null || g.bucketMs >= DAY_MS;
  const summed = preSum
    ? sql`SELECT ${withComma(names)}lb, sum(n) AS m FROM (
${unionAll(parts)}
) GROUP BY ${withComma(names)}lb`
    : unionAll(parts);
  return sql`SELECT ${withComma(names)}cs_[-1] AS nlat, qb FROM (
SELECT ${withComma(names)}${quantileBucketsSql(preSum ? 'm' : 'n')}
FROM (
${summed}
)${groupBy(names)}
)`;
}

/**
 * Failed attempts per (category, code) over the plan's parts: columns category, code_null,
 * code ('' when code_null), n. The cube part reads `payment_failures_1h`; the rest reads the
 * per-minute rollup or raw rows (`plan.restSource`).
 */
export function failuresQuery(db: string, plan: ReadPlan, q: RangeFilter): SqlFragment {
  const parts: SqlFragment[] = [];
  if (plan.cube !== null) {
    parts.push(sql`SELECT category, code_null, code, c AS n
FROM ${tbl(db, CUBE_TABLES.failures)}
WHERE ${cubeWhere(plan.cube, q.filters)} AND status IN ${list(FAILURE_STATUSES)}`);
  }
  for (const s of plan.rest) {
    const sq = spanQuery(q, s);
    if (plan.restSource === 'rollup') {
      // The rollup stores a NULL category as '' and keeps the code as (code_null, code).
      parts.push(sql`SELECT if(failure_category = '', 'other', failure_category) AS category, code_null, code,
  countMerge(events) AS n
FROM ${tbl(db, MINUTE_ROLLUP)}
WHERE ${whereClause('rollup', sq)} AND status IN ${list(FAILURE_STATUSES)}
GROUP BY category, code_null, code`);
      continue;
    }
    parts.push(sql`SELECT ifNull(failure_category, 'other') AS category, toUInt8(isNull(failure_code)) AS code_null,
  ifNull(failure_code, '') AS code, count() AS n
FROM ${tbl(db, 'payment_events')}
${tsPrewhere(sq)}WHERE ${whereClause('raw', sq)} AND status IN ${list(FAILURE_STATUSES)}
GROUP BY category, code_null, code`);
  }
  return sql`SELECT category, code_null, code, sum(n) AS n FROM (
${unionAll(parts)}
)
GROUP BY category, code_null, code`;
}

const SELECT_COLUMNS = join(
  COLUMN_NAMES.map((c) => ident(c)),
  ', ',
);

/** A transactions page (one row more than `limit`, to know whether another page follows). */
export function transactionsQuery(
  db: string,
  q: RangeFilter,
  limit: number,
  after: { ts: number; event_id: string } | null,
): SqlFragment {
  const cursor =
    after === null
      ? raw('')
      : sql` AND (ts < ${after.ts} OR (ts = ${after.ts} AND event_id < ${after.event_id}))`;
  return sql`SELECT ${SELECT_COLUMNS} FROM ${ident(db)}.payment_events
WHERE ${whereClause('raw', q)}${cursor}
ORDER BY ts DESC, event_id DESC
LIMIT ${limit + 1}`;
}

/** The days holding events of one payment (the payment key index, migration 5). */
export function paymentDaysQuery(db: string, paymentId: string): SqlFragment {
  return sql`SELECT DISTINCT toString(day) AS d FROM ${ident(db)}.payment_keys WHERE payment_id = ${paymentId}`;
}

/** Every event of one payment, oldest first; `days` (YYYY-MM-DD) limits the partitions read. */
export function timelineQuery(
  db: string,
  paymentId: string,
  days: readonly string[] | null = null,
): SqlFragment {
  const inDays =
    days === null
      ? raw('')
      : sql`
WHERE day IN (${join(
          days.map((d) => sql`toDate(${d})`),
          ', ',
        )})`;
  // PREWHERE reads only payment_id first, the other columns just for the matching granules
  // (18.16 would otherwise pick the day condition and read every column of the day: ~10x slower).
  return sql`SELECT ${SELECT_COLUMNS} FROM ${ident(db)}.payment_events
PREWHERE payment_id = ${paymentId}${inDays}
ORDER BY ts ASC, attempt ASC, event_id ASC`;
}

/** The smallest and largest event time of a batch (one pass; no spread of a large array). */
function tsRange(events: readonly Pick<PaymentEvent, 'ts'>[]): { minTs: number; maxTs: number } {
  let minTs = Infinity;
  let maxTs = -Infinity;
  for (const e of events) {
    if (e.ts < minTs) minTs = e.ts;
    if (e.ts > maxTs) maxTs = e.ts;
  }
  return { minTs, maxTs };
}

/**
 * Which of these events' ids are already stored:
 * - always the key index `event_keys` (ORDER BY event_id): any earlier event with the id,
 *   optionally only in the day partitions within `keyWindowDays` of the batch;
 * - with `checkRaw`, also the raw rows in the batch's time window: an exact replay of an INSERT
 *   whose raw rows landed while its key rows did not (a crash or error between the two).
 * The ids are bound as one array-literal set (`valueSet`): it runs before every INSERT of the
 * spool drain, and 18.16 spends ≈80 ms of server time per 5000-id chunk parsing an `IN (…)` list.
 */
export function existingIdsQuery(
  db: string,
  events: readonly Pick<PaymentEvent, 'event_id' | 'ts'>[],
  keyWindowDays: number | null,
  checkRaw: boolean,
): SqlFragment {
  const { minTs, maxTs } = tsRange(events);
  const ids = valueSet(events.map((e) => e.event_id));
  const keyDays =
    keyWindowDays === null
      ? raw('')
      : sql`day >= toDate(${dayLiteral(Math.max(0, minTs - keyWindowDays * DAY_MS))}) AND day <= toDate(${dayLiteral(maxTs + keyWindowDays * DAY_MS)}) AND `;
  const keys = sql`SELECT event_id FROM ${ident(db)}.event_keys WHERE ${keyDays}event_id IN ${ids}`;
  if (!checkRaw) return keys;
  return sql`${keys}
UNION ALL
SELECT event_id FROM ${ident(db)}.payment_events
WHERE ${batchRowsCondition(events, ids)}`;
}

/**
 * The raw rows of these events' ids in the batch's time window (its days, then its ts range):
 * the raw branch of the duplicate check, and the rows the repair of derived tables reads
 * (`derived-repair.ts`). `ids` is the bound id set when the caller has built it already.
 */
export function batchRowsCondition(
  events: readonly Pick<PaymentEvent, 'event_id' | 'ts'>[],
  ids: SqlFragment = valueSet(events.map((e) => e.event_id)),
): SqlFragment {
  const { minTs, maxTs } = tsRange(events);
  return sql`day >= toDate(${dayLiteral(minTs)}) AND day <= toDate(${dayLiteral(maxTs)})
  AND ts >= ${minTs} AND ts <= ${maxTs} AND event_id IN ${ids}`;
}

/** The expression used for `day` (exported for the schema test). */
export const DAY_EXPRESSION = DAY_OF_TS;
