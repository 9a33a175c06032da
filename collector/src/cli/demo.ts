import type { Logger } from '../lib/logger.js';
import { sendEvents } from '../simulator/sender.js';

/**
 * The demo traffic of `paywatch start`: the simulator posting to this collector's ingest API
 * over HTTP, exactly like an external client, until the signal aborts.
 */
export async function runDemoTraffic(opts: { url: string; key: string; rate: number; seed: number; signal: AbortSignal; logger: Logger }): Promise<void> {
  const log = opts.logger.child({ component: 'demo' });
  const result = await sendEvents({ url: opts.url, key: opts.key, rate: opts.rate, seed: opts.seed, signal: opts.signal });
  log.info({ sent: result }, 'demo traffic stopped');
}
