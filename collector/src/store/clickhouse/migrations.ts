import { CUBE_SCHEMAS, CUBE_TABLE_NAMES, cubeSelect } from './cube.js';
import { NON_FINAL_STATUSES } from '../signals.js';
import { latencyBucketSql } from './latency-histogram.js';
import { COLUMN_NAMES, ROW_COLUMNS } from './row.js';
import { ident, join, list, raw, sql, type SqlFragment } from './sql.js';

/**
 * Versioned schema of the ClickHouse backend. Each migration is a list of idempotent statements
 * (`IF NOT EXISTS`), applied in order at start and recorded in `schema_migrations`; running them
 * again after a crash between statement and record is harmless. Processes starting together take
 * turns (migration-lock.ts): a back-fill run twice at once would count rows twice.
 * Every statement runs on ClickHouse 18.16 and current releases: no TTL, no DateTime64, no
 * LowCardinality, no SimpleAggregateFunction.
 *
 * Topology is a configuration choice: `single` uses MergeTree engines; `replicated` uses the
 * Replicated* engines with `ON CLUSTER` (ZooKeeper/Keeper paths from the `{shard}`/`{replica}`
 * macros), so any replica serves every read and write. One shard of two replicas is exercised
 * by replicated.int.test.ts; several shards need Distributed tables created by the operator
 * (docs/clickhouse.md).
 */
export interface SchemaOptions {
  database: string;
  topology: ClickHouseTopology;
}

/**
 * Where the tables live: one server (MergeTree engines), or every replica of a cluster named in
 * the servers' `<remote_servers>` (`ON CLUSTER` DDL, Replicated* engines; the collector's
 * `PAYWATCH_CLICKHOUSE_CLUSTER`).
 */
export type ClickHouseTopology = { kind: 'single' } | { kind: 'replicated'; cluster: string };

export interface Migration {
  version: number;
  name: string;
  statements: (o: SchemaOptions) => SqlFragment[];
}

/** Event time (epoch ms) → UTC day, independent of the server's time zone (days since epoch). */
export const DAY_OF_TS = 'toDate(toUInt16(intDiv(ts, 86400000)))';

/** Dimensions kept in the per-minute rollup. NULL is stored as '' (never a valid value). */
export const ROLLUP_DIMENSIONS = [
  'provider',
  'method',
  'status',
  'currency',
  'country',
  'channel',
  'card_brand',
  'failure_category',
  'merchant_id',
] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

const t = (o: SchemaOptions, table: string) => sql`${ident(o.database)}.${ident(table)}`;
const onCluster = (o: SchemaOptions) =>
  o.topology.kind === 'replicated' ? sql` ON CLUSTER ${ident(o.topology.cluster)}` : raw('');

function engine(
  o: SchemaOptions,
  kind: 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree' | 'SummingMergeTree',
  table: string,
) {
  if (o.topology.kind === 'single') return raw(kind);
  // The ZooKeeper path must be unique per table and shard; both parts are constants or checked identifiers.
  const zkPath = `/clickhouse/tables/{shard}/${o.database}/${table}`;
  return sql`Replicated${raw(kind)}(${zkPath}, '{replica}')`;
}

const rawColumns = join(
  COLUMN_NAMES.map((c) => sql`${ident(c)} ${raw(ROW_COLUMNS[c])}`),
  ',\n  ',
);

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'raw payment_events, event key index',
    statements: (o) => [
      sql`CREATE TABLE IF NOT EXISTS ${t(o, 'payment_events')}${onCluster(o)} (
  ${rawColumns},
  day Date MATERIALIZED ${raw(DAY_OF_TS)}
) ENGINE = ${engine(o, 'MergeTree', 'payment_events')}
PARTITION BY day
ORDER BY (provider, status, ts, event_id)`,
      // Every stored event_id, ordered by id so the write path's duplicate check is an index
      // lookup. Filled by a materialized view in the same INSERT as the raw rows.
      keyIndexTable(o, 'event_keys', 'event_id'),
      sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${t(o, 'event_keys_mv')}${onCluster(o)}
TO ${t(o, 'event_keys')}
AS ${eventKeysSelect(o)}`,
    ],
  },
  {
    // Superseded by version 6 (the per-minute rollup with latency buckets and failure codes):
    // creates nothing any more. Databases that applied it keep `payment_rollup_1m` until
    // version 6 drops it.
    version: 2,
    name: 'per-minute rollup (AggregatingMergeTree + materialized view)',
    statements: () => [],
  },
  {
    version: 3,
    name: 'hourly one-dimension cube: counts, latency histogram, failures (views + back-fill)',
    statements: (o) => [
      ...CUBE_TABLE_NAMES.flatMap((table) => [
        sql`CREATE TABLE IF NOT EXISTS ${t(o, table)}${onCluster(o)} (${raw(CUBE_SCHEMAS[table].columns)})
ENGINE = ${engine(o, 'SummingMergeTree', table)}
PARTITION BY day
ORDER BY (${raw(CUBE_SCHEMAS[table].orderBy)})`,
        sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${t(o, `${table}_mv`)}${onCluster(o)}
TO ${t(o, table)}
AS ${cubeSelect(table, t(o, 'payment_events'), null)}`,
      ]),
      // Back-fill from the raw rows already stored. The views above already count every INSERT
      // from here on; emptying the table first makes a re-run (crash before the version is
      // recorded) exact. An INSERT landing between the TRUNCATE and the back-fill's read would be
      // counted twice: upgrade while ingest is paused, or rebuild afterwards (docs/clickhouse.md).
      ...CUBE_TABLE_NAMES.flatMap((table) => [
        sql`TRUNCATE TABLE IF EXISTS ${t(o, table)}${onCluster(o)}`,
        sql`INSERT INTO ${t(o, table)} ${cubeSelect(table, t(o, 'payment_events'), null)}`,
      ]),
    ],
  },
  {
    // Independent of version 3: migrations apply by "not yet recorded", not by sequence.
    version: 4,
    name: 'signal tables: scraped samples, log records, RUM records',
    statements: (o) => [
      // Labels twice: sorted-key JSON text (returned, grouped, ordered) and parallel arrays for
      // exact label filters (18.16 has no JSONExtract).
      sql`CREATE TABLE IF NOT EXISTS ${t(o, 'signal_samples')}${onCluster(o)} (
  ts Int64,
  target String,
  series String,
  labels String,
  label_keys Array(String),
  label_values Array(String),
  value Float64,
  day Date MATERIALIZED ${raw(DAY_OF_TS)}
) ENGINE = ${engine(o, 'MergeTree', 'signal_samples')}
PARTITION BY day
ORDER BY (series, target, labels, ts)`,
      // Replacing on (ts, id): a record's id fixes its time, so a re-written id collapses on merge
      // (the writer also skips ids already stored).
      sql`CREATE TABLE IF NOT EXISTS ${t(o, 'signal_logs')}${onCluster(o)} (
  id String,
  ts Int64,
  file String,
  byte_offset Int64,
  level Nullable(String),
  message String,
  fields String,
  day Date MATERIALIZED ${raw(DAY_OF_TS)}
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'signal_logs')}
PARTITION BY day
ORDER BY (ts, id)`,
      sql`CREATE TABLE IF NOT EXISTS ${t(o, 'signal_rum')}${onCluster(o)} (
  id String,
  ts Int64,
  kind String,
  name String,
  value Nullable(Float64),
  message Nullable(String),
  session_id Nullable(String),
  app_name Nullable(String),
  app_version Nullable(String),
  page_url Nullable(String),
  attributes String,
  day Date MATERIALIZED ${raw(DAY_OF_TS)}
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'signal_rum')}
PARTITION BY day
ORDER BY (ts, id)`,
    ],
  },
  {
    version: 5,
    name: 'payment key index (payment_id → day) for the payment timeline',
    statements: (o) => [
      // The raw table is not ordered by payment_id: without this a timeline read scans every
      // payment_id of every day. With it, only the days holding the payment are read.
      keyIndexTable(o, 'payment_keys', 'payment_id'),
      sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${t(o, 'payment_keys_mv')}${onCluster(o)}
TO ${t(o, 'payment_keys')}
AS ${paymentKeysSelect(o)}`,
      // Back-fill (exact on a re-run; duplicates of a (payment_id, day) pair are harmless).
      sql`INSERT INTO ${t(o, 'payment_keys')} ${paymentKeysSelect(o)}`,
    ],
  },
  {
    version: 6,
    name: 'per-minute rollup with latency buckets and failure codes (replaces payment_rollup_1m)',
    statements: (o) => [
      sql`CREATE TABLE IF NOT EXISTS ${t(o, MINUTE_ROLLUP)}${onCluster(o)} (
  day Date,
  minute Int64,
  ${join(
    ROLLUP_DIMENSIONS.map((d) => sql`${ident(d)} String`),
    ',\n  ',
  )},
  code_null UInt8,
  code String,
  latency_bucket Int16,
  events AggregateFunction(count),
  amount AggregateFunction(sum, Int64)
) ENGINE = ${engine(o, 'AggregatingMergeTree', MINUTE_ROLLUP)}
PARTITION BY day
ORDER BY (minute, ${join(
        MINUTE_ROLLUP_KEYS.map((d) => ident(d)),
        ', ',
      )})`,
      sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${t(o, `${MINUTE_ROLLUP}_mv`)}${onCluster(o)}
TO ${t(o, MINUTE_ROLLUP)}
AS ${minuteRollupSelect(o, null)}`,
      // Back-fill from the raw rows (exact on a re-run: emptied first). As for version 3, an
      // INSERT landing between the TRUNCATE and the back-fill's read is counted twice: upgrade
      // with ingest paused (docs/clickhouse.md).
      sql`TRUNCATE TABLE IF EXISTS ${t(o, MINUTE_ROLLUP)}${onCluster(o)}`,
      sql`INSERT INTO ${t(o, MINUTE_ROLLUP)} ${minuteRollupSelect(o, null)}`,
      // The old per-minute rollup (version 2): its quantile state could not equal raw answers
      // and was no longer read. View first, so no INSERT writes into a dropped table.
      sql`DROP TABLE IF EXISTS ${t(o, 'payment_rollup_1m_mv')}${onCluster(o)}`,
      sql`DROP TABLE IF EXISTS ${t(o, 'payment_rollup_1m')}${onCluster(o)}`,
    ],
  },
  {
    version: 7,
    name: 'per-payment latest state by day for "pending longer than N" (view + back-fill)',
    statements: (o) => [
      sql`CREATE TABLE IF NOT EXISTS ${t(o, PAYMENT_LATEST)}${onCluster(o)} (
  payment_id String,
  pid UInt64,
  day Date,
  open_mark AggregateFunction(max, Int64),
  final_mark AggregateFunction(max, Int64),
  latest AggregateFunction(argMax, ${raw(PAYMENT_LATEST_VALUE)}, Tuple(Int64, UInt16, String))
) ENGINE = ${engine(o, 'AggregatingMergeTree', PAYMENT_LATEST)}
PARTITION BY day
ORDER BY payment_id`,
      sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${t(o, `${PAYMENT_LATEST}_mv`)}${onCluster(o)}
TO ${t(o, PAYMENT_LATEST)}
AS ${paymentLatestSelect(o, null)}`,
      // Back-fill from the raw rows. No TRUNCATE (unlike versions 3 and 6): every state is a max,
      // so rows counted twice (a re-run, an INSERT between the view's creation and this read)
      // change nothing, and the upgrade is exact with ingest running. One GROUP BY over every
      // (payment, day) of the table: spilled to disk past 2 GB (≈ 4M keys) rather than failing
      // on the memory limit on a large table.
      sql`INSERT INTO ${t(o, PAYMENT_LATEST)} ${paymentLatestSelect(o, null)}
SETTINGS max_bytes_before_external_group_by = 2000000000`,
    ],
  },
];

/**
 * A key index: (key, day) pairs ordered by key, so a lookup by key is an index read that names
 * the days (partitions) holding it (`event_keys`: the duplicate check; `payment_keys`: timelines).
 */
function keyIndexTable(o: SchemaOptions, table: string, key: string): SqlFragment {
  return sql`CREATE TABLE IF NOT EXISTS ${t(o, table)}${onCluster(o)} (
  ${ident(key)} String,
  day Date
) ENGINE = ${engine(o, 'ReplacingMergeTree', table)}
PARTITION BY day
ORDER BY ${ident(key)}
SETTINGS index_granularity = 1024`;
}

/** The raw table, the default `source` of the views' queries below. */
const rawTable = (o: SchemaOptions) => t(o, 'payment_events');

/** ` WHERE …` when there is a condition. */
const whereClause = (where: SqlFragment | null) =>
  where === null
    ? raw('')
    : sql`
WHERE ${where}`;

/**
 * (event_id, day) of raw rows: the event key view's query, and the repair of rows it missed
 * (`derived-repair.ts`: `source` is then a subquery of the raw rows to repair).
 */
export function eventKeysSelect(
  o: SchemaOptions,
  where: SqlFragment | null = null,
  source: SqlFragment = rawTable(o),
): SqlFragment {
  return sql`SELECT event_id, ${raw(DAY_OF_TS)} AS day FROM ${source}${whereClause(where)}`;
}

/** (payment_id, day) of raw rows: the payment key view's query, its back-fill and the repair. */
export function paymentKeysSelect(
  o: SchemaOptions,
  where: SqlFragment | null = null,
  source: SqlFragment = rawTable(o),
): SqlFragment {
  return sql`SELECT DISTINCT payment_id, ${raw(DAY_OF_TS)} AS day FROM ${source}${whereClause(where)}`;
}

/**
 * Signal tables (migration 4), each partitioned by `day`. Not in `DAY_PARTITIONED_TABLES`: their
 * retention is the signal store's own (`PAYWATCH_RETENTION_SIGNALS_DAYS`, `SignalEraser`).
 */
export const SIGNAL_TABLES = {
  samples: 'signal_samples',
  logs: 'signal_logs',
  rum: 'signal_rum',
} as const;

/** The per-minute rollup (migration 6). */
export const MINUTE_ROLLUP = 'payment_rollup_minute';

/**
 * Sort key of the per-minute rollup after `minute`: the dimensions, the failure code (a NULL
 * flag and the code, '' when NULL) and `latency_bucket` (`lb` in reads), the latency bucket (`latency-histogram.ts`) of
 * the events, -1 for events without a latency. Counts and amounts add up over the code and
 * bucket columns; latency quantiles and failure codes come from the same rows.
 */
export const MINUTE_ROLLUP_KEYS = [...ROLLUP_DIMENSIONS, 'code_null', 'code', 'latency_bucket'] as const;

/**
 * The per-minute rollup rows of raw events: the materialized view's query, the back-fill of
 * migration 6, the rebuild of a day after an erasure and the repair (`where` limits the raw rows;
 * `source` is the raw table or a subquery of it).
 */
export function minuteRollupSelect(
  o: SchemaOptions,
  where: SqlFragment | null,
  source: SqlFragment = rawTable(o),
): SqlFragment {
  return sql`SELECT
  ${raw(DAY_OF_TS)} AS day,
  intDiv(ts, 60000) * 60000 AS minute,
  ${join(
    ROLLUP_DIMENSIONS.map((d) =>
      ROW_COLUMNS[d].startsWith('Nullable') ? sql`ifNull(${ident(d)}, '') AS ${ident(d)}` : ident(d),
    ),
    ',\n  ',
  )},
  toUInt8(isNull(failure_code)) AS code_null,
  ifNull(failure_code, '') AS code,
  if(isNull(latency_ms), toInt16(-1), toInt16(${latencyBucketSql('assumeNotNull(latency_ms)')})) AS latency_bucket,
  countState() AS events,
  sumState(amount_minor) AS amount
FROM ${source}${whereClause(where)}
GROUP BY day, minute, ${join(
    MINUTE_ROLLUP_KEYS.map((d) => ident(d)),
    ', ',
  )}`;
}

/**
 * Per-payment latest state by day (migration 7), read by "pending longer than N"
 * (`pending.clickhouse.ts`). One row per (payment_id, day of event) once merged, from every raw
 * event of that day, with `pid` = cityHash64(payment_id) (a function of the key, so merges keep
 * it): the read's second pass finds a set of payments by this number, not by the sort key — a
 * `payment_id IN (large set)` spends its time in primary-key analysis — and groups by
 * `payment_id`, so a hash collision only adds a row to look at, never a wrong answer:
 * - `open_mark`: max of 2·ts + [non-final] over its events (`NON_FINAL_STATUSES`): half of it is
 *   the latest ts, and it is odd iff a non-final event has that ts;
 * - `final_mark`: max of 2·ts + [final]: odd iff a final event has the latest ts;
 * - `latest`: argMax of (status, ts, provider, merchant_id, method, amount_minor, currency) by
 *   (ts, attempt, event_id), the same order as the raw query.
 * All three are maxima, so merges across parts, late (out-of-order) events and rows inserted
 * twice give the same answer; a payment spanning days has one row per day and readers take the
 * max over the days they read. The non-final list is baked into the states: changing
 * `NON_FINAL_STATUSES` needs a new migration that drops and back-fills this table.
 */
export const PAYMENT_LATEST = 'payment_latest';

/** The order of a payment's events for its latest state: (ts, attempt, event_id). */
export const LATEST_ORDER = raw('tuple(ts, attempt, event_id)');

/** Type of the `latest` state's value (the fields a pending payment shows). */
const PAYMENT_LATEST_VALUE = 'Tuple(String, Int64, String, String, String, Int64, String)';

/**
 * The `payment_latest` rows of raw events: the view's query, the back-fill of migration 7, the
 * rebuild of a day after an erasure and the repair (`where` limits the raw rows; `source` is the
 * raw table or a subquery of it).
 */
export function paymentLatestSelect(
  o: SchemaOptions,
  where: SqlFragment | null,
  source: SqlFragment = rawTable(o),
): SqlFragment {
  const open = sql`status IN ${list(NON_FINAL_STATUSES)}`;
  return sql`SELECT
  payment_id,
  cityHash64(payment_id) AS pid,
  ${raw(DAY_OF_TS)} AS day,
  maxState(ts * 2 + toInt64(${open})) AS open_mark,
  maxState(ts * 2 + 1 - toInt64(${open})) AS final_mark,
  argMaxState(tuple(status, ts, provider, merchant_id, method, amount_minor, currency), ${LATEST_ORDER}) AS latest
FROM ${source}${whereClause(where)}
GROUP BY payment_id, day`;
}

/** Tables holding event data, each partitioned by `day` (retention drops their old partitions). */
export const DAY_PARTITIONED_TABLES = [
  'payment_events',
  'event_keys',
  MINUTE_ROLLUP,
  ...CUBE_TABLE_NAMES,
  'payment_keys',
  PAYMENT_LATEST,
] as const;

export function createDatabase(o: SchemaOptions): SqlFragment {
  return sql`CREATE DATABASE IF NOT EXISTS ${ident(o.database)}${onCluster(o)}`;
}

export function createMigrationsTable(o: SchemaOptions): SqlFragment {
  return sql`CREATE TABLE IF NOT EXISTS ${t(o, 'schema_migrations')}${onCluster(o)} (
  version UInt32,
  name String,
  applied_at DateTime
) ENGINE = ${engine(o, 'MergeTree', 'schema_migrations')} ORDER BY version`;
}
