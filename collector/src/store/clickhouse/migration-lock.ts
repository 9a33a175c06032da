import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../lib/logger.js';
import { ident, sql, type SqlFragment } from './sql.js';
import { clickHouseErrorCode } from './row-error.js';
import { StoreError } from '../../lib/errors.js';

/** Name of the lock table in the store's database (exists only while a process migrates). */
export const MIGRATION_LOCK_TABLE = 'migration_lock';

/**
 * Default staleness of a lock (60 s): a lock whose holder has not renewed it (its heartbeat) for
 * this long is taken as left by a killed holder and broken. A live holder renews it every
 * `heartbeatMs`, however long its work takes.
 */
export const DEFAULT_LOCK_STALE_MS = 60_000;

/**
 * Bound for a lock written by a collector from before heartbeats (a table without the `beat`
 * column, only its acquisition time): 30 min from acquisition, the bound those versions used.
 */
const LEGACY_LOCK_STALE_MS = 30 * 60_000;

/** What the lock needs from the store: a query and a statement against the same server. */
export interface MigrationLockDeps {
  rows(statement: SqlFragment): Promise<Record<string, unknown>[]>;
  run(statement: SqlFragment): Promise<void>;
  logger: Logger;
}

/** Where the lock lives, how its holder keeps it and when others break it. */
export interface MigrationLockConfig {
  database: string;
  /** The lock table's name (default `MIGRATION_LOCK_TABLE`). */
  table?: string;
  /**
   * A lock whose last heartbeat is older than this (server clock) is broken (default
   * `DEFAULT_LOCK_STALE_MS`, 60 s).
   */
  staleAfterMs?: number;
  /** Pause between the holder's heartbeats (default a sixth of `staleAfterMs`). */
  heartbeatMs?: number;
  /** First and largest pause between attempts (default 100 ms and 2 s). */
  minPollMs?: number;
  maxPollMs?: number;
  /** Holder id written into the lock row (default host:pid:random). */
  holder?: string;
}

/**
 * Mutual exclusion between processes working on one database on one ClickHouse server (works on
 * 18.16: no transactions or conditional writes there). Acquiring is one DDL without `IF NOT
 * EXISTS`: `CREATE TABLE … ENGINE = Log AS SELECT holder, now(), 0 AS beat` either creates the
 * table with the holder's row or fails with code 57 ("already exists"). While held, a heartbeat
 * appends `(holder, now(), n)` every `heartbeatMs`; a waiter breaks the lock once the owner's
 * (the `beat = 0` row's holder) latest row is older than `staleAfterMs`. Releasing drops it.
 */
export interface MigrationLock {
  readonly holder: string;
  /**
   * Waits until this process holds the lock (polls with backoff, logs the holder once) and starts
   * its heartbeat. Resolves false, holding nothing, once `cancelled()` answers true (checked
   * between attempts).
   */
  acquire(cancelled?: () => boolean): Promise<boolean>;
  /**
   * Throws a `StoreError` when the lock may no longer be this process's: no heartbeat went through
   * for nearly the stale bound (others may have broken it), or another holder owns it. Call before
   * each step that must not run twice at once.
   */
  assertHeld(): void;
  /**
   * Aborted once the lock may no longer be this process's (what `assertHeld` then says), checked
   * at each heartbeat; already aborted while none is held. Pass it to a statement that may run
   * longer than the stale bound (a back-fill), so a holder cut off from the server stops it.
   */
  signal(): AbortSignal;
  /** Stops the heartbeat and drops the lock if this process still holds it. */
  release(): Promise<void>;
}

const TABLE_EXISTS = 57;
const UNKNOWN_TABLE = 60;
const FILE_DOESNT_EXIST = 107;
const POCO_EXCEPTION = 1000;

/**
 * Whether reading the lock failed because its column files are not written yet: 18.16 lists a
 * table `CREATE … AS SELECT` is still creating before its TinyLog files exist, and a read then
 * fails with `Poco::Exception. Code: 1000 … File not found: …/migration_lock/acquired_at.bin`
 * (seen in CI with two stores migrating at once). Such a lock is being taken: read as empty.
 */
export function isLockBeingCreated(err: unknown): boolean {
  const code = clickHouseErrorCode(err);
  if (code === FILE_DOESNT_EXIST) return true;
  if (code !== POCO_EXCEPTION) return false;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause)
    if (/File not found/i.test(e.message)) return true;
  return false;
}

/** The lock of `config.table` (default the migration lock); see `MigrationLock`. */
export function createMigrationLock(deps: MigrationLockDeps, config: MigrationLockConfig): MigrationLock {
  const holder = config.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const staleAfterMs = config.staleAfterMs ?? DEFAULT_LOCK_STALE_MS;
  const staleAfterS = Math.max(1, Math.ceil(staleAfterMs / 1000));
  const heartbeatMs = Math.max(50, config.heartbeatMs ?? Math.floor(staleAfterMs / 6));
  const legacyStaleS = LEGACY_LOCK_STALE_MS / 1000;
  const minPollMs = config.minPollMs ?? 100;
  const maxPollMs = config.maxPollMs ?? 2_000;
  const tableName = config.table ?? MIGRATION_LOCK_TABLE;
  const db = ident(config.database);
  const lock = sql`${db}.${ident(tableName)}`;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  // The heartbeat of the lock this process holds (null: none held).
  let beat: {
    n: number;
    /** Local time the last heartbeat that went through was sent (or the lock was created). */
    renewedAt: number;
    lostTo: string | null;
    timer: NodeJS.Timeout | null;
    running: Promise<void> | null;
    stopped: boolean;
    warned: boolean;
    lost: AbortController;
  } | null = null;

  async function tryCreate(): Promise<boolean> {
    const sent = Date.now();
    try {
      await deps.run(
        sql`CREATE TABLE ${lock} ENGINE = Log AS SELECT ${holder} AS holder, now() AS acquired_at, toUInt32(0) AS beat`,
      );
      startHeartbeat(sent);
      return true;
    } catch (err) {
      if (clickHouseErrorCode(err) === TABLE_EXISTS) return false;
      throw err;
    }
  }

  /**
   * The lock's owner and the seconds since its last heartbeat (server clock), with the bound that
   * applies; 'empty' while it is being created; null when the table is gone. The owner is the
   * holder of the creation row (`beat = 0`): a late heartbeat of a holder whose lock was broken
   * can land in the next holder's table and is ignored. A table without `beat` is a lock of a
   * collector from before heartbeats: its one row's age, against `LEGACY_LOCK_STALE_MS`.
   */
  async function current(
    table: SqlFragment,
  ): Promise<{ holder: string; age: number; boundS: number } | 'empty' | null> {
    let rs: Record<string, unknown>[];
    try {
      rs = await deps.rows(sql`SELECT *, toInt64(now()) - toInt64(acquired_at) AS age FROM ${table}`);
    } catch (err) {
      if (clickHouseErrorCode(err) === UNKNOWN_TABLE) return null;
      if (isLockBeingCreated(err)) return 'empty';
      throw err;
    }
    const first = rs[0];
    if (first === undefined) return 'empty';
    if (!('beat' in first))
      return { holder: String(first.holder), age: Number(first.age), boundS: legacyStaleS };
    const owner = rs.find((r) => Number(r.beat) === 0);
    if (owner === undefined) return 'empty';
    const own = String(owner.holder);
    const age = Math.min(...rs.filter((r) => String(r.holder) === own).map((r) => Number(r.age)));
    return { holder: own, age, boundS: staleAfterS };
  }

  function startHeartbeat(renewedAt: number): void {
    stopHeartbeat();
    const b: NonNullable<typeof beat> = {
      n: 0,
      renewedAt,
      lostTo: null,
      timer: null,
      running: null,
      stopped: false,
      warned: false,
      lost: new AbortController(),
    };
    beat = b;
    const tick = async (): Promise<void> => {
      const sent = Date.now();
      let wrote = false;
      try {
        await deps.run(
          sql`INSERT INTO ${lock} (holder, acquired_at, beat) SELECT ${holder}, now(), toUInt32(${++b.n})`,
        );
        wrote = true;
      } catch (err) {
        if (!b.warned) {
          b.warned = true;
          deps.logger.warn(
            { table: tableName, err: err instanceof Error ? err.message : String(err) },
            'ClickHouse lock heartbeat failed; retrying',
          );
        }
      }
      // The row may have landed in a table another process now owns, or in one moved aside and
      // dropped by a breaker (an Atomic database's RENAME does not wait for the INSERT): it renews
      // the lock only once the lock is read back as ours. Another owner: lost. Gone, without an
      // owner row, or unreadable: not renewed (judged by time in assertHeld()).
      try {
        const held = await current(lock);
        if (held !== null && held !== 'empty') {
          if (held.holder !== holder) b.lostTo = held.holder;
          else if (wrote) {
            b.renewedAt = sent;
            b.warned = false;
          }
        }
      } catch {
        // Judged by time in assertHeld().
      }
      const why = lostReason(b);
      if (why !== null) b.lost.abort(new StoreError(why));
    };
    const schedule = () => {
      if (b.stopped) return;
      b.timer = setTimeout(() => {
        b.running = tick().finally(() => {
          b.running = null;
          schedule();
        });
      }, heartbeatMs);
      b.timer.unref();
    };
    schedule();
  }

  function stopHeartbeat(): Promise<void> {
    const b = beat;
    beat = null;
    if (b === null) return Promise.resolve();
    b.stopped = true;
    if (b.timer !== null) clearTimeout(b.timer);
    return b.running ?? Promise.resolve();
  }

  /**
   * Breaks a stale lock owned by `stale`. Two breakers can race: each renames the lock to its own
   * name (only one RENAME finds it) and then checks what it took. Whoever took a lock that is no
   * longer stale (a new holder acquired in between, or the holder's heartbeat came through: slow,
   * not dead) puts it back.
   */
  async function breakStale(stale: string, age: number): Promise<void> {
    const aside = sql`${db}.${ident(`${tableName}_broken_${randomUUID().replace(/-/g, '').slice(0, 12)}`)}`;
    try {
      await deps.run(sql`RENAME TABLE ${lock} TO ${aside}`);
    } catch (err) {
      if (clickHouseErrorCode(err) === UNKNOWN_TABLE) return; // another process broke or released it
      throw err;
    }
    const taken = await current(aside);
    const live = taken !== null && taken !== 'empty' && (taken.holder !== stale || taken.age <= taken.boundS);
    if (live) {
      try {
        await deps.run(sql`RENAME TABLE ${aside} TO ${lock}`);
        return;
      } catch (err) {
        if (clickHouseErrorCode(err) !== TABLE_EXISTS) throw err;
        deps.logger.error(
          { table: tableName, holder: taken.holder },
          'ClickHouse lock: a live lock was moved aside while breaking a stale one; its holder is not excluded',
        );
      }
    } else {
      deps.logger.warn(
        {
          table: tableName,
          stale,
          secondsSinceHeartbeat: age,
          staleAfterSeconds: taken !== null && taken !== 'empty' ? taken.boundS : staleAfterS,
        },
        'ClickHouse lock: breaking a stale lock (its holder stopped renewing it)',
      );
    }
    await deps.run(sql`DROP TABLE IF EXISTS ${aside}`);
  }

  /** Why the lock held as `b` may no longer be this process's, or null. */
  function lostReason(b: NonNullable<typeof beat>): string | null {
    if (b.lostTo !== null) return `ClickHouse lock ${tableName} was taken over by ${b.lostTo}: stopped`;
    // A heartbeat sent at t lands at ≥ t on the server; past this, a waiter may have broken it.
    const since = Date.now() - b.renewedAt;
    if (since >= staleAfterMs - heartbeatMs)
      return `ClickHouse lock ${tableName}: no heartbeat went through for ${since} ms (stale after ${staleAfterMs} ms): stopped`;
    return null;
  }

  return {
    holder,
    async acquire(cancelled = () => false) {
      let pause = minPollMs;
      let logged = false;
      // An empty lock table is one being created (CREATE … AS SELECT fills it after creating it),
      // or one whose filling failed: it is judged by how long this process has seen it empty.
      let emptySince: number | null = null;
      for (;;) {
        if (await tryCreate()) {
          if (logged) deps.logger.info({ table: tableName, holder }, 'ClickHouse lock acquired');
          return true;
        }
        const held = await current(lock);
        if (held === 'empty') {
          emptySince ??= Date.now();
          if (Date.now() - emptySince > staleAfterS * 1000) await breakStale('', staleAfterS);
        } else if (held !== null) {
          emptySince = null;
          if (held.holder === holder) {
            // Ours, from an attempt cut short (server lost): renewed from now on.
            startHeartbeat(Date.now());
            return true;
          }
          if (!logged) {
            logged = true;
            deps.logger.info(
              {
                table: tableName,
                holder: held.holder,
                secondsSinceHeartbeat: held.age,
                staleAfterSeconds: held.boundS,
              },
              tableName === MIGRATION_LOCK_TABLE
                ? 'ClickHouse migrations: another process holds the migration lock; waiting'
                : 'ClickHouse lock held by another process; waiting',
            );
          }
          if (held.age > held.boundS) {
            await breakStale(held.holder, held.age);
            continue;
          }
        }
        if (cancelled()) return false;
        await sleep(pause);
        if (cancelled()) return false;
        pause = Math.min(maxPollMs, pause * 2);
      }
    },
    assertHeld() {
      const b = beat;
      if (b === null) throw new StoreError(`ClickHouse lock ${tableName} is not held`);
      const why = lostReason(b);
      if (why !== null) throw new StoreError(why);
    },
    signal() {
      return (
        beat?.lost.signal ?? AbortSignal.abort(new StoreError(`ClickHouse lock ${tableName} is not held`))
      );
    },
    async release() {
      await stopHeartbeat();
      const held = await current(lock);
      if (held !== null && held !== 'empty' && held.holder === holder) {
        await deps.run(sql`DROP TABLE IF EXISTS ${lock}`);
      }
    },
  };
}
