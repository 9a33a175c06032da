import { raw, type SqlFragment } from './sql.js';

/**
 * The latency estimator of the ClickHouse backend: a fixed log-spaced histogram. Its bucket
 * counts add up across rows, hours and sources, so the hourly rollup stores them (one row per
 * non-empty bucket) and the raw path computes the same buckets from raw rows: both give the
 * same quantiles, exactly.
 *
 * Buckets: 0 holds latencies below 1 ms; bucket i ≥ 1 holds [γ^(i−1), γ^i) ms, γ = 1.08, up to
 * the schema's maximum of 3 600 000 ms (bucket 197). A bucket reports the harmonic midpoint of
 * its bounds, 2·γ^i/(1+γ) (0.5 ms for bucket 0), so the value reported for a quantile is within
 * a relative error of (γ−1)/(γ+1) ≈ 3.85 % of the latency at that rank (within 0.5 ms below 1 ms).
 * The rank is the nearest rank: the ⌈q·n⌉-th smallest of n latencies.
 */
export const LATENCY_GAMMA = 1.08;
/** Largest relative error of a reported quantile (latencies ≥ 1 ms), (γ−1)/(γ+1). */
export const LATENCY_RELATIVE_ERROR = (LATENCY_GAMMA - 1) / (LATENCY_GAMMA + 1);
/** Largest absolute error below 1 ms (bucket 0 reports 0.5 ms). */
export const LATENCY_ABSOLUTE_ERROR_MS = 0.5;
/** Last bucket index (3 600 000 ms, the schema's maximum latency, falls into it). */
export const MAX_LATENCY_BUCKET = 197;
/** The quantiles every aggregate read returns, in this order. */
export const LATENCY_QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * SQL of the bucket of a non-null Float64 latency expression (a constant expression from this
 * codebase). The materialized views and the raw read path use this one expression, so a row
 * lands in the same bucket either way.
 */
export function latencyBucketSql(latency: string): SqlFragment {
  return raw(
    `if(${latency} < 1, toUInt16(0), toUInt16(least(${MAX_LATENCY_BUCKET}, 1 + floor(log(${latency}) / log(${LATENCY_GAMMA})))))`,
  );
}

/** The bucket of one latency, as the SQL above computes it (up to float rounding at a bound). */
export function latencyBucket(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(MAX_LATENCY_BUCKET, 1 + Math.floor(Math.log(ms) / Math.log(LATENCY_GAMMA)));
}

/** The latency a bucket reports (ms, rounded to 0.001). */
export function bucketValue(bucket: number): number {
  if (bucket <= 0) return 0.5;
  return Math.round(((2 * LATENCY_GAMMA ** bucket) / (1 + LATENCY_GAMMA)) * 1000) / 1000;
}

/**
 * The q-quantile of a histogram given as (bucket, count) pairs in any order (a bucket may
 * repeat): the bucket holding the ⌈q·n⌉-th smallest value, or null for an empty histogram.
 * `quantileBucketsSql` computes the same inside ClickHouse.
 */
export function quantileBucket(pairs: readonly (readonly [number, number])[], q: number): number | null {
  const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
  let n = 0;
  for (const [, c] of sorted) n += c;
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  let cum = 0;
  for (const [b, c] of sorted) {
    cum += c;
    if (cum >= rank) return b;
  }
  return sorted[sorted.length - 1]?.[0] ?? null;
}

/**
 * SQL select items turning grouped rows of (`lb` bucket, `count` column) into `qb`: the array of
 * the buckets holding the quantiles `LATENCY_QUANTILES` (same rule as `quantileBucket`). Use in
 * a SELECT with a GROUP BY; the helper columns `hs_` and `cs_` are selected too (ignore them;
 * `cs_[-1]` is the number of latencies).
 *
 * Each (bucket, count) pair is packed into one UInt64, bucket in the high bits and count in the
 * low `COUNT_BITS`, so a plain numeric `arraySort` orders the pairs by bucket: 18.16 sorts
 * an array of tuples with a lambda markedly slower. A count must stay below 2^40 (a trillion
 * latencies in one bucket of one group).
 */
export function quantileBucketsSql(count: 'n' | 'm' = 'n'): SqlFragment {
  const qs = LATENCY_QUANTILES.join(', ');
  const mask = 2 ** COUNT_BITS - 1;
  return raw(
    `arraySort(groupArray(bitShiftLeft(toUInt64(lb), ${COUNT_BITS}) + ${count})) AS hs_,
  arrayCumSum(arrayMap(x -> bitAnd(x, ${mask}), hs_)) AS cs_,
  arrayMap(q -> bitShiftRight(hs_[arrayFirstIndex(c -> c >= greatest(1, ceil(q * cs_[-1])), cs_)], ${COUNT_BITS}), [${qs}]) AS qb`,
  );
}

/** Low bits of a packed (bucket, count) pair holding the count (see `quantileBucketsSql`). */
const COUNT_BITS = 40;
