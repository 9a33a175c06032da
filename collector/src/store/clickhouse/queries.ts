import {
  DIMENSIONS,
  FAILURE_STATUSES,
  SUCCESS_STATUSES,
  type Dimension,
  type Filters,
  type PaymentEvent,
} from '@paywatch/contracts';
import type { RangeFilter } from '../types.js';
import { DAY_OF_TS, QUANTILES, ROLLUP_DIMENSIONS, type RollupDimension } from './migrations.js';
import { COLUMN_NAMES, DIMENSION_COLUMNS } from './row.js';
import { ident, join, list, raw, sql, type SqlFragment } from './sql.js';

/**
 * Read-query builders for the ClickHouse backend (pure: config and query in, SQL out). Each
 * aggregate read runs two statements over the same source: counts and GMV grouped by
 * (keys…, currency), and latency quantiles grouped by (keys…). The source is the raw table or
 * the per-minute rollup, chosen by `chooseSource`.
 */

export const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const OUTCOME = [...SUCCESS_STATUSES, ...FAILURE_STATUSES];

/** Where a read is answered from. */
export type ReadSource = 'raw' | 'rollup';
/** `auto` uses the rollup whenever it gives the same answer; `raw` never uses it (tests, debugging). */
export type ReadMode = 'auto' | 'raw';

const isRollupDim = (d: Dimension): d is Dimension & RollupDimension =>
  (ROLLUP_DIMENSIONS as readonly string[]).includes(d);

/**
 * The rollup answers a read exactly (counts, sums) when the range is minute-aligned, every
 * filter is on a rollup dimension, the grouping dimension is one and the bucket is whole
 * minutes. Otherwise the raw table answers.
 */
export function chooseSource(
  mode: ReadMode,
  q: RangeFilter,
  shape: { bucketMs?: number; dimension?: Dimension | null } = {},
): ReadSource {
  if (mode === 'raw') return 'raw';
  if (q.from % MINUTE_MS !== 0 || q.to % MINUTE_MS !== 0) return 'raw';
  if (shape.bucketMs !== undefined && shape.bucketMs % MINUTE_MS !== 0) return 'raw';
  if (shape.dimension != null && !isRollupDim(shape.dimension)) return 'raw';
  const f = q.filters;
  if (f.payment_id !== undefined || f.min_amount_minor !== undefined || f.max_amount_minor !== undefined)
    return 'raw';
  for (const d of DIMENSIONS) {
    const vs = f[d];
    if (!vs || vs.length === 0) continue;
    // '' stands for NULL in the rollup, so a literal '' filter must go to the raw table.
    if (!isRollupDim(d) || vs.includes('')) return 'raw';
  }
  return 'rollup';
}

/** Last day ClickHouse's Date type holds on every version (ranges are clamped to it). */
const MAX_DAY_MS = Date.UTC(2105, 11, 31);

function dayLiteral(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** Range + filter conditions over a source. */
export function whereClause(source: ReadSource, q: RangeFilter): SqlFragment {
  const time = source === 'raw' ? raw('ts') : raw('minute');
  // Clamp the day bounds into the Date range so partition pruning always applies.
  const fromDay = dayLiteral(Math.min(Math.max(0, q.from), MAX_DAY_MS));
  const toDay = dayLiteral(Math.min(Math.max(0, q.to - 1), MAX_DAY_MS));
  const parts: SqlFragment[] = [
    sql`day >= toDate(${fromDay})`,
    sql`day <= toDate(${toDay})`,
    sql`${time} >= ${q.from}`,
    sql`${time} < ${q.to}`,
  ];
  parts.push(...filterConditions(q.filters));
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

/** Grouping of an aggregate read: optional time bucket and optional dimension. */
export interface Grouping {
  bucketMs: number | null;
  dimension: Dimension | null;
}

function keyExprs(source: ReadSource, g: Grouping): { select: SqlFragment[]; names: SqlFragment[] } {
  const select: SqlFragment[] = [];
  const names: SqlFragment[] = [];
  if (g.bucketMs !== null) {
    const time = source === 'raw' ? raw('ts') : raw('minute');
    select.push(sql`intDiv(${time}, ${g.bucketMs}) * ${g.bucketMs} AS bucket`);
    names.push(raw('bucket'));
  }
  if (g.dimension !== null) {
    const col = ident(DIMENSION_COLUMNS[g.dimension]);
    select.push(source === 'raw' ? sql`${col} AS gkey` : sql`nullIf(${col}, '') AS gkey`);
    names.push(raw('gkey'));
  }
  return { select, names };
}

const withComma = (xs: SqlFragment[]) => (xs.length === 0 ? raw('') : sql`${join(xs, ', ')}, `);
const groupBy = (xs: SqlFragment[]) => (xs.length === 0 ? raw('') : sql` GROUP BY ${join(xs, ', ')}`);

/** Counts and GMV per (keys…, currency): columns bucket?, gkey?, cur, events, attempts, succeeded, failed, gmv. */
export function countsQuery(db: string, source: ReadSource, q: RangeFilter, g: Grouping): SqlFragment {
  const k = keyExprs(source, g);
  if (source === 'raw') {
    return sql`SELECT ${withComma(k.select)}currency AS cur,
  count() AS events,
  countIf(status IN ${list(OUTCOME)}) AS attempts,
  countIf(status IN ${list(SUCCESS_STATUSES)}) AS succeeded,
  countIf(status IN ${list(FAILURE_STATUSES)}) AS failed,
  sumIf(amount_minor, status IN ${list(SUCCESS_STATUSES)}) AS gmv
FROM ${ident(db)}.payment_events
WHERE ${whereClause(source, q)}
GROUP BY ${withComma(k.names)}cur`;
  }
  return sql`SELECT ${withComma(k.names)}cur,
  sum(n) AS events,
  sumIf(n, status IN ${list(OUTCOME)}) AS attempts,
  sumIf(n, status IN ${list(SUCCESS_STATUSES)}) AS succeeded,
  sumIf(n, status IN ${list(FAILURE_STATUSES)}) AS failed,
  sumIf(amt, status IN ${list(SUCCESS_STATUSES)}) AS gmv
FROM (
  SELECT ${withComma(k.select)}currency AS cur, status, countMerge(events) AS n, sumMerge(amount) AS amt
  FROM ${ident(db)}.payment_rollup_1m
  WHERE ${whereClause(source, q)}
  GROUP BY ${withComma(k.names)}cur, status
)
GROUP BY ${withComma(k.names)}cur`;
}

/** Latency quantiles (p50, p95, p99) of outcome events per keys…: columns bucket?, gkey?, q. */
export function latencyQuery(db: string, source: ReadSource, q: RangeFilter, g: Grouping): SqlFragment {
  const k = keyExprs(source, g);
  if (source === 'raw') {
    return sql`SELECT ${withComma(k.select)}quantiles(${raw(QUANTILES)})(assumeNotNull(latency_ms)) AS q
FROM ${ident(db)}.payment_events
WHERE ${whereClause(source, q)} AND status IN ${list(OUTCOME)} AND isNotNull(latency_ms)${groupBy(k.names)}`;
  }
  return sql`SELECT ${withComma(k.select)}quantilesIfMerge(${raw(QUANTILES)})(latency) AS q
FROM ${ident(db)}.payment_rollup_1m
WHERE ${whereClause(source, q)} AND status IN ${list(OUTCOME)}${groupBy(k.names)}`;
}

/** Failed attempts per (category, code), raw table: columns category, code, n. */
export function failuresQuery(db: string, q: RangeFilter): SqlFragment {
  return sql`SELECT ifNull(failure_category, 'other') AS category, failure_code AS code, count() AS n
FROM ${ident(db)}.payment_events
WHERE ${whereClause('raw', q)} AND status IN ${list(FAILURE_STATUSES)}
GROUP BY category, code`;
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

/** Every event of one payment, oldest first. */
export function timelineQuery(db: string, paymentId: string): SqlFragment {
  return sql`SELECT ${SELECT_COLUMNS} FROM ${ident(db)}.payment_events
WHERE payment_id = ${paymentId}
ORDER BY ts ASC, attempt ASC, event_id ASC`;
}

/**
 * Which of these events' ids are already stored:
 * - always the key index `event_keys` (ORDER BY event_id): any earlier event with the id,
 *   optionally only in the day partitions within `keyWindowDays` of the batch;
 * - with `checkRaw`, also the raw rows in the batch's time window: an exact replay of an INSERT
 *   whose raw rows landed while its key rows did not (a crash or error between the two).
 */
export function existingIdsQuery(
  db: string,
  events: readonly Pick<PaymentEvent, 'event_id' | 'ts'>[],
  keyWindowDays: number | null,
  checkRaw: boolean,
): SqlFragment {
  let minTs = Infinity;
  let maxTs = -Infinity;
  for (const e of events) {
    if (e.ts < minTs) minTs = e.ts;
    if (e.ts > maxTs) maxTs = e.ts;
  }
  const ids = list(events.map((e) => e.event_id));
  const keyDays =
    keyWindowDays === null
      ? raw('')
      : sql`day >= toDate(${dayLiteral(Math.max(0, minTs - keyWindowDays * DAY_MS))}) AND day <= toDate(${dayLiteral(maxTs + keyWindowDays * DAY_MS)}) AND `;
  const keys = sql`SELECT event_id FROM ${ident(db)}.event_keys WHERE ${keyDays}event_id IN ${ids}`;
  if (!checkRaw) return keys;
  return sql`${keys}
UNION ALL
SELECT event_id FROM ${ident(db)}.payment_events
WHERE day >= toDate(${dayLiteral(minTs)}) AND day <= toDate(${dayLiteral(maxTs)})
  AND ts >= ${minTs} AND ts <= ${maxTs} AND event_id IN ${ids}`;
}

/** The expression used for `day` (exported for the schema test). */
export const DAY_EXPRESSION = DAY_OF_TS;
