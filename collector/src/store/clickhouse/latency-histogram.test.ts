// Guards the latency histogram estimator: every bucket reports a value within the documented relative error of any latency in it, and quantiles pick the bucket of the nearest rank.
import { describe, expect, it } from 'vitest';
import {
  bucketValue,
  LATENCY_ABSOLUTE_ERROR_MS,
  LATENCY_GAMMA,
  LATENCY_RELATIVE_ERROR,
  latencyBucket,
  latencyBucketSql,
  MAX_LATENCY_BUCKET,
  quantileBucket,
} from './latency-histogram.js';

/** A deterministic pseudo-random sequence (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const within = (reported: number, actual: number) =>
  actual < 1
    ? Math.abs(reported - actual) <= LATENCY_ABSOLUTE_ERROR_MS
    : Math.abs(reported - actual) <= LATENCY_RELATIVE_ERROR * actual + 0.0005; // + rounding to 0.001 ms

describe('latency buckets', () => {
  it('report every latency from 0 to 3 600 000 ms within the documented error', () => {
    expect(LATENCY_RELATIVE_ERROR).toBeLessThan(0.04);
    const r = rng(1);
    const bad: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      // Log-uniform over 0.01 ms … 3 600 000 ms, plus exact bucket bounds and their neighbours.
      const v = i % 3 === 0 ? LATENCY_GAMMA ** Math.floor(r() * 196) : 0.01 * 3.6e8 ** r();
      for (const x of [v, v * (1 - 1e-12), v * (1 + 1e-12)]) {
        if (x > 3_600_000) continue;
        const b = latencyBucket(x);
        if (!within(bucketValue(b), x)) bad.push(`${x} → bucket ${b} → ${bucketValue(b)}`);
      }
    }
    expect(bad).toEqual([]);
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.999)).toBe(0);
    expect(latencyBucket(1)).toBe(1);
    expect(latencyBucket(3_600_000)).toBe(MAX_LATENCY_BUCKET);
  });

  it('are increasing and contiguous', () => {
    let prev = -1;
    for (let b = 0; b <= MAX_LATENCY_BUCKET; b++) {
      expect(bucketValue(b)).toBeGreaterThan(prev);
      prev = bucketValue(b);
    }
  });

  it('are computed in SQL by the same formula (constants only, no input)', () => {
    const text = latencyBucketSql('assumeNotNull(latency_ms)').text;
    expect(text).toContain(`log(${LATENCY_GAMMA})`);
    expect(text).toContain(`least(${MAX_LATENCY_BUCKET},`);
  });
});

describe('quantileBucket', () => {
  it('is null for an empty histogram and the only bucket for one value', () => {
    expect(quantileBucket([], 0.95)).toBeNull();
    expect(quantileBucket([[7, 0]], 0.5)).toBeNull();
    expect(quantileBucket([[7, 1]], 0.5)).toBe(7);
    expect(quantileBucket([[7, 1]], 0.99)).toBe(7);
  });

  it('takes the bucket of the nearest rank, whatever the order and repeats of the pairs', () => {
    // 100 values: buckets 1..10 with 10 each.
    const pairs: [number, number][] = [];
    for (let b = 10; b >= 1; b--) pairs.push([b, 5], [b, 5]);
    expect(quantileBucket(pairs, 0.5)).toBe(5); // rank 50 is the last of bucket 5
    expect(quantileBucket(pairs, 0.51)).toBe(6); // rank 51
    expect(quantileBucket(pairs, 0.95)).toBe(10);
    expect(quantileBucket(pairs, 0.9)).toBe(9);
    expect(quantileBucket(pairs, 0)).toBe(1);
  });

  it('reports quantiles of real samples within the relative error of the nearest-rank value', () => {
    const r = rng(42);
    for (const n of [1, 2, 3, 10, 99, 1000, 20_000]) {
      const xs = Array.from({ length: n }, () => Math.exp(3 + r() * 5));
      const sorted = [...xs].sort((a, b) => a - b);
      const counts = new Map<number, number>();
      for (const x of xs) counts.set(latencyBucket(x), (counts.get(latencyBucket(x)) ?? 0) + 1);
      for (const q of [0.5, 0.95, 0.99]) {
        const exact = sorted[Math.max(1, Math.ceil(q * n)) - 1] as number;
        const b = quantileBucket([...counts.entries()], q);
        expect(b).not.toBeNull();
        expect(within(bucketValue(b as number), exact), `n=${n} q=${q}`).toBe(true);
      }
    }
  });
});
