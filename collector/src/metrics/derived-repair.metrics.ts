import { Counter, type Registry } from 'prom-client';
import { pullMetrics } from './pull-metrics.js';
import type { DerivedRepairStats } from '../store/clickhouse/derived-repair.js';

/**
 * Maps the ClickHouse store's repairs of derived tables (`derivedRepairStats()`: rows a view
 * missed after a failed INSERT, added from raw rows; buckets left unexplained) onto the
 * collector's registry, read at scrape time. `table` is one of the fixed derived table names.
 */
export function registerDerivedRepairMetrics(registry: Registry, stats: () => DerivedRepairStats): void {
  const registers = [registry];
  // Totals since start, kept by the store: published as they are at each scrape.
  const { counter } = pullMetrics(registry, stats);
  const byTable = (name: string, help: string, of: (s: DerivedRepairStats) => Record<string, number>) =>
    new Counter({
      name,
      help,
      labelNames: ['table'],
      registers,
      collect() {
        this.reset();
        for (const [table, n] of Object.entries(of(stats()))) this.inc({ table }, n);
      },
    });
  counter(
    'paywatch_clickhouse_derived_checks_total',
    'Duplicate checks after start or a failed INSERT that found stored events and compared the tables their views fill.',
    (s) => s.checks,
  );
  counter(
    'paywatch_clickhouse_derived_repair_failures_total',
    'Repairs of derived tables given up after failing several times in a row (logged at ERROR; the tables may miss those events).',
    (s) => s.failures,
  );
  byTable(
    'paywatch_clickhouse_derived_repaired_rows_total',
    'Rows a materialized view missed (its INSERT failed after the raw rows landed), added from the raw rows: events for the rollup and cube tables, keys for the key indexes, (payment, day) rows for payment_latest.',
    (s) => s.repaired,
  );
  byTable(
    'paywatch_clickhouse_derived_unresolved_buckets_total',
    'Minute or hour buckets of a counting table whose count differed from the raw rows by other than the found events: logged and left unchanged (rebuild the day, docs/clickhouse.md).',
    (s) => s.unresolved,
  );
}
