import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer, type StartOptions } from '../src/main.js';
import { parseIncident } from '../src/simulator/incidents.js';
import { sendEvents, type SendReport } from '../src/simulator/sender.js';

export const TEST_KEY = 'test-key-0123456789abcdef';
/** Password of the `admin` user every test server starts with. */
export const TEST_ADMIN_PASSWORD = 'integration-admin-password-0123';

/** A collector on a free port with its own data dir and captured logs, for integration tests. */
export interface TestServer extends RunningServer {
  dataDir: string;
  logs: () => string;
  /** An API key with scope `admin` (created at start): `get` and `fetch` send it. */
  adminKey: string;
  /** `fetch` on this server with the admin key as bearer (headers can override it). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body: string | Buffer, headers?: Record<string, string>): Promise<Response>;
  get<T = unknown>(path: string): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function startTestServer(
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'paywatch-it-'));
  const chunks: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const config = loadConfig({
    PAYWATCH_DATA_DIR: dataDir,
    PAYWATCH_PORT: '0',
    PAYWATCH_INGEST_KEYS: TEST_KEY,
    PAYWATCH_HASH_KEY: 'integration-test-hash-key-0123456789',
    PAYWATCH_LOG_LEVEL: 'debug',
    PAYWATCH_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    ...env,
  });
  const running = await startServer(config, { logDestination: logStream, defaultMetrics: false, ...opts });
  const { key: adminKey } = await running.auth.createKey(
    { name: 'test harness', scopes: ['admin'] },
    { principal: { kind: 'system', name: 'test harness' }, ip: null },
  );
  const authed = (path: string, init: RequestInit = {}) =>
    fetch(running.url + path, {
      ...init,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  return Object.assign(running, {
    dataDir,
    adminKey,
    fetch: authed,
    logs: () => chunks.join(''),
    post: (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
      fetch(running.url + path, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/x-ndjson', ...headers },
      }),
    async get<T>(path: string) {
      const res = await authed(path);
      return { status: res.status, body: (await res.json()) as T };
    },
    async stop() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/** A valid input event with overrides. */
export function inputEvent(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `evt_${i}`,
    ts: Date.now() - 60_000 + (i % 1000),
    payment_id: `pay_${i}`,
    merchant_id: 'merchant_a',
    provider: ['stripe', 'adyen', 'alipay', 'paypal'][i % 4],
    method: 'card',
    channel: 'web',
    status: i % 10 === 0 ? 'failed' : 'succeeded',
    amount_minor: 100 + (i % 500),
    currency: 'USD',
    country: 'US',
    latency_ms: 100 + (i % 300),
    ...(i % 10 === 0 ? { failure: { category: 'do_not_honor', code: '05' } } : {}),
    ...over,
  };
}

export const ndjson = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

/** Value of one series in a Prometheus text exposition. */
export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/**
 * Events a collector acknowledged but has not yet stored in ClickHouse (`paywatch_spool_pending_events`
 * on its public /metrics); -1 when /metrics does not answer or lacks the gauge, so a wait for 0
 * cannot pass on a missing series.
 */
export async function spoolPending(url: string): Promise<number> {
  const res = await fetch(`${url}/metrics`);
  const text = await res.text();
  if (res.status !== 200 || !text.includes('paywatch_spool_pending_events ')) return -1;
  return metricValue(text, 'paywatch_spool_pending_events');
}

/**
 * Sends 39 minutes of unpaced simulated history (seed 99, 20 events/s, starting 40 minutes ago)
 * with a stripe outage from +20m for 15m — enough for the default rules to raise an alert.
 */
export async function sendOutageHistory(url: string): Promise<SendReport> {
  const start = Date.now() - 40 * 60_000;
  return sendEvents({
    url,
    key: TEST_KEY,
    seed: 99,
    rate: 20,
    paced: false,
    start,
    durationMs: 39 * 60_000,
    batchSize: 5000,
    incidents: [parseIncident('provider-outage:stripe@+20m/15m', start)],
  });
}

const PAYWATCH_BIN = join(import.meta.dirname, '..', 'bin', 'paywatch.mjs');

/**
 * The environment of a `paywatch start` child in tests: its data dir, a free port on localhost,
 * the test ingest key, hash key and admin password, public /metrics, no alert engine, warn logs.
 * Tests add the store (`clickhouseStoreEnv`) and what they exercise on top.
 */
export function collectorProcessEnv(dataDir: string): Record<string, string> {
  return {
    PAYWATCH_DATA_DIR: dataDir,
    PAYWATCH_HOST: '127.0.0.1',
    PAYWATCH_PORT: '0',
    PAYWATCH_INGEST_KEYS: TEST_KEY,
    PAYWATCH_HASH_KEY: 'integration-test-hash-key-0123456789',
    PAYWATCH_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    PAYWATCH_METRICS_PUBLIC: 'true',
    PAYWATCH_ALERTS_ENABLED: 'false',
    PAYWATCH_LOG_LEVEL: 'warn',
  };
}

/**
 * Writes the signal-source configs of the signals tests into `dir`: a scrape of `targetUrl` every
 * 1 s (target `shop`, metric `shop_payments_total`) and a tail of the JSON log `logFile` polled
 * every `pollMs`. Returns the paths for PAYWATCH_SCRAPE_CONFIG and PAYWATCH_LOG_TAIL_CONFIG.
 */
export async function writeSignalConfigs(
  dir: string,
  o: { targetUrl: string; logFile: string; pollMs: number },
): Promise<{ scrapePath: string; tailPath: string }> {
  const scrapePath = join(dir, 'scrape.yml');
  await writeFile(
    scrapePath,
    JSON.stringify({
      targets: [
        {
          name: 'shop',
          url: o.targetUrl,
          interval_s: 1,
          timeout_s: 1,
          mappings: [{ metric: 'shop_payments_total' }],
        },
      ],
    }),
  );
  const tailPath = join(dir, 'tail.yml');
  await writeFile(
    tailPath,
    JSON.stringify({ files: [{ path: o.logFile, format: 'json' }], poll_ms: o.pollMs }),
  );
  return { scrapePath, tailPath };
}

/** Polls `check` every 20 ms until it holds; throws `timed out waiting for <what>` after `ms`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  ms = 60_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A `paywatch` child process with its stdout and stderr collected into `out`. */
export interface PaywatchProcess {
  child: ChildProcess;
  /** Everything the process has written so far (stdout and stderr interleaved). */
  readonly out: string;
  /**
   * Polls `out` every `pollMs` until `re` matches; throws, with the output, once `timeoutMs` have
   * passed since the process was spawned (a deadline from the start, not from this call).
   */
  waitFor(re: RegExp, timeoutMs: number, what: string, pollMs?: number): Promise<RegExpExecArray>;
}

/** Runs `paywatch <args>` (the real CLI) with `env` on top of this process's environment. */
export function spawnPaywatch(args: string[], env: Record<string, string>): PaywatchProcess {
  const child = spawn(process.execPath, [PAYWATCH_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const t0 = Date.now();
  return {
    child,
    get out() {
      return out;
    },
    async waitFor(re, timeoutMs, what, pollMs = 200) {
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (Date.now() - t0 > timeoutMs) throw new Error(`${what} within ${timeoutMs / 1000} s:\n${out}`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
  };
}
