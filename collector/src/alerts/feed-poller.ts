import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@paywatch/alerts/atomic-file';
import { dirname } from 'node:path';
import type { PaymentEvent } from '@paywatch/contracts';
import type { Logger } from '../lib/logger.js';
import type { EventFeedReader, FeedCursor } from '../store/feed.js';
import { createFailureRun } from '../store/failure-run.js';

/** What the poller reports (the alerts service maps these onto its own prom-client registry). */
export interface FeedPollerHooks {
  /** Events handed to the engine by one page. */
  fed(count: number): void;
  /** One poll finished (ok) or failed (the next poll retries from the same cursor). */
  polled(ok: boolean): void;
}

export interface FeedPollerDeps {
  feed: EventFeedReader;
  /** The engine's input (`engine.onEvents`); called with each page in event-time order. */
  onEvents(events: readonly PaymentEvent[]): void;
  logger: Logger;
  hooks?: FeedPollerHooks;
  /** Wall clock (tests pass a fake one). */
  now?: () => number;
}

export interface FeedPollerConfig {
  /** File that keeps the watermark across restarts (JSON, replaced atomically). */
  cursorFile: string;
  pollMs: number;
  /** Read only events received before `now - lagMs` (see `EventFeedReader`). */
  lagMs: number;
  /** Events per read (default 20 000). */
  pageSize?: number;
  /** Most events handed to the engine in one call (default 200 000; bounds memory on a long backlog). */
  maxFeedEvents?: number;
  /** Skip events whose event time is more than this before the cursor (default 1 day): late for the engine anyway. */
  maxEventAgeMs?: number;
  /**
   * First start (no cursor file): begin this much further back than `now - lagMs` (default 0),
   * so a fresh engine learns the recent history before live events (its warm-up).
   */
  initialLookbackMs?: number;
}

/** Where the poller stands. */
export interface FeedPollerStatus {
  cursor: FeedCursor | null;
  /** Everything received before this instant (epoch ms) has been fed; `now - position` is the feed lag. */
  position: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
}

/**
 * Feeds the alert engine from the store's arrival-order feed: every `pollMs` it reads the events
 * received after its cursor and before `now - lagMs`, page by page, hands the whole backlog to
 * the engine in one call sorted by event time, and then stores the cursor in `cursorFile` — so a
 * restart resumes where the last run stopped, neither re-feeding nor skipping events. With no
 * cursor file it starts at `now - lagMs - initialLookbackMs` (by default history is not replayed). Lifecycle: `start()` reads
 * the cursor and starts the timer; `stop()` (idempotent) waits for a poll in flight.
 */
export interface FeedPoller {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One poll until caught up (tests call it directly); resolves with the events fed. */
  pollOnce(): Promise<number>;
  status(): FeedPollerStatus;
}

const DAY_MS = 86_400_000;

function isCursor(v: unknown): v is FeedCursor {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return Number.isSafeInteger(o.received_at) && typeof o.event_id === 'string';
}

/**
 * A full page may end inside a run of events that share one `received_at` (one collector batch).
 * The engine closes event-time minutes as it goes, so a batch must not be split across pages
 * out of event-time order: trim the trailing run unless it is the whole page.
 */
export function wholeArrivals(events: readonly PaymentEvent[], limit: number): readonly PaymentEvent[] {
  if (events.length < limit) return events;
  const last = events[events.length - 1];
  if (!last || events[0]?.received_at === last.received_at) return events;
  let end = events.length;
  while (end > 0 && events[end - 1]!.received_at === last.received_at) end--;
  return events.slice(0, end);
}

export function createFeedPoller(deps: FeedPollerDeps, config: FeedPollerConfig): FeedPoller {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'alerts-feed' });
  const pageSize = config.pageSize ?? 20_000;
  const maxAge = config.maxEventAgeMs ?? DAY_MS;
  const maxFeed = config.maxFeedEvents ?? 200_000;
  const status: FeedPollerStatus = { cursor: null, position: null, lastSuccessAt: null, lastError: null };
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<number> | null = null;
  let state: 'new' | 'running' | 'stopped' = 'new';
  // An outage of the store fails every poll (one a second): logged when it starts, every minute
  // while it lasts and when reading works again, not once per poll.
  const failing = createFailureRun();

  async function saveCursor(c: FeedCursor): Promise<void> {
    await writeFileAtomic(config.cursorFile, JSON.stringify(c));
  }

  async function loadCursor(): Promise<FeedCursor | null> {
    let text: string;
    try {
      text = await readFile(config.cursorFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const v: unknown = JSON.parse(text);
    if (!isCursor(v))
      throw new Error(`${config.cursorFile} does not hold a feed cursor; delete it to start from now`);
    return { received_at: v.received_at, event_id: v.event_id };
  }

  async function poll(): Promise<number> {
    const before = now() - config.lagMs;
    let fed = 0;
    for (;;) {
      // Collect the whole backlog (up to maxFeed events) before feeding: the engine follows the
      // wall clock between calls (its tick closes minutes up to now), so a backlog fed in several
      // calls would see its later pages dropped as late. One call, in event-time order, is safe.
      const batch: PaymentEvent[] = [];
      let cursor = status.cursor;
      let caughtUp = false;
      // One bound for the whole batch, from where it starts: the engine's event time is there
      // until the batch is fed (a bound moving with the cursor would drop, within one batch, the
      // older events of a back-fill received after them — e.g. the warm-up's first batch).
      const minTs = (cursor?.received_at ?? before) - maxAge;
      while (batch.length < maxFeed) {
        const page = await deps.feed.eventsReceivedSince({ after: cursor, before, limit: pageSize, minTs });
        const events = wholeArrivals(page.events, pageSize);
        for (const e of events) batch.push(e);
        const last = events[events.length - 1];
        if (last) cursor = { received_at: last.received_at, event_id: last.event_id };
        if (page.events.length < pageSize) {
          caughtUp = true;
          break;
        }
      }
      if (batch.length > 0) {
        deps.onEvents(batch.sort((a, b) => a.ts - b.ts));
        status.cursor = cursor;
        if (cursor) await saveCursor(cursor);
        fed += batch.length;
        deps.hooks?.fed(batch.length);
      }
      if (caughtUp) break;
      status.position = status.cursor?.received_at ?? status.position;
    }
    status.position = before;
    return fed;
  }

  function pollOnce(): Promise<number> {
    inFlight ??= poll()
      .then(
        (n) => {
          status.lastSuccessAt = now();
          status.lastError = null;
          deps.hooks?.polled(true);
          const ended = failing.succeeded(now());
          if (ended)
            log.info(
              { failedPolls: ended.failures, failedForS: ended.failedForS, fed: n },
              'reading the event feed again',
            );
          return n;
        },
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          status.lastError = message;
          deps.hooks?.polled(false);
          const due = failing.failed(now());
          if (due === 'first')
            log.warn(
              { err: message, cursor: status.cursor },
              'reading the event feed failed; retrying from the same cursor every poll (logged again every minute while it fails)',
            );
          else if (due)
            log.warn(
              { err: message, failedPolls: due.failures, failingForS: due.failingForS },
              'reading the event feed still fails',
            );
          throw err;
        },
      )
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  function schedule(): void {
    if (state !== 'running') return;
    timer = setTimeout(() => {
      timer = null;
      pollOnce().then(
        () => schedule(),
        // Logged in pollOnce (on a change of state, and every minute while failing).
        () => schedule(),
      );
    }, config.pollMs);
  }

  return {
    async start() {
      if (state !== 'new') return;
      await mkdir(dirname(config.cursorFile), { recursive: true });
      const saved = await loadCursor();
      if (saved) {
        status.cursor = saved;
        log.info({ cursor: saved }, 'resuming the event feed');
      } else {
        // First start: from now on (minus the lag), not the whole history — or the last
        // `initialLookbackMs` of it, for a fresh engine's warm-up.
        const back = config.initialLookbackMs ?? 0;
        status.cursor = { received_at: now() - config.lagMs - back, event_id: '' };
        await saveCursor(status.cursor);
        log.info(
          { cursor: status.cursor, lookbackHours: back / 3_600_000 },
          back > 0
            ? 'no feed cursor yet: starting back in time so the fresh engine learns the recent history first'
            : 'no feed cursor yet: starting from now',
        );
      }
      state = 'running';
      schedule();
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      if (timer) clearTimeout(timer);
      timer = null;
      await inFlight?.catch(() => undefined);
    },
    pollOnce,
    status: () => ({ ...status }),
  };
}
