// Guards a graceful stop while a receiver hangs: stop() ends within its deadline (it waited ≈ 45 s of retries), and the page it cut off goes out once after the restart, however long the downtime — never twice.
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
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
afterEach(() => rx.close());

describe('engine stop with a receiver that hangs', () => {
  it('stops within stopTimeoutMs, and the page it cut off is sent once after the restart', async () => {
    rx = await receiver();
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
    const engine = (log = createDeliveryLog()) =>
      createAlertEngine(
        {
          store,
          deliveryLog: log,
          notifier: createNotifier({ log, sleep: async () => undefined }, { receivers: cfg.receivers }),
          now: () => clock.wall,
        },
        cfg,
        { followWallClock: true, tickMs: 3_600_000, stopTimeoutMs: 300 },
      );
    const log = createDeliveryLog();
    const a = engine(log);
    await a.start();
    a.onEvents(events);
    clock.wall += MIN; // past group_wait: the stop's flush sends the page
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
    // the receiver back: the cut-off page goes out, once.
    rx.state.hang = false;
    clock.wall += 30 * MIN;
    const b = engine();
    await b.start();
    clock.wall += MIN;
    await b.stop();
    const pages = rx.bodies
      .slice(1)
      .map((x) => JSON.parse(x) as { status: string; alerts: { labels: { provider: string } }[] })
      .map((x) => `${x.status} ${x.alerts.map((al) => al.labels.provider).join()}`);
    expect(pages).toEqual(['firing stripe']);
    // And a further restart does not send it again.
    const c = engine();
    await c.start();
    clock.wall += 10 * MIN;
    await c.stop();
    expect(rx.bodies).toHaveLength(2);
  });
});
