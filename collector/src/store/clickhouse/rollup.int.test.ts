// Guards the rollups (hourly one-dimension cube, per-minute rollup with latency buckets and failure codes) and the payment key index: aggregate reads answered from them equal the raw-table answers exactly — latency quantiles and failure codes included — after live inserts, after the migrations' back-fill and after an erasure; and reads pick them only when exact.
import { randomUUID } from 'node:crypto';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Dimension } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import type { RangeFilter } from '../types.js';
import { createClickHouseStore, type ClickHouseStore } from './clickhouse.store.js';
import { CUBE_DIMENSIONS, CUBE_TABLE_NAMES } from './cube.js';
import { MINUTE_ROLLUP, ROLLUP_DIMENSIONS } from './migrations.js';
import { ident, sql } from './sql.js';

const ep = clickhouseEndpoint();
const logger = createLogger({ level: 'silent' });
const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const DAY = 86_400_000;
const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 1, 1);
const cfg = { url: ep.url, username: ep.username, password: ep.password, database };
let auto: ClickHouseStore;
let rawOnly: ClickHouseStore;
let admin: ClickHouseClient;
const events = generateEvents({
  seed: 99,
  payments: 6000,
  from: T0,
  spanMs: 3 * DAY,
  tsGranularityMs: 7_000,
});
/** Three days across New York's spring-forward (2026-03-08), for zoned day buckets. */
const DST0 = Date.UTC(2026, 2, 6, 12);
const dstEvents = generateEvents({ seed: 98, payments: 600, from: DST0, spanMs: 3 * DAY, idPrefix: 'dst_' });

async function count(table: string): Promise<number> {
  const rs = await admin.query({
    query: sql`SELECT count() AS n FROM ${ident(database)}.${ident(table)}`.text,
    format: 'JSONEachRow',
  });
  return Number(((await rs.json<{ n: string }>())[0] as { n: string }).n);
}

beforeAll(async () => {
  await assertClickHouseUp(ep);
  admin = createClient({ url: ep.url, username: ep.username, password: ep.password });
  // The rollup whatever its size, so every rollup path is compared (the size check is tested below).
  auto = createClickHouseStore({ ...cfg, readMode: 'auto', rollupMaxRowShare: Infinity }, { logger });
  rawOnly = createClickHouseStore({ ...cfg, readMode: 'raw' }, { logger });
  await auto.start();
  await rawOnly.start();
  // Three days of events in several inserts (several parts per partition, merged or not).
  for (let i = 0; i < events.length; i += 2500) await auto.write(events.slice(i, i + 2500));
  await auto.write(dstEvents);
}, 120_000);

afterAll(async () => {
  await auto?.stop();
  await rawOnly?.stop();
  await admin?.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  await admin?.close();
});

/** Ranges with hour-aligned, minute-aligned and unaligned ends, and filters the cube can and cannot answer. */
const ranges: RangeFilter[] = [
  { from: T0, to: T0 + 3 * DAY, filters: {} },
  { from: T0 + 17 * M, to: T0 + 2 * DAY + 43 * M, filters: {} },
  { from: T0 + 3 * H + 1234, to: T0 + DAY + 17 * M + 5, filters: { provider: ['stripe', 'adyen'] } },
  {
    from: T0 + 5 * M,
    to: T0 + 2 * DAY,
    filters: { status: ['failed'], failure_category: ['timeout', 'do_not_honor'] },
  },
  {
    from: T0,
    to: T0 + 3 * DAY - 11 * M,
    filters: { currency: ['USD', 'JPY'], status: ['succeeded', 'failed'] },
  },
  { from: T0 + 30 * M, to: T0 + 3 * DAY, filters: { merchant_id: ['m_alpha'] } },
  // Several dimensions: the per-minute rollup answers counts, latencies and failures.
  { from: T0, to: T0 + 3 * DAY, filters: { country: ['JP', 'CN'], channel: ['web'], card_brand: ['visa'] } },
  {
    from: T0,
    to: T0 + 3 * DAY,
    filters: { merchant_id: ['m_alpha'], currency: ['USD', 'JPY'], method: ['card'] },
  },
];

/** Compares every aggregate read of both stores over `rs`; returns how many reads were compared. */
async function compareAll(rs: RangeFilter[]): Promise<number> {
  let n = 0;
  for (const q of rs) {
    const label = JSON.stringify(q);
    const [a, r] = await Promise.all([auto.overview(q), rawOnly.overview(q)]);
    expect(r.events, label).toBeGreaterThan(0);
    expect(r.latency_ms.p95, label).not.toBeNull();
    expect(a, label).toEqual(r);
    const [fa, fr] = await Promise.all([auto.failures(q), rawOnly.failures(q)]);
    expect(fa, label).toEqual(fr);
    n += 2;
    for (const dimension of [...CUBE_DIMENSIONS, 'status', 'card_bin'] as Dimension[]) {
      const bq = { ...q, dimension, limit: 10 };
      const [ba, br] = await Promise.all([auto.breakdown(bq), rawOnly.breakdown(bq)]);
      expect(ba, JSON.stringify(bq)).toEqual(br);
      n++;
    }
  }
  return n;
}

describe('rollup answers equal raw answers', () => {
  it('overview, failures and breakdown by every dimension, over aligned and unaligned ranges', async () => {
    expect(await compareAll(ranges)).toBeGreaterThan(80);
  }, 120_000);

  it('a top-N breakdown equals the head of the full breakdown', async () => {
    let pruned = 0;
    for (const q of [ranges[0], ranges[1], ranges[6]] as RangeFilter[]) {
      for (const dimension of [...CUBE_DIMENSIONS, 'status', 'card_bin'] as Dimension[]) {
        for (const store of [auto, rawOnly]) {
          const all = await store.breakdown({ ...q, dimension, limit: 1000 });
          const head = await store.breakdown({ ...q, dimension, limit: 2 });
          expect(head, JSON.stringify({ q, dimension })).toEqual(all.slice(0, 2));
          if (all.length > 2 && all.slice(0, 2).every((b) => b.key !== null)) pruned++;
        }
      }
    }
    expect(pruned).toBeGreaterThan(10);
  }, 120_000);

  it('time series by every rollup dimension and bucket size', async () => {
    const buckets = [M, 15 * M, H, 6 * H, DAY];
    for (const q of ranges.slice(0, 5)) {
      for (const bucketMs of buckets) {
        for (const groupBy of [null, ...ROLLUP_DIMENSIONS] as (Dimension | null)[]) {
          const tq = { ...q, bucketMs, groupBy };
          const [a, r] = await Promise.all([auto.timeseries(tq), rawOnly.timeseries(tq)]);
          expect(r.length, JSON.stringify(tq)).toBeGreaterThan(0);
          expect(a, JSON.stringify(tq)).toEqual(r);
        }
      }
    }
  }, 240_000);

  it('time series in a time zone (6 h, day, week): DST-crossing, whole-hour and +05:30 / +05:45 zones', async () => {
    const dst: RangeFilter = { from: DST0, to: DST0 + 3 * DAY, filters: {} };
    const dstEdges: RangeFilter = { from: DST0 + 17 * M, to: DST0 + 3 * DAY - 5 * M, filters: {} };
    // Cube + rollup edges, rollup only (several dimensions), hour-aligned and unaligned ends.
    const multi = { ...dst, filters: (ranges[6] as RangeFilter).filters };
    const shapes: [number, Dimension | null][] = [
      [6 * H, 'provider'],
      [DAY, null],
      [DAY, 'currency'],
      [7 * DAY, null],
    ];
    for (const q of [dst, dstEdges, multi]) {
      for (const tz of ['America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu']) {
        for (const [bucketMs, groupBy] of shapes) {
          const tq = { ...q, bucketMs, groupBy, tz };
          const [a, r] = await Promise.all([auto.timeseries(tq), rawOnly.timeseries(tq)]);
          expect(r.length, JSON.stringify(tq)).toBeGreaterThan(0);
          expect(a, JSON.stringify(tq)).toEqual(r);
        }
      }
    }
    // Whole-hour zones keep the hourly cube; +05:30 / +05:45 days begin inside its hours.
    const day = (tz: string) => ({ bucketMs: DAY, dimension: 'provider' as const, tz });
    expect(auto.sourceFor(dst, day('America/New_York'))).toBe('cube');
    // UTC weeks (from Monday) too.
    const week = { ...dst, bucketMs: 7 * DAY, groupBy: 'provider' as const };
    expect(await auto.timeseries(week)).toEqual(await rawOnly.timeseries(week));
    expect(auto.sourceFor(dst, day('Asia/Kolkata'))).toBe('rollup');
    expect(auto.sourceFor(dst, day('Asia/Kathmandu'))).toBe('rollup');
  }, 120_000);

  it('reads use the cube where it is exact, so a 30-day read never scans raw rows when hour-aligned', () => {
    const [all, edges, twoDims] = [ranges[0], ranges[1], ranges[6]] as [
      RangeFilter,
      RangeFilter,
      RangeFilter,
    ];
    expect(auto.sourceFor(all)).toBe('cube');
    expect(auto.sourceFor(edges, { bucketMs: H, dimension: 'provider' })).toBe('cube');
    expect(auto.sourceFor(all, { bucketMs: 15 * M })).toBe('rollup');
    expect(auto.sourceFor(twoDims)).toBe('rollup');
    expect(rawOnly.sourceFor(all)).toBe('raw');
  });

  it('a long multi-dimension read takes raw rows when the per-minute rollup is nearly as large', async () => {
    const multi = ranges[6] as RangeFilter;
    const share = (await count(MINUTE_ROLLUP)) / (await count('payment_events'));
    const plan = (s: ClickHouseStore) => s.readPlan(multi);
    expect((await plan(auto)).restSource).toBe('rollup');
    const strict = createClickHouseStore({ ...cfg, rollupMaxRowShare: share / 2 }, { logger });
    const lax = createClickHouseStore({ ...cfg, rollupMaxRowShare: share * 2 }, { logger });
    await strict.start();
    await lax.start();
    try {
      expect((await plan(strict)).restSource).toBe('raw');
      expect((await plan(lax)).restSource).toBe('rollup');
      // The hourly cube still answers one-dimension reads, and short reads skip the check.
      expect((await strict.readPlan(ranges[0] as RangeFilter)).cube).not.toBeNull();
      const short = { ...multi, to: multi.from + 2 * H };
      expect((await strict.readPlan(short)).restSource).toBe('rollup');
      expect(await strict.overview(multi)).toEqual(await rawOnly.overview(multi));
      expect(await strict.failures(multi)).toEqual(await rawOnly.failures(multi));
    } finally {
      await strict.stop();
      await lax.stop();
    }
  });

  it('a whole-range read touches far fewer cube rows than raw rows', async () => {
    const raw = await count('payment_events');
    expect(await count('payment_latency_1h')).toBeGreaterThan(0);
    expect(await count('payment_failures_1h')).toBeGreaterThan(0);
    // What an unfiltered overview reads: the '*' slice, (hour, status, currency) rows.
    const rs = await admin.query({
      query: sql`SELECT count() AS n FROM ${ident(database)}.payment_cube_1h WHERE dim = '*'`.text,
      format: 'JSONEachRow',
    });
    const all = Number(((await rs.json<{ n: string }>())[0] as { n: string }).n);
    expect(all).toBeGreaterThan(0);
    expect(all).toBeLessThan(raw / 5);
  });

  it('the migration back-fills the cube from raw rows stored before it (and a re-run is exact)', async () => {
    for (const t of [...CUBE_TABLE_NAMES, 'payment_keys', MINUTE_ROLLUP]) {
      await admin.command({ query: sql`TRUNCATE TABLE ${ident(database)}.${ident(t)}`.text });
    }
    await admin.command({
      query: sql`ALTER TABLE ${ident(database)}.schema_migrations DELETE WHERE version IN (3, 5, 6)`.text,
    });
    const payment = events[events.length - 1]?.payment_id as string;
    for (;;) {
      const rs = await admin.query({
        query: sql`SELECT count() AS n FROM system.mutations WHERE database = ${database} AND is_done = 0`
          .text,
        format: 'JSONEachRow',
      });
      if (Number(((await rs.json<{ n: string }>())[0] as { n: string }).n) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await count('payment_cube_1h')).toBe(0);
    expect(await count(MINUTE_ROLLUP)).toBe(0);
    // A database from before migration 6 still has the old per-minute rollup and its view.
    await admin.command({
      query: sql`CREATE TABLE ${ident(database)}.payment_rollup_1m (day Date, minute Int64, n UInt64)
ENGINE = SummingMergeTree PARTITION BY day ORDER BY minute`.text,
    });
    await admin.command({
      query:
        sql`CREATE MATERIALIZED VIEW ${ident(database)}.payment_rollup_1m_mv TO ${ident(database)}.payment_rollup_1m
AS SELECT day, intDiv(ts, 60000) * 60000 AS minute, count() AS n FROM ${ident(database)}.payment_events GROUP BY day, minute`
          .text,
    });
    const tables = async () => {
      const rs = await admin.query({
        query: sql`SELECT name FROM system.tables WHERE database = ${database} ORDER BY name`.text,
        format: 'JSONEachRow',
      });
      return (await rs.json<{ name: string }>()).map((r) => r.name);
    };
    expect(await tables()).toContain('payment_rollup_1m_mv');
    const again = createClickHouseStore({ ...cfg, readMode: 'auto' }, { logger });
    await again.start();
    await again.stop();
    expect(await count('payment_cube_1h')).toBeGreaterThan(0);
    expect(await count(MINUTE_ROLLUP)).toBeGreaterThan(0);
    // Migration 6 dropped the old rollup (view first), and a write still works without it.
    expect(await tables()).not.toContain('payment_rollup_1m_mv');
    expect(await tables()).not.toContain('payment_rollup_1m');
    // Ranges with partial hours (per-minute rollup) and a multi-dimension one (rollup only).
    await compareAll([...ranges.slice(0, 3), ...ranges.slice(6)]);
    // The payment key index (migration 5) was back-filled too: one (payment, day) per raw pair.
    const pairs = async (t: string) => {
      const rs = await admin.query({
        query:
          sql`SELECT count() AS n FROM (SELECT DISTINCT payment_id, day FROM ${ident(database)}.${ident(t)})`
            .text,
        format: 'JSONEachRow',
      });
      return Number(((await rs.json<{ n: string }>())[0] as { n: string }).n);
    };
    expect(await pairs('payment_keys')).toBeGreaterThan(0);
    expect(await pairs('payment_keys')).toBe(await pairs('payment_events'));
    const expected = events.filter((e) => e.payment_id === payment).map((e) => e.event_id);
    expect(expected.length).toBeGreaterThan(0);
    expect((await auto.paymentTimeline(payment)).map((e) => e.event_id).sort()).toEqual(expected.sort());
  }, 120_000);

  it('an erasure rebuilds the cube of the touched days', async () => {
    const ref = events.find((e) => e.customer_ref !== null && e.status === 'failed')?.customer_ref;
    expect(ref).toBeTruthy();
    expect(await auto.deleteCustomer(ref as string)).toBeGreaterThan(0);
    await compareAll(ranges.slice(0, 2));
  }, 120_000);
});
