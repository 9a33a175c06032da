import type { Logger } from '../lib/logger.js';
import { sendEvents } from '../simulator/sender.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Days of simulated history a fresh demo store gets, so trends and week-over-week compare have data. */
export const DEMO_HISTORY_DAYS = 8;
/** Mean events per second of the thin part of that history (the older days). */
export const DEMO_HISTORY_RATE = 0.15;
/**
 * Hours right before the start back-filled at the live demo rate: the alert engine's rate
 * baselines (120–240 min) and latency levels (60 min) are warm, and the last hours of every
 * trend have the live volume.
 */
export const DEMO_RECENT_HOURS = 2;
/**
 * Half-width (hours) of the window around "now − 7 days" back-filled at the live rate, so the
 * trends explorer's default view (last hour, compared with the same hour last week) compares like
 * with like during the first half hour of a demo.
 */
export const DEMO_WEEK_AGO_HOURS = 0.5;
/** The live rate at which the full-rate parts of the history are capped (keeps the back-fill ≲ 30 s). */
export const DEMO_HISTORY_MAX_RATE = 20;

/** One contiguous stretch of back-filled history: [from, to) at `rate` events/s. */
export interface HistorySegment {
  from: number;
  to: number;
  rate: number;
}

/**
 * The demo history of a fresh store, as contiguous segments in event-time order (the alert
 * engine learns from a back-fill only when it arrives in event order before live traffic): the
 * older days thin (`DEMO_HISTORY_RATE`), the last `DEMO_RECENT_HOURS` and the hours around one
 * week ago at the live rate (capped at `DEMO_HISTORY_MAX_RATE`). Ends at `now`.
 */
export function demoHistoryPlan(now: number, liveRate: number): HistorySegment[] {
  const full = Math.min(liveRate, DEMO_HISTORY_MAX_RATE);
  const thin = Math.min(full, DEMO_HISTORY_RATE);
  const start = now - DEMO_HISTORY_DAYS * DAY;
  const weekAgo = now - 7 * DAY;
  const recent = now - DEMO_RECENT_HOURS * HOUR;
  const bounds: HistorySegment[] = [
    { from: start, to: weekAgo - DEMO_WEEK_AGO_HOURS * HOUR, rate: thin },
    { from: weekAgo - DEMO_WEEK_AGO_HOURS * HOUR, to: weekAgo + DEMO_WEEK_AGO_HOURS * HOUR, rate: full },
    { from: weekAgo + DEMO_WEEK_AGO_HOURS * HOUR, to: recent, rate: thin },
    { from: recent, to: now, rate: full },
  ];
  return bounds.filter((s) => s.to > s.from);
}

/** Expected number of events of a plan (mean rates; seasonality moves it by a few %). */
export function demoHistoryEvents(plan: readonly HistorySegment[]): number {
  return Math.round(plan.reduce((n, s) => n + ((s.to - s.from) / 1000) * s.rate, 0));
}

/**
 * The demo traffic of `paywatch start`: the simulator posting to this collector's ingest API
 * over HTTP, exactly like an external client, until the signal aborts. When the store has no
 * history yet, the past `DEMO_HISTORY_DAYS` days are back-filled FIRST, in event-time order
 * (segment after segment, each with its own seed so ids never collide with the live stream),
 * then the gap the back-fill took is filled at the live rate, and only then the live stream
 * starts: the in-process alert engine judges that history in event time, so its baselines are
 * warm, instead of dropping it as late behind live traffic.
 */
export async function runDemoTraffic(opts: {
  url: string;
  key: string;
  rate: number;
  seed: number;
  signal: AbortSignal;
  logger: Logger;
  /** Resolves true when the store already holds events from the history window. */
  hasHistory?: (from: number, to: number) => Promise<boolean>;
  /** Human-readable progress lines (the start command prints them on stdout). */
  say?: (line: string) => void;
  /** Wall clock (default `Date.now`). */
  now?: () => number;
}): Promise<void> {
  const log = opts.logger.child({ component: 'demo' });
  const now = opts.now ?? Date.now;
  const say = opts.say ?? (() => {});
  const t0 = now();
  const plan = demoHistoryPlan(t0, opts.rate);
  const first = plan[0];
  if (first && opts.hasHistory && !(await opts.hasHistory(first.from, t0 - 60_000))) {
    const expected = demoHistoryEvents(plan);
    log.info({ days: DEMO_HISTORY_DAYS, segments: plan, expected }, 'back-filling demo history');
    say(
      `Back-filling ${DEMO_HISTORY_DAYS} days of demo history first (≈ ${Math.round(expected / 1000)}k events, in event-time order ` +
        `so the alert engine learns its baselines); live demo traffic starts right after it…\n`,
    );
    let accepted = 0;
    let seedOffset = 1;
    // The segments, then catch-up segments at the live rate until the history reaches the wall clock.
    const queue = [...plan];
    for (let seg = queue.shift(); seg && !opts.signal.aborted; seg = queue.shift()) {
      const r = await sendEvents({
        url: opts.url,
        key: opts.key,
        seed: (opts.seed + seedOffset++) >>> 0,
        rate: seg.rate,
        paced: false,
        start: seg.from,
        durationMs: seg.to - seg.from,
        batchSize: 5000,
        signal: opts.signal,
      });
      accepted += r.accepted;
      if (r.stopped === 'error') {
        log.error({ error: r.error }, 'demo history back-fill failed; starting live traffic');
        break;
      }
      if (queue.length === 0) {
        const lag = now() - seg.to;
        if (lag > 2_000)
          queue.push({ from: seg.to, to: seg.to + lag, rate: Math.min(opts.rate, DEMO_HISTORY_MAX_RATE) });
      }
    }
    const seconds = ((now() - t0) / 1000).toFixed(1);
    log.info({ accepted, seconds: Number(seconds) }, 'demo history back-filled');
    if (!opts.signal.aborted)
      say(
        `Demo history back-filled: ${accepted} events in ${seconds} s. Live demo traffic: ${opts.rate} events/s.\n`,
      );
  }
  if (opts.signal.aborted) return;
  const result = await sendEvents({
    url: opts.url,
    key: opts.key,
    rate: opts.rate,
    seed: opts.seed,
    signal: opts.signal,
  });
  log.info({ accepted: result.accepted, stopped: result.stopped }, 'demo traffic stopped');
}
