// Guards `paywatch start` on a fresh store: live transactions reach the dashboard within seconds, the alert engine learns the recent history before any live event (no late drops) so its baselines are warm — an outage right after the start alerts — and the 8-day history is stored behind live traffic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { parseIncident } from '../src/simulator/incidents.js';
import { sendEvents } from '../src/simulator/sender.js';
import { spawnPaywatch } from './harness.js';

const PASSWORD = 'demo-history-test-pw';

interface Stats {
  events: number;
  late_events: number;
  history_events: number;
}
interface AlertView {
  rule: string;
  status: string;
  labels: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('paywatch start: demo history', () => {
  it('live traffic within seconds; the engine learns history first, in event order: nothing late, baselines warm (an outage alerts at once); all history stored', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pw-demo-history-'));
    const proc = spawnPaywatch(['start', '--no-dashboard', '--seed', '11'], {
      PAYWATCH_PORT: '0',
      PAYWATCH_DATA_DIR: dataDir,
      PAYWATCH_LOG_LEVEL: 'warn',
      PAYWATCH_ADMIN_PASSWORD: PASSWORD,
    });
    const { child } = proc;
    try {
      const t0 = Date.now();
      const url = (
        await proc.waitFor(/Ingest API:\s+POST (http:\/\/\S+?)\/v1\/events/, 20_000, 'no URL printed', 100)
      )[1]!;
      const urlAfter = Date.now() - t0;

      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
      });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      const csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
      const get = async <T>(path: string): Promise<T> => {
        const r = await fetch(url + path, { headers: { cookie } });
        expect(r.status, path).toBe(200);
        return (await r.json()) as T;
      };

      // Live transactions reach a dashboard socket within seconds of the URL, before the history is stored.
      const socket = connect(url, {
        path: '/socket.io/',
        extraHeaders: { cookie },
        transports: ['websocket'],
      });
      let liveAfter: number;
      try {
        liveAfter = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no live transaction within 30 s:\n${proc.out}`)),
            30_000,
          );
          socket.on('transactions', (b: { events: unknown[] }) => {
            if (b.events.length === 0) return;
            clearTimeout(timer);
            resolve(Date.now() - t0);
          });
        });
      } finally {
        socket.close();
      }
      expect(liveAfter - urlAfter, proc.out).toBeLessThan(15_000);
      expect(proc.out).toContain(
        'Live demo traffic: 20 events/s. The alert engine first learns the last 2 hours',
      );

      // The engine learnt the last 2 hours of history (in event order, before any live event).
      const warmed = Number(
        (
          await proc.waitFor(/Alert engine warmed with (\d+) events/, 60_000, 'alert engine not warmed', 250)
        )[1],
      );
      // 2 h at 20/s is 144k at mean volume; the simulator's time-of-day curve (the window ends at
      // the wall clock) brings the quietest 2 h of the week to ~100k, so the floor sits below that.
      expect(warmed).toBeGreaterThan(85_000);
      // The whole history is stored behind live traffic and reported when done.
      const [, sent] = await proc.waitFor(
        /Demo history back-filled: (\d+) events in ([\d.]+) s/,
        90_000,
        'history not back-filled',
        250,
      );
      const historyDone = Date.now() - t0;
      // ~320k at mean volume; 254k-382k over the week's start times (time-of-day curve).
      expect(Number(sent)).toBeGreaterThan(220_000);
      console.log(
        `demo start: URL ${urlAfter} ms, first live transaction ${liveAfter} ms, history stored ${historyDone} ms`,
      );
      const stored = (
        await get<{ events: number }>(
          `/api/v1/overview?from=${t0 - 8 * 86_400_000 - 60_000}&to=${Date.now()}`,
        )
      ).events;
      expect(stored).toBeGreaterThanOrEqual(Number(sent));
      // The recent hours the engine learnt are stored too (the very same events).
      const recent = (
        await get<{ events: number }>(`/api/v1/overview?from=${t0 - 7_140_000}&to=${t0 - 60_000}`)
      ).events;
      expect(recent).toBeGreaterThan(warmed * 0.9);

      // The engine judged the history in event time: nothing dropped as late.
      const stats = await get<Stats>('/api/v1/alerts-stats');
      expect(stats.late_events, JSON.stringify(stats)).toBe(0);
      expect(stats.history_events).toBeGreaterThan(warmed * 0.9);

      // Warm baselines: an adyen outage over the current minute and the next ~2 minutes of
      // event time, sent at once (stamped up to 115 s ahead, which the engine accepts), pushes
      // event time past the current minute, which is then judged against the history-learnt
      // baseline. A cold engine answers "learning the baseline" there and cannot alert.
      const key = await fetch(`${url}/api/admin/keys`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'demo-history test', scopes: ['ingest'] }),
      });
      expect(key.status).toBe(201);
      const ingestKey = ((await key.json()) as { key: string }).key;
      // Between 5 and 40 s into a minute: that minute is still open, and 115 s ahead closes it.
      while (Date.now() % 60_000 < 5_000 || Date.now() % 60_000 > 40_000) await sleep(500);
      const now = Date.now();
      const start = now - (now % 60_000);
      const report = await sendEvents({
        url,
        key: ingestKey,
        seed: 4242,
        rate: 40,
        paced: false,
        start,
        durationMs: now + 115_000 - start,
        incidents: [parseIncident('provider-outage:adyen@+1s/5m', start)],
      });
      expect(report.rejected).toBe(0);
      let adyen: AlertView | undefined;
      let seen: AlertView[] = [];
      while (!adyen) {
        seen = [];
        for (const status of ['pending', 'firing', 'resolved'])
          seen.push(
            ...(await get<{ items: AlertView[] }>(`/api/v1/alerts?status=${status}&limit=200`)).items,
          );
        adyen = seen.find((a) => a.rule === 'provider_success_rate_drop' && a.labels.provider === 'adyen');
        if (Date.now() - now > 15_000)
          throw new Error(`no adyen alert: ${JSON.stringify(seen.map((a) => [a.rule, a.labels, a.status]))}`);
        if (!adyen) await sleep(500);
      }
      // Quiet otherwise: no other provider-level success-rate alert from the history or its end.
      expect(
        seen
          .filter((a) => a.rule === 'provider_success_rate_drop' && a.labels.provider !== 'adyen')
          .map((a) => a.labels),
      ).toEqual([]);
      expect(['pending', 'firing']).toContain(adyen.status);
    } finally {
      child.kill('SIGINT');
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
      expect(code, proc.out).toBe(0);
    }
  }, 120_000);
});
