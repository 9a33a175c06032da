/**
 * The production univariate detector: one streaming pass over `(timestamp, value)` points, no
 * look-ahead, one configuration for every series. Used by `paywatch detect` (and scored on NAB)
 * and by the engine for any single metric series a rule does not give a dedicated detector.
 *
 * How it scores a point:
 *  1. Surprise signals, each a tail probability in [0,1] computed only from the past:
 *     - prediction error against a short EWMA level, scaled by a running robust spread;
 *     - subsequence surprise: distance of the last `patternLen` (z-normalised) points to their
 *       nearest neighbour among past subsequences (a bounded reservoir), which catches
 *       changes of shape that keep the level;
 *     - range break: a value outside the range seen so far (by a margin).
 *  2. The raw surprise feeds an anomaly-likelihood stage (as in Numenta's HTM detector): the
 *     short-term mean of raw scores is compared with their long-term distribution, so a series
 *     that is always noisy does not page, and only a *change* in surprise does. The same is
 *     done for each signal on its own; the score is the largest likelihood.
 *  3. After a point scores above `reportThreshold`, the detector stays quiet for `refractory`
 *     points: one incident, one page.
 */

/** Tunables; `DEFAULT_UNIVARIATE_CONFIG` is what the product and the benchmark use. */
export interface UnivariateConfig {
  /** Points before any score can be non-zero. */
  warmup: number;
  /** EWMA smoothing of the level (0..1). */
  levelAlpha: number;
  /** Smoothing of the robust error spread. */
  spreadAlpha: number;
  /** Length of the compared subsequences. */
  patternLen: number;
  /** Maximum past subsequences kept for the nearest-neighbour search. */
  patternMemory: number;
  /** Raw-score history used by the likelihood stage. */
  historyLen: number;
  /** Short-term averaging window of raw scores. */
  shortLen: number;
  /** Score at or above which a point is a detection (drives the refractory period). */
  reportThreshold: number;
  /** Points kept quiet after a detection. */
  refractory: number;
  /** 0: one likelihood over the weighted mean of the signals; 1: one likelihood per signal, the largest wins; 2: both, the largest wins. */
  perSignal: number;
  /** Weight of the subsequence surprise in the raw score (the rest goes to the prediction error). */
  patternWeight: number;
  /** Weight of the rarity of the value against the long-term value distribution. */
  rarityWeight: number;
  /** A value beyond the range seen so far by this fraction of the range is a range break. */
  rangeMargin: number;
}

export const DEFAULT_UNIVARIATE_CONFIG: UnivariateConfig = {
  warmup: 150,
  levelAlpha: 0.1,
  spreadAlpha: 0.02,
  patternLen: 8,
  patternMemory: 300,
  historyLen: 5000,
  shortLen: 20,
  reportThreshold: 0.45,
  refractory: 100,
  perSignal: 2,
  patternWeight: 0.33,
  rarityWeight: 0.33,
  rangeMargin: 0.02,
};

/** One scored point. */
export interface UnivariateScore {
  score: number;
  expected: number;
  lower: number;
  upper: number;
}

/** A streaming univariate scorer; `update` must be called with points in time order. */
export interface UnivariateDetector {
  update(value: number): UnivariateScore;
}

/** Standard normal upper tail Q(z) (Abramowitz–Stegun 7.1.26 via erfc). */
export function normalTail(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-x * x);
  const erfc = x >= 0 ? y : 2 - y;
  return erfc / 2;
}

class Ring {
  readonly buf: Float64Array;
  n = 0;
  head = 0;
  sum = 0;
  sumSq = 0;
  constructor(readonly cap: number) {
    this.buf = new Float64Array(cap);
  }
  push(v: number): void {
    if (this.n === this.cap) {
      const old = this.buf[this.head] ?? 0;
      this.sum -= old;
      this.sumSq -= old * old;
    } else this.n++;
    this.buf[this.head] = v;
    this.head = (this.head + 1) % this.cap;
    this.sum += v;
    this.sumSq += v * v;
  }
  /** i = 0 is the newest value. */
  at(i: number): number {
    return this.buf[(this.head - 1 - i + this.cap * 2) % this.cap] ?? 0;
  }
  mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }
  std(): number {
    if (this.n < 2) return 0;
    const m = this.sum / this.n;
    return Math.sqrt(Math.max(0, this.sumSq / this.n - m * m));
  }
}

export function createUnivariateDetector(
  config: UnivariateConfig = DEFAULT_UNIVARIATE_CONFIG,
): UnivariateDetector {
  const c = config;
  let n = 0;
  let level = 0;
  let spread = 0;
  let min = Infinity;
  let max = -Infinity;
  const recent = new Ring(c.patternLen);
  const patterns: Float64Array[] = [];
  let patternNext = 0;
  const raws = new Ring(c.historyLen);
  const values = new Ring(c.historyLen);
  const shorts = new Ring(c.shortLen);
  const sigShorts = [0, 1, 2].map(() => new Ring(c.shortLen));
  const sigRaws = [0, 1, 2].map(() => new Ring(c.historyLen));
  let quiet = 0;
  let nnScale = 0;

  function zNormalised(): Float64Array | null {
    if (recent.n < c.patternLen) return null;
    const out = new Float64Array(c.patternLen);
    const m = recent.mean();
    const s = Math.max(recent.std(), (max - min) * 0.01, 1e-9);
    for (let i = 0; i < c.patternLen; i++) out[i] = (recent.at(c.patternLen - 1 - i) - m) / s;
    return out;
  }

  function nearest(p: Float64Array): number {
    let best = Infinity;
    for (const q of patterns) {
      let d = 0;
      for (let i = 0; i < p.length && d < best; i++) {
        const diff = (p[i] ?? 0) - (q[i] ?? 0);
        d += diff * diff;
      }
      if (d < best) best = d;
    }
    return Math.sqrt(best / p.length);
  }

  return {
    update(x: number): UnivariateScore {
      n++;
      if (n === 1) {
        level = x;
        min = x;
        max = x;
      }
      const range = Math.max(max - min, 1e-9);
      const err = Math.abs(x - level);
      const scale = Math.max(spread, range * 0.002, 1e-9);
      // Signal 1: prediction error, as a two-sided normal tail mapped to "surprise" = 1 - p.
      const sErr = 1 - 2 * normalTail(err / (1.4826 * scale) / 2);
      // Signal 3: range break by more than 10% of the range seen so far.
      const sRange =
        n > c.warmup && (x > max + c.rangeMargin * range || x < min - c.rangeMargin * range) ? 1 : 0;
      const vs = values.std();
      const sRare = values.n > 20 && vs > 0 ? 1 - 2 * normalTail(Math.abs(x - values.mean()) / vs) : 0;
      values.push(x);
      recent.push(x);
      // Signal 2: pattern surprise.
      let sPat = 0;
      const p = zNormalised();
      if (p !== null) {
        if (patterns.length > 10) {
          const d = nearest(p);
          sPat = nnScale > 0 ? 1 - Math.exp(-d / (3 * nnScale)) : 0;
          nnScale = nnScale === 0 ? d : nnScale + 0.01 * (d - nnScale);
        }
        if (n % 2 === 0) {
          if (patterns.length < c.patternMemory) patterns.push(p);
          else {
            patterns[patternNext] = p;
            patternNext = (patternNext + 1) % c.patternMemory;
          }
        }
      }
      const expected = level;
      const band = 3 * 1.4826 * scale;
      // Update state after scoring (no look-ahead, and the point does not explain itself).
      spread = n === 1 ? 0 : spread + c.spreadAlpha * (err - spread);
      level = level + c.levelAlpha * (x - level);
      if (x < min) min = x;
      if (x > max) max = x;

      const wE = Math.max(0, 1 - c.patternWeight - c.rarityWeight);
      const raw = Math.max(sErr * wE + sPat * c.patternWeight + sRare * c.rarityWeight, sRange);
      shorts.push(raw);
      let score = 0;
      if (n > c.warmup && raws.n > 50) {
        const mean = raws.mean();
        const std = Math.max(raws.std(), 1e-4);
        const likelihood = 1 - normalTail((shorts.mean() - mean) / std);
        // Log scale as Numenta does: 0.5 ↔ likelihood 1 - 1e-5·…; monotone, in [0,1].
        score = Math.min(1, Math.log(1.0000000001 - likelihood) / -23.02585084720009);
      }
      if (c.perSignal > 0) {
        const sig = [sErr, sPat, sRare];
        let best = 0;
        for (let k = 0; k < 3; k++) {
          const sh = sigShorts[k]!;
          const rw = sigRaws[k]!;
          sh.push(sig[k] ?? 0);
          if (n > c.warmup && rw.n > 50) {
            const lk = 1 - normalTail((sh.mean() - rw.mean()) / Math.max(rw.std(), 1e-4));
            best = Math.max(best, Math.min(1, Math.log(1.0000000001 - lk) / -23.02585084720009));
          }
          rw.push(sh.mean());
        }
        score = c.perSignal >= 2 ? Math.max(score, best) : best;
      }
      // A value outside everything seen so far is an anomaly whatever the likelihood says.
      if (sRange === 1) score = 1;
      raws.push(shorts.mean());
      if (quiet > 0) {
        quiet--;
        score = 0;
      } else if (score >= c.reportThreshold && c.refractory > 0) quiet = c.refractory;
      return { score, expected, lower: expected - band, upper: expected + band };
    },
  };
}
