// Guards the KPI sparklines: the last 30 complete minutes only, so the in-progress (or a future) minute never draws a false drop; refetched soon while the store has not got the last minute yet.
import type { Timeseries } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { SPARK_FILL_MS, SPARK_REFETCH_MS, sparkRange, sparkRefetchMs, sparkSeries } from './kpi-tiles.js';

/** What the read API answers for a range: every bucket in [from, to), here with steady traffic. */
function steady(from: number, to: number, attemptsPerMinute: number, uptoMs = to): Timeseries {
  const points = [];
  for (let t = from; t < to; t += 60_000) {
    // Events only exist up to `uptoMs` (now): a bucket after it is empty, one across it partial.
    const share = Math.max(0, Math.min(1, (uptoMs - t) / 60_000));
    const attempts = Math.round(attemptsPerMinute * share);
    points.push({
      t,
      attempts,
      succeeded: attempts,
      failed: 0,
      success_rate: attempts ? 1 : null,
      gmv: attempts * 10,
      latency_p95: attempts ? 500 : null,
    });
  }
  return {
    from,
    to,
    bucket_ms: 60_000,
    group_by: null,
    reporting_currency: 'USD',
    series: [{ key: null, points }],
  };
}

describe('sparkRange', () => {
  it.each([
    ['early in a minute', Date.UTC(2026, 10, 26, 2, 14, 5)],
    ['late in a minute', Date.UTC(2026, 10, 26, 2, 14, 50)],
    ['on a minute', Date.UTC(2026, 10, 26, 2, 14, 0)],
  ])('%s: 30 one-minute buckets ending at the start of the current minute', (_what, now) => {
    const r = sparkRange(now);
    expect(r.bucket).toBe('1m');
    expect(r.to).toBe(Date.UTC(2026, 10, 26, 2, 14, 0));
    expect(r.to).toBeLessThanOrEqual(now);
    expect(r.to - r.from).toBe(30 * 60_000);
  });

  it('steady traffic draws a flat sparkline (no dip at the right edge)', () => {
    const now = Date.UTC(2026, 10, 26, 2, 14, 50);
    const r = sparkRange(now);
    const s = sparkSeries(steady(r.from, r.to, 600, now));
    expect(s.pps).toHaveLength(30);
    expect(new Set(s.pps)).toEqual(new Set([10]));
    expect(new Set(s.gmv)).toEqual(new Set([6000]));
  });
});

describe('sparkRefetchMs', () => {
  const now = Date.UTC(2026, 10, 26, 2, 14, 50);
  const r = sparkRange(now);

  it('refetches soon before the first answer and while the store holds nothing of the range', () => {
    expect(sparkRefetchMs(undefined)).toBe(SPARK_FILL_MS);
    expect(sparkRefetchMs(steady(r.from, r.to, 600, r.from))).toBe(SPARK_FILL_MS);
  });

  it('refetches soon while the last complete minute is missing (a back-fill still under way)', () => {
    // The store has the range's first 20 minutes only.
    expect(sparkRefetchMs(steady(r.from, r.to, 600, r.from + 20 * 60_000))).toBe(SPARK_FILL_MS);
  });

  it("refetches at the panels' pace once the last complete minute is in", () => {
    expect(sparkRefetchMs(steady(r.from, r.to, 600, now))).toBe(SPARK_REFETCH_MS);
    expect(SPARK_REFETCH_MS).toBeGreaterThan(SPARK_FILL_MS);
  });
});
