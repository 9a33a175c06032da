// Guards the statistics behind the detectors against reference values (R / SciPy).
import { describe, expect, it } from 'vitest';
import {
  chiSquareGof,
  chiSquareHomogeneity,
  chiSquareSf,
  jensenShannon,
  poissonCdf,
  wilson,
} from './stats.js';

describe('stats', () => {
  it('poisson cdf', () => {
    expect(poissonCdf(0, 42)).toBeCloseTo(Math.exp(-42), 25);
    expect(poissonCdf(3, 2)).toBeCloseTo(0.857123460498547, 10); // ppois(3, 2)
    expect(poissonCdf(120, 100)).toBeCloseTo(0.977330670921685, 9); // ppois(120, 100)
  });
  it('chi-square survival', () => {
    expect(chiSquareSf(3.841458820694124, 1)).toBeCloseTo(0.05, 8);
    expect(chiSquareSf(18.307038053275146, 10)).toBeCloseTo(0.05, 8);
  });
  it('wilson interval', () => {
    const w = wilson(81, 263, 1.959963984540054); // statsmodels proportion_confint(81, 263, method='wilson')
    expect(w.lower).toBeCloseTo(0.2553, 4);
    expect(w.upper).toBeCloseTo(0.3662, 4);
  });
  it('jensen-shannon', () => {
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jensenShannon([5, 5], [1, 1])).toBeCloseTo(0, 12);
  });
  it('chi-square goodness of fit separates a shifted mix from the baseline', () => {
    expect(chiSquareGof([50, 50, 0], [500, 500, 0]).p).toBeGreaterThan(0.05);
    expect(chiSquareGof([10, 10, 80], [500, 500, 0]).p).toBeLessThan(1e-6);
  });
  it('chi-square homogeneity matches scipy.stats.chi2_contingency', () => {
    const r = chiSquareHomogeneity([10, 20, 30], [20, 20, 20]);
    expect(r.stat).toBeCloseTo(5.333333333333334, 10);
    expect(r.df).toBe(2);
    expect(r.p).toBeCloseTo(0.0694834512228015, 10);
  });
  it('chi-square homogeneity pools rare categories instead of letting two hits dominate', () => {
    // The middle category is expected 0.27 times in the first row; seen twice it would add ≈11
    // to the statistic. Pooled into the smallest other bin: [[30, 30], [300, 300]], no difference.
    const r = chiSquareHomogeneity([30, 2, 28], [300, 1, 299]);
    expect(r.df).toBe(1);
    expect(r.p).toBeGreaterThan(0.5);
    expect(chiSquareGof([30, 2, 28], [300, 1, 299]).p).toBeLessThan(0.01);
  });
});
