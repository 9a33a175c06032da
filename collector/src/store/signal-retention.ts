import type { Logger } from '../lib/logger.js';
import type { SignalEraser } from './signals.js';

/** Hourly deletion of old scraped samples, log records and RUM records. `stop()` is idempotent and waits. */
export interface SignalRetention {
  /** One pass now; resolves with what was deleted (zeros when retention is off). */
  runOnce(): Promise<{ samples: number; logs: number; rum: number }>;
  start(): void;
  stop(): Promise<void>;
}

export interface SignalRetentionConfig {
  /** Days kept; 0 keeps everything. */
  days: number;
  intervalMs?: number;
}

export function createSignalRetention(
  deps: { eraser: SignalEraser; logger: Logger; now?: () => number },
  config: SignalRetentionConfig,
): SignalRetention {
  const log = deps.logger.child({ component: 'signal-retention' });
  const now = deps.now ?? Date.now;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<{ samples: number; logs: number; rum: number }> | null = null;
  let stopped = false;

  function runOnce() {
    if (config.days <= 0) return Promise.resolve({ samples: 0, logs: 0, rum: 0 });
    running ??= (async () => {
      try {
        const r = await deps.eraser.deleteBefore(now() - config.days * 86_400_000);
        if (r.samples + r.logs + r.rum > 0) log.info(r, 'signal retention deleted old records');
        return r;
      } finally {
        running = null;
      }
    })();
    return running;
  }

  const tick = () => void runOnce().catch((err: unknown) => log.error({ err }, 'signal retention failed'));
  return {
    runOnce,
    start() {
      if (timer || stopped || config.days <= 0) return;
      tick();
      timer = setInterval(tick, config.intervalMs ?? 3_600_000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}
