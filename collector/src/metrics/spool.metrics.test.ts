// Guards the mapping of spool.stats() onto Prometheus series (names the Grafana dashboard uses, values read at scrape time).
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { SpoolStats } from '../store/spool/index.js';
import { registerSpoolMetrics } from './spool.metrics.js';

describe('registerSpoolMetrics', () => {
  it('publishes the current stats on every scrape', async () => {
    const registry = new Registry();
    const s: SpoolStats = {
      pendingEvents: 7,
      diskBytes: 4096,
      quotaBytes: 1 << 20,
      oldestAgeMs: 2500,
      drainedEvents: 10,
      duplicateEvents: 2,
      retries: 3,
      droppedEvents: 1,
      overloads: 4,
    };
    registerSpoolMetrics(registry, () => s);
    const text = await registry.metrics();
    expect(text).toMatch(/^paywatch_spool_pending_events 7$/m);
    expect(text).toMatch(/^paywatch_spool_oldest_age_seconds 2.5$/m);
    expect(text).toMatch(/^paywatch_spool_disk_bytes 4096$/m);
    expect(text).toMatch(/^paywatch_spool_retries_total 3$/m);
    expect(text).toMatch(/^paywatch_spool_dropped_events_total 1$/m);
    expect(text).toMatch(/^paywatch_spool_overloads_total 4$/m);
    expect(text).toMatch(/^paywatch_spool_duplicate_events_total 2$/m);
    expect(text).toMatch(/# TYPE paywatch_spool_retries_total counter/);
    s.pendingEvents = 0;
    s.retries = 5;
    const again = await registry.metrics();
    expect(again).toMatch(/^paywatch_spool_pending_events 0$/m);
    expect(again).toMatch(/^paywatch_spool_retries_total 5$/m);
  });
});
