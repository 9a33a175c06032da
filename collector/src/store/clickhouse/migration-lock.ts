import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../lib/logger.js';
import { ident, sql, type SqlFragment } from './sql.js';
import { clickHouseErrorCode } from './row-error.js';

/** Name of the lock table in the store's database (exists only while a process migrates). */
export const MIGRATION_LOCK_TABLE = 'migration_lock';

/** Default age after which a lock is taken as left by a killed holder and broken (30 min). */
export const DEFAULT_MIGRATION_LOCK_STALE_MS = 30 * 60_000;

/** What the lock needs from the store: a query and a statement against the same server. */
export interface MigrationLockDeps {
  rows<T = Record<string, unknown>>(statement: SqlFragment): Promise<T[]>;
  run(statement: SqlFragment): Promise<void>;
  logger: Logger;
}

/** Where the lock lives and how long a holder may keep it before others break it. */
export interface MigrationLockConfig {
  database: string;
  /** A lock older than this (server clock) is broken; longer than the longest migration. */
  staleAfterMs?: number;
  /** First and largest pause between attempts (default 100 ms and 2 s). */
  minPollMs?: number;
  maxPollMs?: number;
  /** Holder id written into the lock row (default host:pid:random). */
  holder?: string;
}

/**
 * Mutual exclusion between processes migrating one database on one ClickHouse server (works on
 * 18.16: no transactions or conditional writes there). Acquiring is one DDL without `IF NOT
 * EXISTS`: `CREATE TABLE … ENGINE = TinyLog AS SELECT holder, now()` either creates the table
 * with the holder's row or fails with code 57 ("already exists"). Releasing drops it.
 */
export interface MigrationLock {
  readonly holder: string;
  /**
   * Waits until this process holds the lock (polls with backoff, logs the holder once). Resolves
   * false, holding nothing, once `cancelled()` answers true (checked between attempts).
   */
  acquire(cancelled?: () => boolean): Promise<boolean>;
  /** Drops the lock if this process still holds it. */
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

export function createMigrationLock(deps: MigrationLockDeps, config: MigrationLockConfig): MigrationLock {
  const holder = config.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const staleAfterS = Math.max(1, Math.ceil((config.staleAfterMs ?? DEFAULT_MIGRATION_LOCK_STALE_MS) / 1000));
  const minPollMs = config.minPollMs ?? 100;
  const maxPollMs = config.maxPollMs ?? 2_000;
  const db = ident(config.database);
  const lock = sql`${db}.${ident(MIGRATION_LOCK_TABLE)}`;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function tryCreate(): Promise<boolean> {
    try {
      await deps.run(
        sql`CREATE TABLE ${lock} ENGINE = TinyLog AS SELECT ${holder} AS holder, now() AS acquired_at`,
      );
      return true;
    } catch (err) {
      if (clickHouseErrorCode(err) === TABLE_EXISTS) return false;
      throw err;
    }
  }

  /** The current holder and its age in seconds (server clock); null when the table is gone. */
  async function current(table: SqlFragment): Promise<{ holder: string; age: number } | 'empty' | null> {
    try {
      const [r] = await deps.rows<{ holder: string; age: unknown }>(
        sql`SELECT holder, toInt64(now()) - toInt64(acquired_at) AS age FROM ${table} LIMIT 1`,
      );
      return r ? { holder: r.holder, age: Number(r.age) } : 'empty';
    } catch (err) {
      if (clickHouseErrorCode(err) === UNKNOWN_TABLE) return null;
      if (isLockBeingCreated(err)) return 'empty';
      throw err;
    }
  }

  /**
   * Breaks a stale lock held by `stale`. Two breakers can race: each renames the lock to its own
   * name (only one RENAME finds it) and then checks what it took. Whoever took a lock that is no
   * longer the stale one (a new holder acquired in between) puts it back.
   */
  async function breakStale(stale: string, age: number): Promise<void> {
    const aside = sql`${db}.${ident(`${MIGRATION_LOCK_TABLE}_broken_${randomUUID().replace(/-/g, '').slice(0, 12)}`)}`;
    try {
      await deps.run(sql`RENAME TABLE ${lock} TO ${aside}`);
    } catch (err) {
      if (clickHouseErrorCode(err) === UNKNOWN_TABLE) return; // another process broke or released it
      throw err;
    }
    const taken = await current(aside);
    if (taken !== null && taken !== 'empty' && taken.holder !== stale) {
      try {
        await deps.run(sql`RENAME TABLE ${aside} TO ${lock}`);
        return;
      } catch (err) {
        if (clickHouseErrorCode(err) !== TABLE_EXISTS) throw err;
        deps.logger.error(
          { holder: taken.holder },
          'ClickHouse migration lock: a live lock was moved aside while breaking a stale one; its holder is not excluded',
        );
      }
    } else {
      deps.logger.warn(
        { stale, ageSeconds: age, staleAfterSeconds: staleAfterS },
        'ClickHouse migration lock: breaking a stale lock (its holder did not release it)',
      );
    }
    await deps.run(sql`DROP TABLE IF EXISTS ${aside}`);
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
          if (logged) deps.logger.info({ holder }, 'ClickHouse migration lock acquired');
          return true;
        }
        const held = await current(lock);
        if (held === 'empty') {
          emptySince ??= Date.now();
          if (Date.now() - emptySince > staleAfterS * 1000) await breakStale('', staleAfterS);
        } else if (held !== null) {
          emptySince = null;
          if (held.holder === holder) return true; // ours, from an attempt cut short (server lost)
          if (!logged) {
            logged = true;
            deps.logger.info(
              { holder: held.holder, ageSeconds: held.age, staleAfterSeconds: staleAfterS },
              'ClickHouse migrations: another process holds the migration lock; waiting',
            );
          }
          if (held.age > staleAfterS) {
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
    async release() {
      const held = await current(lock);
      if (held !== null && held !== 'empty' && held.holder === holder) {
        await deps.run(sql`DROP TABLE IF EXISTS ${lock}`);
      }
    },
  };
}
