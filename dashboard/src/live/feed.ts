import type { LiveTransaction, PaymentEvent } from '@paywatch/contracts';

/** A live-stream row as the feed keeps it (the stream's shape; backfilled rows are mapped to it). */
export type FeedRow = LiveTransaction & { backfilled?: boolean };

/** Maps a stored payment event (read API) onto the live stream's transaction shape. */
export function toLiveTransaction(e: PaymentEvent): LiveTransaction {
  return {
    event_id: e.event_id,
    ts: e.ts,
    payment_id: e.payment_id,
    attempt: e.attempt,
    merchant_id: e.merchant_id,
    provider: e.provider,
    method: e.method,
    channel: e.channel,
    status: e.status,
    amount_minor: e.amount_minor,
    currency: e.currency,
    failure_category: e.failure?.category ?? null,
    failure_code: e.failure?.code ?? null,
    card_brand: e.card?.brand ?? null,
    card_bin: e.card?.bin ?? null,
    card_last4: e.card?.last4 ?? null,
    country: e.country,
    latency_ms: e.latency_ms,
  };
}

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
