// Guards the end-to-end arithmetic: a seeded simulator run, sent over HTTP, shows the simulator's own totals exactly in the read API.
import { toMajorUnits, type Breakdown, type Failures, type Overview } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIncident } from '../src/simulator/incidents.js';
import { sendEvents } from '../src/simulator/sender.js';
import { TEST_KEY, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ PAYWATCH_LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await s.stop();
});

describe('simulator totals', () => {
  it('equal /api/v1/overview, breakdown and failures exactly for a seeded run (with an incident)', async () => {
    // Event times start a minute ago (20,000 events at 400/s span 50 s); incidents are placed in that span.
    const started = Date.now() - 60_000;
    const report = await sendEvents({
      url: s.url,
      key: TEST_KEY,
      seed: 20261125,
      rate: 400,
      paced: false,
      count: 20_000,
      batchSize: 2000,
      start: started,
      incidents: [
        parseIncident('provider-outage:adyen@+5s/20s', started),
        parseIncident('card-testing@+10s/10s', started),
      ],
    });
    expect(report.stopped).toBe('count');
    expect(report.rejected).toBe(0);
    expect(report.accepted).toBe(20_000);
    const c = report.counts;
    expect(c.events).toBe(20_000);

    const range = `from=${Math.floor(c.first_ts ?? started) - 1}&to=${Math.ceil(c.last_ts ?? started) + 1}`;
    const res = await s.get<Overview>(`/api/v1/overview?${range}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const o = res.body;
    expect(o.events).toBe(c.events);
    expect(o.attempts).toBe(c.attempts);
    expect(o.succeeded).toBe(c.succeeded);
    expect(o.failed).toBe(c.failed);
    const expectedGmv = Object.fromEntries(
      Object.entries(c.gmv_minor).map(([cur, m]) => [cur, toMajorUnits(m, cur)]),
    );
    expect(o.gmv.by_currency).toEqual(expectedGmv);

    const b = (await s.get<Breakdown>(`/api/v1/breakdown?${range}&dimension=provider&limit=50`)).body;
    const byProvider = Object.fromEntries(
      b.rows
        .filter((r) => r.attempts > 0)
        .map((r) => [r.key, { attempts: r.attempts, succeeded: r.succeeded, failed: r.failed }]),
    );
    const expectedByProvider = Object.fromEntries(
      Object.entries(c.by_provider)
        .filter(([, p]) => p.attempts > 0)
        .map(([k, p]) => [k, { attempts: p.attempts, succeeded: p.succeeded, failed: p.failed }]),
    );
    expect(byProvider).toEqual(expectedByProvider);

    const f = (await s.get<Failures>(`/api/v1/failures?${range}`)).body;
    expect(Object.fromEntries(f.rows.map((r) => [r.category, r.count]))).toEqual(c.by_failure_category);
    expect(f.total_failed).toBe(c.failed);
    // The incidents really happened in this run (card testing adds many declines).
    expect(c.failed / c.attempts).toBeGreaterThan(0.1);
  });
});
