// Guards the alert engine's event-time metrics: late and future events of a real engine show up on the registry at scrape time, and so does the cold-start warm-up's progress.
import { Registry } from 'prom-client';
import { createAlertEngine, createMemoryAlertStateStore, parseAlertsConfig } from '@paywatch/alerts';
import { describe, expect, it } from 'vitest';
import { registerAlertEngineMetrics, registerWarmupMetrics } from './alerts-engine.metrics.js';
import type { WarmupStatus } from './engine-warmup.js';

describe('alert engine metrics', () => {
  it('publishes late, history, future events and skipped minutes from engine.stats()', async () => {
    const engine = createAlertEngine(
      { store: createMemoryAlertStateStore() },
      parseAlertsConfig('rules:\n  - name: r\n    detector: { type: rate }\n    group_by: [provider]\n'),
    );
    const registry = new Registry();
    registerAlertEngineMetrics(registry, engine);
    const ev = (ts: number, id: string) => ({
      v: 1 as const,
      event_id: id,
      ts,
      received_at: ts,
      source: 'api' as const,
      payment_id: `pay_${id}`,
      attempt: 1,
      merchant_id: 'm_1',
      provider: 'adyen' as const,
      method: 'card' as const,
      channel: 'web' as const,
      status: 'succeeded' as const,
      amount_minor: 100,
      currency: 'EUR',
      failure: null,
      card: null,
      country: 'DE',
      latency_ms: 100,
      customer_ref: null,
      device_ref: null,
      ip_ref: null,
      user_level: null,
      risk_score: null,
      metadata: null,
    });
    const t = Date.UTC(2026, 2, 2, 12);
    engine.onEvents([ev(t, 'a'), ev(t + 10 * 60_000, 'b')]);
    // Both minutes were judged once event time reached t + 10 min.
    engine.onEvents([ev(t, 'c'), ev(t - 60_000, 'd')]);
    const text = await registry.metrics();
    expect(text).toMatch(/^paywatch_alerts_engine_late_events 2$/m);
    expect(text).toMatch(/^paywatch_alerts_engine_history_events 0$/m);
    expect(text).toMatch(/^paywatch_alerts_engine_future_events 0$/m);
    expect(text).toMatch(/^paywatch_alerts_engine_skipped_minutes 0$/m);
    expect(text).toMatch(/^paywatch_alerts_engine_excluded_events 0$/m);
  });

  it('publishes the warm-up as it runs and when done (read at scrape time)', async () => {
    const registry = new Registry();
    const status: WarmupStatus = {
      state: 'running',
      events: 5000,
      pages: 1,
      seconds: 0.5,
      readSeconds: 0,
      engineSeconds: 0,
      from: 0,
      to: 1,
      held: 12,
      dropped: 0,
    };
    registerWarmupMetrics(registry, () => status);
    let text = await registry.metrics();
    expect(text).toMatch(/^paywatch_alerts_engine_warmup_running 1$/m);
    expect(text).toMatch(/^paywatch_alerts_engine_warmup_events 5000$/m);
    Object.assign(status, { state: 'done', events: 42_000, seconds: 3.25, held: 800, dropped: 7 });
    text = await registry.metrics();
    expect(text).toMatch(/^paywatch_alerts_engine_warmup_running 0$/m);
    expect(text).toMatch(/^paywatch_alerts_engine_warmup_events 42000$/m);
    expect(text).toMatch(/^paywatch_alerts_engine_warmup_seconds 3.25$/m);
    expect(text).toMatch(/^paywatch_alerts_engine_warmup_held_events 800$/m);
    expect(text).toMatch(/^paywatch_alerts_engine_warmup_dropped_events 7$/m);
  });
});
