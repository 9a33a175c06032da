/** Small, dependency-free statistics used by the detectors. All functions are pure. */

/** ln Γ(x) (Lanczos, g = 7). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0] ?? 0;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] ?? 0) / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(s, x) = Γ(s, x) / Γ(s). */
export function gammaQ(s: number, x: number): number {
  if (x <= 0) return 1;
  if (x < s + 1) {
    // Series for P, then Q = 1 - P.
    let sum = 1 / s;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (s + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + s * Math.log(x) - logGamma(s)));
  }
  // Continued fraction (Lentz).
  let b = x + 1 - s;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + s * Math.log(x) - logGamma(s)) * h);
}

/** P(X ≤ k) for X ~ Poisson(λ). */
export function poissonCdf(k: number, lambda: number): number {
  if (k < 0) return 0;
  if (lambda <= 0) return 1;
  return gammaQ(Math.floor(k) + 1, lambda);
}

/** Survival function of the chi-square distribution with `df` degrees of freedom. */
export function chiSquareSf(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

/** Wilson score interval for `successes` out of `n` at normal quantile `z`. */
export function wilson(successes: number, n: number, z: number): { lower: number; upper: number; p: number } {
  if (n <= 0) return { lower: 0, upper: 1, p: NaN };
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half), p };
}

/** Jensen–Shannon divergence (base 2, in [0,1]) of two count vectors over the same keys. */
export function jensenShannon(a: readonly number[], b: readonly number[]): number {
  const sa = a.reduce((s, x) => s + x, 0);
  const sb = b.reduce((s, x) => s + x, 0);
  if (sa <= 0 || sb <= 0) return 0;
  let js = 0;
  for (let i = 0; i < a.length; i++) {
    const p = (a[i] ?? 0) / sa;
    const q = (b[i] ?? 0) / sb;
    const m = (p + q) / 2;
    if (p > 0) js += 0.5 * p * Math.log2(p / m);
    if (q > 0) js += 0.5 * q * Math.log2(q / m);
  }
  return Math.max(0, Math.min(1, js));
}

/**
 * Chi-square goodness of fit of observed counts against expected proportions (from baseline
 * counts, add-one smoothed). Returns the statistic, degrees of freedom and p-value.
 */
export function chiSquareGof(
  observed: readonly number[],
  baseline: readonly number[],
): { stat: number; df: number; p: number } {
  const n = observed.reduce((s, x) => s + x, 0);
  const k = observed.length;
  const tb = baseline.reduce((s, x) => s + x, 0) + k;
  let stat = 0;
  for (let i = 0; i < k; i++) {
    const e = (n * ((baseline[i] ?? 0) + 1)) / tb;
    const d = (observed[i] ?? 0) - e;
    stat += (d * d) / e;
  }
  const df = Math.max(1, k - 1);
  return { stat, df, p: n > 0 ? chiSquareSf(stat, df) : 1 };
}

/**
 * Chi-square test of homogeneity between two count vectors over the same categories (is the
 * `observed` sample drawn from the same distribution as the `baseline` sample?). Unlike a
 * goodness-of-fit test against baseline *proportions*, the baseline's own sampling noise is
 * accounted for (a young, small baseline cannot make noise look significant). Categories whose
 * expected count in the observed row is below `minExpected` are pooled into one bin, and that
 * bin into the smallest other one while it is still below (Cochran's rule): a rare category
 * seen twice would otherwise dominate the statistic. Counts may be fractional (decayed
 * baselines). Returns the statistic, degrees of freedom and p-value.
 */
export function chiSquareHomogeneity(
  observed: readonly number[],
  baseline: readonly number[],
  minExpected = 5,
): { stat: number; df: number; p: number } {
  let n = 0;
  let b = 0;
  for (let i = 0; i < observed.length; i++) {
    n += observed[i] ?? 0;
    b += baseline[i] ?? 0;
  }
  if (n <= 0 || b <= 0) return { stat: 0, df: 1, p: 1 };
  const total = n + b;
  const expected = (o: number, x: number): number => (n * (o + x)) / total;
  const binsO: number[] = [];
  const binsB: number[] = [];
  let rareO = 0;
  let rareB = 0;
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i] ?? 0;
    const x = baseline[i] ?? 0;
    if (o + x <= 0) continue;
    if (expected(o, x) < minExpected) {
      rareO += o;
      rareB += x;
    } else {
      binsO.push(o);
      binsB.push(x);
    }
  }
  if (rareO + rareB > 0) {
    if (expected(rareO, rareB) >= minExpected || binsO.length === 0) {
      binsO.push(rareO);
      binsB.push(rareB);
    } else {
      let j = 0;
      for (let i = 1; i < binsO.length; i++)
        if ((binsO[i] ?? 0) + (binsB[i] ?? 0) < (binsO[j] ?? 0) + (binsB[j] ?? 0)) j = i;
      binsO[j] = (binsO[j] ?? 0) + rareO;
      binsB[j] = (binsB[j] ?? 0) + rareB;
    }
  }
  if (binsO.length < 2) return { stat: 0, df: 1, p: 1 };
  let stat = 0;
  for (let i = 0; i < binsO.length; i++) {
    const o = binsO[i] ?? 0;
    const x = binsB[i] ?? 0;
    const e = expected(o, x);
    const f = (b * (o + x)) / total;
    stat += ((o - e) * (o - e)) / e + ((x - f) * (x - f)) / f;
  }
  const df = binsO.length - 1;
  return { stat, df, p: chiSquareSf(stat, df) };
}

/** ln C(n, k). */
function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** P(X ≥ k) for X ~ Binomial(n, q) (exact sum from k upwards; n up to a few thousand). */
export function binomialSf(k: number, n: number, q: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (q <= 0) return 0;
  if (q >= 1) return 1;
  const lq = Math.log(q);
  const lr = Math.log1p(-q);
  let term = Math.exp(logChoose(n, k) + k * lq + (n - k) * lr);
  let sum = term;
  for (let j = k; j < n; j++) {
    term *= ((n - j) / (j + 1)) * (q / (1 - q));
    sum += term;
    if (j + 1 > n * q && term < sum * 1e-15) break;
  }
  return Math.min(1, sum);
}

/**
 * Exact test for a *transfer* between two categories: did category `to` gain on category
 * `from` (e.g. do_not_honor declines re-labelled fraud_suspected)? Conditioned on the
 * observed `from` + `to` count m, `to` is Binomial(m, s) under the null, s being its share of
 * the pair in the baseline — taken at its upper ~2σ bound, so a pair with little baseline
 * history does not look significant by itself. Returns the smallest one-sided p-value over
 * all ordered pairs (not yet corrected: multiply by `pairs` for a family-wise bound).
 *
 * Why next to the χ² omnibus test: a shift that moves one category's mass to another puts
 * nearly all of its evidence in two cells, where the (K − 1)-df χ² dilutes it; at ~60
 * failures a minute this test reaches p < 1e-8 in two minutes where χ² sits near 1e-6.
 */
export function transferTest(
  observed: readonly number[],
  baseline: readonly number[],
): { p: number; from: number; to: number; pairs: number } {
  const k = observed.length;
  let best = { p: 1, from: -1, to: -1 };
  let cats = 0;
  for (let i = 0; i < k; i++) if ((observed[i] ?? 0) + (baseline[i] ?? 0) > 0) cats++;
  for (let b = 0; b < k; b++) {
    const ob = observed[b] ?? 0;
    if (ob <= 0) continue;
    const bb = baseline[b] ?? 0;
    for (let a = 0; a < k; a++) {
      if (a === b) continue;
      const m = ob + (observed[a] ?? 0);
      const tot = bb + (baseline[a] ?? 0);
      const s = (bb + 0.5) / (tot + 1);
      const hi = Math.min(1, s + 2 * Math.sqrt((s * (1 - s)) / (tot + 1)));
      if (ob <= m * hi) continue;
      const p = binomialSf(ob, m, hi);
      if (p < best.p) best = { p, from: a, to: b };
    }
  }
  return { ...best, pairs: Math.max(1, cats * (cats - 1)) };
}
