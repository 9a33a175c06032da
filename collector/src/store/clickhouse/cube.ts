import { FAILURE_STATUSES, SUCCESS_STATUSES, type Dimension } from '@paywatch/contracts';
import { latencyBucketSql } from './latency-histogram.js';
import { ROW_COLUMNS } from './row.js';
import { ident, join, list, raw, sql, type SqlFragment } from './sql.js';

/**
 * The hourly "one-dimension cube" (migration 3): each raw event is counted once in the `'*'`
 * slice (all events) and once per cube dimension under that dimension's value, per UTC hour, so
 * any read grouped by and/or filtered on at most one dimension (plus status) is a sum over a
 * few thousand rows instead of a scan of raw rows. Three tables, each partitioned by `day`
 * and filled by a materialized view in the same INSERT as the raw rows:
 *
 * - `payment_cube_1h`     (dim, val, hour, status, currency) → n events, amt amount (SummingMergeTree)
 * - `payment_latency_1h`  (dim, st, val, hour, lb) → c: the latency histogram of outcome
 *   events (`latency-histogram.ts`), one row per non-empty bucket, per status and again under
 *   st = '*' for all outcome statuses together (SummingMergeTree)
 * - `payment_failures_1h` (dim, val, hour, status, category, code_null, code) → c: failed
 *   attempts by failure category and raw code (SummingMergeTree)
 *
 * `val` holds NULL as `''`. Rows of one key are summed by background merges; reads always
 * `sum()` again, so unmerged parts never change an answer.
 */
export const CUBE_DIMENSIONS = [
  'provider',
  'method',
  'country',
  'channel',
  'card_brand',
  'failure_category',
  'merchant_id',
  'currency',
] as const satisfies readonly Dimension[];
export type CubeDimension = (typeof CUBE_DIMENSIONS)[number];
/** The slice that counts every event (no dimension). */
export const ALL_SLICE = '*';

export const HOUR_MS = 3_600_000;

export const CUBE_TABLES = {
  counts: 'payment_cube_1h',
  latency: 'payment_latency_1h',
  failures: 'payment_failures_1h',
} as const;
export type CubeTable = (typeof CUBE_TABLES)[keyof typeof CUBE_TABLES];

export const isCubeDimension = (d: string): d is CubeDimension =>
  (CUBE_DIMENSIONS as readonly string[]).includes(d);

/** Event time (epoch ms) → UTC day, as the raw table's `day` (the views see only inserted columns). */
const DAY = 'toDate(toUInt16(intDiv(ts, 86400000)))';
const OUTCOME = [...SUCCESS_STATUSES, ...FAILURE_STATUSES];

/** `ARRAY JOIN` of the slices: one output row per (slice, value) of each raw row. */
function sliceJoin(): SqlFragment {
  const names = [ALL_SLICE, ...CUBE_DIMENSIONS];
  const values = [
    raw("''"),
    ...CUBE_DIMENSIONS.map((d) =>
      ROW_COLUMNS[d].startsWith('Nullable') ? sql`ifNull(${ident(d)}, '')` : ident(d),
    ),
  ];
  return sql`ARRAY JOIN ${names} AS dim, [${join(values, ', ')}] AS val`;
}

const whereOf = (conds: SqlFragment[]) =>
  conds.length === 0
    ? raw('')
    : sql`
WHERE ${join(conds, ' AND ')}`;

const LATENCY_ROWS = sql`isNotNull(latency_ms) AND status IN ${list(OUTCOME)}`;
const FAILED_ROWS = sql`status IN ${list(FAILURE_STATUSES)}`;
/**
 * Which raw events each cube table counts (null: all of them): outcome events with a latency for
 * the latency histogram, failed attempts for the failures table. Used by `cubeSelect` and by the
 * repair's count comparison (`derived-repair.ts`), so both count the same rows.
 */
export const CUBE_ROW_FILTERS: Readonly<Record<CubeTable, SqlFragment | null>> = {
  [CUBE_TABLES.counts]: null,
  [CUBE_TABLES.latency]: LATENCY_ROWS,
  [CUBE_TABLES.failures]: FAILED_ROWS,
};

/**
 * The rows of one cube table computed from raw events (`source`: the raw table; `where`
 * optionally limits the raw rows): the materialized view's query, the back-fill of migration 3
 * and the rebuild of a day after an erasure.
 */
export function cubeSelect(table: CubeTable, source: SqlFragment, where: SqlFragment | null): SqlFragment {
  const hour = raw(`intDiv(ts, ${HOUR_MS}) * ${HOUR_MS}`);
  const extra = where === null ? [] : [sql`(${where})`];
  switch (table) {
    case CUBE_TABLES.counts:
      return sql`SELECT ${raw(DAY)} AS day, ${hour} AS hour, dim, val, status, currency,
  count() AS n, sum(amount_minor) AS amt
FROM ${source}
${sliceJoin()}${whereOf(extra)}
GROUP BY day, hour, dim, val, status, currency`;
    case CUBE_TABLES.latency:
      // Each histogram twice: under its status and under '*' (all outcome statuses), which is
      // what reads without a status filter take (a third of the rows).
      return sql`SELECT ${raw(DAY)} AS day, ${hour} AS hour, dim, val, arrayJoin([status, ${ALL_SLICE}]) AS st,
  ${latencyBucketSql('assumeNotNull(latency_ms)')} AS lb, count() AS c
FROM ${source}
${sliceJoin()}${whereOf([LATENCY_ROWS, ...extra])}
GROUP BY day, hour, dim, val, st, lb`;
    case CUBE_TABLES.failures:
      return sql`SELECT ${raw(DAY)} AS day, ${hour} AS hour, dim, val, status,
  ifNull(failure_category, 'other') AS category, toUInt8(isNull(failure_code)) AS code_null,
  ifNull(failure_code, '') AS code, count() AS c
FROM ${source}
${sliceJoin()}${whereOf([FAILED_ROWS, ...extra])}
GROUP BY day, hour, dim, val, status, category, code_null, code`;
  }
}

/** Columns and sort key of each cube table (DDL). */
export const CUBE_SCHEMAS: Record<CubeTable, { columns: string; orderBy: string }> = {
  [CUBE_TABLES.counts]: {
    columns:
      'day Date, hour Int64, dim String, val String, status String, currency String, n UInt64, amt Int64',
    orderBy: 'dim, val, hour, status, currency',
  },
  [CUBE_TABLES.latency]: {
    columns: 'day Date, hour Int64, dim String, val String, st String, lb UInt16, c UInt64',
    // st before val: the '*' rows of a slice are contiguous, so a read without a status filter
    // skips the per-status rows entirely (measured: a third of the rows read for a breakdown).
    orderBy: 'dim, st, val, hour, lb',
  },
  [CUBE_TABLES.failures]: {
    columns:
      'day Date, hour Int64, dim String, val String, status String, category String, code_null UInt8, code String, c UInt64',
    orderBy: 'dim, val, hour, status, category, code_null, code',
  },
};

export const CUBE_TABLE_NAMES: readonly CubeTable[] = Object.values(CUBE_TABLES);
