// Guards the production univariate detector: quiet on clean seasonality, scores a spike and a level shift high, no look-ahead.
import { describe, expect, it } from 'vitest';
import { createUnivariateDetector, normalTail } from './univariate.detector.js';

function seasonal(n: number, seed = 1): number[] {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  return Array.from({ length: n }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / 288) + rnd() * 2);
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

  it('scores a prefix identically whatever follows (no look-ahead)', () => {
    const xs = seasonal(1500);
    const a = createUnivariateDetector();
    const b = createUnivariateDetector();
    const sa = xs.map((x) => a.update(x).score);
    const sb = xs.slice(0, 1000).map((x) => b.update(x).score);
    expect(sa.slice(0, 1000)).toEqual(sb);
  });
});
