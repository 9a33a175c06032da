// Guards the static threshold detector: fires on the minute the windowed rate crosses, gates low volume.
import { describe, expect, it } from 'vitest';
import { createThresholdDetector, ThresholdSpecSchema } from './threshold.detector.js';
import { firstAnomalous, synthMinutes } from './synthetic.js';

describe('threshold detector', () => {
  it('fires when the 5-minute success rate drops below 85% and not before', () => {
    const d = createThresholdDetector(
      ThresholdSpecSchema.parse({ type: 'threshold', metric: 'success_rate', op: 'below', threshold: 0.85 }),
    );
    const ms = synthMinutes(0, 120, (t) => ({ attempts: 100, successRate: t >= 60 * 60_000 ? 0.5 : 0.95 }));
    const ev = ms.map((m) => d.evaluate(m));
    const i = firstAnomalous(ev);
    expect(i).toBeGreaterThanOrEqual(60);
    expect(i).toBeLessThanOrEqual(62);
    expect(ev[i]?.revenue_at_risk).toBeGreaterThan(0);
  });
  it('does not judge a rate below the minimum volume', () => {
    const d = createThresholdDetector(
      ThresholdSpecSchema.parse({
        type: 'threshold',
        metric: 'success_rate',
        op: 'below',
        threshold: 0.85,
        min_attempts: 50,
      }),
    );
    const ev = synthMinutes(0, 60, () => ({ attempts: 2, successRate: 0.3 })).map((m) => d.evaluate(m));
    expect(firstAnomalous(ev)).toBe(-1);
    expect(ev.some((e) => e.verdict === 'insufficient')).toBe(true);
  });
});
