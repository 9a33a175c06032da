// Guards the per-minute rollup: aggregate reads answered from it equal the raw-table answers, and reads pick it only when exact.
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import type { Dimension } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import type { RangeFilter } from '../types.js';
import { createClickHouseStore, type ClickHouseStore } from './clickhouse.store.js';
import { ROLLUP_DIMENSIONS } from './migrations.js';
import { ident, sql } from './sql.js';

const ep = clickhouseEndpoint();
const logger = createLogger({ level: 'silent' });
const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 1, 1);
let auto: ClickHouseStore;
let rawOnly: ClickHouseStore;

beforeAll(async () => {
  await assertClickHouseUp(ep);
  const cfg = { url: ep.url, username: ep.username, password: ep.password, database };
  // rollupLatency: quantiles from the rollup's states too, so they are compared as well.
  auto = createClickHouseStore({ ...cfg, readMode: 'auto', rollupLatency: true }, { logger });
  rawOnly = createClickHouseStore({ ...cfg, readMode: 'raw' }, { logger });
  await auto.start();
  await rawOnly.start();
  // Three days of events in several inserts (several parts per partition, merged or not).
  const events = generateEvents({
    seed: 99,
    payments: 6000,
    from: T0,
    spanMs: 3 * DAY,
    tsGranularityMs: 7_000,
  });
  for (let i = 0; i < events.length; i += 2500) await auto.write(events.slice(i, i + 2500));
});

afterAll(async () => {
  await auto?.stop();
  await rawOnly?.stop();
  const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
  await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  await c.close();
});

// Exact quantiles from the reservoir state while a group holds ≤ 8192 values, so equal here;
// allow float noise only.
const close = (a: number | null, b: number | null) => {
  if (a === null || b === null) return expect(a).toBe(b);
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
};

describe('rollup answers equal raw answers', () => {
  const ranges: RangeFilter[] = [
    { from: T0, to: T0 + 3 * DAY, filters: {} },
    { from: T0 + 3 * 3_600_000, to: T0 + DAY + 17 * 60_000, filters: { provider: ['stripe', 'adyen'] } },
    {
      from: T0,
      to: T0 + 2 * DAY,
      filters: { status: ['failed'], failure_category: ['timeout', 'do_not_honor'] },
    },
    {
      from: T0,
      to: T0 + 3 * DAY,
      filters: { country: ['JP', 'CN'], channel: ['web'], card_brand: ['visa'] },
    },
    {
      from: T0,
      to: T0 + 3 * DAY,
      filters: { merchant_id: ['m_alpha'], currency: ['USD', 'JPY'], method: ['card'] },
    },
  ];

  it('overview', async () => {
    for (const q of ranges) {
      expect(auto.sourceFor(q)).toBe('rollup');
      const [a, r] = await Promise.all([auto.overview(q), rawOnly.overview(q)]);
      expect(r.events).toBeGreaterThan(0);
      expect({ ...a, latency_ms: null }).toEqual({ ...r, latency_ms: null });
      close(a.latency_ms.p50, r.latency_ms.p50);
      close(a.latency_ms.p95, r.latency_ms.p95);
      close(a.latency_ms.p99, r.latency_ms.p99);
    }
  });

  it('timeseries by every rollup dimension and bucket size', async () => {
    const buckets = [60_000, 15 * 60_000, 3_600_000, DAY];
    for (const q of ranges.slice(0, 3)) {
      for (const bucketMs of buckets) {
        for (const groupBy of [null, ...ROLLUP_DIMENSIONS] as (Dimension | null)[]) {
          const tq = { ...q, bucketMs, groupBy };
          expect(auto.sourceFor(q, { bucketMs, dimension: groupBy })).toBe('rollup');
          const [a, r] = await Promise.all([auto.timeseries(tq), rawOnly.timeseries(tq)]);
          expect(
            a.map((p) => ({ ...p, latency_p95: null })),
            JSON.stringify(tq),
          ).toEqual(r.map((p) => ({ ...p, latency_p95: null })));
          a.forEach((p, i) => close(p.latency_p95, r[i]?.latency_p95 ?? null));
        }
      }
    }
  });

  it('breakdown by every rollup dimension', async () => {
    for (const q of ranges) {
      for (const dimension of ROLLUP_DIMENSIONS) {
        const bq = { ...q, dimension, limit: 10 };
        const [a, r] = await Promise.all([auto.breakdown(bq), rawOnly.breakdown(bq)]);
        expect(
          a.map((p) => ({ ...p, latency_p95: null })),
          JSON.stringify(bq),
        ).toEqual(r.map((p) => ({ ...p, latency_p95: null })));
        a.forEach((p, i) => close(p.latency_p95, r[i]?.latency_p95 ?? null));
      }
    }
  });

  it('the rollup holds far fewer rows than the raw table', async () => {
    const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
    try {
      const count = async (t: string) => {
        const rs = await c.query({
          query: sql`SELECT count() AS n FROM ${ident(database)}.${ident(t)}`.text,
          format: 'JSONEachRow',
        });
        return Number(((await rs.json<{ n: string }>())[0] as { n: string }).n);
      };
      const raw = await count('payment_events');
      const rollup = await count('payment_rollup_1m');
      expect(rollup).toBeGreaterThan(0);
      expect(rollup).toBeLessThan(raw);
    } finally {
      await c.close();
    }
  });
});

describe('source choice', () => {
  it('uses the raw table when the rollup could not answer exactly', () => {
    const base: RangeFilter = { from: T0, to: T0 + DAY, filters: {} };
    expect(auto.sourceFor({ ...base, from: T0 + 1 })).toBe('raw');
    expect(auto.sourceFor(base, { bucketMs: 30_000 })).toBe('raw');
    expect(auto.sourceFor(base, { dimension: 'card_bin' })).toBe('raw');
    expect(auto.sourceFor({ ...base, filters: { user_level: ['gold'] } })).toBe('raw');
    expect(auto.sourceFor({ ...base, filters: { payment_id: 'p' } })).toBe('raw');
    expect(auto.sourceFor({ ...base, filters: { min_amount_minor: 5 } })).toBe('raw');
    expect(rawOnly.sourceFor(base)).toBe('raw');
  });
});
