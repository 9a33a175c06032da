// Guards the predictive detector: it warns before a declining success rate crosses the threshold, and stays quiet on a flat one.
import { describe, expect, it } from 'vitest';
import { createForecastDetector, ForecastSpecSchema } from './forecast.detector.js';
import { firstAnomalous, synthMinutes } from './synthetic.js';

const spec = ForecastSpecSchema.parse({
  type: 'forecast',
  metric: 'success_rate',
  threshold: 0.85,
  breach: 'below',
  horizon_minutes: 15,
});

describe('forecast detector', () => {
  it('predicts the crossing of 85% ahead of time', () => {
    // 95% until minute 100, then −0.4 pp per minute: crosses 85% at minute 125.
    const rate = (t: number) => Math.max(0.5, 0.95 - Math.max(0, t / 60_000 - 100) * 0.004);
    const d = createForecastDetector(spec);
    const ev = synthMinutes(0, 160, (t) => ({ attempts: 400, successRate: rate(t) })).map((m) =>
      d.evaluate(m),
    );
    const i = firstAnomalous(ev);
    expect(i).toBeGreaterThan(100);
    expect(i).toBeLessThan(122); // before the crossing at 125
    expect(ev[i]?.summary).toMatch(/will cross 85\.0% in ~\d+ min/);
  });
  it('stays quiet on a stable 95% success rate', () => {
    const d = createForecastDetector(spec);
    const ev = synthMinutes(0, 600, () => ({ attempts: 400, successRate: 0.95 })).map((m) => d.evaluate(m));
    expect(firstAnomalous(ev)).toBe(-1);
  });
});
