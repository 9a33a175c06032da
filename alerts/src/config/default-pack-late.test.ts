// Guards what expected_silence says of a webhook backlog: when a slice's events arrive minutes after their event time (judged minutes already closed), the alert says the data is late — how many arrived late and how far behind, also for a backlog further behind than the rule's window — and before any late event has arrived it says what is known (the last attempt, nothing since from the provider) instead of reading as a stop; a method that stops while its provider's other traffic flows is called a stop; a history import (events a day old) during a real stop is not taken for delayed delivery.
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

/**
 * adyen (by webhook) and stripe, ~30 attempts a minute each; from `onset` every adyen event
 * reaches the engine `lag()` minutes late (3–10 by default).
 */
/** What a firing expected_silence said at one anomalous evaluation. */
interface Said {
  at: number;
  labels: Record<string, string>;
  summary: string;
}

/**
 * Runs the default pack over `events` in arrival order, 30 at a time (~30 s of traffic, as a
 * live collector hands them on), and returns what each firing expected_silence said at each of
 * its anomalous evaluations (a transition is only its first).
 */
function silenceSaid(events: PaymentEvent[], stats?: { late_events: number }): Said[] {
  const engine = createAlertEngine(
    { store: createMemoryAlertStateStore() },
    parseAlertsConfig(DEFAULT_RULES_YAML),
  );
  const out = new Map<string, Said>();
  for (let i = 0; i < events.length; i += 30) {
    engine.onEvents(events.slice(i, i + 30));
    for (const a of engine.list({ status: 'firing', rule: 'expected_silence' }))
      if (a.last_anomalous_at === a.last_eval_at)
        out.set(`${a.id} ${a.last_eval_at}`, { at: a.last_eval_at, labels: a.labels, summary: a.summary });
  }
  if (stats) stats.late_events = engine.stats().late_events;
  return [...out.values()];
}

function arrivals(lag: (r: () => number) => number = (r) => 3 + 7 * r()): PaymentEvent[] {
  const r = rng(4);
  const events = eventStream({
    from: T0,
    minutes: 150,
    perMinute: 30,
    providers: ['adyen', 'stripe'],
    seed: 4,
  });
  return events
    .map((e) => (e.provider === 'adyen' ? { ...e, source: 'webhook' as const } : e))
    .map((e) => ({ e, at: e.provider === 'adyen' && e.ts >= onset ? e.ts + lag(r) * MIN : e.ts }))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.e);
}

describe('default pack: a webhook backlog', () => {
  it('every adyen event 3–10 min late: expected_silence says the data is late, not that adyen stopped', () => {
    const stats = { late_events: 0 };
    const silence = silenceSaid(arrivals(), stats);
    expect(stats.late_events).toBeGreaterThan(300);
    expect([...new Set(silence.map((t) => t.labels['provider']))]).toEqual(['adyen']);
    // The first minutes of a backlog look like a stop (nothing late has arrived yet); once the
    // first late events arrive (3 minutes on), every firing says the data is late.
    const informed = silence.filter((t) => t.at >= onset + 10 * MIN);
    expect(informed.length).toBeGreaterThan(0);
    for (const t of informed)
      expect(t.summary).toMatch(
        /^\d+ attempts in \d+ min, \d+ expected .*; \d+ more arrived late, up to \d+ min behind: delivery delayed, not stopped$/,
      );
    // Before the first late event (3 minutes in), nothing tells a stop from a delay: the firing
    // says what is known. Before: '0 attempts in 2 min, 60 expected (P=…)', read as a stop.
    const early = silence.filter((t) => t.at < onset + 3 * MIN);
    expect(early.length).toBeGreaterThan(0);
    for (const t of early)
      expect(t.summary).toMatch(
        /; last one at \d\d:\d\d UTC \(by webhook\), nothing from adyen since: stopped or delivery delayed, not known yet$/,
      );
  });

  it('a backlog 15–20 min behind (beyond the 11 min the silence judges) still says delivery delayed once it arrives', () => {
    const silence = silenceSaid(arrivals((r) => 15 + 5 * r()));
    expect([...new Set(silence.map((t) => t.labels['provider']))]).toEqual(['adyen']);
    // Before: the arrivals were taken for a history import, and every firing read as a stop.
    const informed = silence.filter((t) => t.at >= onset + 21 * MIN);
    expect(informed.length).toBeGreaterThan(0);
    for (const t of informed)
      expect(t.summary).toMatch(
        /; \d+ more arrived late, up to (1[5-9]|2\d) min behind: delivery delayed, not stopped$/,
      );
  });

  it("adyen's apple_pay stops while its card traffic flows: a stop, said as one", () => {
    const events = eventStream({ from: T0, minutes: 150, perMinute: 60, providers: ['adyen'], seed: 6 })
      .map((e, i) => (i % 2 ? { ...e, method: 'apple_pay' as const } : e))
      .filter((e) => !(e.method === 'apple_pay' && e.ts >= onset));
    const silence = silenceSaid(events);
    expect(silence.length).toBeGreaterThan(0);
    expect([...new Set(silence.map((t) => t.labels['method']))]).toEqual(['apple_pay']);
    // Before: '0 attempts in 2 min, 60 expected (P=…)' as for a backlog.
    for (const t of silence)
      expect(t.summary).toMatch(
        /; last one at \d\d:\d\d UTC \(by api\), while adyen's other events still arrive: stopped, not a delivery delay$/,
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
    for (const t of silence) expect(t.summary).not.toMatch(/arrived late|delivery delayed, not stopped/);
    expect(Math.max(...silence.map((t) => t.revenue_at_risk))).toBeGreaterThan(0);
  });
});
