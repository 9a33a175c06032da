// Guards the decline-mix detector: a shift of failure categories fires even at an unchanged failure rate; normal noise and a mix that swings with the time of day do not; an ended outage is normal again within minutes (recovered tail); a permanent change is adopted as the new baseline after adapt_after_minutes (resolves, never re-fires) while a transient one is detected in full.
import { describe, expect, it } from 'vitest';
import { ADAPT_AFTER_MINUTES, createMixDetector, MixSpecSchema } from './mix.detector.js';
import type { Evaluation } from './types.js';
import { dailyShape, firstAnomalous, synthMinutes } from './synthetic.js';

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
  // A statistical limit, measured rather than assumed (300 seeds at this volume): the χ² test
  // alone found the shift within one minute in 12% of runs, within two in 97%; with the
  // pairwise transfer test beside it, 29% within one minute, 97% within two (the rest within
  // three). ~60 failures a minute is not enough to be sure in one: the information is not there
  // (see docs/alerts.md, "Decline-mix shift: how fast").
  it('sees a realistic shift within two minutes in at least 90% of 40 runs (often within one), within three in all, never before it', () => {
    const onset = 400;
    let inOne = 0;
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
      if (i === onset) inOne++;
      expect(ev[i]?.contributors?.[0]?.key).toBe('failure_category=fraud_suspected');
    }
    expect(inTwo).toBeGreaterThanOrEqual(36);
    // χ² alone: ~5 of 40 within one minute.
    expect(inOne).toBeGreaterThanOrEqual(8);
  });
  // Per evaluation the pack tests ~5 window suffixes at p < 2e-6: over 3 × 4320 minutes a chance
  // finding is possible (seed 3 has one: 18 and 15 do_not_honor in two minutes where ~7 are
  // expected), while a detector that tracks the drift badly fires dozens of times (a ±0.2 swing
  // of the two vocabularies does, 18 findings: the 6-hour baseline lags it; see docs/alerts.md).
  // Two markets with different decline vocabularies whose shares of the traffic swing over the
  // day (as CN wallets and US cards do), under daily volume seasonality.
  const cards = {
    insufficient_funds: 0.3,
    do_not_honor: 0.3,
    authentication_failed: 0.2,
    fraud_suspected: 0.05,
    card_expired: 0.15,
  };
  const wallets = {
    insufficient_funds: 0.5,
    authentication_failed: 0.1,
    canceled_by_user: 0.3,
    limit_exceeded: 0.1,
  };
  const day = 86_400_000;
  /** The two markets' mix at `t` with the card share swinging ±`amp` over the day. */
  const swingingMix = (t: number, amp: number): Record<string, number> => {
    const w = 0.5 + amp * Math.sin((2 * Math.PI * t) / day);
    const mix: Record<string, number> = {};
    for (const [c, v] of Object.entries(cards)) mix[c] = (mix[c] ?? 0) + w * v;
    for (const [c, v] of Object.entries(wallets)) mix[c] = (mix[c] ?? 0) + (1 - w) * v;
    return mix;
  };
  it('stays quiet over three days of a decline mix that moves with the time of day (≤ 2 chance findings in 12,960 minutes)', () => {
    const found: string[] = [];
    for (const seed of [1, 2, 3]) {
      const d = createMixDetector(packSpec);
      const ev = synthMinutes(
        0,
        3 * 1440,
        (t) => ({ attempts: dailyShape(t, 650), successRate: 0.907, failureMix: swingingMix(t, 0.1) }),
        seed,
      ).map((m) => d.evaluate(m));
      for (const e of ev)
        if (e.verdict === 'anomalous') found.push(`seed ${seed} minute ${e.at / 60_000}: ${e.summary}`);
    }
    expect(found.length, found.join('\n')).toBeLessThanOrEqual(2);
  });
  // A ±0.2 swing: the 6-hour decayed baseline lags it (the detector without same-time-of-day
  // history found 4–14 shifts a day on these seeds, every day). From the second day on, the
  // mix is compared with this time of day on the previous days.
  it('learns a ±0.2 daily swing after the first day (≤ 2 findings over days 2–5) and still sees a real shift on top of it', () => {
    const found: string[] = [];
    for (const seed of [1, 2, 3]) {
      const d = createMixDetector(packSpec);
      const ev = synthMinutes(
        0,
        5 * 1440,
        (t) => ({ attempts: dailyShape(t, 650), successRate: 0.907, failureMix: swingingMix(t, 0.2) }),
        seed,
      ).map((m) => d.evaluate(m));
      for (const e of ev.slice(1440))
        if (e.verdict === 'anomalous') found.push(`seed ${seed} minute ${e.at / 60_000}: ${e.summary}`);
    }
    expect(found.length, found.join('\n')).toBeLessThanOrEqual(2);
    // 85% of do_not_honor re-labelled as fraud_suspected on day 5, at 10:00 and at 17:00.
    for (const hour of [10, 17])
      for (const seed of [1, 2, 3, 4]) {
        const onset = 4 * 1440 + hour * 60;
        const d = createMixDetector(packSpec);
        const ev = synthMinutes(
          0,
          onset + 10,
          (t) => {
            const mix = swingingMix(t, 0.2);
            if (t >= onset * 60_000) {
              const dnh = mix['do_not_honor'] ?? 0;
              mix['do_not_honor'] = dnh * 0.15;
              mix['fraud_suspected'] = (mix['fraud_suspected'] ?? 0) + dnh * 0.85;
            }
            return { attempts: dailyShape(t, 650), successRate: 0.907, failureMix: mix };
          },
          seed,
        ).map((m) => d.evaluate(m));
        const i = firstAnomalous(ev, onset - 60);
        expect(i, `seed ${seed} ${hour}:00`).toBeGreaterThanOrEqual(onset);
        expect(i, `seed ${seed} ${hour}:00`).toBeLessThanOrEqual(onset + 2);
        expect(ev[i]?.summary, `seed ${seed} ${hour}:00`).toMatch(/this time of day on 4 past days/);
        expect(ev[i]?.contributors?.[0]?.key).toBe('failure_category=fraud_suspected');
      }
    // ≈50 simulated days of minutes: past vitest's 5 s default on the shared 2-core box under load.
  });

  // An ended provider outage (5 minutes of provider_error/timeout on top of the normal mix) at the
  // pack's settings and volume. Before the recovered tail its failures kept every window that
  // held them shifted: anomalous until 10 minutes (window_minutes) after the end.
  it('an ended outage is normal again within two minutes of its end, never re-fires, and a restart keeps the fence', () => {
    const onset = 300;
    const end = onset + 5;
    const outage = (t: number) =>
      t >= onset * 60_000 && t < end * 60_000
        ? { attempts: 650, successRate: 0.6, failureMix: { ...simMix, provider_error: 9000, timeout: 4000 } }
        : { attempts: 650, successRate: 0.907, failureMix: simMix };
    for (const seed of [1, 2, 3]) {
      const minutes = synthMinutes(0, end + 30, outage, seed);
      const d = createMixDetector(packSpec);
      const ev = minutes.map((m) => d.evaluate(m));
      const first = firstAnomalous(ev);
      expect(first, `seed ${seed}`).toBeGreaterThanOrEqual(onset);
      expect(first, `seed ${seed}`).toBeLessThanOrEqual(onset + 1);
      const lastAnomalous = ev.findLastIndex((e) => e.verdict === 'anomalous');
      expect(lastAnomalous - end, `seed ${seed}: minutes after the end`).toBeLessThanOrEqual(1);
      // A restart on the first normal minute (the fence up): the same verdicts as without it.
      const cut = lastAnomalous + 2;
      const b = createMixDetector(packSpec);
      minutes.slice(0, cut).forEach((m) => b.evaluate(m));
      const snap = JSON.parse(JSON.stringify(b.snapshot?.())) as Record<string, unknown>;
      expect(snap['fence'], `seed ${seed}`).toBeLessThan(packSpec.window_minutes);
      const c = createMixDetector(packSpec);
      c.restore?.(snap);
      expect(minutes.slice(cut).map((m) => c.evaluate(m).verdict)).toEqual(
        ev.slice(cut).map((e) => e.verdict),
      );
      // A snapshot from before the fence still loads (no fence: the old failures count until
      // they leave the window).
      delete snap['fence'];
      const old = createMixDetector(packSpec);
      old.restore?.(snap);
      const late = minutes.slice(cut).map((m) => old.evaluate(m).verdict);
      expect(late.slice(packSpec.window_minutes)).toEqual(
        ev.slice(cut + packSpec.window_minutes).map((e) => e.verdict),
      );
    }
  });

  // Level-shift adaptation, on the pack's settings and the simulator's volume: one day of
  // history (so the same-time-of-day baseline judges too), then 85% of do_not_honor re-labelled
  // as fraud_suspected at 10:00 on day 2.
  describe('a permanent change of the mix', () => {
    const onset = 1440 + 600;
    /** Minutes after the onset of each anomalous verdict's run, as `from..to`. */
    const runs = (ev: Evaluation[], from: number): string[] => {
      const out: string[] = [];
      let start = -1;
      for (let i = from; i <= ev.length; i++) {
        const a = ev[i]?.verdict === 'anomalous';
        if (a && start < 0) start = i;
        if (!a && start >= 0) {
          out.push(`${start - from}..${i - 1 - from}`);
          start = -1;
        }
      }
      return out;
    };
    const mixAt =
      (shiftFrom: number, shiftTo = Infinity) =>
      (t: number) => ({
        attempts: 650,
        successRate: 0.907,
        failureMix: t >= shiftFrom * 60_000 && t < shiftTo * 60_000 ? shifted : simMix,
      });

    it(`fires within two minutes, is adopted within ${ADAPT_AFTER_MINUTES} min (the finding ends) and never fires again, through the same hour next day`, () => {
      for (const seed of [1, 2]) {
        const d = createMixDetector(packSpec);
        const ev = synthMinutes(0, onset + 1440 + 120, mixAt(onset), seed).map((m) => d.evaluate(m));
        expect(ev.slice(0, onset).filter((e) => e.verdict === 'anomalous')).toEqual([]);
        const r = runs(ev, onset);
        // One episode: from the onset (≤ 2 min) to the adoption (≤ 120 min after the onset).
        expect(r, `seed ${seed}`).toHaveLength(1);
        const [first, last] = (r[0] ?? '').split('..').map(Number);
        expect(first).toBeLessThanOrEqual(2);
        expect(last).toBeGreaterThanOrEqual(ADAPT_AFTER_MINUTES - 5);
        expect(last).toBeLessThanOrEqual(ADAPT_AFTER_MINUTES);
        const after = ev[onset + (last ?? 0) + 1];
        expect(after?.summary).toMatch(/the new mix, stable for 120 min, is the baseline now/);
      }
    });

    it('without adaptation (adapt_after_minutes: 0) it keeps firing, as before', () => {
      const d = createMixDetector({ ...packSpec, adapt_after_minutes: 0 });
      const ev = synthMinutes(0, onset + 360, mixAt(onset), 1).map((m) => d.evaluate(m));
      expect(runs(ev, onset)).toEqual([`${firstAnomalous(ev, onset) - onset}..359`]);
    });

    it('a transient shift that reverts is detected in full and not adopted: the same shift 90 minutes later is detected in full again', () => {
      for (const seed of [1, 2]) {
        const d = createMixDetector(packSpec);
        const second = onset + 30 + 90;
        const ev = synthMinutes(
          0,
          second + 240,
          (t) =>
            mixAt(onset, onset + 30)(t).failureMix === shifted
              ? mixAt(onset, onset + 30)(t)
              : mixAt(second, second + 60)(t),
          seed,
        ).map((m) => d.evaluate(m));
        const r1 = runs(ev.slice(0, second), onset);
        // Fires within two minutes and stays firing until the shifted minutes left the window.
        expect(r1, `seed ${seed}`).toHaveLength(1);
        const [f1, l1] = (r1[0] ?? '').split('..').map(Number);
        expect(f1).toBeLessThanOrEqual(2);
        expect(l1).toBeGreaterThanOrEqual(29);
        expect(l1).toBeLessThanOrEqual(30 + packSpec.window_minutes);
        // The second, hour-long shift: caught as fast, and firing all along (no stale candidate
        // from the first one cut it short).
        const r2 = runs(ev, second);
        expect(r2, `seed ${seed}`).toHaveLength(1);
        const [f2, l2] = (r2[0] ?? '').split('..').map(Number);
        expect(f2).toBeLessThanOrEqual(2);
        expect(l2).toBeGreaterThanOrEqual(59);
      }
    });

    it('a restart in the middle keeps the adaptation on schedule (snapshot and restore)', () => {
      const minutes = synthMinutes(0, onset + 180, mixAt(onset), 3);
      const a = createMixDetector(packSpec);
      const whole = minutes.map((m) => a.evaluate(m));
      const b = createMixDetector(packSpec);
      const cut = onset + 60;
      const part1 = minutes.slice(0, cut).map((m) => b.evaluate(m));
      const c = createMixDetector(packSpec);
      c.restore?.(JSON.parse(JSON.stringify(b.snapshot?.())) as unknown);
      const part2 = minutes.slice(cut).map((m) => c.evaluate(m));
      expect([...part1, ...part2].map((e) => e.verdict)).toEqual(whole.map((e) => e.verdict));
      expect(runs(whole, onset)).toHaveLength(1);
    });

    it('the resolution says the new mix was adopted: until the next finding (the alert resolves keep_firing_for later) and across a restart', () => {
      const minutes = synthMinutes(0, onset + 200, mixAt(onset), 1);
      const a = createMixDetector(packSpec);
      const whole = minutes.map((m) => a.evaluate(m));
      const [, last] = (runs(whole, onset)[0] ?? '').split('..').map(Number);
      const adopted = onset + (last ?? 0) + 1;
      // Every normal verdict after the adoption explains itself, also past one window (a rule
      // with keep_firing_for longer than window_minutes resolves then).
      for (let i = adopted; i < adopted + 3 * packSpec.window_minutes; i++)
        expect(whole[i]?.summary, `minute ${i - onset}`).toMatch(/is the baseline now/);
      // A restart just after the adoption: the same summaries as without it.
      const b = createMixDetector(packSpec);
      minutes.slice(0, adopted).forEach((m) => b.evaluate(m));
      const c = createMixDetector(packSpec);
      c.restore?.(JSON.parse(JSON.stringify(b.snapshot?.())) as unknown);
      const part2 = minutes.slice(adopted).map((m) => c.evaluate(m));
      expect(part2.map((e) => e.summary)).toEqual(whole.slice(adopted).map((e) => e.summary));
    });
  });
});
