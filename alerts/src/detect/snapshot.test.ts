// Guards detector snapshots: a detector restored from a JSON round trip of its snapshot judges every later minute exactly as the uninterrupted one; a snapshot of another spec is refused.
import { describe, expect, it } from 'vitest';
import { DetectorSpecSchema, asSeries, createDetector } from './registry.js';
import type { DetectorSpec } from './registry.js';
import { dailyShape, synthMinutes } from './synthetic.js';
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

  it('refuses a snapshot of another detector type or size', () => {
    const rate = asSeries(createDetector(DetectorSpecSchema.parse({ type: 'rate' })));
    const mix = asSeries(createDetector(DetectorSpecSchema.parse({ type: 'mix' })));
    expect(() => mix.restore?.(rate.snapshot?.())).toThrow(SnapshotError);
    const longer = asSeries(
      createDetector(DetectorSpecSchema.parse({ type: 'rate', baseline_minutes: 240 })),
    );
    expect(() => longer.restore?.(rate.snapshot?.())).toThrow(SnapshotError);
  });
});
