import type { LiveTransaction } from '@paywatch/contracts';

/** A live-stream row as the feed keeps it (the stream's shape; backfilled rows are mapped to it). */
export type FeedRow = LiveTransaction & { backfilled?: boolean };

import { toLiveTransaction } from '@paywatch/contracts';

export { toLiveTransaction };

/**
 * Merges incoming rows into the feed: newest first by event time, one row per `event_id`
 * (a backfill may overlap what the stream already delivered), at most `max` rows.
 */
export function mergeFeed(current: readonly FeedRow[], incoming: readonly FeedRow[], max: number): FeedRow[] {
  if (incoming.length === 0) return current as FeedRow[];
  const seen = new Set<string>();
  const out: FeedRow[] = [];
  const all = [...incoming, ...current].sort((a, b) => b.ts - a.ts);
  for (const r of all) {
    if (seen.has(r.event_id)) continue;
    seen.add(r.event_id);
    out.push(r);
    if (out.length >= max) break;
  }
  return out;
}
