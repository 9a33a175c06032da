import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

/** A bound SQL value. */
export type SqlValue = string | number | boolean | null;

/**
 * The local security database (`<data dir>/security.duckdb`): users, sessions, API keys, the
 * audit log and the list of erased customers. Kept apart from the event store on purpose: its own file, its own backups,
 * its own retention, readable even when the event store (possibly ClickHouse) is down.
 * Statements run one at a time on one connection (DuckDB connections are not concurrent).
 */
export interface SecurityDb {
  run(sql: string, params?: SqlValue[]): Promise<void>;
  all(sql: string, params?: SqlValue[]): Promise<Record<string, unknown>[]>;
  /** Runs `fn` inside one transaction (rolled back if it throws). */
  tx<T>(fn: (db: Pick<SecurityDb, 'run' | 'all'>) => Promise<T>): Promise<T>;
  /** Checkpoints and closes; idempotent. */
  close(): Promise<void>;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS users (
     id VARCHAR PRIMARY KEY, username VARCHAR NOT NULL UNIQUE, role VARCHAR NOT NULL,
     password_hash VARCHAR NOT NULL, disabled BOOLEAN NOT NULL, created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL, last_login_at BIGINT)`,
  `CREATE TABLE IF NOT EXISTS sessions (
     token_hash VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, csrf VARCHAR NOT NULL,
     created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS api_keys (
     id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, scopes VARCHAR NOT NULL, key_hash VARCHAR NOT NULL UNIQUE,
     prefix VARCHAR NOT NULL, created_by VARCHAR, created_at BIGINT NOT NULL, revoked_at BIGINT, last_used_at BIGINT)`,
  `CREATE TABLE IF NOT EXISTS audit_log (
     seq BIGINT PRIMARY KEY, ts BIGINT NOT NULL, action VARCHAR NOT NULL, outcome VARCHAR NOT NULL,
     actor VARCHAR, actor_kind VARCHAR NOT NULL, ip VARCHAR, target VARCHAR, details VARCHAR NOT NULL)`,
  // Users signed in through OIDC are found by issuer|subject (added after the first release of the table).
  `ALTER TABLE users ADD COLUMN IF NOT EXISTS sso_subject VARCHAR`,
  // Customers erased on request (keyed hashes only): restores skip their events.
  `CREATE TABLE IF NOT EXISTS erasures (customer_ref VARCHAR PRIMARY KEY, erased_at BIGINT NOT NULL)`,
];

/** Converts DuckDB BIGINTs to numbers (all ours are epoch ms or counters, far below 2^53). */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? Number(v) : v;
  return out;
}

export async function openSecurityDb(file: string): Promise<SecurityDb> {
  mkdirSync(dirname(file), { recursive: true });
  const instance = await DuckDBInstance.create(file);
  const conn: DuckDBConnection = await instance.connect();
  let chain: Promise<unknown> = Promise.resolve();
  let closed: Promise<void> | null = null;

  const raw = {
    async run(sql: string, params: SqlValue[] = []) {
      await conn.run(sql, params as DuckDBValue[]);
    },
    async all(sql: string, params: SqlValue[] = []) {
      const r = await conn.runAndReadAll(sql, params as DuckDBValue[]);
      return (r.getRowObjectsJS() as Record<string, unknown>[]).map(plain);
    },
  };
  /** Queues work behind everything already queued. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new Error('security database is closed'));
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  }

  for (const ddl of SCHEMA) await raw.run(ddl);

  return {
    run: (sql, params) => serial(() => raw.run(sql, params)),
    all: (sql, params) => serial(() => raw.all(sql, params)),
    tx: (fn) =>
      serial(async () => {
        await raw.run('BEGIN TRANSACTION');
        try {
          const r = await fn(raw);
          await raw.run('COMMIT');
          return r;
        } catch (err) {
          await raw.run('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    close() {
      closed ??= (async () => {
        await chain;
        await raw.run('CHECKPOINT').catch(() => undefined);
        conn.closeSync();
        instance.closeSync();
      })();
      return closed;
    },
  };
}
