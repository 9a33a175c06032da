// Guards the replicated ClickHouse topology on a real one-shard, two-replica cluster (ZooKeeper + two servers): ON CLUSTER migrations, reads through either replica, duplicates refused across replicas, retention, and the store contract.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseCluster, type ClickHouseCluster } from '../../../test/clickhouse-cluster.js';
import type { ClickHouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import {
  describeFeedContract,
  describeSignalsContract,
  describeStoreContract,
  generateEvents,
} from '../contract/index.js';
import { referencePending } from '../contract/signals-contract.js';
import type { RangeFilter } from '../types.js';
import {
  createClickHouseStore,
  type ClickHouseStore,
  type ClickHouseStoreConfig,
} from './clickhouse.store.js';
import { ident, sql } from './sql.js';

const logger = createLogger({ level: 'silent' });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// One cluster for the whole file, started by the first user (the contract suite's hooks may run
// before or after this file's own) and stopped once at the end, also when a test failed.
const baseDir = mkdtempSync(path.join(tmpdir(), 'paywatch-replicated-'));
let clusterStart: Promise<ClickHouseCluster> | null = null;
const cluster = () => (clusterStart ??= startClickHouseCluster(baseDir));
const clients: ClickHouseClient[] = [];
const stores: ClickHouseStore[] = [];

afterAll(async () => {
  for (const s of stores) await s.stop().catch(() => undefined);
  for (const c of clients) await c.close().catch(() => undefined);
  try {
    if (clusterStart) await (await clusterStart.catch(() => null))?.destroy();
  } finally {
    rmSync(baseDir, { recursive: true, force: true });
  }
}, 120_000);

function clientOf(ep: ClickHouseEndpoint): ClickHouseClient {
  const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
  clients.push(c);
  return c;
}

const newDatabase = () => `paywatch_repl_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** A store on replica `i` (0 or 1) with the replicated topology (unstarted). */
async function storeOn(
  i: 0 | 1,
  database: string,
  over: Partial<ClickHouseStoreConfig> = {},
): Promise<ClickHouseStore> {
  const c = await cluster();
  const ep = c.replicas[i];
  const s = createClickHouseStore(
    {
      url: ep.url,
      username: ep.username,
      password: ep.password,
      database,
      topology: { kind: 'replicated', cluster: c.name },
      ...over,
    },
    { logger },
  );
  stores.push(s);
  return s;
}

async function rowsOf<T>(c: ClickHouseClient, query: string): Promise<T[]> {
  return (await c.query({ query, format: 'JSONEachRow' })).json<T>();
}

/** Waits until replica `c` has fetched everything its replicated tables' queues hold. */
async function syncReplica(c: ClickHouseClient, database: string): Promise<void> {
  const tables = await rowsOf<{ name: string }>(
    c,
    sql`SELECT name FROM system.tables WHERE database = ${database} AND engine LIKE 'Replicated%'`.text,
  );
  expect(tables.length).toBeGreaterThan(0);
  for (const t of tables)
    await c.command({ query: sql`SYSTEM SYNC REPLICA ${ident(database)}.${ident(t.name)}`.text });
}

describe('ClickHouse replicated topology (one shard, two replicas)', { timeout: 120_000 }, () => {
  const database = newDatabase();
  const T0 = Date.UTC(2026, 2, 3);
  const SPAN = 3 * DAY;
  const events = generateEvents({ seed: 31, payments: 400, from: T0, spanMs: SPAN, idPrefix: 'rp_' });
  const full: RangeFilter = { from: T0 - DAY, to: T0 + SPAN + DAY, filters: {} };
  let r1: ClickHouseClient;
  let r2: ClickHouseClient;
  let s1: ClickHouseStore;
  let s2: ClickHouseStore;
  /** Raw-rows-only reads through replica 2: the reference the rollup answers must equal. */
  let raw2: ClickHouseStore;
  const cut = T0 + DAY + 7 * HOUR;

  beforeAll(async () => {
    const c = await cluster();
    r1 = clientOf(c.replicas[0]);
    r2 = clientOf(c.replicas[1]);
  }, 120_000);

  const tablesOn = async (c: ClickHouseClient) =>
    rowsOf<{ name: string; engine: string }>(
      c,
      sql`SELECT name, engine FROM system.tables WHERE database = ${database} ORDER BY name`.text,
    );

  it('migrations through replica 1 create every table on both replicas; a second run is harmless', async () => {
    s1 = await storeOn(0, database);
    await s1.start();
    const on1 = await tablesOn(r1);
    expect(on1.map((t) => t.name)).toContain('payment_events');
    // Every table is replicated; the views are views.
    for (const t of on1) expect(t.engine, t.name).toMatch(/^(Replicated\w*MergeTree|MaterializedView)$/);
    expect(await tablesOn(r2)).toEqual(on1);
    const versions = async (c: ClickHouseClient) =>
      (
        await rowsOf<{ version: number }>(
          c,
          sql`SELECT DISTINCT version FROM ${ident(database)}.schema_migrations ORDER BY version`.text,
        )
      ).map((r) => Number(r.version));
    const applied = await versions(r1);
    expect(applied.length).toBeGreaterThan(5);
    await syncReplica(r2, database);
    expect(await versions(r2)).toEqual(applied);
    // A second collector starting against the other replica: nothing changes.
    s2 = await storeOn(1, database);
    await s2.start();
    expect(await tablesOn(r1)).toEqual(on1);
    expect(await tablesOn(r2)).toEqual(on1);
    expect(await versions(r2)).toEqual(applied);
  });

  it('events written through replica 1 read the same through replica 2: rollups, breakdowns, series, failures, search, pending', async () => {
    // Several writes, so replica 2 fetches several parts per table.
    for (let i = 0; i < events.length; i += 250) {
      const r = await s1.write(events.slice(i, i + 250));
      expect(r.duplicates).toEqual([]);
    }
    await syncReplica(r2, database);
    const one = await s1.overview(full);
    expect(one.events).toBe(events.length);
    expect(await s2.overview(full)).toEqual(one);
    const filtered: RangeFilter = { ...full, filters: { provider: ['stripe', 'adyen'], status: ['failed'] } };
    expect(await s2.overview(filtered)).toEqual(await s1.overview(filtered));
    for (const dimension of ['provider', 'country', 'failure_category', 'merchant_id'] as const) {
      const q = { ...full, dimension, limit: 50 };
      expect(await s2.breakdown(q), dimension).toEqual(await s1.breakdown(q));
    }
    for (const q of [
      { ...full, bucketMs: HOUR, groupBy: null },
      { ...full, bucketMs: DAY, groupBy: 'provider' as const },
      { from: T0, to: T0 + 2 * HOUR, filters: {}, bucketMs: 60_000, groupBy: 'status' as const },
    ]) {
      const series = await s1.timeseries(q);
      expect(series.length).toBeGreaterThan(0);
      expect(await s2.timeseries(q)).toEqual(series);
    }
    expect(await s2.failures(full)).toEqual(await s1.failures(full));
    // Transaction search: every page the same, and together every event once.
    const pages = async (s: ClickHouseStore, q: RangeFilter) => {
      const out: PaymentEvent[][] = [];
      let cursor: string | null = null;
      do {
        const p = await s.transactions({ ...q, limit: 300, cursor });
        out.push(p.items);
        cursor = p.next_cursor;
      } while (cursor !== null);
      return out;
    };
    const onOne = await pages(s1, full);
    expect(onOne.flat().length).toBe(events.length);
    expect(await pages(s2, full)).toEqual(onOne);
    const pid = events[17]!.payment_id;
    expect(await s2.transactions({ ...full, filters: { payment_id: pid }, limit: 50, cursor: null })).toEqual(
      await s1.transactions({ ...full, filters: { payment_id: pid }, limit: 50, cursor: null }),
    );
    expect(await s2.paymentTimeline(pid)).toEqual(await s1.paymentTimeline(pid));
    // Pending longer than N: the reference, through either replica.
    const before = T0 + SPAN;
    const ref = referencePending(events, before, T0 - DAY);
    expect(ref.length).toBeGreaterThan(0);
    const q = { since: T0 - DAY, before, limit: 10_000 };
    const p1 = await s1.pending.pendingPayments(q);
    expect(p1).toEqual({ total: ref.length, items: ref });
    expect(await s2.pending.pendingPayments(q)).toEqual(p1);
  });

  it('replica 2 sees later writes through replica 1 (its caches follow replicated parts)', async () => {
    const q = { since: T0 - DAY, before: T0 + SPAN + DAY, limit: 10_000 };
    const earlier = await s2.pending.pendingPayments(q);
    // New payments left pending on the last day, and later events closing some open ones.
    const late = generateEvents({
      seed: 32,
      payments: 60,
      from: T0 + SPAN - HOUR,
      spanMs: HOUR,
      idPrefix: 'rq_',
    });
    const open = earlier.items.slice(0, 5);
    const closing: PaymentEvent[] = open.map((p, k) => ({
      ...events.find((e) => e.payment_id === p.payment_id)!,
      event_id: `rq_close_${k}`,
      status: 'succeeded',
      failure: null,
      ts: p.ts + 1000,
    }));
    expect((await s1.write([...late, ...closing])).duplicates).toEqual([]);
    await syncReplica(r2, database);
    const now1 = await s1.pending.pendingPayments(q);
    expect(now1).toEqual({
      total: referencePending([...events, ...late, ...closing], q.before, q.since).length,
      items: expect.any(Array) as unknown,
    });
    expect(now1).not.toEqual(earlier);
    expect(await s2.pending.pendingPayments(q)).toEqual(now1);
    expect((await s2.overview(full)).events).toBe(events.length + late.length + closing.length);
  });

  it('a batch re-sent through replica 2 is refused as duplicates; only its new events are stored', async () => {
    const before = (await s1.overview(full)).events;
    const again = events.slice(100, 160);
    const fresh = generateEvents({ seed: 33, payments: 10, from: T0 + HOUR, spanMs: HOUR, idPrefix: 'rn_' });
    const r = await s2.write([...again, ...fresh]);
    expect(r.duplicates).toEqual(again.map((e) => e.event_id));
    expect(r.inserted.map((e) => e.event_id)).toEqual(fresh.map((e) => e.event_id));
    await syncReplica(r1, database);
    expect((await s1.overview(full)).events).toBe(before + fresh.length);
    expect((await s2.overview(full)).events).toBe(before + fresh.length);
    // And back through replica 1: the events replica 2 stored are refused there too.
    expect((await s1.write(fresh)).duplicates).toEqual(fresh.map((e) => e.event_id));
  });

  it('retention through replica 1 (run twice) leaves both replicas with the raw answers', async () => {
    raw2 = await storeOn(1, database, { readMode: 'raw' });
    await raw2.start();
    await s1.deleteBefore(cut);
    // A retention job runs again with the cut-off in the same day: the cut-off day is rebuilt
    // from the same raw rows a second time.
    await s1.deleteBefore(cut);
    await syncReplica(r2, database);
    const left = await raw2.overview(full);
    expect(left.events).toBeGreaterThan(0);
    expect(left.events).toBeLessThan(events.length);
    for (const q of [
      full,
      { ...full, from: cut, to: cut + DAY },
      { ...full, from: T0 + DAY, to: T0 + 2 * DAY },
    ]) {
      expect(await s2.overview(q), JSON.stringify(q)).toEqual(await raw2.overview(q));
      expect(await s1.overview(q), JSON.stringify(q)).toEqual(await raw2.overview(q));
      const b = { ...q, dimension: 'provider' as const, limit: 20 };
      expect(await s2.breakdown(b)).toEqual(await raw2.breakdown(b));
    }
  });

  it('an erasure repeated after the same events came back rebuilds the rollups both times', async () => {
    const ref = events.find((e) => e.customer_ref !== null && e.ts >= cut)!.customer_ref!;
    const mine = events.filter((e) => e.customer_ref === ref);
    const days = [...new Set(mine.map((e) => Math.floor(e.ts / DAY) * DAY))];
    const check = async () => {
      await syncReplica(r2, database);
      for (const from of days) {
        const q: RangeFilter = { from, to: from + DAY, filters: {} };
        const want = await raw2.overview(q);
        expect(await s1.overview(q)).toEqual(want);
        expect(await s2.overview(q)).toEqual(want);
        const t = { ...q, bucketMs: HOUR, groupBy: 'provider' as const };
        expect(await s2.timeseries(t)).toEqual(await raw2.timeseries(t));
      }
    };
    expect(await s1.deleteCustomer(ref)).toBe(mine.length);
    await check();
    // The customer's events come back (a replay of an old export) and are erased again: each
    // touched day's rollups are rebuilt from the same raw rows as the first time.
    expect((await s1.write(mine)).inserted.length).toBe(mine.length);
    expect(await s1.deleteCustomer(ref)).toBe(mine.length);
    await check();
  });

  it('a batch stored, erased and sent again is stored again (not taken for a repeated INSERT block)', async () => {
    const from = T0 + 2 * DAY + 5 * HOUR;
    const batch = generateEvents({ seed: 34, payments: 5, from, spanMs: HOUR, idPrefix: 'rz_' }).map(
      (e): PaymentEvent => ({ ...e, customer_ref: 'h_replayed' }),
    );
    const q: RangeFilter = { from, to: from + HOUR, filters: {} };
    const base = (await s1.overview(q)).events;
    expect((await s1.write(batch)).inserted).toHaveLength(batch.length);
    expect(await s1.deleteCustomer('h_replayed')).toBe(batch.length);
    // The same events in the same batch: the same INSERT body as the first time.
    expect((await s1.write(batch)).inserted).toHaveLength(batch.length);
    await syncReplica(r2, database);
    expect((await raw2.overview(q)).events).toBe(base + batch.length);
    expect((await s1.overview(q)).events).toBe(base + batch.length);
    const pid = batch[0]!.payment_id;
    expect(await s2.paymentTimeline(pid)).toHaveLength(batch.filter((e) => e.payment_id === pid).length);
  });

  it('the back-filling migrations run again over stored rows (versions forgotten) stay exact on both replicas', async () => {
    const q = { since: T0 - DAY, before: T0 + SPAN + DAY, limit: 10_000 };
    const pending = await s1.pending.pendingPayments(q);
    expect(pending.total).toBeGreaterThan(0);
    await r1.command({
      query: sql`ALTER TABLE ${ident(database)}.schema_migrations DELETE WHERE version IN (3, 5, 6, 7)`.text,
    });
    for (let i = 0; ; i++) {
      const [m] = await rowsOf<{ n: string }>(
        r1,
        sql`SELECT count() AS n FROM system.mutations WHERE database = ${database} AND is_done = 0`.text,
      );
      if (Number(m?.n) === 0) break;
      expect(i, 'schema_migrations mutation still running').toBeLessThan(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    // TRUNCATE … ON CLUSTER then INSERT … SELECT of every stored row (versions 3 and 6), maxima
    // and key pairs inserted again (5 and 7).
    const again = await storeOn(0, database);
    await again.start();
    await syncReplica(r2, database);
    for (const s of [again, s2]) {
      expect(await s.overview(full)).toEqual(await raw2.overview(full));
      const b = { ...full, dimension: 'country' as const, limit: 20 };
      expect(await s.breakdown(b)).toEqual(await raw2.breakdown(b));
      const t = { ...full, bucketMs: HOUR, groupBy: 'status' as const };
      expect(await s.timeseries(t)).toEqual(await raw2.timeseries(t));
      expect(await s.failures(full)).toEqual(await raw2.failures(full));
      expect(await s.pending.pendingPayments(q)).toEqual(pending);
    }
  });

  it('with replica 2 down, a collector starts on replica 1 and stores; replica 2 catches up when back', async () => {
    const c = await cluster();
    await c.stopReplica(1);
    try {
      // Every migration is recorded: a start needs no ON CLUSTER statement, which would wait for
      // the stopped replica (the request timeout, 30 s, then fail the start).
      const t0 = Date.now();
      const s3 = await storeOn(0, database);
      await s3.start();
      expect(Date.now() - t0).toBeLessThan(10_000);
      const from = T0 + 2 * DAY + 9 * HOUR;
      const more = generateEvents({ seed: 35, payments: 8, from, spanMs: HOUR, idPrefix: 'rd_' });
      const q: RangeFilter = { from, to: from + HOUR, filters: {} };
      const base = (await s3.overview(q)).events;
      expect((await s3.write(more)).inserted).toHaveLength(more.length);
      expect((await s3.overview(q)).events).toBe(base + more.length);
      // A first start (a new database) does need ON CLUSTER statements: it fails within the
      // request timeout, saying why, rather than hanging.
      const fresh = await storeOn(0, newDatabase(), { requestTimeoutMs: 8000 });
      const t1 = Date.now();
      await expect(fresh.start()).rejects.toThrow(/distributed_ddl_task_timeout.*unfinished hosts/s);
      expect(Date.now() - t1).toBeLessThan(8000);
    } finally {
      await c.startReplica(1);
    }
    await syncReplica(r2, database);
    const q: RangeFilter = { from: T0 + 2 * DAY + 9 * HOUR, to: T0 + 2 * DAY + 10 * HOUR, filters: {} };
    expect(await s2.overview(q)).toEqual(await s1.overview(q));
    expect(await s2.overview(full)).toEqual(await s1.overview(full));
  });
});

/** Drops a database from every replica (a replicated table's drop also removes its ZooKeeper nodes). */
async function dropEverywhere(database: string): Promise<void> {
  const c = await cluster();
  await clientOf(c.replicas[0]).command({
    query: sql`DROP DATABASE IF EXISTS ${ident(database)} ON CLUSTER ${ident(c.name)}`.text,
  });
}

describeStoreContract('clickhouse, replicated (one shard, two replicas)', async () => {
  const database = newDatabase();
  const make = () => storeOn(0, database);
  return { store: await make(), reopen: make, cleanup: () => dropEverywhere(database) };
});

describeSignalsContract('clickhouse, replicated (one shard, two replicas)', async () => {
  const database = newDatabase();
  const store = await storeOn(0, database);
  await store.start();
  return {
    signals: store.signals,
    pending: { reader: store.pending, write: (events) => store.write(events) },
    cleanup: async () => {
      await store.stop();
      await dropEverywhere(database);
    },
  };
});

describeFeedContract('clickhouse, replicated (one shard, two replicas)', async () => {
  const database = newDatabase();
  return { store: await storeOn(0, database), cleanup: () => dropEverywhere(database) };
});
