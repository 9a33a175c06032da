// Guards startAlertsService sharing an already-open embedded store in one process (DuckDB allows one process per file): events ingested by the collector reach the engine once, and closing the service leaves the collector's store open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertsService, type RunningAlertsService } from '../src/alerts/alerts.service.js';
import { inputEvent, metricValue, ndjson, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
let svc: RunningAlertsService | null = null;
beforeAll(async () => {
  s = await startTestServer({ PAYWATCH_ALERTS_ENABLED: 'false', PAYWATCH_LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await svc?.close();
  await s?.stop();
});

async function fed(url: string): Promise<number> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  return metricValue(await res.text(), 'paywatch_alerts_feed_events_total');
}

describe('alerts service on the collector’s embedded store (same process)', () => {
  it('feeds what the collector stores, serves health, and closes without closing the shared store', async () => {
    const c = s.config;
    svc = await startAlertsService(
      {
        ...c,
        alerts: { ...c.alerts, service: { ...c.alerts.service, port: 0, pollMs: 100, feedLagMs: 300 } },
      },
      { logger: s.logger, store: s.store, defaultMetrics: false },
    );
    const health = await fetch(`${svc.url}/healthz`);
    expect(health.status).toBe(200);
    expect((await health.json()) as { store: string; api: boolean }).toMatchObject({
      store: 'embedded',
      api: false,
    });
    // No API token: only health and metrics.
    expect((await fetch(`${svc.url}/api/v1/alerts`)).status).toBe(404);

    const now = Date.now();
    const events = Array.from({ length: 300 }, (_, i) =>
      inputEvent(i, { event_id: `emb_${i}`, payment_id: `emb_p${i}`, ts: now - 60_000 + i * 100 }),
    );
    expect((await s.post('/v1/events', ndjson(events))).status).toBeLessThan(300);
    let n = 0;
    for (let i = 0; i < 100 && n < events.length; i++) {
      n = await fed(svc.url);
      if (n < events.length) await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(await fed(svc.url)).toBe(events.length);
    expect(svc.alerts.module.engine.stats().events).toBe(events.length);

    await svc.close();
    svc = null;
    // The collector's store is still open: ingest and reads keep working.
    expect(
      (
        await s.post(
          '/v1/events',
          ndjson([inputEvent(1000, { event_id: 'emb_after', payment_id: 'emb_after' })]),
        )
      ).status,
    ).toBeLessThan(300);
    expect((await s.fetch('/api/v1/transactions?limit=1')).status).toBe(200);
  });
});
