// Guards `paywatch alerts`, the standalone alert engine: a collector (alerts off) and the engine process share a real ClickHouse; an injected provider outage sent while the engine is down raises the alert after it restarts, every event is fed exactly once, a restart neither re-feeds nor skips events, and the collector proxies the alerts API with its roles; alert links open PAYWATCH_PUBLIC_URL.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident, sql } from '../src/store/clickhouse/sql.js';
import {
  inputEvent,
  metricValue,
  ndjson,
  sendOutageHistory,
  startTestServer,
  type TestServer,
} from './harness.js';
import { freePort, startAlertEngine, type AlertEngineProcess } from './scrape-harness.js';
import { REPO_DIR, assertClickHouseUp, clickhouseEndpoint, clickhouseStoreEnv } from './services.js';

const BIN = path.join(REPO_DIR, 'collector/bin/paywatch.mjs');
const API_TOKEN = 'alerts-api-token-0123456789abcdef';
const ep = clickhouseEndpoint();
const database = `paywatch_alerts_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const chEnv = clickhouseStoreEnv(ep, database);

let collector: TestServer;
let alertsDir: string;
let engine: AlertEngineProcess | null = null;
let alertsPort = 0;

/** Starts `paywatch alerts` on its port and data folder (a restart resumes there); resolves with its URL. */
async function startAlerts(): Promise<string> {
  engine = await startAlertEngine(chEnv, {
    dataDir: alertsDir,
    port: alertsPort,
    env: {
      PAYWATCH_ALERTS_API_TOKEN: API_TOKEN,
      // As in docker-compose: the service serves no dashboard, its links open this one.
      PAYWATCH_PUBLIC_URL: 'https://paywatch.example.com/',
    },
  });
  return engine.url;
}

async function stopAlerts(): Promise<number | null> {
  const e = engine;
  engine = null;
  return e ? e.stop() : null;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** Waits until the feed has handed the engine `n` events (and then one more poll, to catch extras). */
async function fedEventually(url: string, n: number): Promise<number> {
  let fed = -1;
  for (let i = 0; i < 150; i++) {
    fed = metricValue(await scrape(url), 'paywatch_alerts_feed_events_total');
    if (fed >= n) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 1500));
  return metricValue(await scrape(url), 'paywatch_alerts_feed_events_total');
}

beforeAll(async () => {
  await assertClickHouseUp(ep);
  alertsDir = await mkdtemp(path.join(tmpdir(), 'paywatch-alerts-svc-'));
  alertsPort = await freePort();
  collector = await startTestServer({
    ...chEnv,
    PAYWATCH_ALERTS_ENABLED: 'false',
    PAYWATCH_ALERTS_URL: `http://127.0.0.1:${alertsPort}`,
    PAYWATCH_ALERTS_API_TOKEN: API_TOKEN,
    PAYWATCH_LOG_LEVEL: 'warn',
  });
});
afterAll(async () => {
  await stopAlerts();
  await collector?.stop();
  const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
  await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text }).finally(() => c.close());
  if (alertsDir) await rm(alertsDir, { recursive: true, force: true });
});

describe(
  'paywatch alerts (standalone engine) with a collector on a shared ClickHouse',
  { timeout: 240_000 },
  () => {
    it('alerts on an injected provider outage from the store, feeds every event once, and resumes after a restart without re-feeding', async () => {
      // The collector does not alert itself: the standalone engine owns alerting.
      expect(collector.alerts).toBeNull();
      // Its alerts API is a proxy to the service, which is not running yet.
      expect((await collector.fetch('/api/v1/alerts')).status).toBe(503);

      // The first start sets the watermark at "now"; the traffic below arrives while the engine is
      // down, so its restart must catch up on all of it (and the backlog goes to the engine in one
      // event-time-ordered call: 40 simulated minutes sent in seconds would otherwise be late for
      // an engine whose event time follows the wall clock).
      let url = await startAlerts();
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { store: string }).store).toBe('clickhouse');
      expect(await stopAlerts()).toBe(0);

      const report = await sendOutageHistory(collector.url);
      expect(report.rejected).toBe(0);
      // Every generated event accepted. How many there are follows the simulator's time-of-day curve
      // (the 40 minutes end now): 36k-46k at 20/s, so only a floor well below the night's volume.
      expect(report.accepted).toBe(report.generated);
      expect(report.accepted).toBeGreaterThan(10_000);
      // The collector's spool drains to ClickHouse; the engine reads what landed there.
      await collector.spool!.drained();

      url = await startAlerts();
      expect(await fedEventually(url, report.accepted)).toBe(report.accepted);
      let stripe: { rule: string; status: string }[] = [];
      for (let i = 0; i < 60 && stripe.length === 0; i++) {
        const text = await readFile(path.join(alertsDir, 'alerts-state.json'), 'utf8').catch(
          () => '{"states":[]}',
        );
        const states = (
          JSON.parse(text) as { states: { rule: string; status: string; labels: Record<string, string> }[] }
        ).states;
        stripe = states.filter((s) => s.labels.provider === 'stripe' && s.status !== 'inactive');
        if (stripe.length === 0) await new Promise((r) => setTimeout(r, 500));
      }
      expect(stripe.length, engine?.output()).toBeGreaterThan(0);
      expect(stripe.map((a) => a.rule)).toContain('provider_success_rate_drop');
      const metrics = await scrape(url);
      const raised = ['pending', 'firing', 'resolved'].reduce(
        (n, state) => n + metricValue(metrics, `paywatch_alerts{rule="${stripe[0]!.rule}",state="${state}"}`),
        0,
      );
      expect(raised).toBeGreaterThan(0);
      expect(metricValue(metrics, 'paywatch_alerts_feed_polls_total{outcome="error"}')).toBe(0);
      // Batches reach the engine whole and in event-time order: nothing arrives after its minute closed.
      expect(metricValue(metrics, 'paywatch_alerts_engine_late_events')).toBe(0);
      expect(metricValue(metrics, 'paywatch_alerts_feed_lag_seconds')).toBeLessThan(30);

      // The dashboard's API on the collector reaches the engine: same roles, actor from the session.
      const listed = await collector.get<{
        items: { id: string; rule: string; labels: Record<string, string>; dashboard_url: string }[];
      }>('/api/v1/alerts?status=firing&limit=500');
      expect(listed.status).toBe(200);
      const outage = listed.body.items.find(
        (a) => a.labels.provider === 'stripe' && a.rule === 'provider_success_rate_drop',
      );
      expect(outage).toBeDefined();
      expect(outage!.dashboard_url).toMatch(
        new RegExp(`^https://paywatch\\.example\\.com/alerts/${outage!.id}\\?from=\\d+`),
      );
      const ackPath = `/api/v1/alerts/${encodeURIComponent(outage!.id)}/ack`;
      const anonymous = await fetch(collector.url + ackPath, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(anonymous.status).toBe(401);
      const ack = await collector.fetch(ackPath, {
        method: 'POST',
        body: JSON.stringify({ by: 'someone-else' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(ack.status).toBe(200);
      const acked = JSON.stringify(await ack.json());
      expect(acked).toContain('key:test harness');
      expect(acked).not.toContain('someone-else');
      // Through the proxy, a second acknowledgement is audited as changing nothing, by whom it stands.
      expect(
        (
          await collector.fetch(ackPath, {
            method: 'POST',
            body: '{}',
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(200);
      await new Promise((r) => setTimeout(r, 100)); // the audit entry is written when the response finishes
      const audited = (await (await collector.fetch('/api/admin/audit?action=alert.ack&limit=1')).json()) as {
        entries: { details: Record<string, unknown> }[];
      };
      expect(audited.entries[0]?.details).toMatchObject({
        result: 'already_acknowledged',
        acknowledged_by: 'key:test harness',
      });
      // Withdrawn and given again with a reason, through the proxy: the service stamps the caller,
      // the collector audits what was withdrawn and the reason (the service has no audit log).
      const un = await collector.fetch(ackPath, { method: 'DELETE' });
      expect([un.status, ((await un.json()) as { acknowledged_by: unknown }).acknowledged_by]).toEqual([
        200,
        null,
      ]);
      const why = 'stripe 确认故障，修复中';
      const reack = await collector.fetch(ackPath, {
        method: 'POST',
        body: JSON.stringify({ reason: why }),
        headers: { 'content-type': 'application/json' },
      });
      expect(await reack.json()).toMatchObject({
        acknowledged_by: 'key:test harness',
        acknowledged_reason: why,
      });
      await new Promise((r) => setTimeout(r, 100));
      const auditOf = async (action: string) =>
        (
          (await (await collector.fetch(`/api/admin/audit?action=${action}&limit=1`)).json()) as {
            entries: { details: Record<string, unknown> }[];
          }
        ).entries[0]?.details;
      expect(await auditOf('alert.unack')).toMatchObject({
        acknowledged_by: 'key:test harness',
        reason: null,
      });
      expect(await auditOf('alert.ack')).toMatchObject({ reason: why });
      const noAck = await collector.fetch(`/api/v1/alerts/nope/ack`, { method: 'DELETE' });
      expect(noAck.status).toBe(404);
      // A JSON array body is refused by the service, not read as {} (it acknowledged the alert).
      const arr = await collector.fetch(ackPath, {
        method: 'POST',
        body: '[1]',
        headers: { 'content-type': 'application/json' },
      });
      expect([arr.status, await arr.json()]).toEqual([
        400,
        { error: { code: 'bad_request', message: 'the body must be a JSON object' } },
      ]);
      // Through the proxy too: a text/plain body is a 415 (not forwarded as `{}`), an unknown parameter a 400.
      const plain = await collector.fetch('/api/v1/silences', {
        method: 'POST',
        body: JSON.stringify({ matchers: ['provider="stripe"'], duration: '1h', comment: 'maintenance' }),
        headers: { 'content-type': 'text/plain' },
      });
      expect(plain.status).toBe(415);
      const unknown = await collector.fetch('/api/v1/alerts?foo=1');
      expect([unknown.status, ((await unknown.json()) as { error: { field?: string } }).error.field]).toEqual(
        [400, 'foo'],
      );
      // The service's API itself only answers callers holding the token.
      expect((await fetch(`${url}/api/v1/alerts`)).status).toBe(401);
      expect(
        (await fetch(`${url}/api/v1/alerts`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status,
      ).toBe(200);
      // A body that is not JSON is the caller's mistake (400), not a 500 logged as the service's.
      const broken = await fetch(`${url}${ackPath}`, {
        method: 'POST',
        body: '{',
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      });
      expect([broken.status, ((await broken.json()) as { error: { code: string } }).error.code]).toEqual([
        400,
        'bad_body',
      ]);

      // Restart: the watermark in the data dir means old events are not fed again…
      expect(await stopAlerts()).toBe(0);
      url = await startAlerts();
      await new Promise((r) => setTimeout(r, 2000));
      expect(metricValue(await scrape(url), 'paywatch_alerts_feed_events_total')).toBe(0);
      // …and events received while it was down or after it restarted are not skipped.
      const down = Array.from({ length: 120 }, (_, i) =>
        inputEvent(i, { event_id: `after_restart_${i}`, payment_id: `ar_${i}`, ts: Date.now() - 30_000 }),
      );
      const res = await collector.post('/v1/events', ndjson(down));
      expect(res.status).toBeLessThan(300);
      await collector.spool!.drained();
      expect(await fedEventually(url, down.length)).toBe(down.length);
    });
  },
);

describe('paywatch alerts command line', { timeout: 60_000 }, () => {
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, ...args], {
        cwd: REPO_DIR,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
      });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.on('exit', (code) => resolve({ code, out }));
    });

  it('documents itself with --help and is listed by paywatch --help', async () => {
    const help = await run(['alerts', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.out).toContain('PAYWATCH_ALERTS_FEED_LAG_MS');
    expect(help.out).toContain('PAYWATCH_PUBLIC_URL');
    const all = await run(['--help'], {});
    expect(all.out).toMatch(/^\s+alerts\s+/m);
  });

  // A ClickHouse that does not answer at all is waited for (clickhouse/start-wait.int.test.ts);
  // one that refuses the credentials is a configuration error: exit at once, naming it.
  it('exits non-zero naming the problem when the store cannot be opened', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'paywatch-alerts-bad-'));
    try {
      const r = await run(['alerts'], {
        PAYWATCH_DATA_DIR: dir,
        PAYWATCH_STORE: 'clickhouse',
        PAYWATCH_CLICKHOUSE_URL: ep.url,
        PAYWATCH_CLICKHOUSE_USER: ep.username,
        PAYWATCH_CLICKHOUSE_PASSWORD: 'not-the-password-0123',
        PAYWATCH_ALERTS_PORT: '0',
        PAYWATCH_HASH_KEY: 'integration-test-hash-key-0123456789',
        PAYWATCH_LOG_LEVEL: 'silent',
      });
      expect(r.code).toBe(1);
      expect(r.out).toContain(`paywatch alerts: could not start: ClickHouse at ${ep.url}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
