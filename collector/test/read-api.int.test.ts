// Guards the read API over HTTP: parameter validation (400 naming the parameter), shapes, gap filling, grouping, paging, OpenAPI coverage.
import {
  BreakdownSchema,
  FailuresSchema,
  OverviewSchema,
  PaymentTimelineSchema,
  TimeseriesSchema,
  TransactionsSchema,
  type Transactions,
} from '@paywatch/contracts';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputEvent, ndjson, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
const T0 = Date.UTC(2026, 10, 20, 10, 0); // fixed event times: results are exact
beforeAll(async () => {
  s = await startTestServer();
  const events = Array.from({ length: 120 }, (_, i) =>
    inputEvent(i, {
      ts: T0 + i * 30_000, // one hour, every 30 s
      payment_id: `pay_${Math.floor(i / 2)}`,
      attempt: (i % 2) + 1,
      provider: i % 3 === 0 ? 'adyen' : 'stripe',
      currency: i % 4 === 0 ? 'EUR' : 'USD',
      amount_minor: 1000,
      latency_ms: 100 + i,
    }),
  );
  const r = await s.post('/v1/events', ndjson(events));
  expect(await r.json()).toMatchObject({ accepted: 120 });
});
afterAll(async () => {
  await s.stop();
});

const range = `from=${new Date(T0).toISOString()}&to=${T0 + 3_600_000}`;

describe('read API', () => {
  it('overview: exact counts, GMV per currency and in the reporting currency', async () => {
    const { status, body } = await s.get(`/api/v1/overview?${range}`);
    expect(status).toBe(200);
    const o = OverviewSchema.parse(body);
    expect(o).toMatchObject({ events: 120, attempts: 120, failed: 12, succeeded: 108, success_rate: 0.9 });
    // Successful EUR events: i % 4 == 0 and i % 10 != 0 → 30 - 6 = 24; USD: 108 - 24 = 84.
    expect(o.gmv.by_currency).toEqual({ EUR: 240, USD: 840 });
    expect(o.gmv.total).toBeCloseTo(840 + 240 * 1.08, 2);
    expect(o.latency_ms.p50).toBeCloseTo(159.5, 0);
  });

  it('timeseries: every bucket present, grouped by provider, totals add up', async () => {
    const { body } = await s.get(`/api/v1/timeseries?${range}&bucket=5m&group_by=provider`);
    const t = TimeseriesSchema.parse(body);
    expect(t.bucket_ms).toBe(300_000);
    expect(t.series.map((x) => x.key)).toEqual(['stripe', 'adyen']);
    for (const x of t.series) expect(x.points).toHaveLength(12);
    expect(t.series[0]!.points.reduce((a, p) => a + p.attempts, 0)).toBe(80);
    expect(t.series[1]!.points.reduce((a, p) => a + p.attempts, 0)).toBe(40);
    const limited = TimeseriesSchema.parse(
      (await s.get(`/api/v1/timeseries?${range}&bucket=1h&group_by=provider&limit=1`)).body,
    );
    expect(limited.series.map((x) => [x.key, x.points[0]!.attempts])).toEqual([
      ['stripe', 80],
      ['__other__', 40],
    ]);
  });

  it('timeseries in a time zone: day buckets from local midnight (+05:30), the zone in the answer', async () => {
    const day = `/api/v1/timeseries?from=${T0 - 86_400_000}&to=${T0 + 86_400_000}&bucket=1d`;
    const ist = TimeseriesSchema.parse((await s.get(`${day}&tz=Asia/Kolkata`)).body);
    expect(ist.tz).toBe('Asia/Kolkata');
    // 10:00–11:00 UTC is 15:30–16:30 in Kolkata: the day that began 2026-11-19 18:30 UTC.
    const points = ist.series[0]!.points;
    expect(points.map((p) => p.t)).toEqual([
      Date.UTC(2026, 10, 18, 18, 30),
      Date.UTC(2026, 10, 19, 18, 30),
      Date.UTC(2026, 10, 20, 18, 30),
    ]);
    expect(points.map((p) => p.attempts)).toEqual([0, 120, 0]);
    const utc = TimeseriesSchema.parse((await s.get(day)).body);
    expect(utc.tz).toBe('UTC');
    // Weeks from Monday (2026-11-16), in UTC and in Kolkata (Sunday 18:30 UTC).
    const week = `/api/v1/timeseries?from=${T0}&to=${T0 + 3_600_000}&bucket=1w`;
    expect(
      TimeseriesSchema.parse((await s.get(week)).body).series[0]!.points.map((p) => [p.t, p.attempts]),
    ).toEqual([[Date.UTC(2026, 10, 16), 120]]);
    expect(
      TimeseriesSchema.parse((await s.get(`${week}&tz=Asia/Kolkata`)).body).series[0]!.points.map((p) => p.t),
    ).toEqual([Date.UTC(2026, 10, 15, 18, 30)]);
    const midnight = T0 - 10 * 3_600_000;
    expect(utc.series[0]!.points.map((p) => p.t)).toEqual([
      midnight - 86_400_000,
      midnight,
      midnight + 86_400_000,
    ]);
  });

  it('average ticket inputs: GMV and its successes leave out currencies without an FX rate, the count is said', async () => {
    const t1 = T0 - 2 * 86_400_000;
    const specs = [
      ['USD', 'succeeded', 1000],
      ['USD', 'succeeded', 2000],
      ['USD', 'succeeded', 3000],
      ['NGN', 'succeeded', 500_000],
      ['NGN', 'succeeded', 700_000],
      ['USD', 'failed', 9000],
    ] as const;
    const events = specs.map(([currency, status, amount_minor], i) =>
      inputEvent(5000 + i, {
        ts: t1 + i * 1000,
        provider: 'stripe',
        currency,
        status,
        amount_minor,
        ...(status === 'failed'
          ? { failure: { category: 'do_not_honor', code: '05' } }
          : { failure: undefined }),
      }),
    );
    expect(await (await s.post('/v1/events', ndjson(events))).json()).toMatchObject({ accepted: 6 });
    const window = `from=${t1}&to=${t1 + 60_000}`;
    const o = OverviewSchema.parse((await s.get(`/api/v1/overview?${window}`)).body);
    expect(o).toMatchObject({ succeeded: 5 });
    expect(o.gmv).toMatchObject({ total: 60, unconverted: ['NGN'], unconverted_succeeded: 2 });
    const t = TimeseriesSchema.parse((await s.get(`/api/v1/timeseries?${window}&bucket=1m`)).body);
    expect(t.series[0]!.points[0]).toMatchObject({ succeeded: 5, gmv: 60, gmv_succeeded: 3 });
    const b = BreakdownSchema.parse((await s.get(`/api/v1/breakdown?${window}&dimension=currency`)).body);
    expect(b.rows.map((r) => [r.key, r.succeeded, r.gmv, r.gmv_succeeded])).toEqual([
      ['USD', 3, 60, 3],
      ['NGN', 2, 0, 0],
    ]);
  });

  it('breakdown and failures', async () => {
    const b = BreakdownSchema.parse((await s.get(`/api/v1/breakdown?${range}&dimension=currency`)).body);
    expect(b.rows.map((r) => [r.key, r.attempts])).toEqual([
      ['USD', 90],
      ['EUR', 30],
    ]);
    const f = FailuresSchema.parse((await s.get(`/api/v1/failures?${range}`)).body);
    expect(f.rows).toEqual([
      { category: 'do_not_honor', count: 12, share: 1, top_codes: [{ code: '05', count: 12 }] },
    ]);
  });

  it('transactions: filters and cursor paging visit each event once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/transactions?${range}&provider=stripe,adyen&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Transactions = TransactionsSchema.parse((await s.get(q)).body);
      seen.push(...page.items.map((e) => e.event_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    const filtered = TransactionsSchema.parse(
      (await s.get(`/api/v1/transactions?${range}&status=failed&currency=EUR`)).body,
    );
    expect(filtered.items.map((e) => e.event_id).sort()).toEqual([
      'evt_0',
      'evt_100',
      'evt_20',
      'evt_40',
      'evt_60',
      'evt_80',
    ]);
  });

  it('payment timeline', async () => {
    const p = PaymentTimelineSchema.parse((await s.get('/api/v1/payments/pay_3')).body);
    expect(p.events.map((e) => [e.event_id, e.attempt])).toEqual([
      ['evt_6', 1],
      ['evt_7', 2],
    ]);
    expect((await s.get('/api/v1/payments/nope')).status).toBe(404);
  });

  it.each([
    ['/api/v1/overview?from=yesterday', 'from'],
    ['/api/v1/overview?from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z', 'from'],
    ['/api/v1/overview?colour=red', 'colour'],
    ['/api/v1/timeseries?bucket=7m', 'bucket'],
    ['/api/v1/timeseries?group_by=shoe_size', 'group_by'],
    ['/api/v1/timeseries?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=1m', 'bucket'],
    ['/api/v1/timeseries?tz=Mars/Olympus_Mons', 'tz'],
    ['/api/v1/timeseries?tz=asia/shanghai', 'tz'],
    ['/api/v1/timeseries?tz=%2B05:30', 'tz'],
    ['/api/v1/breakdown', 'dimension'],
    ['/api/v1/transactions?limit=100000', 'limit'],
    ['/api/v1/transactions?cursor=bm9wZQ', 'cursor'],
    ['/api/v1/overview?min_amount_minor=-5', 'min_amount_minor'],
  ])('%s → 400 naming %s', async (path, field) => {
    const { status, body } = await s.get<{ error: { field: string; message: string } }>(path);
    expect(status).toBe(400);
    expect(body.error.field).toBe(field);
  });

  it('documents every mounted route in the OpenAPI document', async () => {
    const { body } = await s.get<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      '/api/openapi.json',
    );
    expect(body.openapi).toBe('3.1.0');
    const app: Express = s.app;
    const routes: [string, string][] = [];
    type Layer = {
      rawPath?: unknown;
      route?: { path: string | string[]; methods: Record<string, boolean> };
      handle?: { stack?: unknown[] };
    };
    const visit = (stack: unknown[], prefix = '') => {
      for (const layer of stack as Layer[]) {
        if (layer.route) {
          const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
          for (const p of paths) {
            if (typeof p !== 'string' || p === '/') continue; // regex: the static UI fallback
            for (const m of Object.keys(layer.route.methods))
              routes.push([m, (prefix + p).replace(/:(\w+)/g, '{$1}')]);
          }
        } else if (layer.handle?.stack) {
          // A sub-router mounted with `use('/prefix', router)` keeps its prefix in rawPath.
          const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
          visit(layer.handle.stack, prefix + mount);
        }
      }
    };
    visit((app as unknown as { router: { stack: unknown[] } }).router.stack);
    expect(routes.length).toBeGreaterThanOrEqual(10);
    expect(routes).toContainEqual(['post', '/v1/webhooks/{provider}/{account}']);
    expect(routes).toContainEqual(['post', '/api/v1/alerts/{id}/ack']);
    for (const [m, p] of routes)
      expect(body.paths[p]?.[m], `${m.toUpperCase()} ${p} undocumented`).toBeDefined();
  });
});
