// Guards the statistics behind the detectors against reference values (R / SciPy).
import { describe, expect, it } from 'vitest';
import { chiSquareGof, chiSquareSf, jensenShannon, poissonCdf, wilson } from './stats.js';

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
});
