import type { Status } from '@paywatch/contracts';
import type { SampleWriter, ScrapedSample } from '../sources/prom-scrape/index.js';
import type { LogRecord, LogRecordWriter } from '../sources/log-tail/index.js';
import type { RumKind, RumRecord, RumWriter } from '../sources/faro/index.js';
import { encodeCursor } from './cursor.js';

// Storage of the non-payment signals (scraped samples, log records, browser RUM records) and the
// "pending longer than N" query over payment events. Role-split like `types.ts`: the sources
// write through the writers they declare; the read API uses the readers.

/** Scraped samples of one stored series in `[from, to)` (epoch ms, sample time). */
export interface SampleQuery {
  series: string;
  from: number;
  to: number;
  /** Only samples of this scrape target. */
  target?: string;
  /** Only samples whose labels have exactly these values. */
  labels?: Record<string, string>;
  /** Most samples returned (the caller asks for one more to know whether it cut). */
  limit: number;
}

/** JSON with keys sorted, so equal label sets have equal text (grouping, ordering); every backend stores labels so. */
export function stableJson(o: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}

/** `v` when it is a positive integer (a query's limit), else a RangeError naming `name`; both backends check so. */
export function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  return v;
}

/** The JSON object stored as `text`; `{}` when it is not valid JSON or not an object. */
export function parseJsonObject<T>(text: string): Record<string, T> {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, T>) : {};
  } catch {
    return {};
  }
}

/**
 * Runs jobs one after another per key (a table): each starts once the previous job of its key
 * settled, whatever its outcome. Both signal stores serialize their writes of one table so.
 */
export function keyedSerializer(): <T>(key: string, job: () => Promise<T>) => Promise<T> {
  const chains = new Map<string, Promise<unknown>>();
  return <T>(key: string, job: () => Promise<T>): Promise<T> => {
    const prev = chains.get(key) ?? Promise.resolve();
    const next = prev.then(job, job);
    chains.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  };
}

/** Reads scraped samples. */
export interface SampleReader {
  /** Matching samples ordered by target, labels (JSON text, sorted keys), ts ascending; at most `limit`. */
  querySamples(q: SampleQuery): Promise<ScrapedSample[]>;
}

/** A log search in `[from, to)`, newest first, cursor-paged on (ts desc, id desc). */
export interface LogQuery {
  from: number;
  to: number;
  /** Case-insensitive substring of the message or of the fields' JSON text. */
  text?: string;
  /** Level, compared case-insensitively. */
  level?: string;
  /** Exact file path. */
  file?: string;
  limit: number;
  /** From a previous page's `next_cursor`. */
  cursor: string | null;
}

export interface LogPage {
  items: LogRecord[];
  /** Opaque cursor for the next (older) page, null at the end. */
  next_cursor: string | null;
}

/**
 * A log page from the rows of a query that asked for `limit + 1` (ts desc, id desc): the first
 * `limit`, and a cursor after the last of them when there were more.
 */
export function logPage(rows: LogRecord[], limit: number): LogPage {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    next_cursor: rows.length > limit && last ? encodeCursor({ ts: last.ts, event_id: last.id }) : null,
  };
}

/** Searches stored log records. */
export interface LogReader {
  searchLogs(q: LogQuery): Promise<LogPage>;
}

/** RUM records of some kinds/names in `[from, to)`. */
export interface RumQuery {
  from: number;
  to: number;
  kind?: RumKind;
  /** Only these record names (e.g. the funnel's event names); empty or absent: all. */
  names?: readonly string[];
  /** Only this app (`meta.app.name`). */
  app_name?: string;
  limit: number;
}

/** One web vital over a range: count, quantiles and how many samples fall in each rating band. */
export interface VitalSummary {
  name: string;
  count: number;
  p50: number | null;
  p75: number | null;
  p95: number | null;
  good: number;
  needs_improvement: number;
  poor: number;
}

/** One kind of browser exception over a range. */
export interface RumErrorGroup {
  name: string;
  message: string | null;
  count: number;
  /** Distinct sessions that saw it. */
  sessions: number;
  last_ts: number;
  /** Page of the latest occurrence. */
  last_page_url: string | null;
}

/** A vital's summary from its count and the counts of its good and poor bands (the rest needs improvement). */
export function vitalSummary(v: Omit<VitalSummary, 'needs_improvement'>): VitalSummary {
  return {
    name: v.name,
    count: v.count,
    p50: v.p50,
    p75: v.p75,
    p95: v.p95,
    good: v.good,
    needs_improvement: v.count - v.good - v.poor,
    poor: v.poor,
  };
}

/** Web-vital thresholds (good ≤ first, poor > second), as web.dev defines them; ms except CLS. */
export const WEB_VITAL_THRESHOLDS: Readonly<Record<string, readonly [number, number]>> = {
  lcp: [2500, 4000],
  inp: [200, 500],
  cls: [0.1, 0.25],
  fcp: [1800, 3000],
  ttfb: [800, 1800],
};

/** Reads RUM records. */
export interface RumReader {
  /** Matching records, oldest first (ts, id); at most `limit`. */
  rumRecords(q: RumQuery): Promise<RumRecord[]>;
  /** Browser exceptions grouped by (name, message), most frequent first (ties by name, message); at most `limit`. */
  rumErrors(q: { from: number; to: number; app_name?: string; limit: number }): Promise<RumErrorGroup[]>;
  /** One summary per web vital of `WEB_VITAL_THRESHOLDS` that has samples in the range (name order). */
  webVitals(q: { from: number; to: number; app_name?: string }): Promise<VitalSummary[]>;
}

/** Retention of the signal tables (the collector runs it hourly, `PAYWATCH_RETENTION_SIGNALS_DAYS`). */
export interface SignalEraser {
  /** Deletes samples, log records and RUM records with `ts < beforeTs`; resolves with the counts once durable. */
  deleteBefore(beforeTs: number): Promise<{ samples: number; logs: number; rum: number }>;
}

/** Storage of scraped samples, log records and RUM records (writers ignore ids already stored). */
export interface SignalStore
  extends SampleWriter, LogRecordWriter, RumWriter, SampleReader, LogReader, RumReader, SignalEraser {}

/** Payment statuses after which more notifications are expected (not final). */
export const NON_FINAL_STATUSES: readonly Status[] = ['created', 'pending', 'requires_action', 'authorized'];

/** A payment whose latest event has a non-final status. */
export interface PendingPayment {
  payment_id: string;
  status: Status;
  /** Event time of the latest event. */
  ts: number;
  provider: string;
  merchant_id: string;
  method: string;
  amount_minor: number;
  currency: string;
}

/**
 * "Pending longer than N": payments whose latest event (by ts, attempt, event_id) has a
 * non-final status and an event time in [`since`, `before`). Providers that never push
 * failures (WeChat Pay, Alipay) leave payments here. `since` bounds the read to recent events:
 * a payment silent for longer is abandoned, and reading only events from `since` on gives the
 * same latest event for every payment whose latest event is at or after `since`.
 */
export interface PendingPaymentReader {
  /** The oldest `limit` such payments (ts ascending) and how many there are in all. */
  pendingPayments(q: {
    since: number;
    before: number;
    limit: number;
  }): Promise<{ total: number; items: PendingPayment[] }>;
}
