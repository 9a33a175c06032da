// Guards the statistics behind the detectors against reference values (R / SciPy).
import { describe, expect, it } from 'vitest';
import {
  binomialSf,
  chiSquareGof,
  chiSquareHomogeneity,
  chiSquareSf,
  jensenShannon,
  poissonCdf,
  transferTest,
  wilson,
} from './stats.js';
import { rng } from './synthetic.js';

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
  it('binomial upper tail matches scipy.stats.binom.sf', () => {
    // binomialSf(k, n, q) = P(X ≥ k) = binom.sf(k − 1, n, q)
    expect(binomialSf(27, 30, 0.238) / 2.7325640171469745e-14).toBeCloseTo(1, 9);
    expect(binomialSf(3, 10, 0.1)).toBeCloseTo(0.0701908264, 10);
    expect(binomialSf(50, 400, 0.05) / 3.757297207251481e-9).toBeCloseTo(1, 9);
    expect(binomialSf(0, 10, 0.3)).toBe(1);
    expect(binomialSf(11, 10, 0.3)).toBe(0);
  });
  it('transfer test names the pair whose mass moved, and beats χ² on a small sample of such a shift', () => {
    // The simulator's 13 decline categories (do_not_honor is index 1, fraud_suspected index 5),
    // and one minute (61 failures) after 85 % of do_not_honor became fraud_suspected.
    const base = [2537, 2029, 517, 891, 1688, 603, 470, 265, 272, 312, 184, 739, 62].map((x) => 3 * x);
    const obs = [15, 2, 3, 5, 10, 13, 3, 2, 1, 2, 1, 4, 0];
    const t = transferTest(obs, base);
    expect(t).toMatchObject({ from: 1, to: 5, pairs: 156 });
    // Bonferroni-corrected over 156 ordered pairs it is still ~100× stronger than the 12-df χ².
    expect(t.p * t.pairs).toBeLessThan(2e-4);
    expect(chiSquareHomogeneity(obs, base).p).toBeGreaterThan(100 * t.p * t.pairs);
  });
  it('transfer test keeps its size on the null: P(p × pairs < α) ≤ α over multinomial samples', () => {
    const shares = [0.25, 0.19, 0.05, 0.16, 0.06, 0.02, 0.27];
    const base = shares.map((s) => s * 30_000);
    const r = rng(3);
    let rejections = 0;
    const runs = 2000;
    for (let i = 0; i < runs; i++) {
      const obs = shares.map(() => 0);
      for (let j = 0; j < 120; j++) {
        let u = r();
        let c = 0;
        while (c < shares.length - 1 && (u -= shares[c] ?? 0) > 0) c++;
        obs[c] = (obs[c] ?? 0) + 1;
      }
      const t = transferTest(obs, base);
      if (t.p * t.pairs < 0.05) rejections++;
    }
    // Bonferroni over 42 correlated pairs and a discrete test: conservative, well under 5 %.
    expect(rejections / runs).toBeLessThan(0.05);
    expect(rejections).toBeGreaterThan(0); // it is a test, not a constant
  });
});
