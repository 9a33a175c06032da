import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { ConfigError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

/** A socket.io adapter backed by Redis pub/sub, with the two connections it owns. */
export interface RedisLiveAdapter {
  /** Pass to `io.adapter(…)`. */
  readonly adapter: ReturnType<typeof createAdapter>;
  /** Closes both Redis connections; idempotent. */
  close(): Promise<void>;
}

/**
 * Connects the pub and sub clients of socket.io's Redis adapter (`PAYWATCH_REDIS_URL`): every
 * collector's broadcasts (transactions to the analyst room, KPI deltas between collectors) then
 * reach the sockets of every other collector. Fails start-up when Redis does not answer.
 */
export async function connectRedisAdapter(
  url: string,
  deps: { logger: Logger; connectTimeoutMs?: number },
): Promise<RedisLiveAdapter> {
  const log = deps.logger.child({ component: 'live-redis' });
  const pub = createClient({ url, socket: { connectTimeout: deps.connectTimeoutMs ?? 5000 } });
  const sub = pub.duplicate();
  let lastError = '';
  for (const c of [pub, sub]) {
    c.on('error', (err: unknown) => {
      const msg = err instanceof Error ? err.message : String(err);
      // The client reconnects by itself; log each distinct failure once.
      if (msg !== lastError)
        log.warn({ err: msg }, 'redis connection error (live fan-out across collectors paused)');
      lastError = msg;
    });
    c.on('ready', () => {
      if (lastError !== '') log.info('redis connection ready');
      lastError = '';
    });
  }
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (err) {
    await Promise.allSettled([pub.disconnect(), sub.disconnect()]);
    throw new ConfigError(
      'PAYWATCH_REDIS_URL',
      `cannot connect to Redis: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  let closed: Promise<void> | null = null;
  return {
    adapter: createAdapter(pub, sub, { key: 'paywatch' }),
    close() {
      closed ??= Promise.allSettled([pub.quit(), sub.quit()]).then(() => undefined);
      return closed;
    },
  };
}
