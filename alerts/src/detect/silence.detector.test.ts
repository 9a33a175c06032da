// Guards the expected-silence detector: a busy slice going quiet fires (Poisson lower tail); a naturally sparse slice never does.
import { describe, expect, it } from 'vitest';
import { createSilenceDetector, SilenceSpecSchema } from './silence.detector.js';
import { firstAnomalous, synthMinutes } from './synthetic.js';

const spec = SilenceSpecSchema.parse({ type: 'silence' });
const onset = 200 * 60_000;

describe('silence detector', () => {
  it('fires within 2 minutes when a slice with ~8 attempts/min goes to zero', () => {
    const d = createSilenceDetector(spec);
    const ev = synthMinutes(0, 260, (t) => ({ attempts: t >= onset ? 0 : 8, successRate: 0.9 })).map((m) =>
      d.evaluate(m),
    );
    expect(ev.slice(0, 200).filter((e) => e.verdict === 'anomalous').length).toBe(0);
    const i = firstAnomalous(ev);
    expect(i).toBeGreaterThanOrEqual(200);
    expect(i).toBeLessThanOrEqual(202);
    expect(ev[i]?.summary).toMatch(/^0 attempts in \d+ min, \d+ expected/);
  });
  it('does not page on a slice that is normally almost silent', () => {
    const d = createSilenceDetector(spec);
    const ev = synthMinutes(0, 600, () => ({ attempts: 0.3, successRate: 0.9 })).map((m) => d.evaluate(m));
    expect(firstAnomalous(ev)).toBe(-1);
  });
});
