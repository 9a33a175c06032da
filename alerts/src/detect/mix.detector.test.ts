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
  // The simulator's decline mix at ~60 failures a minute (25 events/s) and the default pack's
  // parameters: 85% of do_not_honor becomes fraud_suspected. Two minutes of failures must be
  // enough (the alert is stamped at the end of the incident's second minute).
  const simMix = {
    insufficient_funds: 2537,
    do_not_honor: 2029,
    card_expired: 517,
    invalid_card_data: 891,
    authentication_failed: 1688,
    fraud_suspected: 603,
    limit_exceeded: 470,
    issuer_unavailable: 265,
    network_error: 272,
    timeout: 312,
    provider_error: 184,
    canceled_by_user: 739,
    other: 62,
  };
  const shifted = {
    ...simMix,
    do_not_honor: simMix.do_not_honor * 0.15,
    fraud_suspected: simMix.fraud_suspected + simMix.do_not_honor * 0.85,
  };
  const packSpec = MixSpecSchema.parse({
    type: 'mix',
    window_minutes: 10,
    min_failures: 40,
    p_value: 2e-6,
    min_jsd: 0.03,
  });
  // A statistical limit, measured rather than assumed: with ~120 failures in two minutes the
  // shift is found within two minutes in ≈97% of runs (300 seeds) at this volume, within three in all.
  it('sees a realistic shift within two minutes in at least 90% of 40 runs, within three in all, never before it', () => {
    const onset = 400;
    let inTwo = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const d = createMixDetector(packSpec);
      const ev = synthMinutes(
        0,
        onset + 10,
        (t) => ({ attempts: 650, successRate: 0.907, failureMix: t >= onset * 60_000 ? shifted : simMix }),
        seed,
      ).map((m) => d.evaluate(m));
      expect(ev.slice(0, onset).filter((e) => e.verdict === 'anomalous')).toEqual([]);
      const i = firstAnomalous(ev, onset);
      expect(i, `seed ${seed}`).toBeGreaterThanOrEqual(onset);
      // Minute `onset + k` is evaluated (and an alert stamped) at onset + (k + 1) min.
      expect(i, `seed ${seed}`).toBeLessThanOrEqual(onset + 2);
      if (i <= onset + 1) inTwo++;
      expect(ev[i]?.contributors?.[0]?.key).toBe('failure_category=fraud_suspected');
    }
    expect(inTwo).toBeGreaterThanOrEqual(36);
  });
});
