// Guards the Prometheus path end to end: a real Prometheus scrapes a collector (ClickHouse store) fed by the simulator, and paywatch_payments_total read back through Prometheus's API equals what was sent.
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendEvents } from '../src/simulator/sender.js';
import { ident, sql } from '../src/store/clickhouse/sql.js';
import { TEST_KEY, startTestServer, type TestServer } from './harness.js';
import {
  assertClickHouseUp,
  clickhouseEndpoint,
  clickhouseStoreEnv,
  prometheusTargetsDir,
  promQuery,
  serviceUrl,
} from './services.js';

const run = randomUUID().replace(/-/g, '').slice(0, 12);
const database = `paywatch_test_${run}`;
const ch = clickhouseEndpoint();
const promUrl = serviceUrl('prometheus');
const targetFile = path.join(prometheusTargetsDir(), `collector-${run}.json`);
let s: TestServer;

beforeAll(async () => {
  await assertClickHouseUp(ch);
  s = await startTestServer({
    PAYWATCH_LOG_LEVEL: 'warn',
    PAYWATCH_METRICS_PUBLIC: 'true',
    ...clickhouseStoreEnv(ch, database),
  });
  const hostPort = new URL(s.url).host;
  await writeFile(targetFile, JSON.stringify([{ targets: [hostPort], labels: { paywatch_test_run: run } }]));
});

afterAll(async () => {
  await rm(targetFile, { force: true });
  await s?.stop();
  const c = createClient({ url: ch.url, username: ch.username, password: ch.password });
  await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  await c.close();
});

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await fn();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    last = await fn();
  }
  return last;
}

describe('Prometheus scraping the collector', () => {
  it('paywatch_payments_total in Prometheus equals the simulator totals, overall and by status', async () => {
    const report = await sendEvents({
      url: s.url,
      key: TEST_KEY,
      seed: 4242,
      rate: 500,
      paced: false,
      count: 6000,
      batchSize: 1000,
    });
    expect(report.accepted).toBe(6000);
    const sel = `paywatch_payments_total{paywatch_test_run="${run}"}`;
    const total = await until(
      () => promQuery(promUrl, `sum(${sel})`),
      (r) => r[0]?.value === report.accepted,
      60_000,
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
        query: sql`SELECT count() AS n FROM ${ident(database)}.payment_events`.text,
        format: 'JSONEachRow',
      });
      expect(Number((await rs.json<{ n: string }>())[0]?.n)).toBe(report.accepted);
    } finally {
      await c.close();
    }
  });
});
