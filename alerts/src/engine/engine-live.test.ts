// Guards live mode with fake timers: when traffic stops, event time follows the wall clock, so a silent slice alerts and the alert is delivered, without any new event.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAlertEngine } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { eventStream } from '../detect/synthetic.js';
import { createMemoryAlertStateStore } from '../state/store.js';
import type { AlertTransition } from './engine.js';

afterEach(() => vi.useRealTimers());

describe('alert engine in live mode', () => {
  it('notices silence from the wall clock alone', async () => {
    vi.useFakeTimers();
    const T0 = Date.UTC(2026, 2, 2, 8, 0);
    let wall = T0 + 120 * 60_000;
    const cfg = parseAlertsConfig(`
rules:
  - name: silent
    detector: { type: silence, window_minutes: 10, min_expected: 15 }
    group_by: [provider]
`);
    const engine = createAlertEngine({ store: createMemoryAlertStateStore(), now: () => wall }, cfg, {
      followWallClock: true,
      tickMs: 1000,
    });
    const seen: AlertTransition[] = [];
    engine.onTransition((t) => seen.push(t));
    await engine.start();
    // Two hours of traffic up to "now", then nothing.
    engine.onEvents(eventStream({ from: T0, minutes: 120, perMinute: 20, providers: ['adyen'] }));
    expect(seen).toEqual([]);
    // A client clock a day ahead must not drag event time forward.
    engine.onEvents(
      eventStream({ from: wall + 23 * 3_600_000, minutes: 1, perMinute: 5, providers: ['adyen'], seed: 3 }),
    );
    expect(engine.stats().future_events).toBeGreaterThan(0);
    expect(engine.stats().watermark).toBeLessThan(wall);
    for (let i = 0; i < 5 * 60; i++) {
      wall += 1000;
      await vi.advanceTimersByTimeAsync(1000);
    }
    await engine.stop();
    expect(seen.map((t) => [t.rule, t.labels['provider'], t.state])).toEqual([['silent', 'adyen', 'firing']]);
    expect(seen[0]!.at - (T0 + 120 * 60_000)).toBeLessThanOrEqual(4 * 60_000);
    expect(seen[0]!.summary).toMatch(/^0 attempts in \d+ min, \d+ expected/);
  });
});
