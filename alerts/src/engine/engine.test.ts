// Guards the engine end to end in event time: an outage on one provider fires within 2 minutes with labels, revenue at risk and a deep link, resolves after recovery, notifies through a real receiver, and a restart from the file store neither re-sends the firing nor loses the resolve.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertEngine } from './engine.js';
import type { AlertTransition } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { eventStream } from '../detect/synthetic.js';
import { createMemoryAlertStateStore, createFileAlertStateStore } from '../state/store.js';
import { createNotifier } from '../notify/notifier.js';
import { createDeliveryLog } from '../notify/delivery-log.js';
import { startHttpReceiver } from '../notify/testing/http-receiver.js';
import { providerDropPack } from './testing/live-engine.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0);
const MIN = 60_000;
const onset = T0 + 180 * MIN;
const recover = T0 + 200 * MIN;
const yaml = (url = 'http://127.0.0.1:9') => providerDropPack(url, { minAttempts: 30 });
const events = eventStream({
  from: T0,
  minutes: 240,
  perMinute: 40,
  providers: ['adyen', 'stripe'],
  successRate: (t, p) => (p === 'stripe' && t >= onset && t < recover ? 0.35 : 0.92),
  failure: (t, p) => (p === 'stripe' && t >= onset && t < recover ? 'provider_error' : 'do_not_honor'),
});

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('alert engine', () => {
  it('fires on the outage within 2 minutes of onset and resolves after recovery, nothing else', () => {
    const engine = createAlertEngine({ store: createMemoryAlertStateStore() }, parseAlertsConfig(yaml()));
    const log: AlertTransition[] = [];
    engine.onTransition((t) => log.push(t));
    for (let i = 0; i < events.length; i += 500) engine.onEvents(events.slice(i, i + 500));
    engine.finish();
    expect(log.map((t) => [t.rule, t.labels['provider'], t.state])).toEqual([
      ['provider_success_rate_drop', 'stripe', 'firing'],
      ['provider_success_rate_drop', 'stripe', 'resolved'],
    ]);
    const [fire, res] = log;
    expect(fire!.at - onset).toBeGreaterThan(0);
    expect(fire!.at - onset).toBeLessThanOrEqual(2 * MIN + MIN); // evaluated at minute end: ≤ 2 min after onset's minute
    expect(fire!.expected).toBeCloseTo(0.92, 1);
    expect(res!.at).toBeGreaterThan(recover);
    expect(res!.revenue_at_risk).toBeGreaterThan(fire!.revenue_at_risk);
    const a = engine.list({ rule: 'provider_success_rate_drop' })[0]!;
    expect(a.status).toBe('resolved');
    expect(a.labels).toEqual({ alertname: 'provider_success_rate_drop', provider: 'stripe' });
    expect(a.contributors[0]?.key).toBe('failure_category=provider_error');
    expect(a.samples.length).toBeGreaterThan(0);
    expect(a.dashboard_url).toMatch(
      /^http:\/\/127\.0\.0\.1:8080\/alerts\/[0-9a-f]{16}\?from=\d+&to=\d+&provider=stripe$/,
    );
    expect(engine.stats().late_events).toBe(0);
  });

  it('notifies firing once, and after a restart sends the resolve without re-sending the firing', async () => {
    const rx = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
    const dir = mkdtempSync(join(tmpdir(), 'pw-engine-'));
    dirs.push(dir);
    const cfg = parseAlertsConfig(yaml(rx.url));
    let wall = T0;
    const make = () => {
      const log = createDeliveryLog();
      return createAlertEngine(
        {
          store: createFileAlertStateStore({ path: join(dir, 'state.json') }),
          notifier: createNotifier({ log, sleep: async () => undefined }, { receivers: cfg.receivers }),
          deliveryLog: log,
          now: () => wall,
        },
        cfg,
        { tickMs: 3_600_000 },
      );
    };
    const bodies = () => rx.requests.map((r) => (JSON.parse(r.body) as { status: string }).status);
    const a = make();
    await a.start();
    const beforeRecovery = events.filter((e) => e.ts < onset + 10 * MIN);
    a.onEvents(beforeRecovery);
    wall += MIN;
    await (a as unknown as { stop(): Promise<void> }).stop();
    expect(bodies()).toEqual(['firing']);
    // Restart.
    const b = make();
    await b.start();
    expect(b.get(b.list()[0]!.id)?.status).toBe('firing');
    b.onEvents(events.filter((e) => e.ts >= onset + 10 * MIN));
    b.finish();
    wall += 5 * MIN;
    await b.stop();
    expect(bodies()).toEqual(['firing', 'resolved']);
    await rx.close();
  });

  it('sends externalURL = the dashboard base deep links use, unless the YAML sets external_url', async () => {
    const rx = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
    const externalUrl = async (extraYaml: string) => {
      const cfg = parseAlertsConfig(`${extraYaml}${yaml(rx.url)}`);
      const log = createDeliveryLog();
      const engine = createAlertEngine(
        {
          store: createMemoryAlertStateStore(),
          notifier: createNotifier({ log, sleep: async () => undefined }, { receivers: cfg.receivers }),
          deliveryLog: log,
          now: () => onset + 10 * MIN,
          dashboardUrl: () => 'http://127.0.0.1:41234',
        },
        cfg,
        { tickMs: 3_600_000 },
      );
      await engine.start();
      const before = rx.requests.length;
      engine.onEvents(events.filter((e) => e.ts < onset + 10 * MIN));
      await engine.stop();
      const body = JSON.parse(rx.requests[before]!.body) as {
        externalURL: string;
        alerts: { generatorURL?: string }[];
      };
      expect(body.alerts[0]?.generatorURL ?? '').toMatch(/\/alerts\/[0-9a-f]{16}\?/);
      return body.externalURL;
    };
    // Before: http://localhost:8080 whatever the collector's address (dead for `PAYWATCH_PORT=9090`).
    expect(await externalUrl('')).toBe('http://127.0.0.1:41234');
    expect(await externalUrl('dashboard_url: https://oncall.example.com/\n')).toBe(
      'https://oncall.example.com',
    );
    expect(await externalUrl('external_url: https://am.example.com\n')).toBe('https://am.example.com');
    await rx.close();
  });
});
