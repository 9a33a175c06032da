// Test helper: the engine of the owed-page tests (a stripe outage from minute 10, paging one webhook that can hang), shared by engine-stop.test, engine-kill.int.test and the child process it kills.
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { PaymentEvent } from '@paywatch/contracts';
import { parseAlertsConfig } from '../../config/load.js';
import { eventStream } from '../../detect/synthetic.js';
import { createDeliveryLog } from '../../notify/delivery-log.js';
import type { DeliveryLog } from '../../notify/delivery-log.js';
import { createNotifier } from '../../notify/notifier.js';
import { createFileAlertStateStore } from '../../state/store.js';
import type { AlertStateStore } from '../../state/store.js';
import { createAlertEngine } from '../engine.js';

const MIN = 60_000;
/** Start of the events: stripe fails from +10 min on, up to +20 min. */
export const OWED_T0 = Date.UTC(2026, 2, 2, 8, 0);
export const owedEvents = eventStream({
  from: OWED_T0,
  minutes: 20,
  perMinute: 40,
  providers: ['stripe'],
  successRate: (t) => (t >= OWED_T0 + 10 * MIN ? 0.05 : 0.92),
  seed: 11,
});

/**
 * A live engine (`followWallClock`, tick every `tickMs`, stop deadline 300 ms) on the wall clock
 * `clock.wall`, paging the webhook `${url}/pager` (group_wait 30 s) into `log`, its alert state
 * and detector snapshot (every `snapshotIntervalMs`, default 5 min, of that clock) in `store`.
 */
export function owedPageEngineOn(
  url: string,
  store: AlertStateStore,
  clock: { wall: number },
  tickMs: number,
  opts: { snapshotIntervalMs?: number; log?: DeliveryLog } = {},
) {
  const cfg = parseAlertsConfig(`
rules:
  - name: provider_down
    detector: { type: threshold, metric: success_rate, op: below, threshold: 0.5, window_minutes: 1, min_attempts: 5 }
    group_by: [provider]
    severity: page
route: { receiver: pager }
receivers: [{ name: pager, channels: [{ type: webhook, url: '${url}/pager' }] }]
`);
  const log = opts.log ?? createDeliveryLog();
  return createAlertEngine(
    {
      store,
      deliveryLog: log,
      notifier: createNotifier({ log, sleep: async () => undefined }, { receivers: cfg.receivers }),
      now: () => clock.wall,
    },
    cfg,
    {
      followWallClock: true,
      tickMs,
      stopTimeoutMs: 300,
      ...(opts.snapshotIntervalMs ? { snapshotIntervalMs: opts.snapshotIntervalMs } : {}),
    },
  );
}

/** {@link owedPageEngineOn} with its alert state in `dir/alerts-state.json` and the detector snapshot beside it. */
export function owedPageEngine(
  url: string,
  dir: string,
  clock: { wall: number },
  tickMs: number,
  snapshotIntervalMs?: number,
) {
  const store = createFileAlertStateStore({ path: join(dir, 'alerts-state.json') });
  return owedPageEngineOn(url, store, clock, tickMs, snapshotIntervalMs ? { snapshotIntervalMs } : {});
}

/** A receiver that holds every request while `state.hang` is true (one timing out), else answers 200. */
export async function owedReceiver() {
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
  /** What it got after the cut-off page: "status provider" each. */
  const pages = () =>
    bodies
      .slice(1)
      .map((x) => JSON.parse(x) as { status: string; alerts: { labels: { provider: string } }[] })
      .map((x) => `${x.status} ${x.alerts.map((a) => a.labels.provider).join()}`);
  return { url, held, bodies, state, close, pages };
}

/** Runs a started engine live for `minutes` of wall clock in 5 s steps, feeding `feed` as its time comes. */
export async function runLive(
  clock: { wall: number },
  e: { onEvents(ev: PaymentEvent[]): void },
  minutes: number,
  feed: PaymentEvent[] = [],
) {
  const end = clock.wall + minutes * MIN;
  while (clock.wall < end) {
    const from = clock.wall;
    clock.wall += 5_000;
    e.onEvents(feed.filter((x) => x.ts > from && x.ts <= clock.wall));
    await new Promise((r) => setTimeout(r, 15)); // a few ticks (tickMs 5) at this wall time
  }
}
