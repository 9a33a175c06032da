// Guards the signal sources with the ClickHouse backend (real server): RUM records go to ClickHouse's signal tables (no local DuckDB file) and the funnel works; the pending-payments route and its gauge answer from ClickHouse.
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createClient } from '@clickhouse/client';
import type { Funnel, Pending } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident, sql } from '../src/store/clickhouse/sql.js';
import { inputEvent, metricValue, ndjson, startTestServer, type TestServer } from './harness.js';
import { assertClickHouseUp, clickhouseEndpoint, clickhouseStoreEnv } from './services.js';

const SHOP = 'https://shop.example.com';
const ep = clickhouseEndpoint();
const database = `paywatch_sig_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let s: TestServer;

beforeAll(async () => {
  await assertClickHouseUp(ep);
  s = await startTestServer({
    ...clickhouseStoreEnv(ep, database),
    PAYWATCH_FARO_ENABLED: 'true',
    PAYWATCH_FARO_ORIGINS: SHOP,
    PAYWATCH_PENDING_STALE_AFTER: '15m',
    PAYWATCH_PENDING_REFRESH_SECONDS: '1',
    PAYWATCH_LOG_LEVEL: 'warn',
  });
}, 60_000);

afterAll(async () => {
  await s?.stop();
  const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
  try {
    await c.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  } finally {
    await c.close();
  }
});

describe('signals beside the ClickHouse store', () => {
  it('stores RUM records in ClickHouse and answers the funnel', async () => {
    expect(s.store.backend).toBe('clickhouse');
    expect(readdirSync(s.dataDir).filter((f) => f.startsWith('signals'))).toEqual([]);
    const ts = (i: number) => new Date(Date.now() - 5000 + i * 100).toISOString();
    for (const id of ['c1', 'c2']) {
      const r = await fetch(`${s.url}/faro/collect`, {
        method: 'POST',
        headers: { origin: SHOP, 'content-type': 'application/json' },
        body: JSON.stringify({
          meta: { session: { id }, app: { name: 'shop' } },
          events: [
            { name: 'checkout_viewed', timestamp: ts(0), attributes: {} },
            ...(id === 'c1' ? [{ name: 'payment_submitted', timestamp: ts(1), attributes: {} }] : []),
          ],
        }),
      });
      expect(r.status).toBe(202);
    }
    // 202 means durable in the spool; ClickHouse has the records once it has drained.
    await s.spool!.drained();
    const f = await s.get<Funnel>('/api/v1/funnel');
    expect(f.body.steps.map((x) => x.sessions)).toEqual([2, 1, 0]);
    const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
    try {
      const rs = await c.query({
        query: sql`SELECT count() AS n FROM ${ident(database)}.signal_rum WHERE kind = 'event'`.text,
        format: 'JSONEachRow',
      });
      expect(await rs.json()).toEqual([{ n: '3' }]);
    } finally {
      await c.close();
    }
  });

  it('lists payments pending longer than N from ClickHouse and exports the stale gauge', async () => {
    const old = Date.now() - 3_600_000;
    const events = [
      // p1: created then pending, an hour ago: stale.
      inputEvent(1, { event_id: 'pd_1a', payment_id: 'pd_1', status: 'created', ts: old }),
      inputEvent(2, { event_id: 'pd_1b', payment_id: 'pd_1', status: 'pending', ts: old + 1000 }),
      // p2: pending then succeeded: final.
      inputEvent(3, { event_id: 'pd_2a', payment_id: 'pd_2', status: 'pending', ts: old }),
      inputEvent(4, { event_id: 'pd_2b', payment_id: 'pd_2', status: 'succeeded', ts: old + 2000 }),
      // p3: pending a minute ago: not yet stale at 15 minutes.
      inputEvent(5, { event_id: 'pd_3a', payment_id: 'pd_3', status: 'pending', ts: Date.now() - 60_000 }),
    ];
    const res = await s.post('/v1/events', ndjson(events));
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    await s.spool!.drained();
    const r = await s.get<Pending>('/api/v1/payments/pending?older_than=15m');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(1);
    expect(r.body.items.map((p) => [p.payment_id, p.status, p.ts])).toEqual([
      ['pd_1', 'pending', old + 1000],
    ]);
    const all = await s.get<Pending>('/api/v1/payments/pending?older_than=1s');
    expect(all.body.items.map((p) => p.payment_id)).toEqual(['pd_1', 'pd_3']);
    // The gauge is recomputed every second.
    let metrics = '';
    for (let i = 0; i < 50; i++) {
      metrics = await (await s.fetch('/metrics')).text();
      if (metricValue(metrics, 'paywatch_payments_pending_stale') === 1) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(metricValue(metrics, 'paywatch_payments_pending_stale')).toBe(1);
    expect(metrics).toContain('paywatch_rum_records_total{kind="event"} 3');
  });
});
