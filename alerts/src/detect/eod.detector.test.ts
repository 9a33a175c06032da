// Guards the end-of-day projection: a day running 30% short is flagged with "will miss forecast by ~30%", a normal day is not.
import { describe, expect, it } from 'vitest';
import { EodSpecSchema, createEodDetector } from './eod.detector.js';
import { dailyShape, firstAnomalous, synthMinutes } from './synthetic.js';

const DAY = 86_400_000;

describe('eod detector', () => {
  it('projects the day total and flags a 30% shortfall by midday, not on normal days', () => {
    const ms = synthMinutes(0, 8 * 1440, (t) => ({
      attempts: dailyShape(t, 30) * (t >= 7 * DAY ? 0.7 : 1),
      successRate: 0.9,
      ticket: 40,
    }));
    const d = createEodDetector(EodSpecSchema.parse({ type: 'eod', metric: 'gmv' }));
    const ev = ms.map((m) => d.evaluate(m));
    expect(ev.slice(3 * 1440, 7 * 1440).filter((e) => e.verdict === 'anomalous')).toHaveLength(0);
    const i = firstAnomalous(ev, 7 * 1440);
    expect(i).toBeGreaterThan(7 * 1440);
    expect(i).toBeLessThan(7 * 1440 + 720);
    expect(ev[i]?.summary).toMatch(/^End-of-day GMV will miss forecast by (2[5-9]|3[0-5])%/);
  });
});
