// Guards what expected_silence says of a webhook backlog: when a slice's events arrive minutes after their event time (judged minutes already closed), the alert says the data is late — how many arrived late and how far behind — instead of only "0 attempts, N expected" as if the traffic had stopped.
import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from '@paywatch/contracts';
import { parseAlertsConfig } from './load.js';
import { DEFAULT_RULES_YAML } from './default-rules.js';
import { createAlertEngine } from '../engine/engine.js';
import type { AlertTransition } from '../engine/engine.js';
import { eventStream, rng } from '../detect/synthetic.js';
import { createMemoryAlertStateStore } from '../state/store.js';

const T0 = Date.UTC(2026, 2, 2, 6, 0);
const MIN = 60_000;
const onset = T0 + 120 * MIN;

/** adyen and stripe, ~30 attempts a minute each; from `onset` every adyen event reaches the engine 3–10 minutes late. */
function arrivals(): PaymentEvent[] {
  const r = rng(4);
  const events = eventStream({
    from: T0,
    minutes: 150,
    perMinute: 30,
    providers: ['adyen', 'stripe'],
    seed: 4,
  });
  return events
    .map((e) => ({ e, at: e.provider === 'adyen' && e.ts >= onset ? e.ts + (3 + 7 * r()) * MIN : e.ts }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.e);
}

describe('default pack: a webhook backlog', () => {
  it('every adyen event 3–10 min late: expected_silence says the data is late, not that adyen stopped', () => {
    const engine = createAlertEngine(
      { store: createMemoryAlertStateStore() },
      parseAlertsConfig(DEFAULT_RULES_YAML),
    );
    const log: AlertTransition[] = [];
    engine.onTransition((t) => log.push(t));
    const events = arrivals();
    for (let i = 0; i < events.length; i += 500) engine.onEvents(events.slice(i, i + 500));
    engine.finish();
    const silence = log.filter((t) => t.rule === 'expected_silence' && t.state === 'firing');
    expect([...new Set(silence.map((t) => t.labels['provider']))]).toEqual(['adyen']);
    expect(engine.stats().late_events).toBeGreaterThan(300);
    // The first minutes of a backlog look like a stop (nothing late has arrived yet); once the
    // first late events arrive (3 minutes on), every firing says the data is late.
    const informed = silence.filter((t) => t.at >= onset + 10 * MIN);
    expect(informed.length).toBeGreaterThan(0);
    for (const t of informed)
      expect(t.summary).toMatch(
        /^\d+ attempts in \d+ min, \d+ expected .*; \d+ more arrived late, up to \d+ min behind: delivery delayed, not stopped$/,
      );
  });
});
