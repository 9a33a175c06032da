// Guards the decline-mix detector: a shift of failure categories fires even at an unchanged failure rate; normal noise does not.
import { describe, expect, it } from 'vitest';
import { createMixDetector, MixSpecSchema } from './mix.detector.js';
import { firstAnomalous, synthMinutes } from './synthetic.js';

const spec = MixSpecSchema.parse({ type: 'mix' });
const normal = { do_not_honor: 0.5, insufficient_funds: 0.3, card_expired: 0.2 };

describe('mix detector', () => {
  it('fires when fraud_suspected takes over at the same total failure rate', () => {
    const d = createMixDetector(spec);
    const ev = synthMinutes(0, 400, (t) => ({
      attempts: 100,
      successRate: 0.9,
      failureMix: t >= 300 * 60_000 ? { fraud_suspected: 0.6, do_not_honor: 0.4 } : normal,
    })).map((m) => d.evaluate(m));
    expect(ev.slice(0, 300).filter((e) => e.verdict === 'anomalous').length).toBe(0);
    const i = firstAnomalous(ev);
    expect(i).toBeGreaterThanOrEqual(300);
    expect(i).toBeLessThanOrEqual(303);
    expect(ev[i]?.contributors?.[0]?.key).toBe('failure_category=fraud_suspected');
  });
  it('stays quiet on a stable mix', () => {
    const d = createMixDetector(spec);
    const ev = synthMinutes(0, 1000, () => ({ attempts: 100, successRate: 0.9, failureMix: normal })).map(
      (m) => d.evaluate(m),
    );
    expect(firstAnomalous(ev)).toBe(-1);
  });
});
