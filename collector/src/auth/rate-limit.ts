/**
 * A token bucket per key (an IP, an API key id…): `perMinute` tokens refill evenly over a
 * minute and up to `perMinute` may be spent at once. `take` says how long to wait when empty,
 * which becomes the `Retry-After` header of a 429.
 */
export interface RateLimiter {
  take(key: string): { ok: true } | { ok: false; retryAfterS: number };
  /** Buckets currently tracked (bounded: full buckets are forgotten). */
  size(): number;
}

const MAX_TRACKED = 50_000;

export function createRateLimiter(perMinute: number, now: () => number = Date.now): RateLimiter {
  const rate = perMinute / 60_000; // tokens per ms
  const buckets = new Map<string, { tokens: number; at: number }>();

  function sweep(t: number) {
    for (const [k, b] of buckets) if (b.tokens + (t - b.at) * rate >= perMinute) buckets.delete(k);
  }

  return {
    take(key) {
      const t = now();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= MAX_TRACKED) sweep(t);
        b = { tokens: perMinute, at: t };
        buckets.set(key, b);
      } else {
        b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * rate);
        b.at = t;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000)) };
    },
    size: () => buckets.size,
  };
}
