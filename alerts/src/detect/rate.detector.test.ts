// Guards the success-rate test: a real drop on a busy slice fires within 2 minutes; the same drop on a sparse slice never does.
import { describe, expect, it } from 'vitest';
import { createRateDetector, RateSpecSchema } from './rate.detector.js';
import { firstAnomalous, synthMinutes } from './synthetic.js';

const spec = RateSpecSchema.parse({ type: 'rate' });
const onset = 240 * 60_000;

describe('rate detector', () => {
  it('fires within 2 minutes of a success-rate drop from 90% to 70% at 60 attempts/min', () => {
    const d = createRateDetector(spec);
    const ev = synthMinutes(0, 300, (t) => ({ attempts: 60, successRate: t >= onset ? 0.7 : 0.9 })).map((m) =>
      d.evaluate(m),
    );
    expect(ev.slice(0, 240).filter((e) => e.verdict === 'anomalous').length).toBe(0);
    const i = firstAnomalous(ev);
    expect(i).toBeGreaterThanOrEqual(240);
    expect(i).toBeLessThanOrEqual(242);
    expect(ev[i]?.expected).toBeCloseTo(0.9, 1);
    expect(ev[i]?.revenue_at_risk).toBeGreaterThan(0);
  });

  it('never fires on a sparse slice (1 attempt/min) with the same drop: gated as insufficient', () => {
    const d = createRateDetector(spec);
    const ev = synthMinutes(0, 300, (t) => ({ attempts: 1, successRate: t >= onset ? 0.7 : 0.9 })).map((m) =>
      d.evaluate(m),
    );
    expect(firstAnomalous(ev)).toBe(-1);
    expect(ev.filter((e) => e.verdict === 'insufficient').length).toBeGreaterThan(250);
  });

  it('does not learn an outage as the new normal', () => {
    const d = createRateDetector(spec);
    const ev = synthMinutes(0, 600, (t) => ({ attempts: 60, successRate: t >= onset ? 0.6 : 0.9 })).map((m) =>
      d.evaluate(m),
    );
    expect(ev.slice(500).every((e) => e.verdict === 'anomalous')).toBe(true);
  });
});
