// Guards the production univariate detector: quiet on clean seasonality, scores a spike, a level shift, a flattened day, a missing weekday high, a weekday-busy Saturday (weekly gain), a holiday then a weak Thursday (weekly gate) and a modest sustained shift (slow channels), no look-ahead, the record gate.
import { describe, expect, it } from 'vitest';
import { DEFAULT_UNIVARIATE_CONFIG, createUnivariateDetector, normalTail } from './univariate.detector.js';
import { SnapshotError } from './snapshot.js';

function seasonal(n: number, seed = 1): number[] {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  return Array.from({ length: n }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / 288) + rnd() * 2);
}

/** Busy 08:00–18:00 at ≈80 on the first `workdays` days of each week, ≈20 otherwise, with noise. */
function businessWeeks(days: number, perDay: number, workdays: number, seed = false): number[] {
  let s = seed ? 7 : 11;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  return Array.from({ length: days * perDay }, (_, i) => {
    const hour = ((i % perDay) * 24) / perDay;
    const weekday = Math.floor(i / perDay) % 7;
    return (weekday < workdays && hour >= 8 && hour < 18 ? 80 : 20) + rnd() * 6;
  });
}

describe('univariate detector', () => {
  it('normal tail matches known values', () => {
    expect(normalTail(0)).toBeCloseTo(0.5, 6);
    expect(normalTail(1.96)).toBeCloseTo(0.025, 3);
    expect(normalTail(-1.96)).toBeCloseTo(0.975, 3);
  });

  it('stays below 0.5 on clean seasonal traffic and scores a spike above it', () => {
    const xs = seasonal(3000);
    xs[2500] = 400;
    const d = createUnivariateDetector();
    const scores = xs.map((x) => d.update(x).score);
    expect(Math.max(...scores.slice(600, 2500))).toBeLessThan(0.5);
    expect(Math.max(...scores.slice(2500, 2510))).toBeGreaterThanOrEqual(0.5);
  });

  it('flags a level shift within a few points', () => {
    const xs = seasonal(3000).map((x, i) => (i >= 2400 ? x + 80 : x));
    const d = createUnivariateDetector();
    const scores = xs.map((x) => d.update(x).score);
    const first = scores.findIndex((s, i) => i >= 2400 && s >= 0.5);
    expect(first).toBeGreaterThanOrEqual(2400);
    expect(first).toBeLessThan(2410);
  });

  it('scores a prefix identically whatever follows (no look-ahead), with or without timestamps', () => {
    const xs = seasonal(1500);
    const a = createUnivariateDetector();
    const b = createUnivariateDetector();
    const sa = xs.map((x) => a.update(x).score);
    const sb = xs.slice(0, 1000).map((x) => b.update(x).score);
    expect(sa.slice(0, 1000)).toEqual(sb);
    // Timestamped, over three weeks so the weekly profile speaks; the tail is a big anomaly.
    const long = businessWeeks(21, 96, 5).map((x, i) => (i >= 1900 ? x * 3 : x));
    const t0 = Date.UTC(2026, 0, 5);
    const c = createUnivariateDetector();
    const d = createUnivariateDetector();
    const sc = long.map((x, i) => c.update(x, t0 + i * 900_000).score);
    const sd = long.slice(0, 1900).map((x, i) => d.update(x, t0 + i * 900_000).score);
    expect(sc.slice(0, 1900)).toEqual(sd);
  });

  it('a range break is judged against the retained history, not an extreme from long ago', () => {
    const cfg = { ...DEFAULT_UNIVARIATE_CONFIG, historyLen: 800 };
    // An early outlier at 1000, then 1200 points of normal traffic, then a 300.
    const xs = seasonal(1800).map((x, i) => (i === 200 ? 1000 : i === 1500 ? 300 : x));
    const d = createUnivariateDetector(cfg);
    const scores = xs.map((x) => d.update(x).score);
    expect(scores[1500]).toBe(1);
    expect(Math.max(...scores.slice(400, 1500))).toBeLessThan(0.45);
  });

  it('flags a day whose busy hours stay flat at a middle level (block novelty), quiet on the days before', () => {
    const day = 288; // 5-minute points
    const xs = businessWeeks(14, day, 7, true).map((x, i) =>
      i >= 10 * day + 96 && i < 10 * day + 216 ? 50 + (i % 3) * 0.3 : x,
    );
    const d = createUnivariateDetector(DEFAULT_UNIVARIATE_CONFIG);
    const scores = xs.map((x) => d.update(x).score);
    expect(Math.max(...scores.slice(3 * day, 10 * day))).toBeLessThan(0.45);
    const first = scores.findIndex((s, i) => i >= 10 * day && s >= 0.45);
    expect(first).toBeGreaterThanOrEqual(10 * day + 96);
    expect(first).toBeLessThan(10 * day + 216);
  });

  it('flags a weekday with weekend-like traffic from the weekly profile when points carry timestamps', () => {
    const day = 96; // 15-minute points, starting on a Monday
    const t0 = Date.UTC(2026, 0, 5);
    const quietDay = 30 * day; // a Wednesday in week 5
    const xs = businessWeeks(35, day, 5).map((x, i) =>
      i >= quietDay && i < quietDay + day ? 20 + (i % 5) : x,
    );
    const timed = createUnivariateDetector();
    const scores = xs.map((x, i) => timed.update(x, t0 + i * 900_000).score);
    expect(Math.max(...scores.slice(14 * day, quietDay))).toBeLessThan(0.45);
    const first = scores.findIndex((s, i) => i >= quietDay && s >= 0.45);
    expect(first).toBeGreaterThanOrEqual(quietDay);
    expect(first).toBeLessThan(quietDay + 18 * 4); // before 18:00 of that day
    // Without timestamps there is no weekly profile and the quiet day passes unnoticed.
    const untimed = createUnivariateDetector();
    const plain = xs.map((x) => untimed.update(x).score);
    expect(Math.max(...plain.slice(quietDay, quietDay + day))).toBeLessThan(0.45);
  });
  it('scores a Saturday with weekday traffic above 0.6 from the weekly profile (weekGain; block novelty stays at most 0.5)', () => {
    const day = 96; // 15-minute points, starting on a Monday
    const t0 = Date.UTC(2026, 0, 5);
    const sat = (3 * 7 + 5) * day; // Saturday of week 4
    const xs = businessWeeks(35, day, 5, true).map((x, i) => {
      const hour = ((i % day) * 24) / day;
      return i >= sat && i < sat + day && hour >= 8 && hour < 18 ? x + 60 : x;
    });
    const timed = createUnivariateDetector();
    const st = xs.map((x, i) => timed.update(x, t0 + i * 900_000).score);
    expect(Math.max(...st.slice(14 * day, sat))).toBeLessThan(0.45);
    // Paged from 08:00, the first busy point, at a score a rule with threshold 0.6 sees: with
    // the weekly profile discounted like block novelty (gain 0.5) it would be capped at 0.5.
    expect(st.findIndex((s, i) => i >= sat && s >= 0.6)).toBe(sat + 32);
    const capped = createUnivariateDetector({ ...DEFAULT_UNIVARIATE_CONFIG, weekGain: 0.5 });
    const sc = xs.map((x, i) => capped.update(x, t0 + i * 900_000).score);
    expect(Math.max(...sc.slice(sat, sat + day))).toBeLessThanOrEqual(0.5);
    // Without timestamps the day's shape is a familiar weekday: nothing near a page.
    const untimed = createUnivariateDetector();
    const su = xs.map((x) => untimed.update(x).score);
    expect(Math.max(...su.slice(sat, sat + day))).toBeLessThan(0.3);
  });

  it('after a two-day holiday, stays quiet on the normal Wednesday and flags Thursday at 70% (weekly gate over the long history)', () => {
    const day = 96; // 15-minute points, starting on a Monday
    const t0 = Date.UTC(2026, 0, 5);
    const holiday = 28 * day; // Monday and Tuesday of week 5 at weekend traffic
    const thu = holiday + 3 * day;
    const xs = businessWeeks(42, day, 5, true).map((x, i) => {
      if (i >= holiday && i < holiday + 2 * day) return x > 50 ? x - 60 : x;
      return i >= thu && i < thu + day && x > 50 ? x * 0.7 : x;
    });
    const d = createUnivariateDetector();
    const st = xs.map((x, i) => d.update(x, t0 + i * 900_000).score);
    const pages = st.flatMap((s, i) => (i >= 14 * day && s >= 0.45 ? [i] : []));
    // The holiday from its first busy hour (08:00) and Thursday within its first 4 busy hours;
    // nothing else. With the gate on the residual scale's ~100-point memory the profile went
    // off during the holiday and came back on Wednesday evening with the holiday still in its
    // short-term mean: a page on normal traffic, whose refractory then hid Thursday.
    expect(pages.length).toBe(2);
    expect(pages[0]).toBe(holiday + 32);
    expect(pages[1]).toBeGreaterThanOrEqual(thu + 32);
    expect(pages[1]).toBeLessThan(thu + 48);
  });

  it('flags a weekday whose busy hours run at 75% within the first hour, sooner with timestamps', () => {
    const day = 96; // 15-minute points, starting on a Monday
    const t0 = Date.UTC(2026, 0, 5);
    const q = 30 * day; // a Wednesday in week 5; busy hours start at q + 32
    const xs = businessWeeks(35, day, 5).map((x, i) => (i >= q && i < q + day && x > 50 ? x * 0.75 : x));
    const timed = createUnivariateDetector();
    const st = xs.map((x, i) => timed.update(x, t0 + i * 900_000).score);
    expect(Math.max(...st.slice(14 * day, q))).toBeLessThan(0.45);
    const first = st.findIndex((s, i) => i >= q && s >= 0.45);
    expect(first).toBeGreaterThanOrEqual(q + 32);
    expect(first).toBeLessThan(q + 36);
    // Without timestamps the weekly profile is off; the coarse-scale signals alone take longer.
    const untimed = createUnivariateDetector();
    const su = xs.map((x) => untimed.update(x).score);
    expect(Math.max(...su.slice(q, q + 36))).toBeLessThan(0.45);
  });

  it('record gate: a surprise that is no record for its channel does not page again (one burst, one page)', () => {
    // Seasonal traffic with a 20-point volatility burst every 4 days (within the usual range):
    // the ungated likelihood pages the burst at 8091 and again when the refractory period ends
    // (8192); with the gate the second crossing is no record and stays quiet.
    let s = 9;
    const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
    const xs = Array.from({ length: 12000 }, (_, i) => {
      const burst = i > 1000 && i % 1152 < 20 ? 10 : 1;
      return 100 + 20 * Math.sin((2 * Math.PI * i) / 288) + rnd() * 2 * burst;
    });
    const pages = (recordGate: boolean) => {
      const d = createUnivariateDetector({ ...DEFAULT_UNIVARIATE_CONFIG, recordGate });
      return xs.map((x) => d.update(x).score).flatMap((sc, i) => (sc >= 0.45 && i > 1000 ? [i] : []));
    };
    const gated = pages(true);
    const ungated = pages(false);
    expect(ungated.length).toBeGreaterThan(gated.length);
    for (const i of gated) expect(ungated).toContain(i);
    // Still pages the bursts it has not seen the like of.
    expect(gated.length).toBeGreaterThan(0);
  });

  it('slow channels flag a modest sustained shift (1σ for 300 points) the short-term likelihood misses or sees later', () => {
    // Flat noise (sd ≈ 1) with exact ±8 spikes every 250 points that hold the range wide, so
    // no range break; from 3000 the level is 1σ higher for 300 points.
    const lo = 3000;
    const firsts = (slowLen: number) =>
      [3, 5, 7, 11, 13].map((seed) => {
        let s = seed;
        const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
        const xs = Array.from({ length: 4000 }, (_, i) => {
          const z = 50 + (rnd() + rnd() + rnd()) * 2 + (i >= lo && i < lo + 300 ? 1 : 0);
          return i % 250 === 100 ? (i % 500 === 100 ? 58 : 42) : z;
        });
        const d = createUnivariateDetector({ ...DEFAULT_UNIVARIATE_CONFIG, slowLen });
        const sc = xs.map((x) => d.update(x).score);
        expect(Math.max(...sc.slice(600, lo))).toBeLessThan(0.45);
        const first = sc.findIndex((v, i) => i >= lo && v >= 0.45);
        return first < 0 ? Infinity : first - lo;
      });
    const slow = firsts(DEFAULT_UNIVARIATE_CONFIG.slowLen);
    const fast = firsts(0);
    // With the slow channels every shift is flagged within 100 points of its start …
    for (const f of slow) expect(f).toBeLessThan(100);
    // … never later than without them, and strictly sooner (or only with them) for some.
    slow.forEach((f, i) => expect(f).toBeLessThanOrEqual(fast[i]!));
    expect(slow.filter((f, i) => f < fast[i]!).length).toBeGreaterThanOrEqual(2);
  });

  it('restores a snapshot taken before the slow channels existed (they restart)', () => {
    const a = createUnivariateDetector();
    for (const x of seasonal(600)) a.update(x);
    const old = JSON.parse(JSON.stringify(a.snapshot())) as Record<string, unknown>;
    delete old['slow'];
    old['records'] = (old['records'] as unknown[]).slice(0, 6);
    const b = createUnivariateDetector();
    expect(() => b.restore(old)).not.toThrow();
    expect(b.update(400).score).toBe(1);
    // A malformed slow state is refused.
    const broken = JSON.parse(JSON.stringify(a.snapshot())) as Record<string, unknown>;
    broken['slow'] = [[1]];
    expect(() => createUnivariateDetector().restore(broken)).toThrow(SnapshotError);
  });

  it('restores a snapshot taken before the weekly gate had its own memory (three numbers in week.at)', () => {
    const day = 96;
    const t0 = Date.UTC(2026, 0, 5);
    const a = createUnivariateDetector();
    businessWeeks(21, day, 5).forEach((x, i) => a.update(x, t0 + i * 900_000));
    const old = JSON.parse(JSON.stringify(a.snapshot())) as Record<string, Record<string, unknown[]>>;
    expect(old['week']!['at']).toHaveLength(4);
    old['week']!['at'] = old['week']!['at']!.slice(0, 3);
    const b = createUnivariateDetector();
    expect(() => b.restore(old)).not.toThrow();
    // The weekly state is kept, the missing gate memory starts from the residual scale (at[0]).
    const at = old['week']!['at']!;
    const restored = b.snapshot() as Record<string, Record<string, unknown[]>>;
    expect(restored['week']!['at']).toEqual([...at, at[0]]);
    expect(restored['week']!['mean']).toEqual(old['week']!['mean']);
    expect(b.update(400, t0 + 21 * day * 900_000).score).toBe(1);
  });

  it('restores a snapshot taken before the record gate existed (records restart)', () => {
    const a = createUnivariateDetector();
    for (const x of seasonal(600)) a.update(x);
    const old = JSON.parse(JSON.stringify(a.snapshot())) as Record<string, unknown>;
    delete old['records'];
    const b = createUnivariateDetector();
    expect(() => b.restore(old)).not.toThrow();
    expect(b.update(400).score).toBe(1);
  });

  it('a detector restored mid-series from a JSON snapshot scores the rest exactly as the uninterrupted one', () => {
    // Three weeks at 15-minute points (the weekly profile speaks from week 3), a spike and a
    // flattened day after the cut; the snapshot is taken mid-week, with blocks half filled.
    const perDay = 96;
    const xs = businessWeeks(21, perDay, 5);
    const cut = 15 * perDay + 37;
    xs[cut + 200] = 400;
    for (let i = 18 * perDay; i < 19 * perDay; i++) xs[i] = 20;
    const ts = xs.map((_, i) => Date.UTC(2026, 0, 5) + i * 15 * 60_000);
    const a = createUnivariateDetector();
    for (let i = 0; i < cut; i++) a.update(xs[i]!, ts[i]);
    const b = createUnivariateDetector();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())) as unknown);
    const fresh = createUnivariateDetector();
    let differsFromFresh = false;
    let anomalies = 0;
    for (let i = cut; i < xs.length; i++) {
      const sa = a.update(xs[i]!, ts[i]);
      expect(b.update(xs[i]!, ts[i])).toEqual(sa);
      if (sa.score >= 0.5) anomalies++;
      if (fresh.update(xs[i]!, ts[i]).score !== sa.score) differsFromFresh = true;
    }
    // The snapshot carried history a fresh detector lacks, and the rest had something to find.
    expect(differsFromFresh).toBe(true);
    expect(anomalies).toBeGreaterThan(0);
  });

  it('refuses a snapshot of another configuration or a malformed one', () => {
    const a = createUnivariateDetector();
    for (const x of seasonal(300)) a.update(x);
    const other = createUnivariateDetector({ ...DEFAULT_UNIVARIATE_CONFIG, historyLen: 1000 });
    expect(() => other.restore(a.snapshot())).toThrow(SnapshotError);
    expect(() => createUnivariateDetector().restore({ type: 'rate' })).toThrow(SnapshotError);
    const broken = JSON.parse(JSON.stringify(a.snapshot())) as Record<string, unknown>;
    broken['raws'] = { buf: [] };
    expect(() => createUnivariateDetector().restore(broken)).toThrow(SnapshotError);
  });
});
