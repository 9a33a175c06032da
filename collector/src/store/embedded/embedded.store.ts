import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Dimension, FailureCategory, PaymentEvent } from '@paywatch/contracts';
import { FAILURE_CATEGORIES } from '@paywatch/contracts';
import { StoreError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type {
  Aggregate,
  BreakdownItem,
  FailureItem,
  RangeFilter,
  SeriesPoint,
  TransactionPage,
  WriteResult,
} from '../types.js';
import { COLUMN_NAMES, DIMENSION_COLUMNS, ROW_COLUMNS, fromRow, toRow, type PaymentEventRow } from './row.js';
import { positiveInt } from '../signals.js';
import { appendRows } from './append-rows.js';
import { runOnOwnConnection } from './read-connection.js';
import { createEmbeddedFeed } from './feed.js';
import { SqlParams, bucketSql, outcomeSqlOf, whereOf, zonedStartsOf } from './sql.js';
import { SIGNAL_DDL, createEmbeddedPending, createEmbeddedSignals, type EmbeddedStore } from './signals.js';

/** Where the embedded store keeps its data. */
export interface EmbeddedStoreConfig {
  /** Directory of the database file `paywatch.duckdb` (and its `.wal`); created if missing. */
  dataDir: string;
  /** Most events one group commit takes from the queue (a single larger call still goes whole). */
  maxEventsPerCommit?: number;
  /**
   * WAL size that triggers an automatic checkpoint (DuckDB `checkpoint_threshold`, default
   * '16MiB'). Each checkpoint rewrites the whole `event_id` index, so its cost grows with the
   * table (≈0.4 s at 1M rows, ≈1.1 s at 3M on this box); a larger threshold means fewer but
   * longer stalls and a longer WAL replay after a crash. 64MiB measured no clear gain.
   */
  checkpointThreshold?: string;
}

/** What one group commit did; for metrics (write latency, batch size, queue depth). */
export interface FlushStats {
  calls: number;
  events: number;
  inserted: number;
  durationMs: number;
  /** Events still queued behind this commit. */
  queuedEvents: number;
}

export interface EmbeddedStoreDeps {
  logger: Logger;
  /** Called after every successful commit. Must not throw. */
  onFlush?: (s: FlushStats) => void;
}

export const DB_FILE = 'paywatch.duckdb';
const TABLE = 'payment_events';
const STAGING = 'payment_events_staging';
const SCHEMA_VERSION = 1;

const SQL_TYPES = {
  text: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  bool: 'BOOLEAN',
} as const;
const SELECT_COLUMNS = COLUMN_NAMES.join(', ');

function tableDdl(): string {
  const cols = COLUMN_NAMES.map((n) => {
    const c = ROW_COLUMNS[n];
    return `${n} ${SQL_TYPES[c.kind]}${n === 'event_id' ? ' PRIMARY KEY' : c.nullable ? '' : ' NOT NULL'}`;
  });
  return `CREATE TABLE IF NOT EXISTS ${TABLE} (${cols.join(', ')})`;
}

function n(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  throw new TypeError(`expected a number, got ${v === null ? 'null' : typeof v}`);
}
function nOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : n(v);
}
function sOrNull(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  throw new TypeError(`expected a string, got ${typeof v}`);
}
/** A DuckDB list of three quantiles (or NULL when there were no values). */
function quantiles(v: unknown): Aggregate['latency_ms'] {
  if (!Array.isArray(v)) return { p50: null, p95: null, p99: null };
  return { p50: nOrNull(v[0]), p95: nOrNull(v[1]), p99: nOrNull(v[2]) };
}

/** GMV (minor units) and successful attempts per currency of one group. */
type Gmv = Pick<Aggregate, 'gmv_minor' | 'succeeded_by_currency'>;
const noGmv = (): Gmv => ({ gmv_minor: {}, succeeded_by_currency: {} });

interface PendingWrite {
  events: PaymentEvent[];
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

/**
 * The embedded backend: DuckDB in one file under `dataDir`, no server.
 *
 * Writes go through ONE serialized writer with group commit: concurrent `write()` calls queue
 * up, and each time the writer is free it commits everything queued in one transaction. The
 * table's primary key is `event_id`, so an id is stored at most once whatever the callers do.
 * Ids repeated inside the group are dropped first (the first occurrence wins). Then the fast
 * path appends the rows straight into the table; if the key refuses the append (some id was
 * already stored), it rolls back and the slow path stages the rows in a temp table and runs
 * `INSERT … ON CONFLICT DO NOTHING RETURNING event_id`, whose ids tell exactly which were new.
 *
 * Durability: DuckDB writes each commit to `paywatch.duckdb.wal` and fsyncs it before COMMIT
 * returns (checked with strace: one `fsync` on the .wal per commit), so `write()` resolves
 * only after the data is on disk. Automatic checkpoints fold the WAL into the database file
 * (default `checkpoint_threshold` 16 MiB); `stop()` checkpoints so the next start replays
 * nothing. Reads use their own short-lived connections and see committed data only.
 */
export function createEmbeddedStore(config: EmbeddedStoreConfig, deps: EmbeddedStoreDeps): EmbeddedStore {
  const log = deps.logger.child({ backend: 'embedded' });
  const maxEventsPerCommit = config.maxEventsPerCommit ?? 50_000;

  let db: DuckDBInstance | null = null;
  let writer: DuckDBConnection | null = null;
  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  let stopPromise: Promise<void> | null = null;

  const queue: PendingWrite[] = [];
  let queuedEvents = 0;
  let draining: Promise<void> | null = null;
  const inflightReads = new Set<Promise<unknown>>();

  // ------------------------------------------------------------------ writer

  function drain(): void {
    if (draining || queue.length === 0) return;
    draining = (async () => {
      try {
        while (queue.length > 0) {
          const group: PendingWrite[] = [];
          let size = 0;
          while (queue.length > 0) {
            const next = queue[0] as PendingWrite;
            if (group.length > 0 && size + next.events.length > maxEventsPerCommit) break;
            queue.shift();
            group.push(next);
            size += next.events.length;
          }
          queuedEvents -= size;
          await commitGroup(group);
        }
      } finally {
        draining = null;
      }
    })();
  }

  /** Commits a group; if it fails with several calls in it, retries each call alone so one bad call cannot fail the others. */
  async function commitGroup(group: PendingWrite[]): Promise<void> {
    try {
      const results = await commitOnce(group.map((g) => g.events));
      group.forEach((g, i) => g.resolve(results[i] as WriteResult));
    } catch (err) {
      if (group.length === 1) {
        (group[0] as PendingWrite).reject(new StoreError('embedded store write failed', err));
        return;
      }
      log.warn({ err, calls: group.length }, 'group commit failed; retrying each write alone');
      for (const g of group) await commitGroup([g]);
    }
  }

  /**
   * Fast path (no event_id already stored): append straight into the table in one transaction.
   * The primary key rejects the whole append if any id exists; then this rolls back and returns
   * false, and the caller takes the slower path that sorts out which ids are new.
   */
  async function appendDirect(conn: DuckDBConnection, rows: PaymentEventRow[]): Promise<boolean> {
    await conn.run('BEGIN TRANSACTION');
    try {
      await appendRows(conn, TABLE, null, rows);
      await conn.run('COMMIT');
      return true;
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      if (err instanceof Error && /constraint/i.test(err.message)) return false;
      throw err;
    }
  }

  /**
   * Slow path: stage the rows in a temp table, then `INSERT … ON CONFLICT DO NOTHING RETURNING
   * event_id` so DuckDB tells which ids were new. One transaction; the temp table never touches
   * the WAL.
   */
  async function insertIgnoringDuplicates(
    conn: DuckDBConnection,
    rows: PaymentEventRow[],
  ): Promise<string[]> {
    await conn.run('BEGIN TRANSACTION');
    try {
      await conn.run(`DELETE FROM ${STAGING}`);
      await appendRows(conn, STAGING, 'temp', rows);
      const r = await conn.runAndReadAll(
        `INSERT INTO ${TABLE} SELECT * FROM ${STAGING} ON CONFLICT DO NOTHING RETURNING event_id`,
      );
      const ids = r.getRowsJS().map(([id]) => id as string);
      await conn.run(`DELETE FROM ${STAGING}`);
      await conn.run('COMMIT');
      return ids;
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async function commitOnce(calls: PaymentEvent[][]): Promise<WriteResult[]> {
    const conn = writer;
    if (!conn) throw new StoreError('embedded store is not started', undefined, false);
    const t0 = performance.now();
    // First occurrence of an id in the group wins; later ones are duplicates of the call they are in.
    const seen = new Set<string>();
    const unique: PaymentEvent[] = [];
    for (const events of calls) {
      for (const e of events) {
        if (seen.has(e.event_id)) continue;
        seen.add(e.event_id);
        unique.push(e);
      }
    }
    const newIds = new Set<string>();
    if (unique.length > 0) {
      const rows = unique.map(toRow);
      if (await appendDirect(conn, rows)) {
        for (const e of unique) newIds.add(e.event_id);
      } else {
        for (const id of await insertIgnoringDuplicates(conn, rows)) newIds.add(id);
      }
    }
    // Map back per call, in input order. An id is "inserted" only for its first occurrence.
    const claimed = new Set<string>();
    const results = calls.map((events) => {
      const inserted: PaymentEvent[] = [];
      const duplicates: string[] = [];
      for (const e of events) {
        if (newIds.has(e.event_id) && !claimed.has(e.event_id)) {
          claimed.add(e.event_id);
          inserted.push(e);
        } else {
          duplicates.push(e.event_id);
        }
      }
      return { inserted, duplicates };
    });
    const durationMs = performance.now() - t0;
    const events = calls.reduce((s, c) => s + c.length, 0);
    log.debug(
      { calls: calls.length, events, inserted: newIds.size, ms: Math.round(durationMs) },
      'group commit',
    );
    try {
      deps.onFlush?.({ calls: calls.length, events, inserted: newIds.size, durationMs, queuedEvents });
    } catch (err) {
      // Committed already: a failing hook must not turn into a failed (and retried) write.
      log.warn({ err }, 'onFlush hook threw');
    }
    return results;
  }

  // ------------------------------------------------------------------ reads

  /** Runs a read on its own connection (DuckDB connections run one statement at a time). */
  async function read<T>(sql: string, p: SqlParams, map: (rows: Record<string, unknown>[]) => T): Promise<T> {
    if (state !== 'running' || !db)
      throw new StoreError('embedded store is not running', undefined, state !== 'stopped');
    return runOnOwnConnection(db, inflightReads, 'embedded store', sql, p, map);
  }

  /** GMV and successes per currency of successful events, keyed by a group key built from each row. */
  async function gmvBy(
    q: RangeFilter,
    groupOf: (p: SqlParams) => string[],
    keyOf: (r: Record<string, unknown>) => string,
  ): Promise<Map<string, Gmv>> {
    const p = new SqlParams();
    const groupSql = groupOf(p);
    const o = outcomeSqlOf(p);
    const where = whereOf(q, p);
    const sel = [...groupSql, 'currency AS currency', 'sum(amount_minor)::DOUBLE AS gmv', 'count(*) AS n'];
    const groups = groupSql.map((_, i) => String(i + 1)).concat(String(groupSql.length + 1));
    const sql = `SELECT ${sel.join(', ')} FROM ${TABLE} WHERE ${where} AND ${o.success} GROUP BY ${groups.join(', ')}`;
    return read(sql, p, (rows) => {
      const m = new Map<string, Gmv>();
      for (const r of rows) {
        const k = keyOf(r);
        let g = m.get(k);
        if (!g) m.set(k, (g = noGmv()));
        const cur = sOrNull(r.currency) ?? '';
        g.gmv_minor[cur] = n(r.gmv);
        g.succeeded_by_currency[cur] = n(r.n);
      }
      return m;
    });
  }

  const keyString = (t: number | null, key: string | null): string => JSON.stringify([t, key]);

  function dimColumn(d: Dimension): string {
    const c = (DIMENSION_COLUMNS as Record<string, string>)[d];
    if (c === undefined) throw new StoreError(`unknown dimension ${String(d)}`, undefined, false);
    return c;
  }

  // ------------------------------------------------------------------ the Store

  const store: EmbeddedStore = {
    backend: 'embedded',
    // Scraped samples, log records, RUM records and the pending-payments query (signals.ts).
    signals: createEmbeddedSignals(read),
    pending: createEmbeddedPending(read),
    // The alert engine's arrival-order feed (feed.ts).
    feed: createEmbeddedFeed(read),

    async start() {
      if (state !== 'new')
        throw new StoreError(`embedded store cannot start from state ${state}`, undefined, false);
      state = 'starting';
      try {
        mkdirSync(config.dataDir, { recursive: true });
        const path = join(config.dataDir, DB_FILE);
        db = await DuckDBInstance.create(
          path,
          config.checkpointThreshold === undefined
            ? {}
            : { checkpoint_threshold: config.checkpointThreshold },
        );
        writer = await db.connect();
        await writer.run(tableDdl());
        await writer.run(
          'CREATE TABLE IF NOT EXISTS paywatch_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)',
        );
        await writer.run(`INSERT INTO paywatch_meta VALUES ('schema_version', $1) ON CONFLICT DO NOTHING`, [
          String(SCHEMA_VERSION),
        ]);
        // A temp table lives in memory for this connection only: staging never touches the WAL.
        await writer.run(`CREATE TEMP TABLE ${STAGING} AS SELECT * FROM ${TABLE} LIMIT 0`);
        for (const ddl of SIGNAL_DDL) await writer.run(ddl);
        state = 'running';
        log.info({ path }, 'embedded store opened');
      } catch (err) {
        writer?.closeSync();
        db?.closeSync();
        writer = null;
        db = null;
        state = 'stopped';
        throw new StoreError(`cannot open the embedded store in ${config.dataDir}`, err, false);
      }
    },

    stop() {
      stopPromise ??= (async () => {
        if (state === 'new' || state === 'stopped') {
          state = 'stopped';
          return;
        }
        state = 'stopping';
        // Flush what callers already handed us, then let reads finish.
        while (draining) await draining;
        await Promise.allSettled([...inflightReads]);
        try {
          await writer?.run('CHECKPOINT');
        } catch (err) {
          log.warn({ err }, 'checkpoint on stop failed; the WAL is replayed on next start');
        }
        writer?.closeSync();
        db?.closeSync();
        writer = null;
        db = null;
        state = 'stopped';
        log.info('embedded store closed');
      })();
      return stopPromise;
    },

    async ping() {
      await read('SELECT 1 AS ok', new SqlParams(), () => undefined);
    },

    write(events) {
      if (state !== 'running') {
        return Promise.reject(
          new StoreError('embedded store is not running', undefined, state !== 'stopped'),
        );
      }
      if (events.length === 0) return Promise.resolve({ inserted: [], duplicates: [] });
      return new Promise<WriteResult>((resolve, reject) => {
        queue.push({ events, resolve, reject });
        queuedEvents += events.length;
        drain();
      });
    },

    async overview(q) {
      const p = new SqlParams();
      const o = outcomeSqlOf(p);
      const where = whereOf(q, p);
      const sql = `SELECT count(*) AS events,
          count(*) FILTER (WHERE ${o.outcome}) AS attempts,
          count(*) FILTER (WHERE ${o.success}) AS succeeded,
          count(*) FILTER (WHERE ${o.failure}) AS failed,
          quantile_cont(latency_ms, [0.5, 0.95, 0.99]) FILTER (WHERE ${o.outcome}) AS q
        FROM ${TABLE} WHERE ${where}`;
      const [agg, gmv] = await Promise.all([
        read(sql, p, (rows) => rows[0] ?? {}),
        gmvBy(
          q,
          () => [],
          () => '',
        ),
      ]);
      return {
        events: n(agg.events),
        attempts: n(agg.attempts),
        succeeded: n(agg.succeeded),
        failed: n(agg.failed),
        ...(gmv.get('') ?? noGmv()),
        latency_ms: quantiles(agg.q),
      };
    },

    async timeseries(q) {
      const bucketMs = positiveInt(q.bucketMs, 'bucketMs');
      const keySql = q.groupBy === null ? 'NULL::VARCHAR' : dimColumn(q.groupBy);
      const tz = q.tz ?? null;
      // A zone's bucket starts for the range, once: both statements place rows against them.
      const starts = zonedStartsOf(bucketMs, tz, q);
      const p = new SqlParams();
      const t = bucketSql(p, bucketMs, tz, starts);
      const o = outcomeSqlOf(p);
      const where = whereOf(q, p);
      const sql = `SELECT ${t} AS t, ${keySql} AS key,
          count(*) FILTER (WHERE ${o.outcome}) AS attempts,
          count(*) FILTER (WHERE ${o.success}) AS succeeded,
          count(*) FILTER (WHERE ${o.failure}) AS failed,
          quantile_cont(latency_ms, 0.95) FILTER (WHERE ${o.outcome}) AS p95
        FROM ${TABLE} WHERE ${where}
        GROUP BY 1, 2 ORDER BY t ASC, key ASC NULLS LAST`;
      const [rows, gmv] = await Promise.all([
        read(sql, p, (r) => r),
        gmvBy(
          q,
          (gp) => [`${bucketSql(gp, bucketMs, tz, starts)} AS t`, `${keySql} AS key`],
          (r) => keyString(n(r.t), sOrNull(r.key)),
        ),
      ]);
      return rows.map((r): SeriesPoint => {
        const t = n(r.t);
        const key = sOrNull(r.key);
        return {
          t,
          key,
          attempts: n(r.attempts),
          succeeded: n(r.succeeded),
          failed: n(r.failed),
          ...(gmv.get(keyString(t, key)) ?? noGmv()),
          latency_p95: nOrNull(r.p95),
        };
      });
    },

    async breakdown(q) {
      const col = dimColumn(q.dimension);
      const limit = positiveInt(q.limit, 'limit');
      const p = new SqlParams();
      const o = outcomeSqlOf(p);
      const where = whereOf(q, p);
      const sql = `SELECT ${col} AS key,
          count(*) FILTER (WHERE ${o.outcome}) AS attempts,
          count(*) FILTER (WHERE ${o.success}) AS succeeded,
          count(*) FILTER (WHERE ${o.failure}) AS failed,
          quantile_cont(latency_ms, 0.95) FILTER (WHERE ${o.outcome}) AS p95
        FROM ${TABLE} WHERE ${where}
        GROUP BY 1 ORDER BY attempts DESC, key ASC NULLS LAST LIMIT ${p.bind(limit)}`;
      const [rows, gmv] = await Promise.all([
        read(sql, p, (r) => r),
        gmvBy(
          q,
          () => [`${col} AS key`],
          (r) => keyString(null, sOrNull(r.key)),
        ),
      ]);
      return rows.map((r): BreakdownItem => {
        const key = sOrNull(r.key);
        return {
          key,
          attempts: n(r.attempts),
          succeeded: n(r.succeeded),
          failed: n(r.failed),
          ...(gmv.get(keyString(null, key)) ?? noGmv()),
          latency_p95: nOrNull(r.p95),
        };
      });
    },

    async failures(q) {
      const p = new SqlParams();
      const o = outcomeSqlOf(p);
      const where = whereOf(q, p);
      // A failed event without a failure object counts as category `other`.
      const sql = `SELECT coalesce(failure_category, ${p.bind('other')}) AS category, failure_code AS code, count(*) AS c
        FROM ${TABLE} WHERE ${where} AND ${o.failure} GROUP BY 1, 2`;
      const rows = await read(sql, p, (r) => r);
      const byCat = new Map<string, { count: number; codes: { code: string; count: number }[] }>();
      for (const r of rows) {
        const cat = sOrNull(r.category) ?? 'other';
        let g = byCat.get(cat);
        if (!g) byCat.set(cat, (g = { count: 0, codes: [] }));
        const c = n(r.c);
        g.count += c;
        const code = sOrNull(r.code);
        if (code !== null) g.codes.push({ code, count: c });
      }
      const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
      return [...byCat.entries()]
        .map(([category, g]): FailureItem => ({
          category: ((FAILURE_CATEGORIES as readonly string[]).includes(category)
            ? category
            : 'other') as FailureCategory,
          count: g.count,
          top_codes: g.codes.sort((a, b) => b.count - a.count || cmp(a.code, b.code)).slice(0, 5),
        }))
        .sort((a, b) => b.count - a.count || cmp(a.category, b.category));
    },

    async transactions(q) {
      const limit = positiveInt(q.limit, 'limit');
      const p = new SqlParams();
      let where = whereOf(q, p);
      if (q.cursor !== null) {
        const c = decodeCursor(q.cursor);
        const ts = p.bind(c.ts);
        where += ` AND (ts < ${ts} OR (ts = ${ts} AND event_id < ${p.bind(c.event_id)}))`;
      }
      // Two steps: find the page's keys reading only (ts, event_id), then fetch those rows. A
      // top-N over every column materializes all of them for the whole range (≈10× slower).
      const keySql = `SELECT ts, event_id FROM ${TABLE} WHERE ${where}
        ORDER BY ts DESC, event_id DESC LIMIT ${p.bind(limit + 1)}`;
      const keys = await read(keySql, p, (rows) =>
        rows.map((r) => ({ ts: n(r.ts), id: sOrNull(r.event_id) ?? '' })),
      );
      const pageKeys = keys.slice(0, limit);
      const first = pageKeys[0];
      const last = pageKeys[pageKeys.length - 1];
      if (!first || !last) return { items: [], next_cursor: null };
      // Stored events never change, so the rows behind these keys are the ones just found.
      const f = new SqlParams();
      const fetchSql = `SELECT ${SELECT_COLUMNS} FROM ${TABLE}
        WHERE ts >= ${f.bind(last.ts)} AND ts <= ${f.bind(first.ts)} AND event_id IN ${f.list(pageKeys.map((k) => k.id))}
        ORDER BY ts DESC, event_id DESC`;
      const items = await read(fetchSql, f, (rows) => rows.map(fromRow));
      const page: TransactionPage = {
        items,
        next_cursor: keys.length > limit ? encodeCursor({ ts: last.ts, event_id: last.id }) : null,
      };
      return page;
    },

    // Deletions run on their own connection like reads: DuckDB's optimistic concurrency lets
    // them commit beside the writer's inserts (they never touch the same rows).
    async deleteBefore(beforeTs) {
      const p = new SqlParams();
      return read(`DELETE FROM ${TABLE} WHERE ts < ${p.bind(beforeTs)}`, p, (rows) => n(rows[0]?.Count ?? 0));
    },

    async deleteCustomer(customerRef) {
      const p = new SqlParams();
      return read(`DELETE FROM ${TABLE} WHERE customer_ref = ${p.bind(customerRef)}`, p, (rows) =>
        n(rows[0]?.Count ?? 0),
      );
    },

    async paymentTimeline(paymentId) {
      const p = new SqlParams();
      const sql = `SELECT ${SELECT_COLUMNS} FROM ${TABLE} WHERE payment_id = ${p.bind(paymentId)}
        ORDER BY ts ASC, attempt ASC, event_id ASC`;
      return read(sql, p, (rows) => rows.map(fromRow));
    },
  };
  return store;
}
