// Guards the durable write path of the non-payment signals on ClickHouse: while ClickHouse is stopped, Faro RUM posts keep answering 202, tailed log lines keep advancing and scrapes keep counting as stored — all through the spool — and once it returns every acknowledged RUM record, log line and scraped sample is in ClickHouse exactly once; a full spool answers Faro with 503 + Retry-After.
import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { ident, sql, type SqlFragment } from '../src/store/clickhouse/sql.js';
import { metricValue, startTestServer, writeSignalConfigs, type TestServer } from './harness.js';
import { clickhouseStoreEnv, startPrivateClickHouse, type PrivateClickHouse } from './services.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A scrape target whose counter moves on every scrape (each scrape stores different values). */
async function metricsTarget(): Promise<string> {
  let n = 0;
  const server: Server = createServer((_req, res) => {
    n++;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      `# TYPE shop_payments_total counter\nshop_payments_total{gateway="a"} ${n}\nshop_payments_total{gateway="b"} ${2 * n}\n`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

interface Setup {
  ch: PrivateClickHouse;
  s: TestServer;
  database: string;
  logFile: string;
  /** Rows of a SELECT on the private ClickHouse. */
  query<T>(statement: SqlFragment): Promise<T[]>;
}

/** A private ClickHouse and a collector on it with Faro, a log tail and a 1 s scrape of a local target. */
async function startSignalCollector(prefix: string, env: Record<string, string> = {}): Promise<Setup> {
  const stateDir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const ch = await startPrivateClickHouse(stateDir);
  cleanups.push(() => ch.destroy());
  const ep = ch.endpoint;
  const logFile = path.join(stateDir, 'shop.log');
  await writeFile(logFile, '');
  const { scrapePath, tailPath } = await writeSignalConfigs(stateDir, {
    targetUrl: await metricsTarget(),
    logFile,
    pollMs: 100,
  });
  const database = `paywatch_sig_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const s = await startTestServer({
    ...clickhouseStoreEnv(ep, database),
    PAYWATCH_LOG_LEVEL: 'warn',
    PAYWATCH_ALERTS_ENABLED: 'false',
    PAYWATCH_FARO_ENABLED: 'true',
    PAYWATCH_SCRAPE_CONFIG: scrapePath,
    PAYWATCH_LOG_TAIL_CONFIG: tailPath,
    ...env,
  });
  cleanups.push(() => s.stop());
  const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
  cleanups.push(() => client.close());
  return {
    ch,
    s,
    database,
    logFile,
    async query<T>(statement: SqlFragment) {
      const rs = await client.query({ query: statement.text, format: 'JSONEachRow' });
      return rs.json<T>();
    },
  };
}

/** A Faro beacon with `n` custom events named `<run>_<from + i>`. */
function beacon(run: string, from: number, n: number, pad = 0): string {
  return JSON.stringify({
    meta: { session: { id: `sess_${run}` }, app: { name: 'shop-web', version: '1.0.0' } },
    events: Array.from({ length: n }, (_, i) => ({
      name: `${run}_${from + i}`,
      timestamp: new Date().toISOString(),
      attributes: pad > 0 ? { pad: 'x'.repeat(pad) } : {},
    })),
  });
}

const postFaro = (s: TestServer, body: string) =>
  fetch(`${s.url}/faro/collect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('signals on ClickHouse through the spool', () => {
  it('acknowledges RUM, log lines and scrapes through a ClickHouse outage; each is stored exactly once after it returns', async () => {
    const { ch, s, database, logFile, query } = await startSignalCollector('pw-sig-outage-');
    expect(s.spool).not.toBeNull();
    const run = randomUUID().slice(0, 8);
    const ackedRum: string[] = [];
    const lines: string[] = [];
    const sendRum = async (from: number) => {
      const res = await postFaro(s, beacon(run, from, 5));
      expect(res.status, await res.clone().text()).toBe(202);
      expect(await res.json()).toEqual({ accepted: 5 });
      for (let i = 0; i < 5; i++) ackedRum.push(`${run}_${from + i}`);
    };
    const writeLines = async (from: number, n: number) => {
      let text = '';
      for (let i = from; i < from + n; i++) {
        const msg = `${run} line ${i}`;
        lines.push(msg);
        text += JSON.stringify({ ts: new Date().toISOString(), level: 'info', msg }) + '\n';
      }
      await appendFile(logFile, text);
    };

    for (let k = 0; k < 4; k++) {
      await sendRum(k * 5);
      await writeLines(k * 10, 10);
      await sleep(250);
    }
    await ch.stop();
    const downAt = Date.now();
    // While ClickHouse is down: RUM answered 202 from the spool, lines tailed, scrapes stored.
    for (let k = 4; k < 16; k++) {
      const t0 = Date.now();
      await sendRum(k * 5);
      expect(Date.now() - t0).toBeLessThan(5_000);
      await writeLines(k * 10, 10);
      await sleep(250);
    }
    await sleep(1500);
    const upAt = Date.now();
    const during = await (await s.fetch('/metrics')).text();
    // Only signals were ingested: the spool's figures count them.
    expect(metricValue(during, 'paywatch_spool_pending_events')).toBeGreaterThan(0);
    expect(metricValue(during, 'paywatch_spool_retries_total')).toBeGreaterThan(0);
    expect(metricValue(during, 'paywatch_spool_disk_bytes')).toBeGreaterThan(0);
    expect(metricValue(during, 'paywatch_scrape_failures_total{target="shop",reason="store_error"}')).toBe(0);
    expect(metricValue(during, 'paywatch_log_lines_total{outcome="record"}')).toBe(lines.length);
    // The tail moved past every line while ClickHouse was down (offsets only advance once durable).
    const offsets = JSON.parse(await readFile(path.join(s.dataDir, 'log-tail-offsets.json'), 'utf8')) as {
      files: Record<string, { offset: number }>;
    };
    expect(offsets.files[logFile]?.offset).toBe((await readFile(logFile)).length);

    await ch.start();
    await sendRum(16 * 5);
    await writeLines(160, 10);
    await sleep(1500);
    // Sources first, then the spool drains (bounded), as on shutdown.
    await s.close();
    const stats = s.spool!.stats();
    expect(stats).toMatchObject({ pendingEvents: 0, droppedEvents: 0 });
    const metrics = await s.metrics.registry.metrics();
    expect(metricValue(metrics, 'paywatch_spool_drained_events_total')).toBeGreaterThan(0);

    const db = ident(database);
    // RUM: every acknowledged record once.
    const rum = await query<{ name: string; n: string }>(
      sql`SELECT name, count() AS n FROM ${db}.signal_rum GROUP BY name`,
    );
    const rumCounts = new Map(rum.map((r) => [r.name, Number(r.n)]));
    expect(ackedRum).toHaveLength(85);
    expect(ackedRum.filter((id) => rumCounts.get(id) !== 1)).toEqual([]);
    expect(rumCounts.size).toBe(ackedRum.length);
    // Log lines: every line once.
    const logs = await query<{ message: string; n: string }>(
      sql`SELECT message, count() AS n FROM ${db}.signal_logs GROUP BY message`,
    );
    const logCounts = new Map(logs.map((r) => [r.message, Number(r.n)]));
    expect(lines.filter((m) => logCounts.get(m) !== 1)).toEqual([]);
    expect(logCounts.size).toBe(lines.length);
    // Scrapes: each counted scrape's samples once (its health series `up` and the mapped ones),
    // including the scrapes made while ClickHouse was down.
    const scrapes = metricValue(metrics, 'paywatch_scrape_duration_seconds_count{target="shop"}');
    const storedSamples = metricValue(metrics, 'paywatch_scrape_samples_stored_total{target="shop"}');
    expect(metricValue(metrics, 'paywatch_scrape_failures_total{target="shop",reason="store_error"}')).toBe(
      0,
    );
    const [counts] = await query<{
      up: string;
      mapped: string;
      rows: string;
      distinct_rows: string;
      outage: string;
    }>(
      sql`SELECT countIf(series = 'up') AS up, countIf(series = 'shop_payments_total') AS mapped, count() AS rows,
  uniqExact(series, labels, ts) AS distinct_rows,
  countIf(series = 'up' AND ts > ${downAt} AND ts < ${upAt}) AS outage
FROM ${db}.signal_samples WHERE target = 'shop'`,
    );
    expect(scrapes).toBeGreaterThan(10);
    expect(Number(counts!.up)).toBe(scrapes);
    expect(Number(counts!.mapped)).toBe(storedSamples);
    expect(Number(counts!.distinct_rows)).toBe(Number(counts!.rows));
    expect(Number(counts!.outage)).toBeGreaterThanOrEqual(3);
    // Nothing secret in the logs of the outage.
    expect(s.logs()).not.toContain(ch.endpoint.password);
  }, 180_000);

  it('answers Faro with 503 + Retry-After once the spool quota is full, and accepts again after it drains', async () => {
    const { ch, s, database, query } = await startSignalCollector('pw-sig-quota-', {
      PAYWATCH_SPOOL_QUOTA_MB: '1',
      PAYWATCH_SCRAPE_CONFIG: '',
      PAYWATCH_LOG_TAIL_CONFIG: '',
    });
    const run = randomUUID().slice(0, 8);
    await ch.stop();
    let refused: Response | null = null;
    let acked = 0;
    for (let i = 0; i < 40 && refused === null; i++) {
      const res = await postFaro(s, beacon(run, i * 150, 150, 1000));
      if (res.status === 503) refused = res;
      else {
        expect(res.status, await res.clone().text()).toBe(202);
        acked++;
      }
    }
    expect(refused, 'no 503 after 40 beacons into a 1 MB spool').not.toBeNull();
    expect(acked).toBeGreaterThan(0);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(
      metricValue(await (await s.fetch('/metrics')).text(), 'paywatch_spool_overloads_total'),
    ).toBeGreaterThanOrEqual(1);
    await ch.start();
    await s.spool!.drained();
    // The refused beacon was not acknowledged: sent again, it is accepted.
    const retry = await postFaro(s, beacon(run, acked * 150, 150, 1000));
    expect(retry.status).toBe(202);
    await s.spool!.drained();
    const [r] = await query<{ n: string }>(sql`SELECT count() AS n FROM ${ident(database)}.signal_rum`);
    expect(Number(r!.n)).toBe((acked + 1) * 150);
  }, 180_000);
});
