// Guards the cold start in the middle of an incident: a collector whose store holds ~3 h of normal traffic and the first 20 min of an ongoing stripe outage, started with no detector snapshot, warms its engine from the store and pages the outage within a couple of live minutes; with PAYWATCH_ALERTS_WARMUP_HOURS=0 it learns the outage as normal and pages nothing; `paywatch alerts` on its first start reads the stored hours first and pages too.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertsService, type RunningAlertsService } from '../src/alerts/alerts.service.js';
import { parseIncident } from '../src/simulator/incidents.js';
import { sendEvents } from '../src/simulator/sender.js';
import { TEST_KEY, metricValue, startTestServer, type TestServer } from './harness.js';

const MIN = 60_000;
const RATE = 10; // events/s: ~3 stripe attempts/s, well above the rule's min_attempts
const HISTORY_MIN = 200; // 3 h normal, then the outage for its last 20 min

interface Page {
  status: string;
  alerts: { labels: Record<string, string> }[];
}

/** A local webhook receiver: the pages the engine sends. */
async function startReceiver(): Promise<{ url: string; pages: Page[]; server: Server }> {
  const pages: Page[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      pages.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Page);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pages, server };
}

// The default pack's provider rule, routed to the local receiver at once.
const rules = (url: string) => `
reporting_currency: EUR
allowed_lateness: 1m
rules:
  - name: provider_success_rate_drop
    detector: { type: rate, metric: success_rate, window_minutes: 5, baseline_minutes: 120, min_attempts: 60, min_effect: 0.08 }
    group_by: [provider]
    severity: page
    keep_firing_for: 3m
route: { receiver: oncall, group_by: [alertname, provider], group_wait: 0s, group_interval: 1m, repeat_interval: 4h }
receivers:
  - name: oncall
    channels: [{ type: webhook, url: "${url}/hook" }]
`;

let T: number; // end of the stored history = start of the live stream (event time)
let root: string;
let rx: Awaited<ReturnType<typeof startReceiver>>;
let rulesFile: string;
let stored = 0;
const open: TestServer[] = [];
let svc: RunningAlertsService | null = null;
/** Stops the collectors of earlier tests: their engines must not page into this one's receiver. */
async function stopOpen(): Promise<void> {
  for (const o of open.splice(0)) await o.stop();
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'paywatch-warmup-'));
  rx = await startReceiver();
  rulesFile = join(root, 'rules.yaml');
  writeFileSync(rulesFile, rules(rx.url));
  T = Math.floor(Date.now() / MIN) * MIN - MIN;
  const start = T - HISTORY_MIN * MIN;
  // Stored by a collector without an engine: the store has the history, nobody has a snapshot.
  const writer = await startTestServer({
    PAYWATCH_DATA_DIR: join(root, 'a'),
    PAYWATCH_ALERTS_ENABLED: 'false',
    PAYWATCH_LOG_LEVEL: 'warn',
  });
  const report = await sendEvents({
    url: writer.url,
    key: TEST_KEY,
    seed: 7,
    rate: RATE,
    paced: false,
    start,
    durationMs: HISTORY_MIN * MIN,
    batchSize: 5000,
    incidents: [parseIncident(`provider-outage:stripe@+${HISTORY_MIN - 20}m/60m`, start)],
  });
  expect(report.rejected).toBe(0);
  stored = report.accepted;
  await writer.stop();
  console.log(`history: ${stored} events stored in ${((Date.now() - T) / 1000).toFixed(0)} s after T`);
  // The same store for the run without warm-up and for the standalone engine.
  cpSync(join(root, 'a'), join(root, 'b'), { recursive: true });
  cpSync(join(root, 'a'), join(root, 'c'), { recursive: true });
}, 300_000);

afterAll(async () => {
  await svc?.close();
  for (const s of open) await s.stop();
  rx?.server.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** True once the receiver got a firing stripe page (after the first `before` pages). */
const stripePaged = (before: number) =>
  rx.pages
    .slice(before)
    .some(
      (p) =>
        p.status === 'firing' &&
        p.alerts.some(
          (a) => a.labels.alertname === 'provider_success_rate_drop' && a.labels.provider === 'stripe',
        ),
    );

/**
 * Streams live outage traffic from T to a collector, one minute of event time at a time
 * (unpaced, never more than 90 s ahead of the clock), until a stripe page arrives or the stream
 * reaches the clock; `settle` waits until the engine has what was sent. Resolves with the live
 * minutes sent before the page (null: none) and the first minute not judged as history.
 */
async function streamLive(
  s: TestServer,
  settle: () => Promise<void>,
): Promise<{ minutes: number | null; firstLive: number }> {
  const before = rx.pages.length;
  // Live minutes more than allowed_lateness + 5 min behind the clock are judged as history (never
  // paged): on a slow machine the first live minutes may be; count from the first that is not.
  const firstLive = Math.max(0, Math.ceil((Date.now() - 5 * MIN - T) / MIN));
  for (let k = 0; T + (k + 1) * MIN <= Date.now() + 90_000; k++) {
    const from = T + k * MIN;
    const r = await sendEvents({
      url: s.url,
      key: TEST_KEY,
      seed: 100 + k,
      rate: RATE,
      paced: false,
      start: from,
      durationMs: MIN,
      batchSize: 2000,
      incidents: [parseIncident('provider-outage:stripe@+0m/1m', from)],
    });
    expect(r.rejected).toBe(0);
    await settle();
    // Dispatch runs on the engine's 1 s tick, delivery is real HTTP.
    for (let i = 0; i < 30 && !stripePaged(before); i++) await new Promise((res) => setTimeout(res, 100));
    if (stripePaged(before)) return { minutes: k + 1, firstLive };
  }
  await new Promise((res) => setTimeout(res, 2000));
  return { minutes: stripePaged(before) ? Infinity : null, firstLive };
}

/** A collector with its engine on a stored data dir, streaming live outage traffic. */
async function runLive(
  dir: string,
  warmupHours: string,
): Promise<{ s: TestServer; minutes: number | null; firstLive: number }> {
  await stopOpen();
  const s = await startTestServer({
    PAYWATCH_DATA_DIR: join(root, dir),
    PAYWATCH_ALERTS_RULES: rulesFile,
    PAYWATCH_ALERTS_WARMUP_HOURS: warmupHours,
    PAYWATCH_LOG_LEVEL: 'info',
  });
  open.push(s);
  const r = await streamLive(s, async () => {
    await s.alerts!.warmedUp();
    await s.alertsQueue!.idle();
  });
  return { s, ...r };
}

describe('cold start in the middle of an incident (collector)', () => {
  it('warms the fresh engine from the stored history and pages the ongoing outage within 2 live minutes', async () => {
    const { s, minutes, firstLive } = await runLive('a', '6');
    const w = s.alerts!.warmup();
    console.log(
      `warm-up: ${JSON.stringify(w)}; paged after ${minutes} live minutes (first live: ${firstLive})`,
    );
    expect(w.state).toBe('done');
    // Every stored event (200 min < 6 h) went in before any live one.
    expect(w.events).toBe(stored);
    expect(minutes, JSON.stringify(rx.pages)).not.toBeNull();
    expect(minutes! - firstLive).toBeLessThanOrEqual(2);
    const stats = (
      await s.get<{
        history_notifications_withheld: number;
        late_events: number;
        warmup: { state: string; events: number };
      }>('/api/v1/alerts-stats')
    ).body;
    expect(stats.warmup).toMatchObject({ state: 'done', events: stored });
    // The onset was found in the history (withheld there), then paged on live evidence.
    expect(stats.history_notifications_withheld).toBeGreaterThan(0);
    expect(stats.late_events).toBe(0);
    const m = await (await s.fetch('/metrics')).text();
    expect(metricValue(m, 'paywatch_alerts_engine_warmup_events')).toBe(stored);
    expect(metricValue(m, 'paywatch_alerts_engine_warmup_running')).toBe(0);
    expect(s.logs()).toContain('alert engine warmed up from the store');
    // adyen and the others stay quiet.
    expect(rx.pages.flatMap((p) => p.alerts.map((a) => a.labels.provider))).toEqual(['stripe']);
  }, 240_000);

  it('without warm-up (hours 0) the fresh engine learns the outage and pages nothing', async () => {
    const before = rx.pages.length;
    const { s, minutes } = await runLive('b', '0');
    expect(s.alerts!.warmup().state).toBe('off');
    expect(minutes).toBeNull();
    expect(rx.pages.slice(before)).toEqual([]);
    const stats = (await s.get<{ events: number; history_events: number }>('/api/v1/alerts-stats')).body;
    // It did judge the live stream live (not as history): the silence is the learned baseline's.
    expect(stats.events).toBeGreaterThan(60 * RATE);
    expect(stats.history_events).toBeLessThan(stats.events / 2);
  }, 240_000);

  it('paywatch alerts: its first start reads the stored hours first and pages the ongoing outage', async () => {
    // Collectors without an engine, the standalone engine reading their store (one process here:
    // the embedded store allows one per file).
    await stopOpen();
    const s = await startTestServer({
      PAYWATCH_DATA_DIR: join(root, 'c'),
      PAYWATCH_ALERTS_ENABLED: 'false',
      PAYWATCH_ALERTS_RULES: rulesFile,
      PAYWATCH_LOG_LEVEL: 'warn',
    });
    open.push(s);
    const c = s.config;
    expect(c.alerts.warmupHours).toBe(6);
    svc = await startAlertsService(
      {
        ...c,
        alerts: { ...c.alerts, service: { ...c.alerts.service, port: 0, pollMs: 100, feedLagMs: 300 } },
      },
      { logger: s.logger, store: s.store, defaultMetrics: false },
    );
    const service = svc;
    const { minutes, firstLive } = await streamLive(s, async () => {
      await new Promise((r) => setTimeout(r, 400)); // past the feed lag
      await service.poller.pollOnce();
    });
    const stats = service.alerts.module.engine.stats();
    console.log(
      `paywatch alerts: paged after ${minutes} live minutes (first live: ${firstLive}); ${stats.events} events fed`,
    );
    // Everything stored went in first (before the live minutes).
    expect(stats.events).toBeGreaterThanOrEqual(stored);
    expect(stats.late_events).toBe(0);
    expect(stats.history_notifications_withheld).toBeGreaterThan(0);
    expect(minutes, JSON.stringify(rx.pages)).not.toBeNull();
    expect(minutes! - firstLive).toBeLessThanOrEqual(2);
  }, 240_000);
});
