import type { Logger } from '../lib/logger.js';
import { sendEvents } from '../simulator/sender.js';

/** Days of simulated history a fresh demo store gets, so trends and week-over-week compare have data. */
export const DEMO_HISTORY_DAYS = 8;
/** Mean events per second of that history (≈ 170k events over 8 days: a few seconds of ingest). */
export const DEMO_HISTORY_RATE = 0.25;

/**
 * The demo traffic of `paywatch start`: the simulator posting to this collector's ingest API
 * over HTTP, exactly like an external client, until the signal aborts. When the store has no
 * history yet, the past `DEMO_HISTORY_DAYS` days are back-filled first (in the background, with
 * another seed, so ids never collide with the live stream).
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
}): Promise<void> {
  const log = opts.logger.child({ component: 'demo' });
  const now = Date.now();
  const from = now - DEMO_HISTORY_DAYS * 86_400_000;
  const to = now - 60_000;
  const backfill = (async () => {
    if (!opts.hasHistory || (await opts.hasHistory(from, to))) return;
    log.info({ days: DEMO_HISTORY_DAYS }, 'back-filling demo history');
    const r = await sendEvents({
      url: opts.url,
      key: opts.key,
      seed: (opts.seed + 1) >>> 0,
      rate: DEMO_HISTORY_RATE,
      paced: false,
      start: from,
      durationMs: to - from,
      batchSize: 5000,
      signal: opts.signal,
    });
    log.info({ accepted: r.accepted, stopped: r.stopped }, 'demo history back-filled');
  })();
  const live = sendEvents({
    url: opts.url,
    key: opts.key,
    rate: opts.rate,
    seed: opts.seed,
    signal: opts.signal,
  });
  const [, result] = await Promise.all([backfill, live]);
  log.info({ accepted: result.accepted, stopped: result.stopped }, 'demo traffic stopped');
}
