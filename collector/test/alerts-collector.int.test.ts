// Guards the alert engine inside the collector: unpaced simulated history with a provider outage is judged in event time (not dropped as late) and raises an alert via the API and the live stream, its deep link on this collector's own address; ack needs on-call and records the signed-in actor; `paywatch silence add/list/expire` against it with an API key; non-JSON bodies get 415 and unknown query parameters 400.
import type { ClientToServerEvents, LiveAlertTransition, ServerToClientEvents } from '@paywatch/contracts';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { sendOutageHistory, startTestServer, type TestServer } from './harness.js';

interface AlertView {
  id: string;
  rule: string;
  labels: Record<string, string>;
  status: string;
  acknowledged_by?: string | null;
  dashboard_url?: string;
}

let s: TestServer;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
const pushed: LiveAlertTransition[] = [];
beforeAll(async () => {
  s = await startTestServer({ PAYWATCH_LOG_LEVEL: 'warn' });
  socket = connect(s.url, {
    transports: ['websocket'],
    extraHeaders: { authorization: `Bearer ${s.adminKey}` },
  });
  socket.on('alert', (t) => pushed.push(t));
  await new Promise<void>((r, j) => {
    socket.on('connect', () => r());
    socket.on('connect_error', j);
  });
});
afterAll(async () => {
  socket?.close();
  await s?.stop();
});

describe('alert engine in the collector', () => {
  it('alerts on an injected provider outage, pushes it live, and records who acknowledged it', async () => {
    const report = await sendOutageHistory(s.url);
    expect(report.rejected).toBe(0);

    let alerts: AlertView[] = [];
    for (let i = 0; i < 60 && !alerts.some((a) => a.labels.provider === 'stripe'); i++) {
      alerts = [];
      for (const status of ['pending', 'firing', 'resolved']) {
        const r = await s.fetch(`/api/v1/alerts?status=${status}&limit=200`);
        expect(r.status).toBe(200);
        alerts.push(...((await r.json()) as { items: AlertView[] }).items);
      }
      if (!alerts.some((a) => a.labels.provider === 'stripe'))
        await new Promise((res) => setTimeout(res, 1000));
    }
    const outage = alerts.find((a) => a.labels.provider === 'stripe');
    expect(outage, JSON.stringify(alerts.map((a) => [a.rule, a.labels, a.status]))).toBeDefined();
    const live = pushed.find((t) => t.labels.provider === 'stripe' && t.id === outage!.id);
    // The pushed transition carries the alert's deep link and the currency of its revenue at risk
    // (a bot on the stream had neither).
    expect(live).toMatchObject({ id: outage!.id, revenue_at_risk_currency: 'USD' });
    expect(live!.dashboard_url).toMatch(new RegExp(`/alerts/${outage!.id}\\?from=\\d+&to=\\d+`));
    // The deep link of every notification opens this alert on the dashboard this collector serves.
    expect(outage!.dashboard_url).toMatch(
      new RegExp(`^${s.url.replace(/[.]/g, '\\.')}/alerts/${outage!.id}\\?from=\\d+&to=\\d+`),
    );
    // The unpaced history was judged in event time (fed the baselines), not dropped as late.
    const m = await (await s.fetch('/metrics')).text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(m)?.[1] ?? NaN);
    expect(gauge('paywatch_alerts_engine_history_events')).toBeGreaterThan(0);
    expect(gauge('paywatch_alerts_engine_late_events')).toBeLessThan(report.accepted / 100);

    // Viewers cannot acknowledge; the actor is the caller, whatever the body claims.
    const anonymous = await fetch(`${s.url}/api/v1/alerts/${encodeURIComponent(outage!.id)}/ack`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(anonymous.status).toBe(401);
    const ack = await s.fetch(`/api/v1/alerts/${encodeURIComponent(outage!.id)}/ack`, {
      method: 'POST',
      body: JSON.stringify({ by: 'someone-else' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(ack.status).toBe(200);
    const acked = JSON.stringify(await ack.json());
    expect(acked).toContain('key:test harness');
    expect(acked).not.toContain('someone-else');
    await new Promise((r) => setTimeout(r, 100)); // the audit entry is written when the response finishes
    const audit = (await (await s.fetch('/api/admin/audit?action=alert.ack')).json()) as {
      entries?: unknown[];
      items?: unknown[];
    };
    expect(JSON.stringify(audit)).toContain('key:test harness');
    expect(JSON.stringify(audit)).toContain(outage!.id);
    // A second acknowledgement changes nothing, and its audit entry says so (it read as a plain success).
    const again = await s.fetch(`/api/v1/alerts/${encodeURIComponent(outage!.id)}/ack`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(again.status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    const after = (await (await s.fetch('/api/admin/audit?action=alert.ack&limit=1')).json()) as {
      entries: { details: Record<string, unknown> }[];
    };
    expect(after.entries[0]?.details).toMatchObject({
      result: 'already_acknowledged',
      acknowledged_by: 'key:test harness',
    });
  });

  it('answers 415 to a silence sent as text/plain and 400 naming an unknown query parameter', async () => {
    const body = JSON.stringify({ matchers: ['provider="stripe"'], duration: '1h', comment: 'maintenance' });
    const plain = await s.fetch('/api/v1/silences', {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
    });
    expect([plain.status, await plain.json()]).toEqual([
      415,
      { error: { code: 'unsupported_media_type', message: 'send the body as application/json' } },
    ]);
    const ok = await s.fetch('/api/v1/silences', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(ok.status).toBe(201);
    const unknown = await s.fetch('/api/v1/alerts?status=firing&foo=1');
    expect([unknown.status, await unknown.json()]).toEqual([
      400,
      { error: { code: 'invalid_parameter', message: 'unknown query parameter "foo"', field: 'foo' } },
    ]);
  });

  it('`paywatch silence` adds, lists and expires a silence through the API with --key; the author is the key', async () => {
    const cli = async (...argv: string[]) => {
      let out = '';
      let err = '';
      const w = (f: (c: string) => void) =>
        ({ write: (c: string) => (f(c), true) }) as unknown as NodeJS.WritableStream;
      const code = await main(['silence', ...argv], {
        stdout: w((c) => (out += c)),
        stderr: w((c) => (err += c)),
      });
      return { code, out, err };
    };
    const denied = await cli('list', '--url', s.url);
    expect([denied.code, denied.err]).toEqual([
      1,
      'paywatch silence: GET /silences: HTTP 401 sign in or send Authorization: Bearer <api key> (pass an API key with --key)\n',
    ]);
    const common = ['--url', s.url, '--key', s.adminKey];
    const add = await cli(
      'add',
      ...common,
      '--matcher',
      'provider=adyen',
      '--duration',
      '2h',
      '--reason',
      'adyen maintenance',
      '--author',
      'ana',
    );
    expect(add.code, add.err).toBe(0);
    const id = add.out.trim();
    // A signed-in server records who called, not what --author claims (and says so).
    expect(add.err).toContain('by key:test harness');
    expect(add.err).toContain('the server recorded the author as "key:test harness"');
    const list = await cli('list', ...common);
    expect(list.out).toMatch(
      new RegExp(
        `^${id}\\s+active\\s+\\S+\\s+key:test harness\\s+provider="adyen"\\s+adyen maintenance$`,
        'm',
      ),
    );
    expect((await cli('expire', id, ...common)).code).toBe(0);
    const after = (await s.get<{ items: { id: string; ends_at: number }[] }>('/api/v1/silences')).body.items;
    expect(after.find((x) => x.id === id)?.ends_at).toBeLessThanOrEqual(Date.now());
    expect((await cli('list', ...common)).out).not.toContain(id);
  });
});
