/**
 * A bounded, time-limited set of recently acknowledged provider event ids. It only short-circuits
 * redeliveries (providers retry for up to ~3 days); correctness does not depend on it, because
 * event ids are deterministic and the pipeline deduplicates them. Memory is bounded by
 * `maxEntries` (oldest evicted first).
 */
export interface ReplayCache {
  /** True when `key` was added less than `ttlMs` before `now`. */
  has(key: string, now: number): boolean;
  add(key: string, now: number): void;
  readonly size: number;
}

export interface ReplayCacheConfig {
  /** Default 72 h. */
  ttlMs?: number;
  /** Default 100 000 keys (a few MB). */
  maxEntries?: number;
}

export const REPLAY_WINDOW_MS = 72 * 3600 * 1000;

export function createReplayCache(config: ReplayCacheConfig = {}): ReplayCache {
  const ttlMs = config.ttlMs ?? REPLAY_WINDOW_MS;
  const maxEntries = config.maxEntries ?? 100_000;
  // Map keeps insertion order; re-adding moves a key to the end, so the first key is the oldest.
  const seen = new Map<string, number>();
  const expire = (now: number): void => {
    for (const [k, at] of seen) {
      if (now - at < ttlMs && seen.size <= maxEntries) break;
      seen.delete(k);
    }
  };
  return {
    has(key, now) {
      const at = seen.get(key);
      if (at === undefined) return false;
      if (now - at >= ttlMs) {
        seen.delete(key);
        return false;
      }
      return true;
    },
    add(key, now) {
      seen.delete(key);
      seen.set(key, now);
      expire(now);
    },
    get size() {
      return seen.size;
    },
  };
}
