import type { Registry } from 'prom-client';
import { pullMetrics } from './pull-metrics.js';
import type { SpoolStats } from '../store/spool/index.js';

/**
 * Maps the durable spool's figures (`spool.stats()`) onto the collector's registry, read at
 * scrape time through collect callbacks: the spool knows nothing of prom-client (STYLE.md §7).
 */
export function registerSpoolMetrics(registry: Registry, stats: () => SpoolStats): void {
  // Counters: totals since start, kept by the spool.
  const { gauge, counter } = pullMetrics(registry, stats);
  gauge(
    'paywatch_spool_pending_events',
    'Events (and signal rows: scraped samples, log and RUM records) acknowledged but not yet in ClickHouse.',
    (s) => s.pendingEvents,
  );
  gauge(
    'paywatch_spool_oldest_age_seconds',
    'Age of the oldest event still in the spool (0 when empty).',
    (s) => s.oldestAgeMs / 1000,
  );
  gauge('paywatch_spool_disk_bytes', 'Bytes of spool segments on disk.', (s) => s.diskBytes);
  gauge(
    'paywatch_spool_quota_bytes',
    'Disk quota of the spool (PAYWATCH_SPOOL_QUOTA_MB).',
    (s) => s.quotaBytes,
  );
  counter('paywatch_spool_retries_total', 'Failed store writes the spool will retry.', (s) => s.retries);
  counter(
    'paywatch_spool_dropped_events_total',
    'Events and signal rows the store refused as invalid (dead-lettered in the spool folder).',
    (s) => s.droppedEvents,
  );
  counter(
    'paywatch_spool_overloads_total',
    'Writes (ingest requests, Faro beacons, log batches, scrapes) refused with 503 because the spool quota was full.',
    (s) => s.overloads,
  );
  counter(
    'paywatch_spool_drained_events_total',
    'Events and signal rows the spool handed to the store and the store stored.',
    (s) => s.drainedEvents,
  );
  counter(
    'paywatch_spool_duplicate_events_total',
    'Events acknowledged by the spool that the store found already stored when draining (re-sends outside the recent-id window).',
    (s) => s.duplicateEvents,
  );
}
