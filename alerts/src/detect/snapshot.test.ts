// Guards detector snapshots: a detector restored from a JSON round trip of its snapshot judges every later minute (or event) exactly as the uninterrupted one; a snapshot of another spec is refused.
import { describe, expect, it } from 'vitest';
import { DetectorSpecSchema, asEvent, asSeries, createDetector } from './registry.js';
import type { DetectorSpec } from './registry.js';
import { dailyShape, makeEvent, rng, synthMinutes } from './synthetic.js';
import { SnapshotError } from './snapshot.js';

const DAY = 1440;
const specs: Record<string, unknown>[] = [
  { type: 'threshold', metric: 'success_rate', op: 'below', threshold: 0.8 },
  { type: 'seasonal', metric: 'attempts', season: 'day', history: 3, slot_minutes: 15 },
  { type: 'level', metric: 'attempts', baseline_minutes: 60 },
  { type: 'rate', metric: 'success_rate' },
  {
    type: 'slo',
    objective: 0.99,
    windows: [
      { long_minutes: 60, short_minutes: 5, burn_rate: 14.4 },
      { long_minutes: 720, short_minutes: 60, burn_rate: 3 },
    ],
  },
  { type: 'forecast', metric: 'success_rate', threshold: 0.8, season_minutes: 60, warmup_steps: 10 },
  { type: 'eod', metric: 'gmv', history_days: 3 },
  { type: 'silence', window_minutes: 10, history_days: 3 },
  { type: 'mix', window_minutes: 10 },
  { type: 'univariate', metric: 'attempts' },
];

// Three days of daily-seasonal traffic with an outage on the last day (so findings, details and
// recoveries are compared too).
const minutes = synthMinutes(0, 3 * DAY, (t) => {
  const down = t >= (2 * DAY + 600) * 60_000 && t < (2 * DAY + 630) * 60_000;
  return {
    attempts: down ? 5 : dailyShape(t, 120),
    successRate: down ? 0.3 : 0.93,
    failureMix: down ? { provider_error: 1 } : undefined,
  };
});

describe('detector snapshots', () => {
  it.each(specs.map((s) => [s['type'], s] as const))(
    '%s: restored state judges like the uninterrupted detector',
    (_type, raw) => {
      const spec: DetectorSpec = DetectorSpecSchema.parse(raw);
      const a = asSeries(createDetector(spec));
      const cut = 2 * DAY + 590;
      for (const m of minutes.slice(0, cut)) a.evaluate(m);
      expect(a.snapshot, `${spec.type} has no snapshot()`).toBeTypeOf('function');
      const json = JSON.parse(JSON.stringify(a.snapshot?.())) as unknown;
      const b = asSeries(createDetector(spec));
      b.restore?.(json);
      const fresh = asSeries(createDetector(spec));
      let differsFromFresh = false;
      for (const m of minutes.slice(cut)) {
        const ea = a.evaluate(m);
        const eb = b.evaluate(m);
        expect(JSON.stringify(eb)).toBe(JSON.stringify(ea));
        if (JSON.stringify(fresh.evaluate(m)) !== JSON.stringify(ea)) differsFromFresh = true;
      }
      // The snapshot carries history a fresh detector would lack (else this test proves nothing).
      expect(differsFromFresh).toBe(true);
    },
  );

  // Snapshots written before a detector gained state keep restoring: the mix detector's
  // same-time-of-day history and the forecast's noise covariance start empty.
  it('restores mix snapshots without seasonal history: judged by the recent baseline alone until days are learned', () => {
    const cut = 2 * DAY + 590;
    const a = asSeries(createDetector(DetectorSpecSchema.parse({ type: 'mix', window_minutes: 10 })));
    for (const m of minutes.slice(0, cut)) a.evaluate(m);
    const old = JSON.parse(JSON.stringify(a.snapshot?.())) as Record<string, unknown>;
    expect(old['season']).toBeTypeOf('object');
    delete old['season'];
    const b = asSeries(createDetector(DetectorSpecSchema.parse({ type: 'mix', window_minutes: 10 })));
    b.restore?.(old);
    // The same rule without seasonal history, uninterrupted: what b must do for the rest of the day.
    const ref = asSeries(
      createDetector(DetectorSpecSchema.parse({ type: 'mix', window_minutes: 10, season_days: 0 })),
    );
    for (const m of minutes.slice(0, cut)) ref.evaluate(m);
    const rest = minutes.slice(cut, 3 * DAY);
    const eb = rest.map((m) => b.evaluate(m));
    expect(eb.map((e) => JSON.stringify(e))).toEqual(rest.map((m) => JSON.stringify(ref.evaluate(m))));
    expect(eb.some((e) => e.verdict === 'anomalous')).toBe(true);
  });
  it('restores forecast snapshots without the noise state and still alerts on the outage', () => {
    const spec = DetectorSpecSchema.parse({ type: 'forecast', metric: 'success_rate', threshold: 0.8 });
    const cut = 2 * DAY + 590;
    const a = asSeries(createDetector(spec));
    for (const m of minutes.slice(0, cut)) a.evaluate(m);
    const old = JSON.parse(JSON.stringify(a.snapshot?.())) as Record<string, unknown>;
    for (const k of ['p', 'lastStep', 'accSteps']) {
      expect(old).toHaveProperty(k);
      delete old[k];
    }
    const b = asSeries(createDetector(spec));
    b.restore?.(old);
    const rest = minutes.slice(cut);
    const ea = rest.map((m) => a.evaluate(m));
    const eb = rest.map((m) => b.evaluate(m));
    const first = (es: typeof ea) => es.findIndex((e) => e.verdict === 'anomalous');
    expect(first(ea)).toBeGreaterThanOrEqual(10);
    expect(first(eb)).toBe(first(ea));
  });

  it('refuses a snapshot of another detector type or size', () => {
    const rate = asSeries(createDetector(DetectorSpecSchema.parse({ type: 'rate' })));
    const mix = asSeries(createDetector(DetectorSpecSchema.parse({ type: 'mix' })));
    expect(() => mix.restore?.(rate.snapshot?.())).toThrow(SnapshotError);
    const longer = asSeries(
      createDetector(DetectorSpecSchema.parse({ type: 'rate', baseline_minutes: 240 })),
    );
    expect(() => longer.restore?.(rate.snapshot?.())).toThrow(SnapshotError);
  });

  // Event detectors: a few customers and cards, small amounts, many declines, over 30 hours.
  const r = rng(4);
  const events = Array.from({ length: 3000 }, (_, i) => {
    const failed = r() < 0.7;
    return makeEvent({
      ts: i * 36_000,
      event_id: `evt_${i}`,
      payment_id: `pay_${i}`,
      status: failed ? 'failed' : 'succeeded',
      failure: failed ? { category: 'do_not_honor', code: null, message: null } : null,
      amount_minor: r() < 0.5 ? 300 : 900_000,
      customer_ref: `cus_${Math.floor(r() * 3)}`,
      device_ref: `dev_${Math.floor(r() * 3)}`,
    });
  });
  const amount = (e: (typeof events)[number]) => e.amount_minor / 100;
  it.each([
    ['card_testing', { type: 'card_testing', window_minutes: 60, min_attempts: 5 }],
    ['velocity', { type: 'velocity', window_minutes: 120, max_attempts: { default: 50 } }],
    ['structuring', { type: 'structuring', thresholds: { '*': { default: 10000 } }, min_count: 3 }],
    ['limit', { type: 'limit', limits: { default: { daily: 50_000 } } }],
  ] as const)('%s: restored windows judge like the uninterrupted detector', (_t, raw) => {
    const spec = DetectorSpecSchema.parse(raw);
    const a = asEvent(createDetector(spec));
    const cut = 2000;
    for (const e of events.slice(0, cut)) a.observe(e, amount(e));
    const b = asEvent(createDetector(spec));
    b.restore?.(JSON.parse(JSON.stringify(a.snapshot?.())) as unknown);
    const fresh = asEvent(createDetector(spec));
    let differsFromFresh = false;
    for (const e of events.slice(cut)) {
      const fa = JSON.stringify(a.observe(e, amount(e)));
      expect(JSON.stringify(b.observe(e, amount(e)))).toBe(fa);
      if (JSON.stringify(fresh.observe(e, amount(e))) !== fa) differsFromFresh = true;
    }
    expect(differsFromFresh).toBe(true);
  });
});
