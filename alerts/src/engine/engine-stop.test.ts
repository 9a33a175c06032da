// Guards a graceful stop while a receiver hangs: stop() ends within its deadline (it waited ≈ 45 s of retries), and the page it cut off goes out once after the restart, however long the downtime — never twice, and not for an alert that is over by its first judgement after the restart.
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAlertEngine } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { eventStream } from '../detect/synthetic.js';
import { createDeliveryLog } from '../notify/delivery-log.js';
import { createNotifier, ABORTED_ERROR } from '../notify/notifier.js';
import { createMemoryAlertStateStore } from '../state/store.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 8, 0);
const events = eventStream({
  from: T0,
  minutes: 20,
  perMinute: 40,
  providers: ['stripe'],
  successRate: (t) => (t >= T0 + 10 * MIN ? 0.05 : 0.92),
  seed: 11,
});

/** A receiver that holds every request while `hang` is true (a receiver timing out), else answers 200. */
async function receiver() {
  const held: ServerResponse[] = [];
  const bodies: string[] = [];
  const state = { hang: true };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      bodies.push(body);
      if (state.hang) held.push(res);
      else res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    held.splice(0).forEach((r) => r.destroy());
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return { url, held, bodies, state, close };
}

let rx: Awaited<ReturnType<typeof receiver>>;
afterEach(() => {
  vi.useRealTimers();
  return rx.close();
});

/** Runs a started engine live for `minutes` of wall clock in 5 s steps, feeding `feed`'s events as their time comes. */
async function live(
  clock: { wall: number },
  e: { onEvents(ev: typeof events): void },
  minutes: number,
  feed = events,
) {
  const end = clock.wall + minutes * MIN;
  while (clock.wall < end) {
    const from = clock.wall;
    clock.wall += 5_000;
    e.onEvents(feed.filter((x) => x.ts > from && x.ts <= clock.wall));
    await new Promise((r) => setTimeout(r, 15)); // a few ticks (tickMs 5) at this wall time
  }
}

/**
 * Starts `make(tickMs)` on a faked interval, lets one tick send the page (past group_wait) and
 * waits until the receiver holds it: the page is under way before the stop's deadline runs (the
 * stop's own flush had to reach the receiver within stopTimeoutMs, 300 ms, which a loaded box
 * could outlast).
 */
async function pageUnderWay<E extends { start(): Promise<void>; onEvents(ev: typeof events): void }>(
  clock: { wall: number },
  make: (tickMs: number) => E,
): Promise<E> {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const e = make(1000);
  await e.start();
  e.onEvents(events);
  clock.wall += MIN; // past group_wait
  await vi.advanceTimersByTimeAsync(1000);
  for (let i = 0; i < 500 && rx.held.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  vi.useRealTimers();
  return e;
}

/** The engine of these tests over one state store; `rx` its receiver. */
function setup() {
  const cfg = parseAlertsConfig(`
rules:
  - name: provider_down
    detector: { type: threshold, metric: success_rate, op: below, threshold: 0.5, window_minutes: 1, min_attempts: 5 }
    group_by: [provider]
    severity: page
route: { receiver: pager }
receivers: [{ name: pager, channels: [{ type: webhook, url: '${rx.url}/pager' }] }]
`);
  const store = createMemoryAlertStateStore();
  const clock = { wall: T0 + 20 * MIN };
  const engine = (log = createDeliveryLog(), tickMs = 3_600_000) =>
    createAlertEngine(
      {
        store,
        deliveryLog: log,
        notifier: createNotifier({ log, sleep: async () => undefined }, { receivers: cfg.receivers }),
        now: () => clock.wall,
      },
      cfg,
      { followWallClock: true, tickMs, stopTimeoutMs: 300 },
    );
  /** What the receiver got after the first (cut-off) page: "status provider" each. */
  const pages = () =>
    rx.bodies
      .slice(1)
      .map((x) => JSON.parse(x) as { status: string; alerts: { labels: { provider: string } }[] })
      .map((x) => `${x.status} ${x.alerts.map((al) => al.labels.provider).join()}`);
  return { clock, engine, pages };
}

describe('engine stop with a receiver that hangs', () => {
  it('stops within stopTimeoutMs, and the page it cut off is sent once after the restart', async () => {
    rx = await receiver();
    const { clock, engine, pages } = setup();
    const log = createDeliveryLog();
    const a = await pageUnderWay(clock, (tickMs) => engine(log, tickMs));
    const t0 = Date.now();
    const stopped = await Promise.race([
      a.stop().then(() => 'stopped'),
      new Promise((r) => setTimeout(() => r('still waiting'), 3_000)),
    ]);
    expect(stopped).toBe('stopped');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(rx.held).toHaveLength(1); // the page was under way
    expect(log.list({ limit: 10 }).map((d) => [d.status, d.error])).toEqual([['failed', ABORTED_ERROR]]);

    // Restarted 30 min later (its evidence is history by then: withheld, it was a lost page) with
    // the receiver back and no traffic yet: the cut-off page goes out at the first judgement
    // after the restart (the alert still fires), once.
    rx.state.hang = false;
    clock.wall += 30 * MIN;
    // A restart stopped again before it judged a minute still owes the page.
    const again = engine();
    await again.start();
    clock.wall += 10_000;
    await again.stop();
    const b = engine(createDeliveryLog(), 5);
    await b.start();
    await live(clock, b, 3, []);
    await b.stop();
    expect(pages()).toEqual(['firing stripe']);
    // And a further restart does not send it again.
    const c = engine();
    await c.start();
    clock.wall += 10 * MIN;
    await c.stop();
    expect(rx.bodies).toHaveLength(2);
  });

  it('does not page after the restart for an owed alert that is over by then', async () => {
    // The owed page went out group_wait after the start, before the engine had judged a minute:
    // FIRING for an outage that had ended while it was down, its RESOLVED 5 min later.
    rx = await receiver();
    const { clock, engine, pages } = setup();
    const a = await pageUnderWay(clock, (tickMs) => engine(createDeliveryLog(), tickMs));
    await a.stop();
    expect(rx.held).toHaveLength(1);
    rx.state.hang = false;
    clock.wall += 30 * MIN;
    const recovered = eventStream({
      from: clock.wall,
      minutes: 4,
      perMinute: 40,
      providers: ['stripe'],
      successRate: () => 0.92,
      seed: 12,
    });
    const b = engine(createDeliveryLog(), 5);
    await b.start();
    await live(clock, b, 3, recovered);
    expect(b.list().map((x) => x.status)).toEqual(['resolved']);
    await b.stop();
    expect(pages()).toEqual([]);
  });
});
