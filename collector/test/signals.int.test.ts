// Guards the other sources through the whole collector: a real metrics endpoint scraped and read back, a real log file tailed (payments → transactions, other lines → masked log search), Faro beacons → funnel and web vitals, and "pending longer than N" (endpoint and gauge).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Funnel, Logs, Pending, RumErrors, Samples, Vitals } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, ndjson, startTestServer, type TestServer } from './harness.js';

const PAN = '4111 1111 1111 1111';
const PAN_DIGITS = '4111111111111111';
const SHOP = 'https://shop.example.com';

let s: TestServer;
let child: ChildProcess;
let dir: string;
let logFile: string;

/** Polls `check` until it returns a value (or throws the last error after `ms`). */
async function eventually<T>(check: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(`condition not met within ${ms} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  child = spawn(
    process.execPath,
    [fileURLToPath(new URL('../src/sources/prom-scrape/testing/metrics-server.mjs', import.meta.url))],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const metricsUrl = `http://127.0.0.1:${(JSON.parse(line.toString()) as { port: number }).port}/metrics`;

  dir = mkdtempSync(join(tmpdir(), 'paywatch-signals-it-'));
  logFile = join(dir, 'checkout.log');
  writeFileSync(logFile, '');
  const scrapeConfig = join(dir, 'scrape.yaml');
  writeFileSync(
    scrapeConfig,
    `targets:
  - name: gw
    url: ${metricsUrl}
    interval_s: 1
    timeout_s: 1
    basic_auth: { username: scraper, password: s3cret }
    mappings:
      - metric: payments_total
        series: gateway_payments
        labels: { gateway: provider, status: status }
`,
  );
  const tailConfig = join(dir, 'tail.json');
  writeFileSync(
    tailConfig,
    JSON.stringify({
      poll_ms: 100,
      files: [
        {
          path: join(dir, '*.log'),
          format: 'auto',
          payment: {
            when: { field: 'event', equals: 'payment' },
            amount_unit: 'major',
            fields: {
              payment_id: 'order.id',
              status: 'result',
              amount: 'amount',
              currency: 'cur',
              provider: 'psp',
              ts: 'time',
            },
            defaults: { method: 'card', merchant_id: 'shop-eu' },
          },
        },
      ],
    }),
  );
  s = await startTestServer({
    PAYWATCH_SCRAPE_CONFIG: scrapeConfig,
    PAYWATCH_LOG_TAIL_CONFIG: tailConfig,
    PAYWATCH_FARO_ENABLED: 'true',
    PAYWATCH_FARO_ORIGINS: SHOP,
    PAYWATCH_PENDING_STALE_AFTER: '15m',
    PAYWATCH_PENDING_REFRESH_SECONDS: '1',
  });
}, 60_000);

afterAll(async () => {
  await s?.stop();
  child?.kill('SIGTERM');
  if (child) await once(child, 'exit');
  rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus scraping', () => {
  it('scrapes a real endpoint on schedule and serves the mapped series from the store', async () => {
    const body = await eventually(async () => {
      const r = await s.get<Samples>(
        `/api/v1/metrics/samples?series=gateway_payments&from=${Date.now() - 600_000}`,
      );
      expect(r.status).toBe(200);
      return r.body.data.length === 3 && r.body.data.every((d) => d.points.length >= 2) ? r.body : undefined;
    });
    const byKey = new Map(body.data.map((d) => [`${d.labels.provider}/${d.labels.status}`, d]));
    expect([...byKey.keys()].sort()).toEqual(['adyen/failed', 'adyen/succeeded', 'stripe/succeeded']);
    expect(body.data.every((d) => d.target === 'gw')).toBe(true);
    // the endpoint counts one more adyen success per scrape: later points are larger
    const adyen = byKey.get('adyen/succeeded')!.points.map(([, v]) => v);
    expect(adyen[0]).toBeGreaterThanOrEqual(1028);
    expect(adyen[adyen.length - 1]!).toBeGreaterThan(adyen[0]!);
    expect(byKey.get('adyen/failed')!.points.every(([, v]) => v === 33)).toBe(true);
    expect(byKey.get('stripe/succeeded')!.points.every(([, v]) => v === 2500)).toBe(true);

    const filtered = await s.get<Samples>(
      `/api/v1/metrics/samples?series=gateway_payments&from=${Date.now() - 600_000}&labels=status=failed`,
    );
    expect(filtered.body.data.map((d) => d.labels)).toEqual([{ provider: 'adyen', status: 'failed' }]);
    const up = await s.get<Samples>(
      `/api/v1/metrics/samples?series=up&target=gw&from=${Date.now() - 600_000}`,
    );
    expect(up.body.data[0]!.points.every(([, v]) => v === 1)).toBe(true);

    const metrics = await (await s.fetch('/metrics')).text();
    expect(metricValue(metrics, 'paywatch_scrape_up{target="gw"}')).toBe(1);
    expect(metricValue(metrics, 'paywatch_scrape_samples_stored_total{target="gw"}')).toBeGreaterThanOrEqual(
      6,
    ); // 3 mapped series × at least 2 scrapes
  });

  it('validates the query (400 naming the parameter)', async () => {
    const r = await s.get<{ error: { field: string } }>('/api/v1/metrics/samples?series=bad-name');
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('series');
  });
});

describe('log tailing', () => {
  it('turns payment lines into events and other lines into masked, searchable log records', async () => {
    const now = Date.now();
    const lines = [
      {
        time: new Date(now - 5000).toISOString(),
        event: 'payment',
        order: { id: 'ord_log_1' },
        result: 'succeeded',
        amount: '12.50',
        cur: 'EUR',
        psp: 'stripe',
      },
      {
        ts: new Date(now - 4000).toISOString(),
        level: 'error',
        msg: `card ${PAN} declined for jane.doe@example.com`,
        attempt: 2,
      },
      {
        time: new Date(now - 3000).toISOString(),
        event: 'payment',
        order: { id: 'ord_log_2' },
        result: 'failed',
        amount: 7,
        cur: 'JPY',
        psp: 'adyen',
      },
    ];
    appendFileSync(logFile, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    appendFileSync(
      logFile,
      `ts=${new Date(now - 2000).toISOString()} level=warn msg="slow gateway" pan=${PAN_DIGITS} gateway=adyen\n`,
    );

    const tx = await eventually(async () => {
      const r = await s.get<{
        items: {
          payment_id: string;
          source: string;
          amount_minor: number;
          currency: string;
          status: string;
          merchant_id: string;
        }[];
      }>(`/api/v1/transactions?from=${now - 60_000}&merchant_id=shop-eu`);
      return r.body.items.length === 2 ? r.body.items : undefined;
    });
    expect(tx.map((e) => [e.payment_id, e.source, e.status, e.amount_minor, e.currency]).sort()).toEqual([
      ['ord_log_1', 'log', 'succeeded', 1250, 'EUR'],
      ['ord_log_2', 'log', 'failed', 7, 'JPY'],
    ]);

    const logs = await eventually(async () => {
      const r = await s.get<Logs>(`/api/v1/logs?from=${now - 60_000}`);
      return r.body.items.length === 2 ? r : undefined;
    });
    const raw = JSON.stringify(logs.body);
    expect(raw).not.toContain(PAN);
    expect(raw).not.toContain(PAN_DIGITS);
    expect(raw).not.toContain('jane.doe@example.com');
    expect(logs.body.items.map((l) => l.level)).toEqual(['warn', 'error']); // newest first
    expect(logs.body.items[1]!.message).toMatch(/^card .*declined for /);
    expect(logs.body.items.every((l) => l.file === logFile)).toBe(true);

    const search = await s.get<Logs>(`/api/v1/logs?from=${now - 60_000}&q=SLOW%20GATEWAY`);
    expect(search.body.items.map((l) => l.level)).toEqual(['warn']);
    const byLevel = await s.get<Logs>(`/api/v1/logs?from=${now - 60_000}&level=ERROR`);
    expect(byLevel.body.items).toHaveLength(1);
    // Searching for the card number finds nothing: it was never stored.
    const pan = await s.get<Logs>(`/api/v1/logs?from=${now - 60_000}&q=${PAN_DIGITS}`);
    expect(pan.body.items).toEqual([]);
    expect(s.logs()).not.toContain(PAN_DIGITS);
    expect(s.logs()).not.toContain(PAN);

    const metrics = await (await s.fetch('/metrics')).text();
    expect(metricValue(metrics, 'paywatch_log_lines_total{outcome="payment"}')).toBe(2);
    expect(metricValue(metrics, 'paywatch_log_lines_total{outcome="record"}')).toBe(2);
  });
});

describe('Faro RUM', () => {
  const beacon = (
    session: string,
    events: { name: string; attributes?: Record<string, string> }[],
    measurements: unknown[] = [],
  ) => ({
    meta: {
      session: { id: session },
      app: { name: 'shop', version: '1.0.0' },
      page: { url: `${SHOP}/checkout?card=${PAN_DIGITS}` },
    },
    events: events.map((e, i) => ({
      name: e.name,
      timestamp: new Date(Date.now() - 10_000 + i * 100).toISOString(),
      attributes: e.attributes ?? {},
    })),
    measurements,
  });

  it('stores posted beacons and answers the funnel and web vitals', async () => {
    const sessions = [
      beacon('s1', [
        { name: 'checkout_viewed' },
        { name: 'payment_submitted', attributes: { method: 'card' } },
        { name: 'payment_result', attributes: { status: 'succeeded' } },
      ]),
      beacon('s2', [
        { name: 'checkout_viewed' },
        { name: 'payment_submitted', attributes: { method: 'paypal' } },
        { name: 'payment_result', attributes: { status: 'failed' } },
      ]),
      beacon('s3', [
        { name: 'checkout_viewed' },
        { name: 'payment_submitted', attributes: { method: 'card' } },
      ]),
      beacon(
        's4',
        [{ name: 'checkout_viewed' }],
        [{ type: 'web-vitals', values: { lcp: 1800, cls: 0.3 }, timestamp: new Date().toISOString() }],
      ),
      beacon('s5', [], [{ type: 'web-vitals', values: { lcp: 5200 }, timestamp: new Date().toISOString() }]),
    ];
    for (const b of sessions) {
      const r = await fetch(`${s.url}/faro/collect`, {
        method: 'POST',
        headers: { origin: SHOP, 'content-type': 'application/json' },
        body: JSON.stringify(b),
      });
      expect(r.status).toBe(202);
    }
    // the same beacon again (an SDK retry) changes nothing
    await fetch(`${s.url}/faro/collect`, {
      method: 'POST',
      headers: { origin: SHOP, 'content-type': 'application/json' },
      body: JSON.stringify(sessions[0]),
    });
    const refused = await fetch(`${s.url}/faro/collect`, {
      method: 'POST',
      headers: { origin: 'https://evil.example.com', 'content-type': 'application/json' },
      body: JSON.stringify(sessions[0]),
    });
    expect(refused.status).toBe(403);

    const f = await s.get<Funnel>('/api/v1/funnel');
    expect(f.status).toBe(200);
    expect(f.body.steps.map((x) => [x.step, x.sessions])).toEqual([
      ['checkout_viewed', 4],
      ['payment_submitted', 3],
      ['payment_result[status=succeeded]', 1],
    ]);
    expect(f.body.steps[1]!.conversion_from_previous).toBeCloseTo(0.75);
    const card = await s.get<Funnel>('/api/v1/funnel?method=card');
    expect(card.body.steps.map((x) => x.sessions)).toEqual([2, 2, 1]);
    const custom = await s.get<Funnel>(
      `/api/v1/funnel?steps=${encodeURIComponent('checkout_viewed;payment_result[status=failed]')}`,
    );
    expect(custom.body.steps.map((x) => x.sessions)).toEqual([4, 1]);
    const bad = await s.get<{ error: { field: string } }>('/api/v1/funnel?steps=%5Bx');
    expect(bad.status).toBe(400);

    const v = await s.get<Vitals>('/api/v1/rum/vitals');
    const lcp = v.body.vitals.find((x) => x.name === 'lcp')!;
    expect([lcp.count, lcp.good, lcp.needs_improvement, lcp.poor]).toEqual([2, 1, 0, 1]);
    expect(lcp.p50).toBe(3500);
    expect(v.body.vitals.find((x) => x.name === 'cls')).toMatchObject({ count: 1, poor: 1, rating: 'poor' });

    const errBeacon = {
      ...beacon('s6', []),
      exceptions: [{ type: 'Error', value: `card ${PAN} declined`, timestamp: new Date().toISOString() }],
    };
    const posted = await fetch(`${s.url}/faro/collect`, {
      method: 'POST',
      headers: { origin: SHOP, 'content-type': 'application/json' },
      body: JSON.stringify(errBeacon),
    });
    expect(posted.status).toBe(202);
    const errs = await s.get<RumErrors>('/api/v1/rum/errors');
    expect(errs.body.items).toHaveLength(1);
    expect(errs.body.items[0]).toMatchObject({
      name: 'Error',
      count: 1,
      sessions: 1,
      last_page_url: `${SHOP}/checkout`,
    });
    expect(errs.body.items[0]!.message).toMatch(/^card .* declined$/);
    expect(JSON.stringify(errs.body)).not.toContain(PAN_DIGITS);
    expect(JSON.stringify(errs.body)).not.toContain(PAN);

    const metrics = await (await s.fetch('/metrics')).text();
    expect(metricValue(metrics, 'paywatch_rum_rejected_total{reason="origin"}')).toBe(1);
    expect(metrics).not.toContain(PAN_DIGITS);
  });
});

describe('pending longer than N', () => {
  it('lists payments whose latest status is non-final and older than the cut-off, and counts them in a gauge', async () => {
    const now = Date.now();
    const ev = (id: string, payment: string, status: string, agoMin: number, attempt = 1) => ({
      event_id: id,
      ts: now - agoMin * 60_000,
      payment_id: payment,
      attempt,
      merchant_id: 'pending_m',
      provider: 'wechatpay',
      method: 'wechat_pay',
      status,
      amount_minor: 1000,
      currency: 'CNY',
    });
    const res = await s.post(
      '/v1/events',
      ndjson([
        ev('pe1', 'pp_stuck_created', 'created', 40),
        ev('pe2', 'pp_stuck_pending', 'created', 30),
        ev('pe3', 'pp_stuck_pending', 'pending', 20),
        ev('pe4', 'pp_done', 'pending', 40),
        ev('pe5', 'pp_done', 'succeeded', 35),
        ev('pe6', 'pp_recent', 'requires_action', 5),
        ev('pe7', 'pp_retry', 'failed', 50, 1),
        ev('pe8', 'pp_retry', 'authorized', 45, 2),
        // Silent for 8 days: beyond the 7-day look-back, abandoned (not listed, not counted).
        ev('pe9', 'pp_abandoned', 'pending', 8 * 24 * 60),
      ]),
    );
    expect(res.status).toBe(200);

    const r = await s.get<Pending>('/api/v1/payments/pending?older_than=15m');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(3);
    expect(r.body.items.map((p) => [p.payment_id, p.status])).toEqual([
      ['pp_retry', 'authorized'],
      ['pp_stuck_created', 'created'],
      ['pp_stuck_pending', 'pending'],
    ]);
    expect(r.body.items[0]!.age_ms).toBeGreaterThanOrEqual(45 * 60_000);
    expect(r.body.since).toBe(r.body.before + r.body.older_than_ms - 7 * 86_400_000);
    const shorter = await s.get<Pending>('/api/v1/payments/pending?older_than=1m&limit=1');
    expect(shorter.body.total).toBe(4);
    expect(shorter.body.items).toHaveLength(1);
    const bad = await s.get<{ error: { field: string } }>('/api/v1/payments/pending?older_than=soon');
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('older_than');

    await eventually(async () => {
      const m = await (await s.fetch('/metrics')).text();
      return metricValue(m, 'paywatch_payments_pending_stale') === 3 ? true : undefined;
    });
  });
});
