import type { PaymentEvent } from '@paywatch/contracts';
import type { Logger } from '../lib/logger.js';
import type { EventFeedReader, TimeOrderPage, TimeOrderQuery } from '../store/feed.js';

const HOUR_MS = 3_600_000;
/** Events stamped up to this far ahead of the clock are still read (the engine accepts 2 min of skew). */
const FUTURE_SKEW_MS = 2 * 60_000;

/** What the warm-up of a fresh in-collector engine did (logged, on /metrics, `AlertsInCollector.warmup()`). */
export interface WarmupStatus {
  /**
   * `off`: not configured (0 hours, or no store to read); `skipped`: the engine restored its
   * detectors from a snapshot; `running`; `done`; `failed` (reading the store failed: the engine
   * goes on with what it got); `aborted` (the collector stopped first).
   */
  state: 'off' | 'skipped' | 'running' | 'done' | 'failed' | 'aborted';
  /** Stored events fed to the engine. */
  events: number;
  /** Store reads. */
  pages: number;
  /** Wall-clock seconds the warm-up took (so far, while running). */
  seconds: number;
  /** Of which waiting for store reads, and in the engine (at the end). */
  readSeconds: number;
  engineSeconds: number;
  /** Event-time range read, [from, to) epoch ms; null when it did not run. */
  from: number | null;
  to: number | null;
  /** Live events held back from the engine meanwhile, then fed after the history in arrival order. */
  held: number;
  /** Live events beyond the hold's bound: dropped for the engine only (they are stored). */
  dropped: number;
}

export interface WarmupDeps {
  /** The store's event-time read (`feedOf(store)`). */
  feed: Pick<EventFeedReader, 'eventsByEventTime'>;
  /** The engine's input (`engine.onEvents`): one call per page, in event-time order. */
  onEvents(events: readonly PaymentEvent[]): void;
  /** Stops reading between pages. */
  signal?: AbortSignal;
  /** Called after each page with the totals so far. */
  onPage?(events: number, pages: number): void;
}

export interface WarmupConfig {
  /** How far back to read (event time), in hours; > 0. */
  hours: number;
  /** The engine's start (wall clock): events received from then on reach it live, not from here. */
  startedAt: number;
  /** Events per read (default 5 000: one page is one synchronous engine call, keep it short). */
  pageSize?: number;
  /** Event time per window of reads (default 15 min). */
  windowMs?: number;
}

/** Totals of one warm-up. */
export interface WarmupResult {
  events: number;
  pages: number;
  aborted: boolean;
  /** Milliseconds spent waiting for store reads, and in the engine's `onEvents`. */
  readMs: number;
  feedMs: number;
}

/** The event-time range a warm-up reads for an engine started at `startedAt`. */
export function warmupRange(hours: number, startedAt: number): { from: number; to: number } {
  return { from: startedAt - Math.round(hours * HOUR_MS), to: startedAt + FUTURE_SKEW_MS };
}

/**
 * Feeds a fresh engine the stored events of the last `hours` in event-time order, page by page
 * (memory bounded by one page), yielding to I/O between pages so the collector keeps serving.
 * Only events received before `startedAt` are read: later ones reach the engine through the
 * sinks (held meanwhile, see `createEngineHold`), so none is fed twice. The engine judges what
 * lies more than `allowed_lateness` + 5 min behind the clock as history: baselines are built and
 * an incident's onset found there is recorded, not paged; live minutes that are still anomalous
 * page. Resolves with the totals; rejects when a read fails (what was fed stays fed).
 */
export async function warmUpEngine(deps: WarmupDeps, config: WarmupConfig): Promise<WarmupResult> {
  const limit = config.pageSize ?? 5000;
  const windowMs = config.windowMs ?? 15 * 60_000;
  const range = warmupRange(config.hours, config.startedAt);
  // Read window by window: each query then sorts only the rows of one window, not the rest of
  // the range (the stores keep no index in ts order; rows inserted in about arrival order let
  // them skip the others by their ts zone maps or partitions).
  let q: TimeOrderQuery | null = {
    from: range.from,
    to: Math.min(range.to, range.from + windowMs),
    receivedBefore: config.startedAt,
    after: null,
    limit,
  };
  /** The read after `page` of query `cur`, or null at the end. */
  const following = (cur: TimeOrderQuery, page: TimeOrderPage): TimeOrderQuery | null => {
    if (page.events.length === limit) return { ...cur, after: page.next };
    if (cur.to >= range.to) return null;
    return { ...cur, from: cur.to, to: Math.min(range.to, cur.to + windowMs), after: null };
  };
  const r: WarmupResult = { events: 0, pages: 0, aborted: false, readMs: 0, feedMs: 0 };
  let pending: Promise<TimeOrderPage> = deps.feed.eventsByEventTime(q);
  while (q !== null) {
    const t0 = performance.now();
    const page: TimeOrderPage = await pending;
    const t1 = performance.now();
    r.readMs += t1 - t0;
    r.pages++;
    q = following(q, page);
    // The next read runs (in the store's threads / server) while the engine takes this page.
    if (q !== null && !deps.signal?.aborted) {
      pending = deps.feed.eventsByEventTime(q);
      // Settled below, or abandoned on abort: never an unhandled rejection.
      pending.catch(() => undefined);
    }
    if (page.events.length > 0) {
      deps.onEvents(page.events);
      r.events += page.events.length;
      r.feedMs += performance.now() - t1;
    }
    deps.onPage?.(r.events, r.pages);
    if (deps.signal?.aborted) return { ...r, aborted: q !== null };
    // Let requests (ingest, dashboard, health checks) in between pages.
    await new Promise<void>((res) => setImmediate(res));
  }
  return r;
}

/**
 * Keeps the engine's live input back while a warm-up feeds it history, then hands it over in
 * arrival order (`release`). Event time must not go back: a live event fed before the history
 * would make all of that history late. Bounded: beyond `capacity` held events a batch is dropped
 * for the engine (counted; the events are stored) — holding never blocks ingest. In the collector
 * the engine is also behind the bounded sink queue (queued.sink.ts), which waits on a held batch,
 * so live events wait there and its capacity and drop metric apply first.
 */
export interface EngineHold {
  /** Feeds `events` now when released, else holds them; the promise settles once they are fed (or dropped). */
  consume(events: readonly PaymentEvent[]): void | Promise<void>;
  /** Feeds everything held, in the order received, then passes events straight through. Idempotent. */
  release(): void;
  /** Events held so far in total, and dropped beyond the bound. */
  counts(): { held: number; dropped: number; waiting: number };
}

export function createEngineHold(
  feed: (events: readonly PaymentEvent[]) => void,
  config: { capacity: number },
  deps: { logger?: Logger } = {},
): EngineHold {
  let holding = true;
  const waiting: { events: readonly PaymentEvent[]; done: () => void }[] = [];
  let waitingEvents = 0;
  let held = 0;
  let dropped = 0;
  let warned = false;
  return {
    consume(events) {
      if (!holding) return feed(events);
      if (events.length === 0) return;
      if (waitingEvents + events.length > config.capacity) {
        dropped += events.length;
        if (!warned) {
          warned = true;
          deps.logger?.warn(
            { capacity: config.capacity },
            'alert engine warm-up: too many live events held; further ones are dropped for the engine until it is warm (they are stored)',
          );
        }
        return;
      }
      held += events.length;
      waitingEvents += events.length;
      return new Promise<void>((done) => waiting.push({ events, done }));
    },
    release() {
      if (!holding) return;
      holding = false;
      for (const w of waiting.splice(0)) {
        waitingEvents -= w.events.length;
        try {
          feed(w.events);
        } catch (err) {
          deps.logger?.error(
            { err, events: w.events.length },
            'alert engine: feeding held live events failed',
          );
        } finally {
          w.done();
        }
      }
    },
    counts: () => ({ held, dropped, waiting: waitingEvents }),
  };
}
