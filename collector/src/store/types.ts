import type { Dimension, FailureCategory, Filters, PaymentEvent } from '@paywatch/contracts';

/** A half-open event-time range [from, to) in epoch ms, with filters. */
export interface RangeFilter {
  from: number;
  to: number;
  filters: Filters;
}

/** Aggregates of outcome events. `gmv_minor` sums `amount_minor` of successful attempts per currency. */
export interface Aggregate {
  events: number;
  attempts: number;
  succeeded: number;
  failed: number;
  gmv_minor: Record<string, number>;
  /**
   * Successful attempts per currency (the keys of `gmv_minor`): an average ticket divides the
   * converted GMV by the successes of the same currencies only.
   */
  succeeded_by_currency: Record<string, number>;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
}

export interface SeriesPoint {
  /**
   * Bucket start, epoch ms: a multiple of the bucket size since the epoch (UTC), or for 6 h / 1 d
   * buckets with a zone, local midnight of that zone plus whole buckets (`bucketStart` in contracts).
   */
  t: number;
  /** Group key (value of the group-by dimension), null for no group-by or a null value. */
  key: string | null;
  attempts: number;
  succeeded: number;
  failed: number;
  gmv_minor: Record<string, number>;
  /**
   * Successful attempts per currency (the keys of `gmv_minor`): an average ticket divides the
   * converted GMV by the successes of the same currencies only.
   */
  succeeded_by_currency: Record<string, number>;
  latency_p95: number | null;
}

export interface BreakdownItem {
  key: string | null;
  attempts: number;
  succeeded: number;
  failed: number;
  gmv_minor: Record<string, number>;
  /**
   * Successful attempts per currency (the keys of `gmv_minor`): an average ticket divides the
   * converted GMV by the successes of the same currencies only.
   */
  succeeded_by_currency: Record<string, number>;
  latency_p95: number | null;
}

export interface FailureItem {
  category: FailureCategory;
  count: number;
  top_codes: { code: string; count: number }[];
}

export interface TransactionPage {
  items: PaymentEvent[];
  /** Opaque cursor for the next (older) page, null at the end. */
  next_cursor: string | null;
}

/** Outcome of one durable write. */
export interface WriteResult {
  /** Events newly stored, in input order. */
  inserted: PaymentEvent[];
  /** event_ids already stored before (or repeated within the call); not stored again. */
  duplicates: string[];
}

/**
 * Write side. `write` resolves only once the inserted events are durable (committed to disk);
 * it never stores an `event_id` twice, across calls, restarts and concurrent callers.
 */
export interface EventWriter {
  write(events: PaymentEvent[]): Promise<WriteResult>;
}

/**
 * Read side: the queries behind the read API. Ranges are in event time. Latency quantiles are
 * over outcome events that carry `latency_ms`. "Attempts" are outcome events (see
 * `outcomeOf` in contracts): succeeded/captured count as success, failed as failure.
 */
export interface EventReader {
  overview(q: RangeFilter): Promise<Aggregate>;
  /**
   * Points for every non-empty (bucket, key); the caller fills gaps. `tz` (an IANA name the
   * caller validated; null or absent = UTC) cuts 6 h and 1 d buckets at the zone's local
   * midnight (`bucketStart` in contracts); shorter buckets ignore it.
   */
  timeseries(
    q: RangeFilter & { bucketMs: number; groupBy: Dimension | null; tz?: string | null },
  ): Promise<SeriesPoint[]>;
  /** Top `limit` values of `dimension` by attempts (ties by key). */
  breakdown(q: RangeFilter & { dimension: Dimension; limit: number }): Promise<BreakdownItem[]>;
  /** Failed attempts by category, largest first, each with its top 5 raw codes. */
  failures(q: RangeFilter): Promise<FailureItem[]>;
  /** Events matching the filters, newest first (ts desc, event_id desc), cursor-paged. */
  transactions(q: RangeFilter & { limit: number; cursor: string | null }): Promise<TransactionPage>;
  /** Every event of one payment across attempts, oldest first (ts, attempt, event_id). */
  paymentTimeline(paymentId: string): Promise<PaymentEvent[]>;
}

/**
 * Deletes stored events: the retention job and erasure of one customer (GDPR art. 17). Each
 * resolves with the number of events deleted, once the deletion is durable. Other events are
 * untouched. Owned by the data-lifecycle module (collector/src/backup/).
 */
export interface EventEraser {
  /** Deletes events with `ts < beforeTs` (event time, epoch ms). */
  deleteBefore(beforeTs: number): Promise<number>;
  /** Deletes every event whose `customer_ref` equals this keyed hash (`masker.hashRef(rawId)`). */
  deleteCustomer(customerRef: string): Promise<number>;
}

/**
 * A storage backend. The factory (`createStore`) chooses one from typed config. Lifecycle:
 * `start()` opens and migrates; `stop()` flushes and closes and is idempotent.
 */
export interface Store extends EventWriter, EventReader, EventEraser {
  readonly backend: 'embedded' | 'clickhouse';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when the backend answers a trivial query; used by /readyz. */
  ping(): Promise<void>;
}
