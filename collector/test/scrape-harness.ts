import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { freePort } from '../../alerts/test/free-port.js';
import { ident, sql } from '../src/store/clickhouse/sql.js';
import { startTestServer, type TestServer } from './harness.js';
import {
  REPO_DIR,
  assertClickHouseUp,
  clickhouseEndpoint,
  clickhouseStoreEnv,
  serviceBin,
} from './services.js';

/**
 * Pieces the Prometheus-facing integration tests share: a collector on the ClickHouse store (so
 * the spool and its metrics exist) in a database of its own, a Prometheus process of a test's
 * own, and polling helpers.
 */

// A port free on 127.0.0.1 at the time of the call: the repository's one copy, in alerts/test
// (alerts may not import collector); collector's tests import it from here.
export { freePort };

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
  /** The store variables of its database (for another process on the same events). */
  readonly storeEnv: Record<string, string>;
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
  const storeEnv = clickhouseStoreEnv(ch, database);
  const server = await startTestServer({
    PAYWATCH_LOG_LEVEL: 'warn',
    PAYWATCH_METRICS_PUBLIC: 'true',
    ...storeEnv,
    ...env,
  });
  return {
    server,
    database,
    storeEnv,
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

/** A Prometheus (or Alertmanager) process of a test's own (its files in a temporary folder). */
export interface PrometheusProcess {
  readonly url: string;
  /** Stops it and deletes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts `name`, a binary recorded by scripts/services.sh (failing with install instructions
 * when it is missing), on a free port with a temporary folder (`args` builds its arguments from
 * both, after `prepare` wrote its files there), and waits until `/-/ready` answers.
 */
async function startReadyProcess(
  name: 'prometheus' | 'prometheus-alertmanager',
  args: (o: { dir: string; listen: string }) => string[],
  prepare: (dir: string) => void = () => undefined,
): Promise<PrometheusProcess> {
  const bin = serviceBin(name);
  const dir = mkdtempSync(path.join(tmpdir(), name === 'prometheus' ? 'pw-prom-' : 'pw-am-'));
  prepare(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const proc = spawn(bin, args({ dir, listen: `127.0.0.1:${port}` }), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
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
    const what = name === 'prometheus' ? 'Prometheus' : 'Alertmanager';
    throw new Error(`${what} (${bin}) did not become ready at ${url}:\n${log}`);
  }
  return { url, stop };
}

/**
 * Starts Debian's `prometheus` (path from scripts/services.sh) with `config` (prometheus.yml
 * text; `{{dir}}` is replaced by its folder) and waits until it is ready.
 */
export function startPrometheus(config: string): Promise<PrometheusProcess> {
  return startReadyProcess(
    'prometheus',
    ({ dir, listen }) => [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=${listen}`,
    ],
    (dir) => writeFileSync(path.join(dir, 'prometheus.yml'), config.replaceAll('{{dir}}', dir)),
  );
}

/**
 * Starts Debian's `prometheus-alertmanager` (path from scripts/services.sh) alone (no gossip) with
 * the configuration file `configFile`, and waits until it is ready.
 */
export function startAlertmanager(configFile: string): Promise<PrometheusProcess> {
  return startReadyProcess('prometheus-alertmanager', ({ dir, listen }) => [
    `--config.file=${configFile}`,
    `--storage.path=${dir}`,
    `--web.listen-address=${listen}`,
    '--cluster.listen-address=', // no gossip: a lone instance
  ]);
}

/** A `paywatch alerts` process (the standalone alert engine) of a test's own. */
export interface AlertEngineProcess {
  /** Where it listens (`/metrics`, `/healthz`). */
  readonly url: string;
  /** What it printed on stdout and stderr (the last 8000 characters). */
  output(): string;
  /**
   * Stops it (SIGTERM, then waits up to 10 s for the exit) and deletes its data folder unless the
   * caller gave it one; resolves with its exit code (null: killed by a signal or still running).
   */
  stop(): Promise<number | null>;
}

/**
 * Starts `paywatch alerts` on `storeEnv` (a collector's store variables) with the built-in rule
 * pack and a 200 ms poll; resolves once it listens. Its data folder and port are its own unless
 * given (a restart on the same `dataDir` resumes from its cursor); `env` adds to or overrides its
 * environment.
 */
export async function startAlertEngine(
  storeEnv: Record<string, string>,
  opts: { dataDir?: string; port?: number; env?: Record<string, string> } = {},
): Promise<AlertEngineProcess> {
  const dir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'pw-alerts-'));
  let out = '';
  const proc: ChildProcess = spawn(
    process.execPath,
    [path.join(REPO_DIR, 'collector/bin/paywatch.mjs'), 'alerts'],
    {
      cwd: REPO_DIR,
      // Only what the service needs: never the test runner's own PAYWATCH_ variables.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        ...storeEnv,
        PAYWATCH_DATA_DIR: dir,
        PAYWATCH_HOST: '127.0.0.1',
        PAYWATCH_ALERTS_PORT: String(opts.port ?? (await freePort())),
        PAYWATCH_ALERTS_API_TOKEN: 'alerts-api-token-0123456789abcdef',
        PAYWATCH_ALERTS_POLL_MS: '200',
        PAYWATCH_ALERTS_FEED_LAG_MS: '1000',
        PAYWATCH_HASH_KEY: 'integration-test-hash-key-0123456789',
        PAYWATCH_LOG_LEVEL: 'warn',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const collect = (b: Buffer) => (out = (out + b.toString()).slice(-8000));
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    if (opts.dataDir === undefined) rmSync(dir, { recursive: true, force: true });
    return proc.exitCode;
  };
  const url = await waitUntil(
    async () => /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? null,
    (u) => u !== null || proc.exitCode !== null,
    60_000,
    100,
  );
  if (url === null) {
    await stop();
    throw new Error(`paywatch alerts did not start:\n${out}`);
  }
  return { url: url.replace(/\/$/, ''), output: () => out, stop };
}
