/**
 * Times the cold-start warm-up of the in-collector alert engine (engine-warmup.ts) over N hours
 * of demo-rate traffic: npx tsx collector/src/alerts/warmup.bench.ts [hours=6] [rate=20] [store=embedded|clickhouse]
 * (clickhouse needs `scripts/services.sh up`; `node --expose-gc --import tsx …` for heap after GC). A collector without an engine stores the
 * simulator's traffic of the last `hours` (default pack incidents none), then a fresh engine with
 * the default rule pack is warmed from that store: prints events, pages, seconds, events/s and
 * the process RSS before/after, with /proc/loadavg. The data dir (and ClickHouse database) is
 * removed after.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { clickhouseEndpoint, clickhouseStoreEnv } from '../../test/services.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../lib/logger.js';
import { startServer } from '../main.js';
import { sendEvents } from '../simulator/sender.js';
import { feedOf } from '../store/feed.js';
import { createStore } from '../store/index.js';
import { createAlertsInCollector } from './alerts.mount.js';

const hours = Number(process.argv[2] ?? 6);
const rate = Number(process.argv[3] ?? 20);
const backend = process.argv[4] ?? 'embedded';
const KEY = 'bench-key-0123456789abcdef';
const load = () => readFileSync('/proc/loadavg', 'utf8').trim();
const mb = () => {
  // With --expose-gc: collect first, so heap is what is still referenced.
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return `${Math.round(m.rss / 1e6)} (heap ${Math.round(m.heapUsed / 1e6)})`;
};

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'paywatch-wbench-'));
  const database = `paywatch_wbench_${Date.now()}`;
  const ch = backend === 'clickhouse' ? clickhouseEndpoint() : null;
  const env = {
    PAYWATCH_DATA_DIR: dataDir,
    PAYWATCH_PORT: '0',
    PAYWATCH_INGEST_KEYS: KEY,
    PAYWATCH_HASH_KEY: 'bench-hash-key-0123456789abcdef0123',
    PAYWATCH_ADMIN_PASSWORD: 'bench-admin-password-0123456789',
    PAYWATCH_LOG_LEVEL: 'warn',
    PAYWATCH_ALERTS_ENABLED: 'false',
    ...(ch ? clickhouseStoreEnv(ch, database) : {}),
  };
  try {
    const config = loadConfig(env);
    const writer = await startServer(config, { dashboard: false, defaultMetrics: false });
    const t0 = Date.now();
    const r = await sendEvents({
      url: writer.url,
      key: KEY,
      seed: 3,
      rate,
      paced: false,
      start: Date.now() - hours * 3_600_000,
      durationMs: hours * 3_600_000,
      batchSize: 5000,
    });
    await writer.close();
    console.log(
      `stored ${r.accepted} events (${hours} h at ${rate}/s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    const logger = createLogger({ level: 'warn' });
    const store = createStore(config.store, { logger });
    await store.start();
    const alerts = createAlertsInCollector(
      {
        rulesPath: undefined,
        env: {},
        dataDir,
        reportingCurrency: 'EUR',
        warmupHours: hours,
        warmupMaxHeld: 200_000,
      },
      { logger, history: feedOf(store) },
    );
    const rss0 = mb();
    const loadBefore = load();
    await alerts.start();
    await alerts.warmedUp();
    const w = alerts.warmup();
    const stats = alerts.module.engine.stats();
    console.log(
      `store ${backend}: warm-up ${w.state}: ${w.events} events, ${w.pages} pages, ${w.seconds.toFixed(2)} s ` +
        `(store reads ${w.readSeconds.toFixed(2)} s, engine ${w.engineSeconds.toFixed(2)} s) ` +
        `(${Math.round(w.events / w.seconds)} events/s); engine: ${stats.series} series, ${stats.history_events} history events, late ${stats.late_events}; ` +
        `rss ${rss0} -> ${mb()} MB; loadavg before ${loadBefore}, after ${load()}`,
    );
    // One page of each read, for comparison (same store, warm cache).
    const feed = feedOf(store);
    const mid = Date.now() - (hours / 2) * 3_600_000;
    for (const limit of [5000, 20_000]) {
      let t = performance.now();
      await feed.eventsByEventTime({
        from: mid,
        to: mid + 15 * 60_000,
        receivedBefore: Date.now(),
        after: null,
        limit,
      });
      const byTime = performance.now() - t;
      t = performance.now();
      await feed.eventsReceivedSince({ after: null, before: Date.now(), limit });
      console.log(
        `one page of ${limit}: by event time (15-min window) ${byTime.toFixed(0)} ms, arrival feed ${(performance.now() - t).toFixed(0)} ms`,
      );
    }
    await alerts.stop();
    await store.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (ch) {
      const c = createClient({ url: ch.url, username: ch.username, password: ch.password });
      await c.command({ query: `DROP DATABASE IF EXISTS ${database}` }).finally(() => c.close());
    }
  }
}

await main();
