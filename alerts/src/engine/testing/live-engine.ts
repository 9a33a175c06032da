// Test helper: a live alert engine (wall clock followed) on a fake tick timer, paging a real local HTTP receiver.
import { vi } from 'vitest';
import { parseAlertsConfig } from '../../config/load.js';
import { createDeliveryLog } from '../../notify/delivery-log.js';
import { createNotifier } from '../../notify/notifier.js';
import { startHttpReceiver } from '../../notify/testing/http-receiver.js';
import { createMemoryAlertStateStore } from '../../state/store.js';
import type { PaymentEvent } from '@paywatch/contracts';
import { createAlertEngine } from '../engine.js';
import type { AlertTransition } from '../engine.js';

const MIN = 60_000;

/**
 * Starts a live engine (`followWallClock`, one tick per second) whose rules come from
 * `yaml(receiverUrl)`, with the wall clock at `wall`. Only the engine's tick is driven by fake
 * time (the caller restores real timers, e.g. `afterEach(() => vi.useRealTimers())`); HTTP to the
 * receiver is real. `pages()` lists what reached the receiver as `"<status> <alertname> <provider>"`;
 * `pass(ms)` lets wall time pass, one tick per second; `sendHistory(events)` sends stored events
 * as an unpaced client would (2000 at a time, 50 ms of wall time apart); `sendMinutes(events,
 * from, minutes)` sends live traffic one minute at a time from `from`, a minute of wall time after
 * each.
 */
export async function startLiveEngine(yaml: (receiverUrl: string) => string, wall: number) {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const rx = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
  const cfg = parseAlertsConfig(yaml(rx.url));
  const clock = { wall };
  const log = createDeliveryLog();
  const engine = createAlertEngine(
    {
      store: createMemoryAlertStateStore(),
      notifier: createNotifier({ log, sleep: async () => undefined }, { receivers: cfg.receivers }),
      deliveryLog: log,
      now: () => clock.wall,
    },
    cfg,
    { followWallClock: true, tickMs: 1000 },
  );
  const seen: AlertTransition[] = [];
  engine.onTransition((t) => seen.push(t));
  await engine.start();
  const pages = () =>
    rx.requests.map((r) => {
      const b = JSON.parse(r.body) as { status: string; alerts: { labels: Record<string, string> }[] };
      return `${b.status} ${b.alerts[0]?.labels['alertname']} ${b.alerts[0]?.labels['provider']}`;
    });
  const pass = async (ms: number) => {
    for (let i = 0; i < ms / 1000; i++) {
      clock.wall += 1000;
      await vi.advanceTimersByTimeAsync(1000);
    }
  };
  const sendHistory = async (events: readonly PaymentEvent[]) => {
    for (let i = 0; i < events.length; i += 2000) {
      engine.onEvents(events.slice(i, i + 2000));
      clock.wall += 50;
      await vi.advanceTimersByTimeAsync(50);
    }
  };
  const sendMinutes = async (events: readonly PaymentEvent[], from: number, minutes: number) => {
    for (let m = 0; m < minutes; m++) {
      engine.onEvents(events.filter((e) => e.ts >= from + m * MIN && e.ts < from + (m + 1) * MIN));
      await pass(MIN);
    }
  };
  return { rx, engine, clock, seen, pages, pass, sendHistory, sendMinutes };
}

/**
 * A rules YAML with the default pack's provider success-rate rule (paging per provider), routed
 * at once to a webhook at `${url}/hook`. `extraRules`: more rule entries (YAML list items,
 * indented by two spaces), e.g. an expected-silence rule.
 */
export function providerDropPack(
  url: string,
  opts: { minAttempts: number; allowedLateness?: string; extraRules?: string },
): string {
  return `
reporting_currency: EUR
${opts.allowedLateness ? `allowed_lateness: ${opts.allowedLateness}\n` : ''}rules:
  - name: provider_success_rate_drop
    detector: { type: rate, metric: success_rate, window_minutes: 5, baseline_minutes: 120, min_attempts: ${opts.minAttempts}, min_effect: 0.08 }
    group_by: [provider]
    severity: page
    keep_firing_for: 3m
${opts.extraRules ?? ''}route: { receiver: oncall, group_by: [alertname, provider], group_wait: 0s, group_interval: 1m, repeat_interval: 4h }
receivers:
  - name: oncall
    channels: [{ type: webhook, url: "${url}/hook" }]
`;
}
