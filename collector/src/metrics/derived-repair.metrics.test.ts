// Guards the mapping of the ClickHouse store's derived-table repairs onto Prometheus series (per table, values read at scrape time).
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { DerivedRepairStats } from '../store/clickhouse/derived-repair.js';
import { registerDerivedRepairMetrics } from './derived-repair.metrics.js';

describe('registerDerivedRepairMetrics', () => {
  it('publishes checks, repaired rows and unresolved buckets per table, and given-up repairs, on every scrape', async () => {
    const registry = new Registry();
    const zero = {
      event_keys: 0,
      payment_keys: 0,
      payment_latest: 0,
      payment_rollup_minute: 0,
      payment_cube_1h: 0,
      payment_latency_1h: 0,
      payment_failures_1h: 0,
    };
    const s: DerivedRepairStats = {
      checks: 2,
      repaired: { ...zero, payment_rollup_minute: 120, payment_latest: 9 },
      unresolved: { ...zero, payment_cube_1h: 1 },
      failures: 1,
    };
    registerDerivedRepairMetrics(registry, () => s);
    const text = await registry.metrics();
    expect(text).toMatch(/^paywatch_clickhouse_derived_checks_total 2$/m);
    expect(text).toMatch(
      /^paywatch_clickhouse_derived_repaired_rows_total\{table="payment_rollup_minute"\} 120$/m,
    );
    expect(text).toMatch(/^paywatch_clickhouse_derived_repaired_rows_total\{table="payment_latest"\} 9$/m);
    expect(text).toMatch(/^paywatch_clickhouse_derived_repaired_rows_total\{table="event_keys"\} 0$/m);
    expect(text).toMatch(
      /^paywatch_clickhouse_derived_unresolved_buckets_total\{table="payment_cube_1h"\} 1$/m,
    );
    expect(text).toMatch(/^paywatch_clickhouse_derived_repair_failures_total 1$/m);
    expect(text).toMatch(/# TYPE paywatch_clickhouse_derived_repaired_rows_total counter/);
    s.checks = 3;
    s.repaired.event_keys = 4;
    const again = await registry.metrics();
    expect(again).toMatch(/^paywatch_clickhouse_derived_checks_total 3$/m);
    expect(again).toMatch(/^paywatch_clickhouse_derived_repaired_rows_total\{table="event_keys"\} 4$/m);
  });
});
