import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import type { FaroRouterDeps } from '../sources/faro/index.js';
import type { LogTailerDeps } from '../sources/log-tail/index.js';
import type { ScrapeResult } from '../sources/prom-scrape/index.js';
import type { PendingPaymentReader } from '../store/signals.js';

/**
 * Metrics of the scrape, log-tail and Faro sources and the stale-pending gauge, on the
 * collector's own registry. Sources only call the hooks; labels are bounded (configured target
 * names, fixed reasons and kinds).
 */
export interface SignalMetrics {
  onScrape: (r: ScrapeResult) => void;
  onLines: NonNullable<LogTailerDeps['onLines']>;
  onFaroReceived: NonNullable<FaroRouterDeps['onReceived']>;
  onFaroRejected: NonNullable<FaroRouterDeps['onRejected']>;
  /** Refreshes `paywatch_payments_pending_stale` now (also run on the schedule). */
  refreshPending(): Promise<void>;
  /** Starts the periodic refresh (first run immediately). */
  start(): void;
  /** Stops the refresh and waits for a running one; idempotent. */
  stop(): Promise<void>;
}

export interface SignalMetricsConfig {
  /** A payment counts as stale when its latest non-final event is older than this. */
  pendingStaleAfterMs: number;
  /** Payments whose latest event is older than this are abandoned, not counted (`PAYWATCH_PENDING_LOOKBACK`). */
  pendingLookbackMs: number;
  /** How often the gauge is recomputed. */
  refreshIntervalMs: number;
}

export function createSignalMetrics(
  deps: { registry: Registry; pending: PendingPaymentReader | null; logger: Logger; now?: () => number },
  config: SignalMetricsConfig,
): SignalMetrics {
  const registers = [deps.registry];
  const now = deps.now ?? Date.now;
  const up = new Gauge({
    name: 'paywatch_scrape_up',
    help: 'Whether the last scrape of a target succeeded (1) or not (0).',
    labelNames: ['target'],
    registers,
  });
  const duration = new Histogram({
    name: 'paywatch_scrape_duration_seconds',
    help: 'Duration of scrapes per target.',
    labelNames: ['target'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const failures = new Counter({
    name: 'paywatch_scrape_failures_total',
    help: 'Failed scrapes by target and reason.',
    labelNames: ['target', 'reason'],
    registers,
  });
  const samples = new Counter({
    name: 'paywatch_scrape_samples_stored_total',
    help: 'Samples stored from scrapes (after mapping).',
    labelNames: ['target'],
    registers,
  });
  const lines = new Counter({
    name: 'paywatch_log_lines_total',
    help: 'Tailed log lines by outcome: payment (sent to the pipeline), record (stored as a log record), rejected.',
    labelNames: ['outcome'],
    registers,
  });
  const rum = new Counter({
    name: 'paywatch_rum_records_total',
    help: 'Faro RUM records stored by kind.',
    labelNames: ['kind'],
    registers,
  });
  const rumRejected = new Counter({
    name: 'paywatch_rum_rejected_total',
    help: 'Faro beacons refused by reason.',
    labelNames: ['reason'],
    registers,
  });
  // Only exported when a pending reader is given (a constant 0 without one would read as "all fine").
  const pendingRegisters = deps.pending ? registers : [];
  const stale = new Gauge({
    name: 'paywatch_payments_pending_stale',
    help: `Payments whose latest status is non-final (created, pending, requires_action, authorized) and older than ${Math.round(config.pendingStaleAfterMs / 1000)} s.`,
    registers: pendingRegisters,
  });
  const refreshed = new Gauge({
    name: 'paywatch_payments_pending_refreshed_timestamp_seconds',
    help: 'When the stale-pending gauge was last recomputed.',
    registers: pendingRegisters,
  });

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  async function refreshPending(): Promise<void> {
    if (!deps.pending) return;
    running ??= (async () => {
      try {
        const t = now();
        const { total } = await deps.pending!.pendingPayments({
          since: t - config.pendingLookbackMs,
          before: t - config.pendingStaleAfterMs,
          limit: 0,
        });
        stale.set(total);
        refreshed.set(t / 1000);
      } catch (err) {
        deps.logger.warn({ err }, 'stale-pending gauge refresh failed');
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    onScrape(r) {
      up.set({ target: r.target }, r.up ? 1 : 0);
      duration.observe({ target: r.target }, r.durationMs / 1000);
      if (r.failure) failures.inc({ target: r.target, reason: r.failure });
      if (r.samplesStored > 0) samples.inc({ target: r.target }, r.samplesStored);
    },
    onLines(s) {
      if (s.payments) lines.inc({ outcome: 'payment' }, s.payments);
      if (s.records) lines.inc({ outcome: 'record' }, s.records);
      if (s.rejected) lines.inc({ outcome: 'rejected' }, s.rejected);
    },
    onFaroReceived(kind, count) {
      rum.inc({ kind }, count);
    },
    onFaroRejected(reason) {
      rumRejected.inc({ reason });
    },
    refreshPending,
    start() {
      if (timer || stopped || !deps.pending) return;
      void refreshPending();
      timer = setInterval(() => void refreshPending(), config.refreshIntervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      if (running) await running;
    },
  };
}
