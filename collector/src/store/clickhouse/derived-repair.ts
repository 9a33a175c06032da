import { StoreError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { LineKey } from '../spool/spool.js';
import {
  CUBE_ROW_FILTERS,
  CUBE_TABLE_NAMES,
  CUBE_TABLES,
  cubeSelect,
  HOUR_MS,
  type CubeTable,
} from './cube.js';
import {
  eventKeysSelect,
  LATEST_ORDER,
  MINUTE_ROLLUP,
  minuteRollupSelect,
  PAYMENT_LATEST,
  paymentKeysSelect,
  paymentLatestSelect,
  type SchemaOptions,
} from './migrations.js';
import { createMigrationLock, DEFAULT_LOCK_STALE_MS } from './migration-lock.js';
import { batchRowsCondition, dayLiteral } from './queries.js';
import { num, str } from './row.js';
import { waitForRunningInserts } from './running-inserts.js';
import { ident, join, list, raw, sql, valueSet, type SqlFragment } from './sql.js';

/**
 * The lock (a table in the store's database, migration-lock.ts) under which one process at a
 * time compares and completes the counting tables: two collectors repairing the same buckets at
 * once would each see the gap and each add the events.
 */
export const DERIVED_REPAIR_LOCK_TABLE = 'derived_repair_lock';

/** Every table a materialized view fills from `payment_events` (the tables the repair checks). */
export const DERIVED_TABLES = [
  'event_keys',
  'payment_keys',
  PAYMENT_LATEST,
  MINUTE_ROLLUP,
  ...CUBE_TABLE_NAMES,
] as const;
export type DerivedTable = (typeof DERIVED_TABLES)[number];

/** Totals since the store started (published as metrics by `metrics/derived-repair.metrics.ts`). */
export interface DerivedRepairStats {
  /** Duplicate checks in raw-check mode that found stored ids and compared the derived tables. */
  checks: number;
  /**
   * Rows added per table from raw rows: events (per-minute rollup, cube tables), keys (key
   * indexes), (payment, day) rows (`payment_latest`).
   */
  repaired: Record<DerivedTable, number>;
  /**
   * Buckets (minute or hour) of a counting table whose count matched neither "complete" nor
   * "missing exactly the found events" after the waits: logged at WARN, left unchanged.
   */
  unresolved: Record<DerivedTable, number>;
  /** Repairs given up after `maxFailures` failed attempts in a row (logged at ERROR). */
  failures: number;
}

/**
 * Completes the derived tables of events found already stored by the duplicate check. Why: on
 * ClickHouse an INSERT into `payment_events` writes the raw part first and then pushes the block
 * to each materialized view in turn (18.16: by view name); a view failing half-way (an error, a
 * timeout, the server stopping) leaves the raw rows and the views pushed before it, and the
 * retry's duplicate check then skips those events, so the later views would miss them for ever.
 * `repair` runs only where such a half-landed INSERT can be (the store's raw-check mode, with
 * ids found): key indexes and `payment_latest` get the missing rows re-derived (idempotent);
 * counting tables are compared per bucket with the raw rows and completed only when the gap is
 * exactly the found events' contribution (see docs/clickhouse.md "Repair of derived tables").
 */
export interface DerivedRepair {
  /**
   * Checks and completes the derived tables for these found (already stored) events. A failure
   * rejects (the caller's write fails and is retried, so the repair runs again), up to
   * `maxFailures` in a row; then it gives up (logged, counted) and resolves, so a repair that
   * cannot succeed does not hold up the spool behind it.
   */
  repair(found: readonly LineKey[]): Promise<void>;
  stats(): DerivedRepairStats;
}

export interface DerivedRepairDeps {
  rows: (statement: SqlFragment) => Promise<Record<string, unknown>[]>;
  run: (statement: SqlFragment) => Promise<void>;
  logger: Logger;
  /**
   * Aborted when the store stops: a wait for the repair lock another process holds (up to twice
   * the stale bound plus the settle wait, 150 s by default) ends at its next poll (≤ 0.5 s) and
   * the repair fails as not done (its write fails, retried after the restart) instead of holding
   * the shutdown. Not counted as a failed repair.
   */
  signal?: AbortSignal;
}

export interface DerivedRepairConfig {
  schema: SchemaOptions;
  /** Readings of a counting table before an unexplained gap is left (default 6). */
  readings?: number;
  /** Wait between readings (default 250 ms): another writer's INSERT may be between its raw part and its views. */
  readingDelayMs?: number;
  /** Failed repairs in a row before one is given up (default 5). */
  maxFailures?: number;
  /**
   * Longest wait for INSERTs into a counting table still running on the server (default 30 s,
   * the store's request timeout): an earlier attempt's INSERT whose client timed out.
   */
  settleTimeoutMs?: number;
}

/** A table whose rows count events (summed or merged): compared with the raw rows per bucket. */
interface CountingTable {
  table: DerivedTable;
  bucketMs: number;
  /** The raw events it counts (null: all). */
  counts: SqlFragment | null;
  /** Per-bucket event count of the table: a statement selecting (b, n) in `days` for `buckets`. */
  derivedCounts(days: SqlFragment, buckets: SqlFragment): SqlFragment;
  /** The table's rows of the raw rows in `source` matching `where` (the view's own query). */
  select(source: SqlFragment, where: SqlFragment): SqlFragment;
}

const ZERO_BY_TABLE = (): Record<DerivedTable, number> =>
  Object.fromEntries(DERIVED_TABLES.map((t) => [t, 0])) as Record<DerivedTable, number>;

/** Creates the repair of one database's derived tables (used by the ClickHouse store's writer). */
export function createDerivedRepair(deps: DerivedRepairDeps, config: DerivedRepairConfig): DerivedRepair {
  const o = config.schema;
  const db = o.database;
  const readings = config.readings ?? 6;
  const delayMs = config.readingDelayMs ?? 250;
  const log = deps.logger;
  const maxFailures = config.maxFailures ?? 5;
  const settleTimeoutMs = config.settleTimeoutMs ?? 30_000;
  let failedInARow = 0;
  const stats: DerivedRepairStats = {
    checks: 0,
    repaired: ZERO_BY_TABLE(),
    unresolved: ZERO_BY_TABLE(),
    failures: 0,
  };
  // One holder id for the store's life: a lock left by this store's failed release is its own.
  const lock = createMigrationLock(deps, {
    database: db,
    table: DERIVED_REPAIR_LOCK_TABLE,
    // Heartbeat staleness: a collector killed while holding the lock holds up other repairs this long.
    staleAfterMs: DEFAULT_LOCK_STALE_MS,
    minPollMs: 50,
    maxPollMs: 500,
  });
  const table = (name: string) => sql`${ident(db)}.${ident(name)}`;
  const rawEvents = table('payment_events');

  const cubeCounting = (t: CubeTable): CountingTable => {
    // The '*' slice counts every event once; the latency table's st = '*' rows once more.
    const value = raw(t === CUBE_TABLES.counts ? 'n' : 'c');
    const slice = t === CUBE_TABLES.latency ? sql` AND st = '*'` : raw('');
    return {
      table: t,
      bucketMs: HOUR_MS,
      counts: CUBE_ROW_FILTERS[t],
      derivedCounts: (days, buckets) =>
        sql`SELECT hour AS b, toUInt64(sum(${value})) AS n FROM ${table(t)}
WHERE ${days} AND dim = '*' AND val = ''${slice} AND hour IN ${buckets} GROUP BY b`,
      select: (source, where) => cubeSelect(t, source, where),
    };
  };
  const counting: CountingTable[] = [
    {
      table: MINUTE_ROLLUP,
      bucketMs: 60_000,
      counts: null,
      derivedCounts: (days, buckets) =>
        sql`SELECT minute AS b, toUInt64(countMerge(events)) AS n FROM ${table(MINUTE_ROLLUP)}
WHERE ${days} AND minute IN ${buckets} GROUP BY b`,
      select: (source, where) => minuteRollupSelect(o, where, source),
    },
    ...CUBE_TABLE_NAMES.map(cubeCounting),
  ];

  const bucketOf = (bucketMs: number) => raw(`intDiv(ts, ${bucketMs}) * ${bucketMs}`);

  /** Adds the event keys of found raw rows missing from `event_keys`. */
  async function eventKeys(found: SqlFragment, ids: SqlFragment, days: SqlFragment): Promise<void> {
    const missing = sql`${found} AND event_id NOT IN (SELECT event_id FROM ${table('event_keys')} WHERE ${days} AND event_id IN ${ids})`;
    const [r] = await deps.rows(sql`SELECT count() AS n FROM ${rawEvents} WHERE ${missing}`);
    const n = num(r?.n) ?? 0;
    if (n === 0) return;
    // A key written twice (this and a late view push) is harmless: readers collect ids in a set.
    await deps.run(
      sql`INSERT INTO ${table('event_keys')} ${eventKeysSelect(o, null, sql`(SELECT * FROM ${rawEvents} WHERE ${missing})`)}`,
    );
    repaired('event_keys', n, {});
  }

  /** Adds the (payment_id, day) pairs of found raw rows missing from `payment_keys`. */
  async function paymentKeys(found: SqlFragment, days: SqlFragment): Promise<void> {
    const missing = sql`${found} AND (payment_id, day) NOT IN (SELECT payment_id, day FROM ${table('payment_keys')}
WHERE ${days} AND payment_id IN (SELECT payment_id FROM ${rawEvents} WHERE ${found}))`;
    const [r] = await deps.rows(
      sql`SELECT count() AS n FROM (SELECT DISTINCT payment_id, day FROM ${rawEvents} WHERE ${missing})`,
    );
    const n = num(r?.n) ?? 0;
    if (n === 0) return;
    // Readers take DISTINCT days (`paymentDaysQuery`): a pair written twice is harmless.
    await deps.run(
      sql`INSERT INTO ${table('payment_keys')} ${paymentKeysSelect(o, null, sql`(SELECT * FROM ${rawEvents} WHERE ${missing})`)}`,
    );
    repaired('payment_keys', n, {});
  }

  /**
   * Re-derives `payment_latest` for the (payment, day) rows the found events would change: every
   * state is a max, so adding them again is exact whatever the table holds already. Compared per
   * row: the table's merged marks and latest value against those of the found events alone (a
   * mark above the table's, or no row, means missing). Equal latest ts with another latest value
   * is a tie the states cannot settle (they do not return the order key): the raw rows say
   * whether a found event is the row's latest by (ts, attempt, event_id).
   */
  async function paymentLatest(
    foundSource: SqlFragment,
    found: SqlFragment,
    ids: SqlFragment,
    days: SqlFragment,
  ): Promise<void> {
    const merged = (from: SqlFragment, where: SqlFragment) =>
      sql`SELECT payment_id, toString(day) AS d, maxMerge(open_mark) AS o, maxMerge(final_mark) AS f, argMaxMerge(latest) AS l
FROM ${from}${where} GROUP BY payment_id, day`;
    const key = (r: Record<string, unknown>) => JSON.stringify([str(r.payment_id), str(r.d)]);
    const stored = new Map(
      (
        await deps.rows(
          merged(
            table(PAYMENT_LATEST),
            sql` WHERE ${days} AND payment_id IN (SELECT payment_id FROM ${rawEvents} WHERE ${found})`,
          ),
        )
      ).map((r) => [key(r), r]),
    );
    const mine = await deps.rows(merged(sql`(${paymentLatestSelect(o, null, foundSource)})`, raw('')));
    // Marks are 2·ts + flag, and of an event's two marks one is odd: the latest ts is max(o, f) / 2.
    const latestTs = (r: Record<string, unknown>) => Math.floor(Math.max(num(r.o) ?? 0, num(r.f) ?? 0) / 2);
    const stale: Record<string, unknown>[] = [];
    const ties: Record<string, unknown>[] = [];
    for (const r of mine) {
      const s = stored.get(key(r));
      if (s === undefined || (num(r.o) ?? 0) > (num(s.o) ?? 0) || (num(r.f) ?? 0) > (num(s.f) ?? 0))
        stale.push(r);
      else if (latestTs(r) === latestTs(s) && JSON.stringify(r.l) !== JSON.stringify(s.l)) ties.push(r);
    }
    if (ties.length > 0) {
      const winners = await deps.rows(
        sql`SELECT payment_id, toString(day) AS d, argMax(event_id, ${LATEST_ORDER}) AS w FROM ${rawEvents}
WHERE ${days} AND payment_id IN ${valueSet(ties.map((r) => str(r.payment_id) ?? ''))}
GROUP BY payment_id, day HAVING w IN ${ids}`,
      );
      const won = new Set(winners.map(key));
      stale.push(...ties.filter((r) => won.has(key(r))));
    }
    if (stale.length === 0) return;
    const payments = [...new Set(stale.map((r) => str(r.payment_id) ?? ''))];
    await deps.run(
      sql`INSERT INTO ${table(PAYMENT_LATEST)} ${paymentLatestSelect(o, sql`payment_id IN ${valueSet(payments)}`, foundSource)}`,
    );
    repaired(PAYMENT_LATEST, stale.length, {});
  }

  /**
   * The counting tables, per bucket: gap = raw events − counted events. 0: complete. Exactly the
   * found events' count, on two readings in a row: their contribution is missing, added from
   * their raw rows. Anything else (another writer's INSERT between its raw part and its views,
   * an older inconsistency, a multi-block INSERT half counted): read again after a wait, and
   * after `readings` readings left as it is, logged and counted, never guessed.
   */
  async function countingTables(
    found: SqlFragment,
    foundSource: SqlFragment,
    days: SqlFragment,
    errors: unknown[],
  ): Promise<void> {
    // An earlier attempt's INSERT into a counting table that failed at the client (a request
    // timeout) may still be running on the server, its rows not yet visible: read now, its
    // bucket would show the same gap again and be added twice. Wait for it; if it is still
    // running after the wait, this attempt fails (the next one, or giving up, leaves it alone).
    for (const c of counting) await settle(c.table);
    // The found events per minute and per counted subset, in one read of the raw rows.
    const mineRows = await deps.rows(
      sql`SELECT ${bucketOf(60_000)} AS m, ${join(
        counting.map((c, i) => sql`countIf(${c.counts ?? raw('1')}) AS ${raw(`c${i}`)}`),
        ', ',
      )} FROM ${rawEvents} WHERE ${found} GROUP BY m`,
    );
    const open = counting.map((c, i) => {
      const mine = new Map<number, number>();
      for (const r of mineRows) {
        const n = num(r[`c${i}`]) ?? 0;
        const m = num(r.m);
        if (n === 0 || m === null) continue;
        const b = Math.floor(m / c.bucketMs) * c.bucketMs;
        mine.set(b, (mine.get(b) ?? 0) + n);
      }
      return { c, mine, missingBefore: new Set<number>(), last: new Map<number, number>() };
    });
    /** One reading of a table: resolves complete buckets, adds those missing twice in a row. */
    const readOnce = async (t: (typeof open)[number]): Promise<void> => {
      const buckets = list([...t.mine.keys()]);
      const rawCounts = sql`SELECT ${bucketOf(t.c.bucketMs)} AS b, count() AS n FROM ${rawEvents}
WHERE ${days}${t.c.counts === null ? raw('') : sql` AND ${t.c.counts}`} AND b IN ${buckets} GROUP BY b`;
      // Both counts in one statement, so they are read as close together as ClickHouse allows.
      const got = await deps.rows(
        sql`SELECT b, sum(r) AS r, sum(d) AS d FROM (
SELECT b, n AS r, toUInt64(0) AS d FROM (${rawCounts})
UNION ALL
SELECT b, toUInt64(0) AS r, n AS d FROM (${t.c.derivedCounts(days, buckets)})
) GROUP BY b`,
      );
      const gaps = new Map(got.map((r) => [num(r.b) ?? 0, (num(r.r) ?? 0) - (num(r.d) ?? 0)]));
      const missing = new Set<number>();
      const add: number[] = [];
      for (const [b, mine] of t.mine) {
        const gap = gaps.get(b) ?? 0;
        t.last.set(b, gap);
        if (gap === 0) t.mine.delete(b);
        else if (gap === mine) {
          if (t.missingBefore.has(b)) add.push(b);
          else missing.add(b);
        }
      }
      t.missingBefore = missing;
      if (add.length === 0) return;
      // Past the stale bound without a heartbeat, another collector may be repairing these buckets.
      lock.assertHeld();
      await deps.run(
        sql`INSERT INTO ${table(t.c.table)} ${t.c.select(foundSource, sql`${bucketOf(t.c.bucketMs)} IN ${list(add)}`)}`,
      );
      let n = 0;
      for (const b of add) {
        n += t.mine.get(b) ?? 0;
        t.mine.delete(b);
      }
      repaired(t.c.table, n, { buckets: add.length });
    };
    for (let reading = 0; reading < readings && open.some((t) => t.mine.size > 0); reading++) {
      if (reading > 0) await new Promise((r) => setTimeout(r, delayMs));
      // Another writer's INSERT running now may be between its raw part and its later views: a
      // bucket's gap is then its events, and if they are as many as the found ones, two readings
      // 250 ms apart can both see it (a view slow under load) and the found events would be
      // added twice. Each reading waits for the INSERTs running before it, so one reading
      // missing the views of an INSERT is followed by one that sees them.
      await settle('payment_events');
      for (const t of open) {
        if (t.mine.size === 0) continue;
        try {
          await readOnce(t);
        } catch (err) {
          // One table failing does not keep the others from being completed; the repair fails.
          errors.push(err);
          t.mine.clear();
        }
      }
    }
    for (const t of open) {
      if (t.mine.size === 0) continue;
      stats.unresolved[t.c.table] += t.mine.size;
      log.warn(
        {
          table: t.c.table,
          buckets: [...t.mine].slice(0, 20).map(([b, mine]) => ({
            bucket: new Date(b).toISOString(),
            found: mine,
            gap: t.last.get(b) ?? null,
          })),
          unresolved: t.mine.size,
        },
        'derived table count differs from the raw rows by other than the found events: left unchanged',
      );
    }
  }

  /**
   * Runs `f` holding the repair lock: another collector repairing the same buckets waits, then
   * reads them complete. A holder killed mid-repair is taken over once its heartbeat is stale;
   * its INSERT still running on the server is waited for by `settle` before any reading. Waiting
   * longer than twice the stale bound plus the settle wait fails the attempt (retried).
   */
  async function underLock(f: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + 2 * DEFAULT_LOCK_STALE_MS + settleTimeoutMs;
    const stopping = () => deps.signal?.aborted === true;
    if (!(await lock.acquire(() => stopping() || Date.now() > deadline)))
      throw new StoreError(
        stopping()
          ? `the store is stopping: derived tables not compared (the repair lock ${DERIVED_REPAIR_LOCK_TABLE} was held by another process)`
          : `the derived tables' repair lock (${DERIVED_REPAIR_LOCK_TABLE}) stayed held by another process: derived tables not compared`,
      );
    try {
      await f();
    } finally {
      await lock
        .release()
        .catch((err: unknown) =>
          log.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'derived repair lock not released',
          ),
        );
    }
  }

  /** Waits for the INSERTs into `name` the server is running now; still running after the wait: fails. */
  async function settle(name: string): Promise<void> {
    const w = await waitForRunningInserts(deps.rows, db, name, { timeoutMs: settleTimeoutMs });
    if (w.timedOut)
      throw new StoreError(
        `an INSERT into ${name} is still running on the server after ${settleTimeoutMs} ms: derived tables not compared`,
      );
  }

  function repaired(t: DerivedTable, n: number, extra: Record<string, unknown>): void {
    stats.repaired[t] += n;
    log.warn(
      { table: t, rows: n, ...extra },
      'derived table missed rows of stored events: added from raw rows',
    );
  }

  async function repairNow(found: readonly LineKey[]): Promise<void> {
    const ids = valueSet(found.map((k) => k.event_id));
    const where = batchRowsCondition(found, ids);
    let lo = Infinity;
    let hi = -Infinity;
    for (const k of found) {
      lo = Math.min(lo, k.ts);
      hi = Math.max(hi, k.ts);
    }
    const days = sql`day >= toDate(${dayLiteral(lo)}) AND day <= toDate(${dayLiteral(hi)})`;
    // The found raw rows as a relation for the views' own queries (which compute `day` from ts,
    // so the raw table's `day` column is filtered here, where partition pruning applies).
    const foundSource = sql`(SELECT * FROM ${rawEvents} WHERE ${where})`;
    // Each table on its own: one failing does not keep the others from being completed.
    const errors: unknown[] = [];
    const step = (f: () => Promise<void>) => f().catch((err: unknown) => void errors.push(err));
    await step(() => eventKeys(where, ids, days));
    await step(() => paymentKeys(where, days));
    await step(() => paymentLatest(foundSource, where, ids, days));
    await step(() => underLock(() => countingTables(where, foundSource, days, errors)));
    if (errors.length > 0) throw errors[0];
  }

  return {
    async repair(found) {
      if (found.length === 0) return;
      stats.checks++;
      try {
        await repairNow(found);
        failedInARow = 0;
      } catch (err) {
        // Cut short by the stop: not a failure of the repair (tried again after the restart).
        if (deps.signal?.aborted) throw err;
        if (++failedInARow < maxFailures) throw err;
        failedInARow = 0;
        stats.failures++;
        log.error(
          {
            err: err instanceof Error ? err.message : String(err),
            events: found.length,
            attempts: maxFailures,
          },
          'could not repair the derived tables of stored events: given up, tables left as they are',
        );
      }
    },
    stats: () => ({
      checks: stats.checks,
      repaired: { ...stats.repaired },
      unresolved: { ...stats.unresolved },
      failures: stats.failures,
    }),
  };
}
