import type { PaymentEvent } from '@paywatch/contracts';
import type { Store } from './types.js';

/** A position in the arrival-order feed: the last event handed out, by (received_at, event_id). */
export interface FeedCursor {
  /** Epoch ms the collector received the event. */
  received_at: number;
  event_id: string;
}

/** One read of the feed. */
export interface FeedQuery {
  /** Events strictly after this position; null = from the beginning (subject to `minTs`). */
  after: FeedCursor | null;
  /** Only events with `received_at < before` (the caller's watermark: now minus a lag). */
  before: number;
  /** At most this many events (a positive integer). */
  limit: number;
  /**
   * Only events with event time `ts >= minTs` (lets ClickHouse skip old day partitions; events
   * far older than their arrival are late for the alert engine anyway). Omit for no bound.
   */
  minTs?: number;
}

/** A page of the feed. */
export interface FeedPage {
  /** Ordered by (received_at, event_id), event_id compared byte-wise (UTF-8). */
  events: PaymentEvent[];
  /** The position after the last event of this page; `after` unchanged when the page is empty. */
  next: FeedCursor | null;
}

/** A position in the event-time read: the last event handed out, by (ts, event_id). */
export interface TimeCursor {
  ts: number;
  event_id: string;
}

/** One read of stored events in event-time order (the alert engine's warm-up at start). */
export interface TimeOrderQuery {
  /** Event time `ts >= from` (epoch ms). */
  from: number;
  /** Event time `ts < to` (epoch ms). */
  to: number;
  /** Only events with `received_at < receivedBefore`: what was stored before the reader started. */
  receivedBefore: number;
  /** Events strictly after this position; null = from `from`. */
  after: TimeCursor | null;
  /** At most this many events (a positive integer). */
  limit: number;
}

/** A page of the event-time read. */
export interface TimeOrderPage {
  /** Ordered by (ts, event_id), event_id compared byte-wise (UTF-8). */
  events: PaymentEvent[];
  /** The position after the last event of this page; `after` unchanged when the page is empty. */
  next: TimeCursor | null;
}

/**
 * The alert engine's feed: stored events in arrival order after a cursor. Several collectors
 * write the same store, so an event with an older `received_at` can become visible after newer
 * ones (batching, a spool draining): callers read only up to `now - lag` (`before`) so that
 * everything received before the watermark is already stored. Read-only; stateless.
 */
export interface EventFeedReader {
  eventsReceivedSince(q: FeedQuery): Promise<FeedPage>;
  /**
   * Stored events of an event-time range in (ts, event_id) order, page by page after a cursor:
   * a fresh engine learns its baselines from them before any live event (a warm-up). Bounded by
   * `receivedBefore` so that events arriving live meanwhile (they reach the engine through the
   * sinks) are not read twice.
   */
  eventsByEventTime(q: TimeOrderQuery): Promise<TimeOrderPage>;
}

/** Checks a feed query (both backends use it, so they refuse the same inputs). */
export function checkFeedQuery(q: FeedQuery): void {
  if (!Number.isInteger(q.limit) || q.limit < 1) throw new RangeError('limit must be a positive integer');
  if (!Number.isSafeInteger(q.before)) throw new RangeError('before must be an integer epoch ms');
  if (q.minTs !== undefined && !Number.isSafeInteger(q.minTs))
    throw new RangeError('minTs must be an integer epoch ms');
  if (q.after !== null && !Number.isSafeInteger(q.after.received_at))
    throw new RangeError('cursor received_at must be an integer epoch ms');
}

/** Checks an event-time query (both backends use it, so they refuse the same inputs). */
export function checkTimeOrderQuery(q: TimeOrderQuery): void {
  if (!Number.isInteger(q.limit) || q.limit < 1) throw new RangeError('limit must be a positive integer');
  for (const [k, v] of [
    ['from', q.from],
    ['to', q.to],
    ['receivedBefore', q.receivedBefore],
  ] as const)
    if (!Number.isSafeInteger(v)) throw new RangeError(`${k} must be an integer epoch ms`);
  if (q.after !== null && !Number.isSafeInteger(q.after.ts))
    throw new RangeError('cursor ts must be an integer epoch ms');
}

/** The event-time page's `next` cursor from its last event (or the query's cursor when it is empty). */
export function nextTimeCursor(events: readonly PaymentEvent[], after: TimeCursor | null): TimeCursor | null {
  const last = events[events.length - 1];
  return last ? { ts: last.ts, event_id: last.event_id } : after;
}

/** The page's `next` cursor from its last event (or the query's cursor when it is empty). */
export function nextCursor(events: readonly PaymentEvent[], after: FeedCursor | null): FeedCursor | null {
  const last = events[events.length - 1];
  return last ? { received_at: last.received_at, event_id: last.event_id } : after;
}

/** The feed of a store from `createStore`: every backend exposes one as `store.feed`. */
export function feedOf(store: Store): EventFeedReader {
  const feed = (store as Store & { feed?: EventFeedReader }).feed;
  if (!feed) throw new TypeError(`the ${store.backend} store exposes no event feed`);
  return feed;
}
