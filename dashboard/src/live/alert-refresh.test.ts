// Guards how the alert pages follow the live socket instead of a 15 s poll: the engine's `alert` transitions and `alert_ack` acknowledgements reach the page (through a real socket.io server), a burst of them is one refresh at once plus one at the window's end, a reconnect refreshes (transitions sent meanwhile were missed), and the fallback poll is slow while the socket is up, 15 s while it is down.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveAlertAck, LiveAlertTransition } from '@paywatch/contracts';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { afterEach, expect, it, vi } from 'vitest';
import { ALERT_POLL_MS, ALERT_REFRESH_COALESCE_MS, alertPollMs } from './alert-refresh.js';
import { createLiveClient, type ConnectionState, type LiveClient, type LiveSocket } from './live-client.js';
import { alertRefreshHandlers } from './use-alert-stream.js';

let http: HttpServer | undefined;
let server: Server | undefined;
let client: LiveClient | undefined;
afterEach(async () => {
  vi.useRealTimers();
  client?.stop();
  await server?.close();
  http?.closeAllConnections();
});

const transition = (id: string, state = 'firing'): LiveAlertTransition => ({
  id,
  rule: 'provider_success_rate_drop',
  labels: { alertname: 'provider_success_rate_drop', provider: 'adyen' },
  state,
  at: Date.UTC(2026, 10, 26, 14, 2),
  value: 0.14,
  expected: 0.958,
  revenue_at_risk: 7100,
  revenue_at_risk_currency: 'USD',
  severity: 'page',
  summary: 'Success rate 14.0% over 407 attempts (8.0%–23.3%) vs baseline 95.8%',
  dashboard_url: null,
});

const until = async (ok: () => boolean, ms: number) => {
  for (const t0 = Date.now(); !ok() && Date.now() - t0 < ms;) await new Promise((r) => setTimeout(r, 20));
};

it("hands the engine's alert transitions and acknowledgements from the socket to the page", async () => {
  http = createServer();
  server = new Server(http);
  await new Promise<void>((r) => http?.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const seen: LiveAlertTransition[] = [];
  const acks: LiveAlertAck[] = [];
  const states: ConnectionState[] = [];
  client = createLiveClient(
    {
      connect: () => Promise.resolve(io(url, { transports: ['websocket'], forceNew: true }) as LiveSocket),
      fetchMissed: () => Promise.resolve([]),
    },
    { onState: (s) => states.push(s), onAlert: (t) => seen.push(t), onAlertAck: (a) => acks.push(a) },
  );
  await until(() => states.includes('connected'), 3000);
  server.emit('alert', transition('0578'));
  server.emit('alert', transition('0578', 'resolved'));
  const ack: LiveAlertAck = {
    id: '0578',
    rule: 'provider_success_rate_drop',
    labels: { provider: 'adyen' },
    acknowledged: true,
    by: 'alice',
    at: Date.UTC(2026, 10, 26, 14, 3),
    reason: 'on it',
  };
  server.emit('alert_ack', ack);
  await until(() => seen.length === 2 && acks.length === 1, 3000);
  expect(seen.map((t) => [t.id, t.state])).toEqual([
    ['0578', 'firing'],
    ['0578', 'resolved'],
  ]);
  expect(acks).toEqual([ack]);
});

it('refreshes at once on a transition, folds a burst into one more refresh, skips what the page does not show', () => {
  vi.useFakeTimers();
  let refreshes = 0;
  const h = alertRefreshHandlers(
    () => refreshes++,
    (t) => t.id !== 'other',
  );
  h.onState('connected');
  h.onAlert(transition('a1'));
  expect(refreshes).toBe(1);
  // An outage: a dozen alerts within the window.
  for (let i = 0; i < 12; i++) h.onAlert(transition(`a${i}`));
  expect(refreshes).toBe(1);
  vi.advanceTimersByTime(ALERT_REFRESH_COALESCE_MS);
  expect(refreshes).toBe(2);
  vi.advanceTimersByTime(10 * ALERT_REFRESH_COALESCE_MS);
  expect(refreshes).toBe(2);
  h.onAlert(transition('other'));
  vi.advanceTimersByTime(10 * ALERT_REFRESH_COALESCE_MS);
  expect(refreshes).toBe(2);
  // Someone else acknowledged an alert the page shows: re-read (its "Acknowledged by" changes).
  h.onAlertAck({ ...transition('a3'), acknowledged: true, by: 'bob', at: 0, reason: null });
  expect(refreshes).toBe(3);
  h.stop();
});

it('refreshes after a reconnect (transitions sent meanwhile were missed), not on the first connect', () => {
  vi.useFakeTimers();
  let refreshes = 0;
  const h = alertRefreshHandlers(() => refreshes++);
  h.onState('connecting');
  h.onState('connected');
  expect(refreshes).toBe(0);
  h.onState('reconnecting');
  h.onState('connected');
  expect(refreshes).toBe(1);
  h.stop();
});

it('polls slowly while the socket is up, every 15 s while it is down', () => {
  expect(alertPollMs('connected')).toBe(ALERT_POLL_MS.live);
  expect(ALERT_POLL_MS.live).toBeGreaterThanOrEqual(60_000);
  for (const s of ['connecting', 'reconnecting', 'offline'] as const) expect(alertPollMs(s)).toBe(15_000);
});
