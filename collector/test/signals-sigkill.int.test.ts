// Guards the signals' durable write path across SIGKILL of the whole collector: `paywatch start` on ClickHouse takes Faro beacons, tails a log file and scrapes a target; it is killed while ClickHouse is down (signals only in the spool) and again right after its restart (replay running); every acknowledged RUM record and every log line ends up in ClickHouse exactly once, and no scraped sample twice.
import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { ident, sql, type SqlFragment } from '../src/store/clickhouse/sql.js';
import {
  collectorProcessEnv,
  spawnPaywatch,
  spoolPending,
  waitFor,
  writeSignalConfigs,
  type PaywatchProcess,
} from './harness.js';
import { clickhouseStoreEnv, startPrivateClickHouse } from './services.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SENDERS = 2;
const EVENTS_PER_BEACON = 10;

describe('collector with signals killed with SIGKILL on the ClickHouse store', () => {
  it(
    'stores every acknowledged RUM record and every log line exactly once across two kills',
    { timeout: 300_000 },
    async () => {
      const stateDir = await mkdtemp(path.join(tmpdir(), 'pw-sig-kill-'));
      cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
      const ch = await startPrivateClickHouse(stateDir);
      cleanups.push(() => ch.destroy());
      const ep = ch.endpoint;
      const database = `paywatch_sigkill_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      const dataDir = path.join(stateDir, 'data');
      const logFile = path.join(stateDir, 'shop.log');
      await writeFile(logFile, '');
      let scrapes = 0;
      const target = createServer((_req, res) => {
        scrapes++;
        res.end(`# TYPE shop_payments_total counter\nshop_payments_total{gateway="a"} ${scrapes}\n`);
      });
      await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
      cleanups.push(() => new Promise((r) => target.close(r)));
      const { scrapePath, tailPath } = await writeSignalConfigs(stateDir, {
        targetUrl: `http://127.0.0.1:${(target.address() as AddressInfo).port}/metrics`,
        logFile,
        pollMs: 50,
      });

      const start = async (): Promise<{ p: PaywatchProcess; url: string }> => {
        const p = spawnPaywatch(['start', '--no-demo', '--no-dashboard'], {
          ...clickhouseStoreEnv(ep, database),
          ...collectorProcessEnv(dataDir),
          PAYWATCH_FARO_ENABLED: 'true',
          // Beacons come from one IP here, as fast as the collector answers.
          PAYWATCH_RATE_LIMIT_IP: '10000000',
          PAYWATCH_SCRAPE_CONFIG: scrapePath,
          PAYWATCH_LOG_TAIL_CONFIG: tailPath,
        });
        cleanups.push(async () => {
          if (p.child.exitCode === null && p.child.signalCode === null) {
            const exited = new Promise((r) => p.child.once('exit', r));
            p.child.kill('SIGKILL');
            await exited;
          }
        });
        const m = await p.waitFor(
          /Ingest API:\s+POST (http:\/\/\S+)\/v1\/events/,
          90_000,
          'paywatch start printed no URL',
          50,
        );
        return { p, url: m[1]! };
      };
      const kill = async (p: PaywatchProcess) => {
        const exited = new Promise<NodeJS.Signals | null>((r) => p.child.once('exit', (_c, sig) => r(sig)));
        p.child.kill('SIGKILL');
        expect(await exited, p.out).toBe('SIGKILL');
      };

      const run = randomUUID().slice(0, 8);
      // Beacon bodies are built once: a re-sent beacon is the same records (Faro ids hash the content).
      const beacons = new Map<string, string>();
      const body = (key: string) => {
        let b = beacons.get(key);
        if (!b)
          beacons.set(
            key,
            (b = JSON.stringify({
              meta: { session: { id: `sess_${run}` }, app: { name: 'shop-web' } },
              events: Array.from({ length: EVENTS_PER_BEACON }, (_, i) => ({
                name: `${run}_${key}_${i}`,
                timestamp: new Date().toISOString(),
              })),
            })),
          );
        return b;
      };
      const acked = new Set<string>();
      const failures: string[] = [];
      const unacked = new Set<string>();
      const post = async (url: string, key: string): Promise<boolean> => {
        try {
          const res = await fetch(`${url}/faro/collect`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: body(key),
          });
          const text = await res.text();
          if (res.status !== 202) throw new Error(`HTTP ${res.status}: ${text}`);
          acked.add(key);
          unacked.delete(key);
          return true;
        } catch (err) {
          failures.push(String(err));
          if (!acked.has(key)) unacked.add(key);
          return false;
        }
      };
      let inFlight = 0;
      let seq = 0;
      /** Senders posting beacons one after another until the collector dies or `stop` is set. */
      const stream = (url: string) => {
        const state = { stop: false };
        const done = Promise.all(
          Array.from({ length: SENDERS }, async () => {
            while (!state.stop) {
              inFlight++;
              const ok = await post(url, `b${seq++}`);
              inFlight--;
              if (!ok) return;
            }
          }),
        );
        return { state, done };
      };
      let lines = 0;
      let writing = true;
      const writer = (async () => {
        while (writing) {
          let text = '';
          for (let i = 0; i < 5; i++)
            text +=
              JSON.stringify({ ts: new Date().toISOString(), level: 'info', msg: `${run} line ${lines++}` }) +
              '\n';
          await appendFile(logFile, text);
          await sleep(20);
        }
      })();

      // 1: ClickHouse down, so signals are only in the spool; killed mid-stream.
      let c = await start();
      let s = stream(c.url);
      await waitFor('beacons acknowledged', () => acked.size >= 10);
      await ch.stop();
      const ackedUp = acked.size;
      await waitFor('beacons acknowledged from the spool', () => acked.size >= ackedUp + 20).catch(
        (err: unknown) => {
          throw new Error(
            `${String(err)}; failures: ${failures.slice(0, 3).join(' | ')}\n${c.p.out.slice(-3000)}`,
          );
        },
      );
      await sleep(1500); // a scrape or two and some log batches spooled too
      expect(await spoolPending(c.url)).toBeGreaterThan(0);
      await waitFor('a request in flight', () => inFlight > 0);
      await kill(c.p);
      await s.done;

      // 2: ClickHouse back; the restart replays the spool; killed again right away.
      await ch.start();
      c = await start();
      s = stream(c.url);
      await waitFor('beacons after the restart', () => acked.size >= ackedUp + 25);
      await waitFor('a request in flight', () => inFlight > 0);
      await kill(c.p);
      await s.done;

      // 3: last start; clients re-send what was not acknowledged; the spool drains.
      c = await start();
      for (const key of [...unacked]) expect(await post(c.url, key), `re-send of ${key}`).toBe(true);
      s = stream(c.url);
      await waitFor('more beacons', () => acked.size >= ackedUp + 40);
      s.state.stop = true;
      await s.done;
      writing = false;
      await writer;
      expect(unacked.size).toBe(0);

      const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
      cleanups.push(() => client.close());
      const query = async <T>(st: SqlFragment) =>
        (await client.query({ query: st.text, format: 'JSONEachRow' })).json<T>();
      const db = ident(database);
      await waitFor(
        'every log line in ClickHouse',
        async () =>
          (await spoolPending(c.url)) === 0 &&
          Number(
            (await query<{ n: string }>(sql`SELECT uniqExact(message) AS n FROM ${db}.signal_logs`))[0]!.n,
          ) === lines,
        60_000,
      );
      const exited = new Promise((r) => c.p.child.once('exit', r));
      c.p.child.kill('SIGTERM');
      expect(await exited, c.p.out).toBe(0);

      const rum = new Map(
        (
          await query<{ name: string; n: string }>(
            sql`SELECT name, count() AS n FROM ${db}.signal_rum GROUP BY name`,
          )
        ).map((r) => [r.name, Number(r.n)]),
      );
      const ackedNames = [...acked].flatMap((k) =>
        Array.from({ length: EVENTS_PER_BEACON }, (_, i) => `${run}_${k}_${i}`),
      );
      const sent = new Set([...beacons.keys()]);
      expect(ackedNames.filter((n) => rum.get(n) !== 1).slice(0, 10)).toEqual([]);
      expect([...rum.entries()].filter(([, n]) => n > 1)).toEqual([]);
      expect([...rum.keys()].filter((n) => !sent.has(n.slice(run.length + 1, n.lastIndexOf('_'))))).toEqual(
        [],
      );
      const logs = await query<{ message: string; n: string }>(
        sql`SELECT message, count() AS n FROM ${db}.signal_logs GROUP BY message HAVING n > 1`,
      );
      expect(logs).toEqual([]);
      const [samples] = await query<{ rows: string; distinct_rows: string; up: string }>(
        sql`SELECT count() AS rows, uniqExact(series, labels, ts) AS distinct_rows, countIf(series = 'up') AS up
FROM ${db}.signal_samples WHERE target = 'shop'`,
      );
      expect(Number(samples!.distinct_rows)).toBe(Number(samples!.rows));
      expect(Number(samples!.up)).toBeGreaterThan(3);
      console.info(
        `signals SIGKILL x2: ${acked.size} beacons acknowledged (${ackedNames.length} RUM records), ${lines} log lines, ` +
          `${samples!.up} scrapes stored (${scrapes} served)`,
      );
    },
  );
});
