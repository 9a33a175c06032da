import type { Logger } from '../lib/logger.js';
import type { SignalEraser } from './signals.js';

const DAY_MS = 86_400_000;

/** Hourly deletion of old scraped samples, log records and RUM records. `stop()` is idempotent and waits. */
export interface SignalRetention {
  /** One pass now; resolves with what was deleted (zeros when retention is off). */
  runOnce(): Promise<{ samples: number; logs: number; rum: number }>;
  start(): void;
  stop(): Promise<void>;
}

export interface SignalRetentionConfig {
  /**
   * Days kept; 0 keeps everything. The cut-off is `now - days` rounded down to a UTC midnight:
   * records are kept at least `days` days and go within a day after, whole days at a time (on
   * ClickHouse that is a partition drop, never a mutation rewriting the cut-off day every hour).
   */
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
        const cut = Math.floor((now() - config.days * DAY_MS) / DAY_MS) * DAY_MS;
        const r = await deps.eraser.deleteBefore(cut);
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
