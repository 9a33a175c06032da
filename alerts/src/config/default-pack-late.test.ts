// Guards what expected_silence says of a webhook backlog: when a slice's events arrive minutes after their event time (judged minutes already closed), the alert says the data is late — how many arrived late and how far behind — instead of only "0 attempts, N expected" as if the traffic had stopped; and that a history import (events a day old) during a real stop is not taken for delayed delivery.
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

  it('adyen stops while a day-old adyen history is imported: the silence is a stop, priced, not "delivery delayed"', () => {
    const stream = eventStream({
      from: T0,
      minutes: 150,
      perMinute: 30,
      providers: ['adyen', 'stripe'],
      seed: 4,
    });
    const live = stream.filter((e) => !(e.provider === 'adyen' && e.ts >= onset));
    // Yesterday's adyen traffic for the same hours, sent to the running engine a minute into the stop.
    const history = eventStream({
      from: T0 - 1440 * MIN,
      minutes: 150,
      perMinute: 30,
      providers: ['adyen'],
      seed: 5,
    }).map((e) => ({ ...e, event_id: `hist_${e.event_id}` }));
    const engine = createAlertEngine(
      { store: createMemoryAlertStateStore() },
      parseAlertsConfig(DEFAULT_RULES_YAML),
    );
    const log: AlertTransition[] = [];
    engine.onTransition((t) => log.push(t));
    const cut = live.findIndex((e) => e.ts >= onset + 90_000);
    for (let i = 0; i < cut; i += 500) engine.onEvents(live.slice(i, Math.min(i + 500, cut)));
    for (let i = 0; i < history.length; i += 500) engine.onEvents(history.slice(i, i + 500));
    for (let i = cut; i < live.length; i += 500) engine.onEvents(live.slice(i, i + 500));
    engine.finish();
    expect(engine.stats().late_events).toBeGreaterThanOrEqual(history.length);
    const silence = log.filter((t) => t.rule === 'expected_silence' && t.state === 'firing');
    expect(silence.length).toBeGreaterThan(0);
    expect([...new Set(silence.map((t) => t.labels['provider']))]).toEqual(['adyen']);
    // Before: '0 attempts in 2 min, 60 expected (P=1.2e-26); 4470 more arrived late, up to 1560 min
    // behind: delivery delayed, not stopped', and no revenue at risk.
    for (const t of silence) expect(t.summary).not.toMatch(/arrived late|delivery delayed/);
    expect(Math.max(...silence.map((t) => t.revenue_at_risk))).toBeGreaterThan(0);
  });
});
