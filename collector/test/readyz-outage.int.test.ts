// Guards /readyz as a load balancer's signal to route ingest: a collector on ClickHouse stays ready through a ClickHouse outage (refused or black-holed) while its spool takes writes — the body says the store is unreachable and what is pending — and answers 503 spool_full once the spool refuses ingest.
import { afterAll, describe, expect, it } from 'vitest';
import { inputEvent, ndjson, startTestServer, type TestServer } from './harness.js';
import { proxiedClickHouse } from './proxied-clickhouse.js';
import { assertClickHouseUp, clickhouseStoreEnv } from './services.js';

const { ep, proxy: startProxy, database: newDatabase } = proxiedClickHouse();
let server: TestServer | null = null;
afterAll(async () => {
  await server?.stop();
});

interface Ready {
  status?: string;
  store?: string;
  store_status?: string;
  spool?: { pending_events: number; disk_bytes: number; quota_bytes: number };
  error?: { code: string };
}

describe('GET /readyz with the ClickHouse store and its spool', () => {
  it('stays ready while the spool takes ingest during an outage, and answers 503 spool_full once it refuses', async () => {
    await assertClickHouseUp(ep);
    const proxy = await startProxy();
    const s = (server = await startTestServer({
      ...clickhouseStoreEnv({ ...ep, url: proxy.url }, newDatabase()),
      PAYWATCH_LOG_LEVEL: 'error',
      PAYWATCH_ALERTS_ENABLED: 'false',
      PAYWATCH_SPOOL_QUOTA_MB: '1',
    }));
    const readyz = async () => {
      const res = await fetch(s.url + '/readyz');
      return { status: res.status, body: (await res.json()) as Ready };
    };
    expect(await readyz()).toMatchObject({
      status: 200,
      body: { status: 'ready', store: 'clickhouse', store_status: 'reachable', spool: { pending_events: 0 } },
    });

    // A partition: the answer does not wait for ClickHouse's 2 s ping timeout (a probe's is often 1 s).
    await proxy.hang();
    const t0 = Date.now();
    expect(await readyz()).toMatchObject({ status: 200, body: { store_status: 'unreachable' } });
    expect(Date.now() - t0).toBeLessThan(1500);
    await proxy.restore();

    // ClickHouse down: ingest is acknowledged into the spool, so the collector stays in rotation.
    await proxy.cut();
    let i = 0;
    const post = () => s.post('/v1/events', ndjson(Array.from({ length: 400 }, () => inputEvent(i++))));
    expect((await post()).status).toBe(200);
    // Before: 503 store_unavailable for the whole outage.
    const during = await readyz();
    expect(during).toMatchObject({ status: 200, body: { status: 'ready', store_status: 'unreachable' } });
    expect(during.body.spool?.pending_events).toBe(400);
    expect(during.body.spool?.quota_bytes).toBe(1024 * 1024);

    // Fill the 1 MiB spool: once ingest is refused, so is readiness (the balancer sends elsewhere).
    let refused = false;
    for (let n = 0; n < 30 && !refused; n++) {
      const res = await post();
      expect([200, 503]).toContain(res.status);
      refused = res.status === 503;
      if (!refused) {
        const r = await readyz();
        // Ready below 95 % of the quota; past it, 503 before ingest is refused.
        if (r.status !== 200)
          expect(r).toMatchObject({ status: 503, body: { error: { code: 'spool_full' } } });
      }
    }
    expect(refused).toBe(true);
    expect(await readyz()).toMatchObject({ status: 503, body: { error: { code: 'spool_full' } } });
  }, 30_000);
});
