// Guards the SLO burn-rate detector: technical failures burn the budget (fast-burn pages), issuer declines do not.
import { describe, expect, it } from 'vitest';
import { createSloDetector, SloSpecSchema } from './slo.detector.js';
import { firstAnomalous, synthMinutes } from './synthetic.js';

const spec = SloSpecSchema.parse({ type: 'slo', objective: 0.995 });
const onset = 300 * 60_000;

describe('slo detector', () => {
  it('pages on a provider outage (all attempts time out) within minutes, with the fast-burn severity', () => {
    const d = createSloDetector(spec);
    const ev = synthMinutes(0, 420, (t) =>
      t >= onset
        ? { attempts: 100, successRate: 0, failureMix: { timeout: 1 } }
        : { attempts: 100, successRate: 0.9, failureMix: { do_not_honor: 0.98, timeout: 0.02 } },
    ).map((m) => d.evaluate(m));
    expect(ev.slice(0, 300).filter((e) => e.verdict === 'anomalous').length).toBe(0);
    const i = firstAnomalous(ev);
    expect(i).toBeGreaterThanOrEqual(300);
    expect(i).toBeLessThanOrEqual(305);
    // The 1 h × 14.4 pair pages within the first minutes (the slower pairs may open first).
    expect(ev.slice(300, 306).some((e) => e.severity === 'page')).toBe(true);
    expect(ev[i]?.summary).toMatch(/burn rate/);
  });

  it('a partial outage (10% provider errors = 20× burn) pages once the 1 h window has burnt 14.4×, ~45 min in', () => {
    const d = createSloDetector(SloSpecSchema.parse({ type: 'slo', objective: 0.995 }));
    const ev = synthMinutes(0, 6000, (t) =>
      t >= 4400 * 60_000
        ? { attempts: 100, successRate: 0.8, failureMix: { provider_error: 1, do_not_honor: 1 } }
        : { attempts: 100, successRate: 0.9, failureMix: { do_not_honor: 0.98, timeout: 0.02 } },
    ).map((m) => d.evaluate(m));
    const i = firstAnomalous(ev);
    expect(i).toBeGreaterThan(4430);
    expect(i).toBeLessThan(4455);
    expect(ev[i]?.severity).toBe('page');
  });

  it('ignores a surge of issuer declines (not a technical failure)', () => {
    const d = createSloDetector(spec);
    const ev = synthMinutes(0, 420, (t) => ({
      attempts: 100,
      successRate: t >= onset ? 0.5 : 0.9,
      failureMix: { do_not_honor: 0.7, insufficient_funds: 0.3 },
    })).map((m) => d.evaluate(m));
    expect(firstAnomalous(ev)).toBe(-1);
  });
});
