// Guards the signal sources with the ClickHouse backend (real server): RUM records go to the local signals.duckdb beside it and the funnel works; the pending-payments route says 501 and its gauge is not exported rather than reporting a false 0.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import type { Funnel } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNALS_DB_FILE } from '../src/store/embedded/index.js';
import { startTestServer, type TestServer } from './harness.js';
import { assertClickHouseUp, clickhouseEndpoint } from './services.js';

const SHOP = 'https://shop.example.com';
const ep = clickhouseEndpoint();
const database = `paywatch_sig_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let s: TestServer;

beforeAll(async () => {
  await assertClickHouseUp(ep);
  s = await startTestServer({
    PAYWATCH_STORE: 'clickhouse',
    PAYWATCH_CLICKHOUSE_URL: ep.url,
    PAYWATCH_CLICKHOUSE_USER: ep.username,
    PAYWATCH_CLICKHOUSE_PASSWORD: ep.password,
    PAYWATCH_CLICKHOUSE_DATABASE: database,
    PAYWATCH_FARO_ENABLED: 'true',
    PAYWATCH_FARO_ORIGINS: SHOP,
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
  it('stores RUM records in the local signal file and answers the funnel', async () => {
    expect(s.store.backend).toBe('clickhouse');
    expect(existsSync(join(s.dataDir, SIGNALS_DB_FILE))).toBe(true);
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
    const f = await s.get<Funnel>('/api/v1/funnel');
    expect(f.body.steps.map((x) => x.sessions)).toEqual([2, 1, 0]);
  });

  it('answers 501 for pending payments and does not export the stale gauge', async () => {
    const r = await s.get<{ error: { code: string } }>('/api/v1/payments/pending?older_than=15m');
    expect(r.status).toBe(501);
    expect(r.body.error.code).toBe('not_implemented');
    const metrics = await (await s.fetch('/metrics')).text();
    expect(metrics).not.toContain('paywatch_payments_pending_stale');
    expect(metrics).toContain('paywatch_rum_records_total{kind="event"} 3');
  });
});
