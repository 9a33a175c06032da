/**
 * Seeded randomness for the simulator. Everything random in a simulated stream comes from an
 * `Rng` built from the run's seed, never from `Math.random`, so the same seed and options give
 * byte-identical output.
 */

/** murmur3's 32-bit finalizer: a fast, well-mixing hash of one 32-bit integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a sequence of integers into one unsigned 32-bit integer (used to derive sub-seeds). */
export function hash32(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) h = fmix32((h ^ fmix32((x | 0) + 0x7f4a7c15)) + 0x6d2b79f5);
  return h;
}

/** Hashes a string into an unsigned 32-bit integer (FNV-1a, then mixed). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

/** A table of items with weights, prepared for O(log n) weighted draws. */
export interface Weighted<T> {
  readonly items: readonly T[];
  /** Cumulative weights normalized to end at 1. */
  readonly cum: Float64Array;
}

/** Builds a weighted table; weights need not sum to 1 and zero weights are dropped. */
export function weighted<T>(entries: ReadonlyArray<readonly [T, number]>): Weighted<T> {
  const kept = entries.filter(([, w]) => w > 0);
  const total = kept.reduce((s, [, w]) => s + w, 0);
  if (kept.length === 0 || !(total > 0)) throw new RangeError('weighted table needs a positive weight');
  const cum = new Float64Array(kept.length);
  let acc = 0;
  kept.forEach(([, w], i) => {
    acc += w;
    cum[i] = acc / total;
  });
  cum[kept.length - 1] = 1;
  return { items: kept.map(([v]) => v), cum };
}

/**
 * mulberry32: a small, fast 32-bit PRNG, good enough for simulation (not for cryptography).
 * The helpers below are the only distributions the simulator uses.
 */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const v = items[this.int(items.length)];
    if (v === undefined) throw new RangeError('pick from an empty list');
    return v;
  }

  draw<T>(table: Weighted<T>): T {
    const u = this.next();
    const { cum, items } = table;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (u < (cum[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    return items[lo] as T;
  }

  /** Standard normal (Box–Muller; one value per call keeps the stream simple to reason about). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and sigma (of the underlying normal). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** A string of `n` decimal digits. */
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(10));
    return s;
  }
}
