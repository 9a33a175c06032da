// Guards the migration lock on a real ClickHouse: stores migrating one database at once apply each version once and back-fill derived tables once (derived counts = raw counts), a lock whose heartbeat stopped (holder killed) is broken after its bound while a live slow holder keeps it, a waiter proceeds after release, a migration statement longer than the request timeout completes, and a fully migrated start takes no lock.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint, REPO_DIR } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import { createClickHouseStore, type ClickHouseStore } from './clickhouse.store.js';
import { createMigrationLock, MIGRATION_LOCK_TABLE } from './migration-lock.js';
import { MIGRATIONS, MINUTE_ROLLUP } from './migrations.js';
import { ident, sql, type SqlFragment } from './sql.js';

const ep = clickhouseEndpoint();
const logger = createLogger({ level: 'silent' });
const newDatabase = () => `paywatch_lock_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const databases: string[] = [];
const stores: ClickHouseStore[] = [];
let admin: ClickHouseClient;

beforeAll(async () => {
  await assertClickHouseUp(ep);
  // Quiet: the lock's expected 'already exists' answers would be logged at ERROR.
  admin = createClient({
    url: ep.url,
    username: ep.username,
    password: ep.password,
    log: { level: ClickHouseLogLevel.OFF },
  });
});

afterAll(async () => {
  for (const s of stores) await s.stop().catch(() => undefined);
  for (const d of databases) await admin.command({ query: sql`DROP DATABASE IF EXISTS ${ident(d)}`.text });
  await admin.close();
});

async function q<T>(s: SqlFragment): Promise<T[]> {
  return (await admin.query({ query: s.text, format: 'JSONEachRow' })).json<T>();
}
const exec = (s: SqlFragment) => admin.command({ query: s.text }).then(() => undefined);

function store(database: string, staleMs = 60_000): ClickHouseStore {
  const s = createClickHouseStore(
    {
      url: ep.url,
      username: ep.username,
      password: ep.password,
      database,
      migrationLockStaleMs: staleMs,
      migrationLockPollMs: { min: 20, max: 100 },
    },
    { logger },
  );
  stores.push(s);
  return s;
}

async function versionCounts(database: string): Promise<Map<number, number>> {
  const rs = await q<{ version: number; n: string }>(
    sql`SELECT version, count() AS n FROM ${ident(database)}.schema_migrations GROUP BY version`,
  );
  return new Map(rs.map((r) => [Number(r.version), Number(r.n)]));
}

const lockExists = async (database: string) =>
  Number(
    (
      await q<{ n: string }>(
        sql`SELECT count() AS n FROM system.tables WHERE database = ${database} AND name = ${MIGRATION_LOCK_TABLE}`,
      )
    )[0]?.n,
  ) > 0;

describe('ClickHouse migration lock', () => {
  it('two stores migrating at once apply each version once; re-run back-fills count raw rows once', async () => {
    const database = newDatabase();
    databases.push(database);
    // Fresh database, both at once.
    await Promise.all([store(database).start(), store(database).start()]);
    expect([...(await versionCounts(database)).entries()].sort((a, b) => a[0] - b[0])).toEqual(
      MIGRATIONS.map((m) => [m.version, 1]),
    );
    expect(await lockExists(database)).toBe(false);

    // Raw rows stored, then the back-filling versions 3 and 6 unrecorded (as before an upgrade).
    const events = generateEvents({
      seed: 7,
      payments: 1500,
      from: Date.UTC(2026, 1, 1),
      spanMs: 86_400_000,
    });
    await stores[0]!.write(events);
    const db = ident(database);
    await exec(sql`CREATE TABLE ${db}.keep AS ${db}.schema_migrations`);
    await exec(sql`INSERT INTO ${db}.keep SELECT * FROM ${db}.schema_migrations WHERE version NOT IN (3, 6)`);
    await exec(sql`DROP TABLE ${db}.schema_migrations`);
    await exec(sql`RENAME TABLE ${db}.keep TO ${db}.schema_migrations`);

    await Promise.all([0, 1, 2].map(() => store(database).start()));
    const counts = await versionCounts(database);
    expect(counts.get(3)).toBe(1);
    expect(counts.get(6)).toBe(1);
    const [raw] = await q<{ n: string }>(sql`SELECT count() AS n FROM ${db}.payment_events`);
    const [cube] = await q<{ n: string }>(sql`SELECT sum(n) AS n FROM ${db}.payment_cube_1h WHERE dim = '*'`);
    const [minute] = await q<{ n: string }>(
      sql`SELECT countMerge(events) AS n FROM ${db}.${ident(MINUTE_ROLLUP)}`,
    );
    expect(Number(raw?.n)).toBeGreaterThan(0);
    expect(Number(cube?.n)).toBe(Number(raw?.n));
    expect(Number(minute?.n)).toBe(Number(raw?.n));

    // Everything recorded: a start takes no lock (a lock left in place does not hold it up).
    await exec(
      sql`CREATE TABLE ${db}.${ident(MIGRATION_LOCK_TABLE)} ENGINE = TinyLog AS SELECT 'other' AS holder, now() AS acquired_at`,
    );
    await store(database).start();
    expect(await lockExists(database)).toBe(true);
    await exec(sql`DROP TABLE ${db}.${ident(MIGRATION_LOCK_TABLE)}`);
  }, 30_000);

  it('a waiting store proceeds once the holder releases; a stale lock is broken after its bound', async () => {
    const database = newDatabase();
    databases.push(database);
    await exec(sql`CREATE DATABASE ${ident(database)}`);
    const deps = {
      rows: (s: SqlFragment) => q<Record<string, unknown>>(s),
      run: exec,
      logger,
    };
    const holder = createMigrationLock(deps, { database, holder: 'first' });
    await holder.acquire();
    const waiter = store(database);
    let started = false;
    const starting = waiter.start().then(() => (started = true));
    await new Promise((r) => setTimeout(r, 400));
    expect(started).toBe(false);
    // stop() ends a wait on the lock: that start rejects at once, the lock stays the holder's.
    const stopped = store(database);
    const stoppedStart = stopped.start().then(
      () => null,
      (e: Error) => e,
    );
    await new Promise((r) => setTimeout(r, 150));
    const tStop = Date.now();
    await stopped.stop();
    expect((await stoppedStart)?.message).toMatch(/stopped while waiting/);
    expect(Date.now() - tStop).toBeLessThan(1_000);
    expect(started).toBe(false);
    await holder.release();
    await starting;
    expect((await versionCounts(database)).size).toBe(MIGRATIONS.length);
    expect(await lockExists(database)).toBe(false);

    // A holder that never releases and never renews (killed): two contenders with a 2 s bound
    // both get it, one at a time.
    await exec(
      sql`CREATE TABLE ${ident(database)}.${ident(MIGRATION_LOCK_TABLE)} ENGINE = Log AS SELECT 'dead' AS holder, now() AS acquired_at, toUInt32(0) AS beat`,
    );
    const t0 = Date.now();
    const order: string[] = [];
    await Promise.all(
      ['a', 'b'].map(async (name) => {
        const l = createMigrationLock(deps, {
          database,
          holder: name,
          staleAfterMs: 2_000,
          minPollMs: 20,
          maxPollMs: 100,
        });
        await l.acquire();
        order.push(`+${name}`);
        await new Promise((r) => setTimeout(r, 100));
        order.push(`-${name}`);
        await l.release();
      }),
    );
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(2_000);
    expect(waited).toBeLessThan(8_000);
    // Exclusive: each release comes before the other acquires.
    expect(order[0]?.[0]).toBe('+');
    expect(order[1]).toBe(`-${order[0]?.slice(1)}`);
    expect(await lockExists(database)).toBe(false);
  }, 20_000);

  it('a holder killed with SIGKILL is taken over within the heartbeat bound; a live holder slower than the bound is not', async () => {
    const staleMs = 1_000;
    const fresh = async () => {
      const database = newDatabase();
      databases.push(database);
      await exec(sql`CREATE DATABASE ${ident(database)}`);
      return database;
    };
    // Both cases at once (two databases), to keep the test short.
    const liveAndSlow = async () => {
      const database = await fresh();
      // Holds the lock three times the bound, renewing it every 200 ms.
      const slow = createMigrationLock(
        { rows: (s) => q(s), run: exec, logger },
        { database, holder: 'slow', staleAfterMs: staleMs, heartbeatMs: 200 },
      );
      await slow.acquire();
      let started = false;
      const starting = store(database, staleMs)
        .start()
        .then(() => (started = true));
      await new Promise((r) => setTimeout(r, 3 * staleMs));
      expect(started).toBe(false);
      expect(() => slow.assertHeld()).not.toThrow();
      const beats = await q<{ n: string }>(
        sql`SELECT count() AS n FROM ${ident(database)}.${ident(MIGRATION_LOCK_TABLE)} WHERE beat > 0`,
      );
      expect(Number(beats[0]?.n)).toBeGreaterThanOrEqual(5);
      await slow.release();
      await starting;
      expect((await versionCounts(database)).size).toBe(MIGRATIONS.length);
    };
    // Killed mid-migration: a process holding the lock (renewing it) gets SIGKILL.
    const killed = async () => {
      const database = await fresh();
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(REPO_DIR, 'collector/test/migration-lock-holder.child.ts'),
          ep.url,
          ep.username,
          ep.password,
          database,
          'killed',
          String(staleMs),
          '200',
        ],
        { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise((r) => child.on('exit', r));
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (l) => l === 'HELD' && resolve());
        child.on('exit', () => reject(new Error(`lock holder child exited before holding: ${stderr}`)));
      });
      // Its heartbeat runs: held past the bound, it is not broken.
      let started = false;
      const starting = store(database, staleMs)
        .start()
        .then(() => (started = true));
      await new Promise((r) => setTimeout(r, staleMs + 700));
      expect(started).toBe(false);
      child.kill('SIGKILL');
      await exited;
      const t0 = Date.now();
      await starting;
      // The bound from its last heartbeat (≤ 200 ms before the kill), the server's whole seconds, polls.
      expect(Date.now() - t0).toBeLessThan(staleMs + 2_500);
      expect((await versionCounts(database)).size).toBe(MIGRATIONS.length);
      expect(await lockExists(database)).toBe(false);
    };
    await Promise.all([liveAndSlow(), killed()]);
  }, 20_000);

  it('a migration statement longer than the request timeout completes (a back-fill over a big table): the start does not retry it for ever', async () => {
    // The store's requests time out after requestTimeoutMs (30 s in production) while a
    // back-fill over tens of millions of rows takes minutes: the old code failed the statement,
    // logged "ClickHouse does not answer" and sent it again on every retry, never starting.
    // Here the statement is slow because it waits: version 3's TRUNCATE of a cube table waits for
    // an INSERT into it still running (2.5 s) against a 1 s request timeout.
    const database = newDatabase();
    databases.push(database);
    const db = ident(database);
    const first = store(database);
    await first.start();
    await first.write(
      generateEvents({ seed: 11, payments: 200, from: Date.UTC(2026, 1, 1), spanMs: 3_600_000 }),
    );
    await exec(sql`CREATE TABLE ${db}.keep AS ${db}.schema_migrations`);
    await exec(sql`INSERT INTO ${db}.keep SELECT * FROM ${db}.schema_migrations WHERE version != 3`);
    await exec(sql`DROP TABLE ${db}.schema_migrations`);
    await exec(sql`RENAME TABLE ${db}.keep TO ${db}.schema_migrations`);
    const cube = sql`${db}.payment_cube_1h`;
    const slow = admin.command({
      query: sql`INSERT INTO ${cube} SELECT * FROM ${cube} WHERE sleep(0.1) = 0 LIMIT 25`.text,
      clickhouse_settings: { max_block_size: '1', max_threads: 1 },
    });
    const s = createClickHouseStore(
      {
        url: ep.url,
        username: ep.username,
        password: ep.password,
        database,
        requestTimeoutMs: 1_000,
        migrationLockPollMs: { min: 20, max: 100 },
      },
      { logger },
    );
    stores.push(s);
    // Started on the server before the store's TRUNCATE comes (not a fixed pause: a loaded box).
    let running = false;
    for (let i = 0; i < 100 && !running; i++) {
      const [p] = await q<{ n: string }>(
        sql`SELECT count() AS n FROM system.processes WHERE position(query, ${`INSERT INTO ${cube.text}`}) = 1`,
      );
      running = Number(p?.n) > 0;
      if (!running) await new Promise((r) => setTimeout(r, 20));
    }
    expect(running).toBe(true);
    const t0 = Date.now();
    await s.start();
    expect(Date.now() - t0).toBeGreaterThan(1_000);
    await slow;
    expect((await versionCounts(database)).get(3)).toBe(1);
    // The back-fill ran after the slow INSERT's rows were emptied: the cube counts raw rows once.
    const [raw] = await q<{ n: string }>(sql`SELECT count() AS n FROM ${db}.payment_events`);
    const [counted] = await q<{ n: string }>(sql`SELECT sum(n) AS n FROM ${cube} WHERE dim = '*'`);
    expect(Number(counted?.n)).toBe(Number(raw?.n));
  }, 20_000);

  it('a start proceeds at once past a lock whose heartbeat is older than the default bound (60 s); a lock of a collector from before heartbeats is judged from its acquisition (30 min)', async () => {
    const database = newDatabase();
    databases.push(database);
    await exec(sql`CREATE DATABASE ${ident(database)}`);
    const lockTable = sql`${ident(database)}.${ident(MIGRATION_LOCK_TABLE)}`;
    // Renewed 30 s after its creation 90 s ago, then nothing: its last heartbeat is 60 s old.
    await exec(
      sql`CREATE TABLE ${lockTable} ENGINE = Log AS SELECT 'gone' AS holder, now() - 90 AS acquired_at, toUInt32(0) AS beat`,
    );
    await exec(
      sql`INSERT INTO ${lockTable} (holder, acquired_at, beat) SELECT 'gone', now() - 61, toUInt32(1)`,
    );
    const defaults = () => {
      const s = createClickHouseStore(
        {
          url: ep.url,
          username: ep.username,
          password: ep.password,
          database,
          migrationLockPollMs: { min: 20, max: 100 },
        },
        { logger },
      );
      stores.push(s);
      return s;
    };
    const t0 = Date.now();
    await defaults().start();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await lockExists(database)).toBe(false);

    // The old format (no heartbeat column), acquired 10 min ago: still within its 30 min.
    const legacy = newDatabase();
    databases.push(legacy);
    await exec(sql`CREATE DATABASE ${ident(legacy)}`);
    const legacyLock = sql`${ident(legacy)}.${ident(MIGRATION_LOCK_TABLE)}`;
    await exec(
      sql`CREATE TABLE ${legacyLock} ENGINE = TinyLog AS SELECT 'old' AS holder, now() - 600 AS acquired_at`,
    );
    const l1 = createMigrationLock(
      { rows: (s) => q(s), run: exec, logger },
      { database: legacy, minPollMs: 20, maxPollMs: 50 },
    );
    const deadline = Date.now() + 600;
    expect(await l1.acquire(() => Date.now() > deadline)).toBe(false);
    // Acquired 31 min ago: broken.
    await exec(sql`DROP TABLE ${legacyLock}`);
    await exec(
      sql`CREATE TABLE ${legacyLock} ENGINE = TinyLog AS SELECT 'old' AS holder, now() - 1860 AS acquired_at`,
    );
    expect(await l1.acquire()).toBe(true);
    await l1.release();
    expect(await lockExists(legacy)).toBe(false);
  }, 20_000);
});
