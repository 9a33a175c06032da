// Guards ClickHouse retention: old days go by dropping partitions (raw, key index, rollup), the cut-off day is trimmed exactly, and the rollup still equals raw.
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import { createClickHouseStore, type ClickHouseStore } from './clickhouse.store.js';
import { DAY_PARTITIONED_TABLES } from './migrations.js';
import { ident, sql } from './sql.js';

const ep = clickhouseEndpoint();
const logger = createLogger({ level: 'silent' });
const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);
const events = generateEvents({
  seed: 5,
  payments: 3000,
  from: T0,
  spanMs: 5 * DAY,
  tsGranularityMs: 60_000,
});
const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
let store: ClickHouseStore;
let rawStore: ClickHouseStore;

async function partitions(table: string): Promise<string[]> {
  const rs = await client.query({
    query:
      sql`SELECT DISTINCT partition_id AS p FROM system.parts WHERE database = ${database} AND table = ${table} AND active ORDER BY p`
        .text,
    format: 'JSONEachRow',
  });
  return (await rs.json<{ p: string }>()).map((r) => r.p);
}

beforeAll(async () => {
  await assertClickHouseUp(ep);
  const cfg = { url: ep.url, username: ep.username, password: ep.password, database };
  store = createClickHouseStore(cfg, { logger });
  rawStore = createClickHouseStore({ ...cfg, readMode: 'raw' }, { logger });
  await store.start();
  await rawStore.start();
  await store.write(events);
});

afterAll(async () => {
  await store?.stop();
  await rawStore?.stop();
  await client.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  await client.close();
});

describe('ClickHouse retention', () => {
  it('deleteBefore drops whole old days and trims the cut-off day exactly', async () => {
    expect(await partitions('payment_events')).toEqual([
      '20260301',
      '20260302',
      '20260303',
      '20260304',
      '20260305',
    ]);
    const cut = T0 + 2 * DAY + 6 * 3_600_000 + 30_000;
    const older = events.filter((e) => e.ts < cut);
    expect(await store.deleteBefore(cut)).toBe(older.length);
    for (const t of DAY_PARTITIONED_TABLES) {
      expect(await partitions(t), t).toEqual(['20260303', '20260304', '20260305']);
    }
    const all = { from: T0, to: T0 + 5 * DAY, filters: {} };
    const left = events.length - older.length;
    expect((await rawStore.overview(all)).events).toBe(left);
    // The rollups were rebuilt for the trimmed day: they still equal the raw answer.
    expect(store.sourceFor(all, { bucketMs: 3_600_000, dimension: 'provider' })).toBe('cube');
    const [a, r] = await Promise.all([
      store.timeseries({ ...all, bucketMs: 3_600_000, groupBy: 'provider' }),
      rawStore.timeseries({ ...all, bucketMs: 3_600_000, groupBy: 'provider' }),
    ]);
    expect(a).toEqual(r);
    const quarter = { ...all, from: T0 + 15 * 60_000, bucketMs: 60_000, groupBy: null };
    expect(store.sourceFor(quarter, { bucketMs: 60_000 })).toBe('rollup');
    expect(await store.timeseries(quarter)).toEqual(await rawStore.timeseries(quarter));
    // Deleted ids are forgotten by the duplicate check: re-sending stores them again.
    const back = await store.write(older.slice(0, 5));
    expect(back.inserted).toHaveLength(5);
  });

  it('dropPartitionsOlderThan keeps the last N days', async () => {
    const dropped = await store.dropPartitionsOlderThan(1, T0 + 4 * DAY + 3_600_000);
    // The trimmed day 03-03, plus the days the re-sent ids above brought back.
    const cut = T0 + 2 * DAY + 6 * 3_600_000 + 30_000;
    const resentDays = events
      .filter((e) => e.ts < cut)
      .slice(0, 5)
      .map((e) => new Date(e.ts).toISOString().slice(0, 10).replace(/-/g, ''));
    const expected = [...new Set(['20260303', ...resentDays])].sort().map((d) => `payment_events:${d}`);
    expect(dropped.filter((d) => d.startsWith('payment_events:')).sort()).toEqual(expected);
    expect(await partitions('payment_events')).toEqual(['20260304', '20260305']);
    for (const t of DAY_PARTITIONED_TABLES) {
      if (t !== 'payment_events') expect(await partitions(t), t).toEqual(['20260304', '20260305']);
    }
  });
});
