// Guards the Prometheus path end to end: a real Prometheus scrapes a collector (ClickHouse store) fed by the simulator, and paywatch_payments_total read back through Prometheus's API equals what was sent.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendEvents } from '../src/simulator/sender.js';
import { ident, sql } from '../src/store/clickhouse/sql.js';
import { TEST_KEY } from './harness.js';
import { startClickHouseCollector, waitUntil, type ClickHouseCollector } from './scrape-harness.js';
import { clickhouseEndpoint, prometheusTargetsDir, promQuery, serviceUrl } from './services.js';

const ch = clickhouseEndpoint();
const promUrl = serviceUrl('prometheus');
let collector: ClickHouseCollector;
let run = '';
let targetFile = '';

beforeAll(async () => {
  collector = await startClickHouseCollector();
  // The shared Prometheus (services.sh) scrapes every file_sd target: a label of this run's own.
  run = collector.database.replace('paywatch_test_', '');
  targetFile = path.join(prometheusTargetsDir(), `collector-${run}.json`);
  const hostPort = new URL(collector.server.url).host;
  await writeFile(targetFile, JSON.stringify([{ targets: [hostPort], labels: { paywatch_test_run: run } }]));
});

afterAll(async () => {
  if (targetFile) await rm(targetFile, { force: true });
  await collector?.stop();
});

describe('Prometheus scraping the collector', () => {
  it('paywatch_payments_total in Prometheus equals the simulator totals, overall and by status', async () => {
    const report = await sendEvents({
      url: collector.server.url,
      key: TEST_KEY,
      seed: 4242,
      rate: 500,
      paced: false,
      count: 6000,
      batchSize: 1000,
    });
    expect(report.accepted).toBe(6000);
    const sel = `paywatch_payments_total{paywatch_test_run="${run}"}`;
    const total = await waitUntil(
      () => promQuery(promUrl, `sum(${sel})`),
      (r) => r[0]?.value === report.accepted,
      60_000,
      500,
    );
    expect(total[0]?.value, 'sum(paywatch_payments_total) scraped by Prometheus').toBe(report.accepted);
    const byStatus = await promQuery(promUrl, `sum by (status) (${sel})`);
    expect(Object.fromEntries(byStatus.map((r) => [r.metric.status, r.value]))).toEqual(
      report.counts.by_status,
    );
    // The target is up and its job is the file_sd one services.sh configured.
    const up = await promQuery(promUrl, `up{paywatch_test_run="${run}"}`);
    expect(up.map((r) => r.value)).toEqual([1]);
    // And the same events are in ClickHouse.
    const c = createClient({ url: ch.url, username: ch.username, password: ch.password });
    try {
      const rs = await c.query({
        query: sql`SELECT count() AS n FROM ${ident(collector.database)}.payment_events`.text,
        format: 'JSONEachRow',
      });
      expect(Number((await rs.json<{ n: string }>())[0]?.n)).toBe(report.accepted);
    } finally {
      await c.close();
    }
  });
});
