import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { ident, sql } from '../src/store/clickhouse/sql.js';
import { startTestServer, type TestServer } from './harness.js';
import { assertClickHouseUp, clickhouseEndpoint, clickhouseStoreEnv, serviceBin } from './services.js';

/**
 * Pieces the Prometheus-facing integration tests share: a collector on the ClickHouse store (so
 * the spool and its metrics exist) in a database of its own, a Prometheus process of a test's
 * own, and polling helpers.
 */

/** A port free on 127.0.0.1 at the time of the call. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Calls `fn` every `stepMs` until `ok(value)` or `ms` elapse; returns the last value. */
export async function waitUntil<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  ms: number,
  stepMs = 300,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await fn();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, stepMs));
    last = await fn();
  }
  return last;
}

/** A collector on the ClickHouse store of scripts/services.sh, in a database of its own. */
export interface ClickHouseCollector {
  readonly server: TestServer;
  readonly database: string;
  /** Stops the collector and drops its database. */
  stop(): Promise<void>;
}

/**
 * Starts a collector on the shared ClickHouse (fails naming what to install when there is none)
 * with /metrics open to Prometheus; `env` adds to or overrides its environment.
 */
export async function startClickHouseCollector(
  env: Record<string, string> = {},
): Promise<ClickHouseCollector> {
  const ch = clickhouseEndpoint();
  await assertClickHouseUp(ch);
  const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const server = await startTestServer({
    PAYWATCH_LOG_LEVEL: 'warn',
    PAYWATCH_METRICS_PUBLIC: 'true',
    ...clickhouseStoreEnv(ch, database),
    ...env,
  });
  return {
    server,
    database,
    async stop() {
      await server.stop();
      const c = createClient({ url: ch.url, username: ch.username, password: ch.password });
      try {
        await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
      } finally {
        await c.close();
      }
    },
  };
}

/** A Prometheus process of a test's own (its config and TSDB in a temporary folder). */
export interface PrometheusProcess {
  readonly url: string;
  /** Stops it and deletes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts Debian's `prometheus` (path from scripts/services.sh) with `config` (prometheus.yml
 * text; `{{dir}}` is replaced by its folder) and waits until it is ready.
 */
export async function startPrometheus(config: string): Promise<PrometheusProcess> {
  const bin = serviceBin('prometheus'); // fails with install instructions when Prometheus is missing
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-prom-'));
  writeFileSync(path.join(dir, 'prometheus.yml'), config.replaceAll('{{dir}}', dir));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const proc = spawn(
    bin,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  proc.stderr.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = await waitUntil(
    () =>
      fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      ),
    (ok) => ok || proc.exitCode !== null,
    60_000,
  );
  if (!ready) {
    await stop();
    throw new Error(`Prometheus (${bin}) did not become ready at ${url}:\n${log}`);
  }
  return { url, stop };
}
