import { Readable } from 'node:stream';
import {
  createClient,
  ClickHouseLogLevel,
  type ClickHouseClient,
  type ClickHouseSettings,
} from '@clickhouse/client';
import { FAILURE_CATEGORIES, wellFormed, type FailureCategory, type PaymentEvent } from '@paywatch/contracts';
import { StoreError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type {
  Aggregate,
  BreakdownItem,
  FailureItem,
  RangeFilter,
  SeriesPoint,
  Store,
  TransactionPage,
  WriteResult,
} from '../types.js';
import {
  createDatabase,
  createMigrationsTable,
  DAY_PARTITIONED_TABLES,
  MIGRATIONS,
  MINUTE_ROLLUP,
  minuteRollupSelect,
  PAYMENT_LATEST,
  paymentLatestSelect,
  type SchemaOptions,
} from './migrations.js';
import { CUBE_TABLE_NAMES, cubeSelect } from './cube.js';
import { bucketValue } from './latency-histogram.js';
import {
  countsQuery,
  existingIdsQuery,
  failuresQuery,
  latencyQuery,
  mainSource,
  needsRollupShare,
  partitionIdRange,
  planRead,
  ROLLUP_MAX_ROW_SHARE,
  withRollupShare,
  paymentDaysQuery,
  timelineQuery,
  transactionsQuery,
  type Grouping,
  type ReadPlan,
  type ReadMode,
  type ReadShape,
  type ReadSource,
} from './queries.js';
import type { LineKey, LineWriter } from '../spool/spool.js';
import { fromRow, fromRowLines, num, str, toRowLines, wellFormedLines } from './row.js';
import type { EventFeedReader } from '../feed.js';
import { createClickHouseFeed } from './feed.clickhouse.js';
import type { PendingPaymentReader } from '../signals.js';
import { createClickHousePending } from './pending.clickhouse.js';
import { createClickHouseSignals, type ClickHouseSignalStore } from './signals.clickhouse.js';
import { isRowError } from './row-error.js';
import { createInsertSettler } from './running-inserts.js';
import { createDerivedRepair, type DerivedRepairStats } from './derived-repair.js';
import { ident, isIdentifier, list, sql, type SqlFragment } from './sql.js';
import { createMigrationLock } from './migration-lock.js';

/**
 * Days around a batch's event times the duplicate check looks at by default. Retries carry the
 * original event time; 3 days also covers a redelivery whose time fell back to its receive time
 * (provider time missing or implausible) over the providers' whole retry window (≤ 72 h, as the
 * webhook replay cache), while a live batch reads 4 day partitions of keys instead of the whole
 * retention (figures in docs/clickhouse.md).
 */
export const DEFAULT_DEDUP_WINDOW_DAYS = 3;

/** Connection and behaviour of the ClickHouse backend (`config.ts` builds it from the environment). */
export interface ClickHouseStoreConfig {
  url: string;
  username: string;
  password: string;
  /** Database name (a plain identifier); created when missing. */
  database: string;
  /**
   * `auto` (default) answers aggregate reads from the hourly cube and the per-minute rollup
   * where they are exact (`planRead`); `raw` reads raw rows only. Both give the same answers.
   */
  readMode?: ReadMode;
  /** Single node (default) or a replicated cluster (see docs/clickhouse.md). */
  topology?: SchemaOptions['topology'];
  /**
   * Look for an earlier copy of an event id only in the key-index day partitions within this many
   * days of the batch's event times (default `DEFAULT_DEDUP_WINDOW_DAYS`; `null`: every day kept,
   * whose cost grows with the table — docs/clickhouse.md). A duplicate (provider or client retry,
   * re-import) carries the original's event time, so it lands in the same day and is found with
   * any window, 0 included; only an id re-sent with an event time more than this many days from
   * the stored copy's is stored again.
   */
  dedupWindowDays?: number | null;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  /** `ping()` (the readiness probe) fails after this long without an answer (default 2 s). */
  pingTimeoutMs?: number;
  /**
   * A long read without a cube part takes the per-minute rollup only while it holds at most this
   * share of the raw rows in the days read (default `ROLLUP_MAX_ROW_SHARE`, 0.25; `Infinity`:
   * always, as the rollup tests do). Looked up in `system.parts`, cached for a minute.
   */
  rollupMaxRowShare?: number;
  /**
   * A migration lock whose holder has not renewed it (heartbeat, every sixth of this) for this
   * long is taken as left by a killed process and broken (default `DEFAULT_LOCK_STALE_MS`, 60 s;
   * a live holder renews it however long a migration takes). See migration-lock.ts and
   * docs/clickhouse.md.
   */
  migrationLockStaleMs?: number;
  /** Pauses between attempts on a held migration lock (tests shorten them). */
  migrationLockPollMs?: { min: number; max: number };
}

export interface ClickHouseStoreDeps {
  logger: Logger;
  /**
   * Long-running processes (`paywatch start`, `paywatch alerts`) pass this: `start()` then waits
   * for a ClickHouse that does not answer (connection refused or reset, DNS, timeout) instead of
   * failing, retrying with backoff up to `maxBackoffMs` (default 5 s) and logging at WARN on the
   * first failure and then every `logEveryMs` (default 30 s). Any other error (wrong password,
   * a failing migration) still fails the start at once. `stop()` ends the wait. Without it
   * (one-shot commands such as `paywatch backup`) an unreachable server fails the start.
   */
  waitForServer?: { maxBackoffMs?: number; logEveryMs?: number };
}

/** Errno codes of a server that does not answer (yet): worth waiting for at start. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

/** True when `err` (or a cause of it) says the server was not reached or did not answer. */
export function isUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (/socket hang up|^Timeout error/i.test(e.message)) return true;
  }
  return false;
}

/** The ClickHouse store adds retention and a source probe to the common interface. */
export interface ClickHouseStore extends Store, LineWriter {
  readonly backend: 'clickhouse';
  /** Stored events in arrival order after a cursor (the standalone alert engine's input). */
  readonly feed: EventFeedReader;
  /**
   * Scraped samples, log records and RUM records in this database (migration 4), with their write
   * path through the durable spool (`records`, `spooledWriters`; see signal-backend.ts).
   */
  readonly signals: ClickHouseSignalStore;
  /** "Pending longer than N" over `payment_events`. */
  readonly pending: PendingPaymentReader;
  /** Drops day partitions older than `days` (relative to `now`) from every event table; returns the partition ids dropped. */
  dropPartitionsOlderThan(days: number, now?: number): Promise<string[]>;
  /**
   * Which source an aggregate read would use as planned from its shape alone (for tests and
   * EXPLAIN-like debugging); `readPlan` also applies the rollup size check.
   */
  sourceFor(q: RangeFilter, shape?: ReadShape): ReadSource;
  /** The plan an aggregate read uses, after the rollup size check (`rollupMaxRowShare`). */
  readPlan(q: RangeFilter, shape?: ReadShape): Promise<ReadPlan>;
  /** Repairs of derived tables after half-landed INSERTs, since start (derived-repair.ts). */
  derivedRepairStats(): DerivedRepairStats;
}

/** True for the ClickHouse store (for wiring its own surface, e.g. the repair metrics). */
export function isClickHouseStore(store: Store): store is ClickHouseStore {
  return (
    store.backend === 'clickhouse' &&
    typeof (store as Partial<ClickHouseStore>).derivedRepairStats === 'function'
  );
}

/** Max ids per duplicate-check statement (each id appears twice in the statement text). */
const ID_CHECK_CHUNK = 5000;
/** Statement text limit sent with every request: id lists and IN filters can be long. */
const MAX_QUERY_SIZE = 16 * 1024 * 1024;
/**
 * Client timeout of a migration statement (a back-fill): long, as the migration lock's heartbeat
 * cuts a statement off once the server stops answering it (see `migrate`).
 */
const MIGRATION_STATEMENT_TIMEOUT_MS = 24 * 3_600_000;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Creates the ClickHouse store (unstarted). Writes are serialized inside the process: each
 * `write` checks which ids exist (key index + raw rows of the batch window), then inserts the
 * rest in one JSONEachRow INSERT; the materialized views fill the key index and the rollup in
 * that same INSERT. Reads use the rollups where `planRead` says they are exact.
 */
export function createClickHouseStore(
  config: ClickHouseStoreConfig,
  deps: ClickHouseStoreDeps,
): ClickHouseStore {
  if (!isIdentifier(config.database)) {
    throw new StoreError(
      `ClickHouse database name must be a plain identifier, got ${JSON.stringify(config.database)}`,
      undefined,
      false,
    );
  }
  // The caller names the component (`createStore(…, {logger: logger.child({component: 'store'})})`),
  // as for the embedded store: adding it here too wrote the key twice in every line.
  const log = deps.logger.child({ backend: 'clickhouse' });
  const db = config.database;
  const requestTimeoutMs = config.requestTimeoutMs ?? 30_000;
  const mode: ReadMode = config.readMode ?? 'auto';
  const keyWindowDays =
    config.dedupWindowDays === undefined ? DEFAULT_DEDUP_WINDOW_DAYS : config.dedupWindowDays;
  if (keyWindowDays !== null && !(Number.isInteger(keyWindowDays) && keyWindowDays >= 0)) {
    throw new StoreError(
      `ClickHouse dedupWindowDays must be a whole number of days ≥ 0 or null, got ${keyWindowDays}`,
      undefined,
      false,
    );
  }
  // The raw-row duplicate check is only needed where an earlier INSERT may have landed half-way
  // (raw rows without key rows): right after start (a crashed predecessor's batch is replayed
  // first) and after a failed INSERT. It stays on for a few successful writes, then turns off.
  const RAW_CHECK_WRITES = 4;
  let rawCheckWrites = RAW_CHECK_WRITES;
  const schema: SchemaOptions = { database: db, topology: config.topology ?? { kind: 'single' } };
  let client: ClickHouseClient | null = null;
  let state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';
  let stopping: Promise<void> | null = null;
  // Cuts short the wait between start attempts (stop() while waiting for the server).
  let wakeStartWait: (() => void) | null = null;
  // The serialized writer: every write waits for the previous one (ids checked, then inserted).
  let writeChain: Promise<unknown> = Promise.resolve();

  const ch = (): ClickHouseClient => {
    if (client === null) throw new StoreError('ClickHouse store is not started', undefined, false);
    return client;
  };

  /** A client of the store's server; `requestTimeoutMs` for every request except migration statements. */
  const newClient = (requestTimeout: number): ClickHouseClient =>
    createClient({
      url: config.url,
      username: config.username,
      password: config.password,
      request_timeout: requestTimeout,
      // The client logs every failed request at ERROR; our callers log with context instead.
      log: { level: ClickHouseLogLevel.OFF },
      // Replicated tables drop an INSERT whose block equals one of the last 100 inserted into the
      // table (their retry guard): an event batch stored, erased and sent again was acknowledged and
      // silently not stored (replicated.int.test.ts). The duplicate check before each INSERT is
      // what keeps an event_id once, on either topology, as on a single server.
      ...(schema.topology.kind === 'replicated' ? { clickhouse_settings: { insert_deduplicate: 0 } } : {}),
    });

  async function run(
    statement: SqlFragment,
    settings: ClickHouseSettings = {},
    via: { client?: ClickHouseClient; signal?: AbortSignal } = {},
  ): Promise<void> {
    try {
      await (via.client ?? ch()).command({
        query: statement.text,
        clickhouse_settings: { max_query_size: String(MAX_QUERY_SIZE), ...settings },
        ...(via.signal ? { abort_signal: via.signal } : {}),
      });
    } catch (err) {
      if (via.signal?.aborted)
        throw new StoreError(`ClickHouse statement cut off: ${errorText(via.signal.reason)}`, err);
      throw new StoreError(`ClickHouse statement failed: ${errorText(err)}`, err);
    }
  }

  const pingTimeoutMs = config.pingTimeoutMs ?? 2_000;
  // Set when a request found the server unreachable or got no answer in time; cleared by any
  // answer. While set, a query first pings (one ping shared by concurrent queries): a server that
  // accepts connections and never answers then fails reads within the ping timeout instead of
  // holding every dashboard request for the 30 s request timeout.
  let unanswered = false;
  let probe: Promise<void> | null = null;

  async function pingWithin(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const r = await Promise.race([
        ch().ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new StoreError(
                  `ClickHouse did not answer a ping within ${pingTimeoutMs} ms`,
                  // isUnreachable() reads the code: a start keeps waiting, reads fail fast.
                  Object.assign(new Error('ping timeout'), { code: 'ETIMEDOUT' }),
                ),
              ),
            pingTimeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      if (!r.success) throw new StoreError(`ClickHouse does not answer: ${errorText(r.error)}`, r.error);
      unanswered = false;
    } catch (err) {
      if (isUnreachable(err)) unanswered = true;
      throw err;
    }
  }

  async function rows<T = Record<string, unknown>>(statement: SqlFragment): Promise<T[]> {
    if (unanswered) {
      probe ??= pingWithin().finally(() => (probe = null));
      await probe;
    }
    try {
      const rs = await ch().query({
        query: statement.text,
        format: 'JSONEachRow',
        clickhouse_settings: { max_query_size: String(MAX_QUERY_SIZE) },
      });
      const out = await rs.json<T>();
      unanswered = false;
      return out;
    } catch (err) {
      if (isUnreachable(err)) unanswered = true;
      if (err instanceof StoreError) throw err;
      throw new StoreError(`ClickHouse query failed: ${errorText(err)}`, err);
    }
  }

  // An ON CLUSTER statement waits until every replica ran it. Bounded below the request timeout,
  // so a replica that is down fails it with the server's message naming the unfinished hosts
  // (the task stays queued: the replica runs it when it returns) instead of a bare client timeout.
  const ddlSettings: ClickHouseSettings =
    schema.topology.kind === 'replicated'
      ? {
          distributed_ddl_task_timeout: String(Math.max(1, Math.floor(requestTimeoutMs / 1000) - 5)),
        }
      : {};

  // One holder id for the store's life: a start retried after losing the server mid-migration
  // finds its own lock still in place and goes on instead of waiting for it to go stale.
  const migrationLock = createMigrationLock(
    { rows, run: (s) => run(s), logger: log },
    {
      database: db,
      ...(config.migrationLockStaleMs !== undefined ? { staleAfterMs: config.migrationLockStaleMs } : {}),
      ...(config.migrationLockPollMs
        ? { minPollMs: config.migrationLockPollMs.min, maxPollMs: config.migrationLockPollMs.max }
        : {}),
    },
  );

  async function migrate(): Promise<void> {
    // Created only when this server lacks them: on a cluster these are ON CLUSTER statements, and
    // a collector whose migrations are all recorded must start while another replica is down.
    const [found] = await rows<{ n: unknown }>(
      sql`SELECT count() AS n FROM system.tables WHERE database = ${db} AND name = 'schema_migrations'`,
    );
    if ((num(found?.n) ?? 0) === 0) {
      await run(createDatabase(schema), ddlSettings);
      await run(createMigrationsTable(schema), ddlSettings);
    }
    const appliedVersions = async () =>
      new Set(
        (
          await rows<{ version: unknown }>(sql`SELECT DISTINCT version FROM ${ident(db)}.schema_migrations`)
        ).map((r) => num(r.version)),
      );
    // A restart with every version recorded takes no lock.
    const applied0 = await appliedVersions();
    if (MIGRATIONS.every((m) => applied0.has(m.version))) return;
    // One process at a time applies what is missing (two back-fills at once count rows twice);
    // a process that waited re-reads the versions, so it applies nothing the holder applied.
    // stop() ends the wait: the start then fails as a stopped one (see start()).
    if (!(await migrationLock.acquire(() => (state as string) !== 'new')))
      throw new StoreError('ClickHouse store stopped while waiting for the migration lock', undefined, false);
    // A back-fill reads every raw row (minutes on tens of millions): migration statements are not
    // bound by the request timeout (the old code failed them and sent them again on every start
    // retry, never starting). They run while the lock's heartbeat goes through and are cut off
    // (the lock's signal) once it has not for the stale bound: a hung server still fails the start.
    const long = newClient(MIGRATION_STATEMENT_TIMEOUT_MS);
    try {
      const applied = await appliedVersions();
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        log.info({ version: m.version, name: m.name }, 'applying ClickHouse migration');
        for (const s of m.statements(schema)) {
          // A holder whose heartbeat did not go through for the stale bound stops: another
          // process may have broken its lock and be migrating (two back-fills count rows twice).
          migrationLock.assertHeld();
          await run(s, ddlSettings, { client: long, signal: migrationLock.signal() });
        }
        migrationLock.assertHeld();
        await run(
          sql`INSERT INTO ${ident(db)}.schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, now())`,
        );
      }
    } finally {
      await long.close().catch(() => undefined);
      // A lock left by a failed release is this store's own: a retried start takes it again, and
      // other processes break it once stale. The migration's own error stays the one reported.
      await migrationLock
        .release()
        .catch((err: unknown) => log.warn({ err: errorText(err) }, 'ClickHouse migration lock not released'));
    }
  }

  // ---- write ---------------------------------------------------------------------------------

  async function existingIds(events: readonly LineKey[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < events.length; i += ID_CHECK_CHUNK) {
      const chunk = events.slice(i, i + ID_CHECK_CHUNK);
      for (const r of await rows<{ event_id: unknown }>(
        existingIdsQuery(db, chunk, keyWindowDays, rawCheckWrites > 0),
      )) {
        const id = str(r.event_id);
        if (id !== null) found.add(id);
      }
    }
    return found;
  }

  // Derived tables a failed INSERT's later views missed (derived-repair.ts). Aborted by stop(): a
  // repair waiting for another collector's repair lock held the shutdown up to 150 s.
  const repairStop = new AbortController();
  const derived = createDerivedRepair(
    { rows: (s) => rows(s), run, logger: log, signal: repairStop.signal },
    { schema, settleTimeoutMs: requestTimeoutMs },
  );

  // The first write, and the first after a failed INSERT (a client timeout leaves it running on
  // the server), wait for INSERTs still running on the server (running-inserts.ts).
  const earlierInserts = createInsertSettler((s) => rows(s), db, 'payment_events', {
    timeoutMs: requestTimeoutMs,
    logger: log,
  });

  /**
   * The duplicate check: `keep[i]` is false for an id already stored or repeated earlier in
   * `keys` (the first occurrence in the call is the one kept).
   */
  async function splitExisting(
    keys: readonly LineKey[],
  ): Promise<{ keep: boolean[]; kept: number; duplicates: string[] }> {
    // One pass marks the first occurrence of each id (one Set insert per key); the store is
    // then asked about those only.
    const seen = new Set<string>();
    const firsts: LineKey[] = [];
    const keep: boolean[] = new Array<boolean>(keys.length);
    // Ids as stored: a lone surrogate is stored (and bound in the query) as U+FFFD, so an id
    // that held one must be compared in that form, or its re-send would be stored twice.
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const size = seen.size;
      seen.add(wellFormed(k.event_id));
      keep[i] = seen.size > size;
      if (keep[i]) firsts.push(k);
    }
    const existing = firsts.length > 0 ? await existingIds(firsts) : new Set<string>();
    // Raw-check mode (after start, after a failed INSERT): ids found stored may be the raw rows of
    // an INSERT that failed in a later view; complete the tables those views fill.
    if (rawCheckWrites > 0 && existing.size > 0)
      await derived.repair(firsts.filter((k) => existing.has(wellFormed(k.event_id))));
    const duplicates: string[] = [];
    let kept = 0;
    for (let i = 0; i < keys.length; i++) {
      if (keep[i] && !existing.has(wellFormed(keys[i]!.event_id))) kept++;
      else {
        keep[i] = false;
        duplicates.push(keys[i]!.event_id);
      }
    }
    return { keep, kept, duplicates };
  }

  function writable(): void {
    if (state !== 'started' && state !== 'stopping') {
      throw new StoreError('ClickHouse store is stopped: write refused', undefined, false);
    }
  }

  async function insertLines(chunks: readonly Buffer[]): Promise<void> {
    try {
      // The lines are JSONEachRow already (toRowLines): sent as they are, no re-serialization.
      const r = await ch().exec({
        query: `INSERT INTO ${db}.payment_events FORMAT JSONEachRow`,
        values: Readable.from(chunks, { objectMode: false }),
      });
      for await (const _ of r.stream) void _; // an INSERT answers an empty body; free the socket
    } catch (err) {
      rawCheckWrites = RAW_CHECK_WRITES;
      // A timed-out INSERT may still be running on the server, its rows not yet visible: the
      // retry's duplicate check must wait for it, or the batch is stored twice.
      earlierInserts.reset();
      // ClickHouse refusing the rows themselves (a parse or type error code): the same rows can
      // never be stored, and retrying them would hold up everything spooled behind them until the
      // quota fills. Permanent: the spool dead-letters the batch (logged, counted) and moves on.
      if (isRowError(err))
        throw new StoreError(`ClickHouse refused payment_events rows: ${errorText(err)}`, err, false);
      throw new StoreError(`ClickHouse insert failed: ${errorText(err)}`, err);
    }
  }

  async function writeNow(events: PaymentEvent[]): Promise<WriteResult> {
    writable();
    if (events.length === 0) return { inserted: [], duplicates: [] };
    await earlierInserts.settle();
    const { keep, kept, duplicates } = await splitExisting(events);
    const inserted = kept === events.length ? events : events.filter((_, i) => keep[i]);
    if (inserted.length > 0) await insertLines([toRowLines(inserted)]);
    if (rawCheckWrites > 0) rawCheckWrites--;
    return { inserted, duplicates };
  }

  /** `writeLines` inside the serialized writer: the spool's lines, checked, then inserted as they are. */
  async function writeLinesNow(
    keys: readonly LineKey[],
    chunks: readonly Buffer[],
  ): Promise<{ inserted: number; duplicates: number }> {
    writable();
    if (keys.length === 0) return { inserted: 0, duplicates: 0 };
    let lineCount = 0;
    for (const c of chunks) for (let at = c.indexOf(10); at !== -1; at = c.indexOf(10, at + 1)) lineCount++;
    if (lineCount !== keys.length)
      throw new StoreError(
        `spooled lines do not match their keys (${lineCount} lines, ${keys.length} keys)`,
        undefined,
        false,
      );
    await earlierInserts.settle();
    const { keep, kept, duplicates } = await splitExisting(keys);
    if (kept > 0) {
      // Lines spooled by an older collector may carry lone surrogates: made well formed here.
      let body = wellFormedLines(chunks);
      if (kept < keys.length) {
        // Some ids are stored already (a replay after a crash, a re-send): keep the other lines.
        const lines = Buffer.concat(body).toString('utf8').split('\n');
        let out = '';
        for (let i = 0; i < keys.length; i++) if (keep[i]) out += lines[i] + '\n';
        body = [Buffer.from(out, 'utf8')];
      }
      await insertLines(body);
    }
    if (rawCheckWrites > 0) rawCheckWrites--;
    return { inserted: kept, duplicates: duplicates.length };
  }

  // ---- erasure ------------------------------------------------------------------------------

  /** Waits until ClickHouse has applied every pending mutation of `table` (18.16 has no mutations_sync). */
  async function waitMutations(table: string): Promise<void> {
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const [r] = await rows<{ n: unknown }>(
        sql`SELECT count() AS n FROM system.mutations WHERE database = ${db} AND table = ${table} AND is_done = 0`,
      );
      if ((num(r?.n) ?? 0) === 0) return;
      if (Date.now() > deadline)
        throw new StoreError(`ClickHouse mutations on ${table} did not finish in time`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  const partitionDate = (id: string) => `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}`;

  /**
   * Deletes the raw events matching `cond`, their keys (so a re-sent id is stored again) and
   * rebuilds the rollups and `payment_latest` of every touched day from the remaining raw rows. Runs inside the
   * serialized writer so no insert of this process interleaves with a day's rebuild.
   */
  async function eraseWhere(condition: SqlFragment): Promise<number> {
    // 18.16 mutations delete rows whose condition is NULL: make NULL mean "keep".
    const cond = sql`ifNull((${condition}), 0)`;
    const table = sql`${ident(db)}.payment_events`;
    const [c] = await rows<{ n: unknown }>(sql`SELECT count() AS n FROM ${table} WHERE ${cond}`);
    const n = num(c?.n) ?? 0;
    if (n === 0) return 0;
    const days = (
      await rows<{ d: unknown }>(
        sql`SELECT DISTINCT toString(toYYYYMMDD(day)) AS d FROM ${table} WHERE ${cond}`,
      )
    ).map((r) => str(r.d) ?? '');
    const ids = (await rows<{ event_id: unknown }>(sql`SELECT event_id FROM ${table} WHERE ${cond}`)).map(
      (r) => str(r.event_id) ?? '',
    );
    for (let i = 0; i < ids.length; i += 50_000) {
      await run(
        sql`ALTER TABLE ${ident(db)}.event_keys DELETE WHERE event_id IN ${list(ids.slice(i, i + 50_000))}`,
      );
    }
    await run(sql`ALTER TABLE ${table} DELETE WHERE ${cond}`);
    await waitMutations('event_keys');
    await waitMutations('payment_events');
    for (const d of days) {
      if (!/^\d{8}$/.test(d)) continue;
      await run(sql`ALTER TABLE ${ident(db)}.${ident(MINUTE_ROLLUP)} DROP PARTITION ID ${d}`);
      await run(
        sql`INSERT INTO ${ident(db)}.${ident(MINUTE_ROLLUP)} ${minuteRollupSelect(schema, sql`day = toDate(${partitionDate(d)})`)}`,
      );
      for (const table of CUBE_TABLE_NAMES) {
        await run(sql`ALTER TABLE ${ident(db)}.${ident(table)} DROP PARTITION ID ${d}`);
        await run(
          sql`INSERT INTO ${ident(db)}.${ident(table)} ${cubeSelect(table, sql`${ident(db)}.payment_events`, sql`day = toDate(${partitionDate(d)})`)}`,
        );
      }
      // The pending query's per-payment state: erased events must not stay the latest of a payment.
      await run(sql`ALTER TABLE ${ident(db)}.${ident(PAYMENT_LATEST)} DROP PARTITION ID ${d}`);
      await run(
        sql`INSERT INTO ${ident(db)}.${ident(PAYMENT_LATEST)} ${paymentLatestSelect(schema, sql`day = toDate(${partitionDate(d)})`)}`,
      );
    }
    return n;
  }

  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (state !== 'started') {
      return Promise.reject(new StoreError('ClickHouse store is not started', undefined, false));
    }
    const r = writeChain.then(fn);
    writeChain = r.catch(() => undefined);
    return r;
  }

  // ---- reads ---------------------------------------------------------------------------------

  interface Acc {
    bucket: number | null;
    key: string | null;
    events: number;
    attempts: number;
    succeeded: number;
    failed: number;
    gmv_minor: Record<string, number>;
    succeeded_by_currency: Record<string, number>;
    q: (number | null)[] | null;
  }

  const keyOf = (bucket: number | null, key: string | null) => JSON.stringify([bucket, key]);

  const maxShare = config.rollupMaxRowShare ?? ROLLUP_MAX_ROW_SHARE;
  const shares = new Map<string, { at: number; share: number | null }>();

  /** Rows of the per-minute rollup / rows of the raw table in the day partitions of [from, to). */
  async function rollupShare(from: number, to: number): Promise<number | null> {
    const [lo, hi] = partitionIdRange(from, to);
    const key = `${lo}-${hi}`;
    const hit = shares.get(key);
    if (hit && Date.now() - hit.at < 60_000) return hit.share;
    const counts = new Map<string, number>();
    for (const r of await rows<{ table: unknown; n: unknown }>(
      sql`SELECT table, sum(rows) AS n FROM system.parts
WHERE database = ${db} AND active AND table IN ${list(['payment_events', MINUTE_ROLLUP])}
  AND partition_id >= ${lo} AND partition_id <= ${hi}
GROUP BY table`,
    ))
      counts.set(str(r.table) ?? '', num(r.n) ?? 0);
    const rawRows = counts.get('payment_events') ?? 0;
    const share = rawRows === 0 ? null : (counts.get(MINUTE_ROLLUP) ?? 0) / rawRows;
    if (shares.size > 1000) shares.clear();
    shares.set(key, { at: Date.now(), share });
    return share;
  }

  /** `planRead`, then raw rows instead of an oversized per-minute rollup (`withRollupShare`). */
  async function plan(q: RangeFilter, shape: ReadShape = {}): Promise<ReadPlan> {
    const p = planRead(mode, q, shape);
    if (!needsRollupShare(p) || maxShare === Infinity) return p;
    return withRollupShare(p, await rollupShare(q.from, q.to), maxShare);
  }

  /** Runs the counts and latency statements for one grouping and joins them by key. */
  async function aggregateBy(q: RangeFilter, g: Grouping): Promise<Acc[]> {
    const plan_ = await plan(q, { bucketMs: g.bucketMs, dimension: g.dimension, tz: g.tz ?? null });
    const [counts, lats] = await Promise.all([
      rows(countsQuery(db, plan_, q, g)),
      rows(latencyQuery(db, plan_, q, g)),
    ]);
    const acc = new Map<string, Acc>();
    for (const r of counts) {
      const bucket = g.bucketMs === null ? null : num(r.bucket);
      const key = g.dimension === null || num(r.gnull) === 1 ? null : str(r.gkey);
      const k = keyOf(bucket, key);
      let a = acc.get(k);
      if (!a) {
        a = {
          bucket,
          key,
          events: 0,
          attempts: 0,
          succeeded: 0,
          failed: 0,
          gmv_minor: {},
          succeeded_by_currency: {},
          q: null,
        };
        acc.set(k, a);
      }
      a.events += num(r.events) ?? 0;
      a.attempts += num(r.attempts) ?? 0;
      a.succeeded += num(r.succeeded) ?? 0;
      a.failed += num(r.failed) ?? 0;
      // GMV and successes of the currencies with succeeded events, as parallel arrays (countsQuery).
      const curs = Array.isArray(r.curs) ? (r.curs as unknown[]) : [];
      const gmvs = Array.isArray(r.gmvs) ? (r.gmvs as unknown[]) : [];
      const sucs = Array.isArray(r.sucs) ? (r.sucs as unknown[]) : [];
      curs.forEach((c, i) => {
        const cur = str(c) ?? '';
        a.gmv_minor[cur] = (a.gmv_minor[cur] ?? 0) + (num(gmvs[i]) ?? 0);
        a.succeeded_by_currency[cur] = (a.succeeded_by_currency[cur] ?? 0) + (num(sucs[i]) ?? 0);
      });
    }
    for (const r of lats) {
      const bucket = g.bucketMs === null ? null : num(r.bucket);
      const key = g.dimension === null || num(r.gnull) === 1 ? null : str(r.gkey);
      const a = acc.get(keyOf(bucket, key));
      // `qb` holds the histogram buckets of p50, p95, p99 (latency-histogram.ts).
      if (a && (num(r.nlat) ?? 0) > 0 && Array.isArray(r.qb))
        a.q = (r.qb as unknown[]).map((v) => bucketValue(num(v) ?? 0));
    }
    return [...acc.values()];
  }

  /** A page of `limit` items from `limit + 1` fetched rows, with the cursor after the last. */
  function page(got: PaymentEvent[], limit: number): TransactionPage {
    const items = got.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor: got.length > limit && last ? encodeCursor({ ts: last.ts, event_id: last.event_id }) : null,
    };
  }

  const qAt = (a: Acc, i: number): number | null => (a.q === null ? null : (a.q[i] ?? null));

  /** Byte order of UTF-8 (how ClickHouse compares strings), nulls last. */
  function compareKeys(x: string | null, y: string | null): number {
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
  }

  function toAggregate(a: Acc | undefined): Aggregate {
    if (!a) {
      return {
        events: 0,
        attempts: 0,
        succeeded: 0,
        failed: 0,
        gmv_minor: {},
        succeeded_by_currency: {},
        latency_ms: { p50: null, p95: null, p99: null },
      };
    }
    return {
      events: a.events,
      attempts: a.attempts,
      succeeded: a.succeeded,
      failed: a.failed,
      gmv_minor: a.gmv_minor,
      succeeded_by_currency: a.succeeded_by_currency,
      latency_ms: { p50: qAt(a, 0), p95: qAt(a, 1), p99: qAt(a, 2) },
    };
  }

  const store: ClickHouseStore = {
    backend: 'clickhouse',
    // The alert engine's arrival-order feed (feed.clickhouse.ts).
    feed: createClickHouseFeed(db, (statement) => rows(statement)),
    signals: createClickHouseSignals(
      db,
      {
        rows: (statement) => rows(statement),
        run,
        async insert(table, values) {
          try {
            await ch().insert({ table: `${db}.${table}`, values: [...values], format: 'JSONEachRow' });
          } catch (err) {
            throw new StoreError(`ClickHouse insert into ${table} failed: ${errorText(err)}`, err);
          }
        },
      },
      { logger: log, settleTimeoutMs: requestTimeoutMs },
    ),
    pending: createClickHousePending(db, { rows: (statement) => rows(statement) }, { logger: log }),

    async start() {
      if (state === 'started') return;
      if (state !== 'new')
        throw new StoreError(
          'ClickHouse store cannot be restarted after stop; create a new one',
          undefined,
          false,
        );
      client = newClient(requestTimeoutMs);
      const where = { url: config.url, database: db, user: config.username };
      const wait = deps.waitForServer;
      const maxBackoffMs = wait?.maxBackoffMs ?? 5_000;
      const logEveryMs = wait?.logEveryMs ?? 30_000;
      const waitStart = Date.now();
      let backoff = Math.min(250, maxBackoffMs);
      let attempts = 0;
      let loggedAt = -Infinity;
      for (;;) {
        try {
          await migrate();
          break;
        } catch (err) {
          attempts++;
          const stoppedMeanwhile = (state as string) !== 'new';
          if (!wait || stoppedMeanwhile || !isUnreachable(err)) {
            await client?.close().catch(() => undefined);
            client = null;
            if (stoppedMeanwhile)
              throw new StoreError(
                `ClickHouse store stopped while waiting for ${config.url}: ${errorText(err)}`,
                err,
                false,
              );
            // Name the server, database and user: the operator's first question.
            throw new StoreError(
              `ClickHouse at ${config.url} (database ${db}, user ${config.username}): ${errorText(err)}`,
              err,
              isUnreachable(err),
            );
          }
          const now = Date.now();
          if (now - loggedAt >= logEveryMs) {
            loggedAt = now;
            log.warn(
              { ...where, err: errorText(err), attempts, waitedS: Math.round((now - waitStart) / 1000) },
              'ClickHouse does not answer: waiting for it before starting (retrying every few seconds)',
            );
          }
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, backoff);
            wakeStartWait = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wakeStartWait = null;
          backoff = Math.min(maxBackoffMs, backoff * 2);
        }
      }
      state = 'started';
      log.info(
        {
          ...where,
          readMode: mode,
          topology: schema.topology.kind,
          migrations: MIGRATIONS.length,
          ...(attempts > 0 ? { waitedS: Math.round((Date.now() - waitStart) / 1000) } : {}),
        },
        'ClickHouse store started',
      );
    },

    stop() {
      if (stopping) return stopping;
      if (state === 'new') {
        // A start waiting for the server sees this and gives up (closing its client).
        state = 'stopped';
        wakeStartWait?.();
        stopping = Promise.resolve();
        return stopping;
      }
      state = 'stopping';
      repairStop.abort();
      stopping = (async () => {
        await writeChain.catch(() => undefined);
        state = 'stopped';
        await client?.close();
        client = null;
      })();
      return stopping;
    },

    async ping() {
      // Readiness probes call this: a server that accepts connections but never answers (a
      // partition, an overloaded host) must fail it within seconds, not after the 30 s request
      // timeout (the probe gives up first and learns nothing of the cause).
      await pingWithin();
    },

    write(events) {
      if (state !== 'started') {
        return Promise.reject(new StoreError('ClickHouse store is not accepting writes', undefined, false));
      }
      const w = writeChain.then(() => writeNow(events));
      writeChain = w.catch(() => undefined);
      return w;
    },

    encodeLines: toRowLines,
    decodeLines: fromRowLines,

    writeLines(keys, chunks) {
      if (state !== 'started') {
        return Promise.reject(new StoreError('ClickHouse store is not accepting writes', undefined, false));
      }
      const w = writeChain.then(() => writeLinesNow(keys, chunks));
      writeChain = w.catch(() => undefined);
      return w;
    },

    deleteBefore(beforeTs) {
      // Retention: whole days before the cut-off go by dropping partitions (cheap, no TTL on
      // 18.16); only the cut-off day's older rows need a delete mutation.
      return exclusive(async () => {
        const cutDay = Math.floor(beforeTs / 86_400_000) * 86_400_000;
        const dayLit = new Date(Math.max(0, cutDay)).toISOString().slice(0, 10);
        const [c] = await rows<{ n: unknown }>(
          sql`SELECT count() AS n FROM ${ident(db)}.payment_events WHERE day < toDate(${dayLit})`,
        );
        await dropPartitionsBefore(dayLit.replace(/-/g, ''));
        return (num(c?.n) ?? 0) + (await eraseWhere(sql`ts < ${beforeTs}`));
      });
    },

    deleteCustomer(customerRef) {
      return exclusive(() => eraseWhere(sql`customer_ref = ${customerRef}`));
    },

    async overview(q) {
      const [a] = await aggregateBy(q, { bucketMs: null, dimension: null });
      return toAggregate(a);
    },

    async timeseries(q) {
      const accs = await aggregateBy(q, { bucketMs: q.bucketMs, dimension: q.groupBy, tz: q.tz ?? null });
      return accs
        .sort((x, y) => (x.bucket ?? 0) - (y.bucket ?? 0) || compareKeys(x.key, y.key))
        .map((a): SeriesPoint => ({
          t: a.bucket ?? 0,
          key: a.key,
          attempts: a.attempts,
          succeeded: a.succeeded,
          failed: a.failed,
          gmv_minor: a.gmv_minor,
          succeeded_by_currency: a.succeeded_by_currency,
          latency_p95: qAt(a, 1),
        }));
    },

    async breakdown(q) {
      const accs = await aggregateBy(q, { bucketMs: null, dimension: q.dimension });
      return accs
        .sort((x, y) => y.attempts - x.attempts || compareKeys(x.key, y.key))
        .slice(0, q.limit)
        .map((a): BreakdownItem => ({
          key: a.key,
          attempts: a.attempts,
          succeeded: a.succeeded,
          failed: a.failed,
          gmv_minor: a.gmv_minor,
          succeeded_by_currency: a.succeeded_by_currency,
          latency_p95: qAt(a, 1),
        }));
    },

    async failures(q) {
      const byCat = new Map<string, { count: number; codes: { code: string; count: number }[] }>();
      for (const r of await rows(failuresQuery(db, await plan(q), q))) {
        const cat = str(r.category) ?? 'other';
        const n = num(r.n) ?? 0;
        let c = byCat.get(cat);
        if (!c) {
          c = { count: 0, codes: [] };
          byCat.set(cat, c);
        }
        c.count += n;
        const code = num(r.code_null) === 1 ? null : str(r.code);
        if (code !== null) c.codes.push({ code, count: n });
      }
      return [...byCat.entries()]
        .map(([category, c]): FailureItem => ({
          category: ((FAILURE_CATEGORIES as readonly string[]).includes(category)
            ? category
            : 'other') as FailureCategory,
          count: c.count,
          top_codes: c.codes.sort((x, y) => y.count - x.count || compareKeys(x.code, y.code)).slice(0, 5),
        }))
        .sort((x, y) => y.count - x.count || compareKeys(x.category, y.category));
    },

    async transactions(q): Promise<TransactionPage> {
      const after = q.cursor === null ? null : decodeCursor(q.cursor);
      // Newest first: look in a recent window before scanning the whole range (18.16 cannot read
      // in sort order). A window holding more than a page answers alone: everything outside it
      // is older. Otherwise widen; the last step is the full range.
      const upper = Math.min(q.to, after === null ? q.to : after.ts + 1);
      let got: Record<string, unknown>[] = [];
      for (const w of [3_600_000, 86_400_000, 7 * 86_400_000, Infinity]) {
        const from = w === Infinity ? q.from : Math.max(q.from, upper - w);
        got = await rows(transactionsQuery(db, { ...q, from }, q.limit, after));
        if (got.length > q.limit || from === q.from) break;
      }
      return page(got.map(fromRow), q.limit);
    },

    async paymentTimeline(paymentId) {
      // The key index names the days to read (its rows come from the same INSERT as the raw
      // rows). A payment it does not know is looked up in every day: an unknown id costs a full
      // scan, and an INSERT that stored raw rows but failed before the view's rows is still found.
      const days = (await rows<{ d: unknown }>(paymentDaysQuery(db, paymentId))).map((r) => str(r.d) ?? '');
      const valid = days.filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
      return (await rows(timelineQuery(db, paymentId, valid.length === 0 ? null : valid))).map(fromRow);
    },

    async dropPartitionsOlderThan(days, now = Date.now()) {
      if (!Number.isInteger(days) || days < 1)
        throw new RangeError('retention must be a whole number of days ≥ 1');
      const cutoff = new Date(Math.floor(now / 86_400_000) * 86_400_000 - days * 86_400_000)
        .toISOString()
        .slice(0, 10)
        .replace(/-/g, '');
      return exclusive(() => dropPartitionsBefore(cutoff));
    },

    sourceFor(q, shape) {
      return mainSource(planRead(mode, q, shape));
    },

    readPlan(q, shape) {
      return plan(q, shape);
    },

    derivedRepairStats: () => derived.stats(),
  };

  /** Drops every day partition with id (YYYYMMDD) below `cutoff` from each event table. */
  async function dropPartitionsBefore(cutoff: string): Promise<string[]> {
    const dropped: string[] = [];
    for (const table of DAY_PARTITIONED_TABLES) {
      const parts = await rows<{ partition_id: unknown }>(
        sql`SELECT DISTINCT partition_id FROM system.parts WHERE database = ${db} AND table = ${table} AND active`,
      );
      for (const p of parts) {
        const id = str(p.partition_id);
        // Partition ids of a Date key are YYYYMMDD; compare as text of equal length.
        if (id === null || !/^\d{8}$/.test(id) || id >= cutoff) continue;
        await run(sql`ALTER TABLE ${ident(db)}.${ident(table)} DROP PARTITION ID ${id}`);
        dropped.push(`${table}:${id}`);
      }
    }
    if (dropped.length > 0) log.info({ cutoff, dropped }, 'retention dropped partitions');
    return dropped;
  }
  return store;
}
