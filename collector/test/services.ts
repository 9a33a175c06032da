import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Endpoints of the real services integration tests use, written by `scripts/services.sh up`
 * (`.tmp/services/services.env`) or given directly as `PAYWATCH_TEST_*` environment variables
 * (CI with its own servers). A missing service is an error naming what to run or install:
 * integration tests fail, they never skip.
 */

const execFileP = promisify(execFile);

export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVICES_SCRIPT = path.join(REPO_DIR, 'scripts/services.sh');
const DEFAULT_ENV_FILE = path.join(REPO_DIR, '.tmp/services/services.env');

const HOW_TO =
  'run `scripts/services.sh up` (as root on Debian it installs and starts clickhouse-server, prometheus, ' +
  'prometheus-alertmanager and redis-server; elsewhere install those packages first), or set the ' +
  'PAYWATCH_TEST_* variables to running servers';

/** Parses `KEY=VALUE` lines (comments and blank lines ignored). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq > 0) out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}

/** The services.env file read by servicesEnv (its folder holds each service's state and pid). */
export function servicesEnvFile(): string {
  return process.env.PAYWATCH_SERVICES_ENV ?? DEFAULT_ENV_FILE;
}

/** The merged service environment: process env wins over the file. */
export function servicesEnv(envFile = servicesEnvFile()): Record<string, string> {
  const fromFile = existsSync(envFile) ? parseEnvFile(readFileSync(envFile, 'utf8')) : {};
  const fromProcess = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[0].startsWith('PAYWATCH_TEST_') && e[1] !== undefined,
    ),
  );
  return { ...fromFile, ...fromProcess };
}

function need(env: Record<string, string>, key: string, what: string): string {
  const v = env[key];
  if (v === undefined || v === '') {
    throw new Error(`${what} is not available (${key} unset): ${HOW_TO}`);
  }
  return v;
}

/** Connection settings of a real ClickHouse server. */
export interface ClickHouseEndpoint {
  url: string;
  username: string;
  password: string;
  /** Native TCP port (for clickhouse-client), when the server was started by services.sh. */
  tcpPort: number | null;
}

/** The shared ClickHouse server; throws with install instructions when there is none. */
export function clickhouseEndpoint(env = servicesEnv()): ClickHouseEndpoint {
  const tcp = env.PAYWATCH_TEST_CLICKHOUSE_TCP_PORT;
  return {
    url: need(env, 'PAYWATCH_TEST_CLICKHOUSE_URL', 'ClickHouse'),
    username: env.PAYWATCH_TEST_CLICKHOUSE_USER ?? 'default',
    password: env.PAYWATCH_TEST_CLICKHOUSE_PASSWORD ?? '',
    tcpPort: tcp === undefined ? null : Number(tcp),
  };
}

/** The collector's environment for the ClickHouse store on `ch`, database `database`. */
export function clickhouseStoreEnv(ch: ClickHouseEndpoint, database: string): Record<string, string> {
  return {
    PAYWATCH_STORE: 'clickhouse',
    PAYWATCH_CLICKHOUSE_URL: ch.url,
    PAYWATCH_CLICKHOUSE_USER: ch.username,
    PAYWATCH_CLICKHOUSE_PASSWORD: ch.password,
    PAYWATCH_CLICKHOUSE_DATABASE: database,
  };
}

/** Path of a service binary recorded by services.sh (e.g. `promtool`, `docker-compose`). */
export function serviceBin(name: string, env = servicesEnv()): string {
  const key = `PAYWATCH_TEST_${name.toUpperCase().replace(/-/g, '_')}_BIN`;
  return need(env, key, `the '${name}' binary`);
}

/** URL of Prometheus / Alertmanager / Redis started by services.sh. */
export function serviceUrl(service: 'prometheus' | 'alertmanager' | 'redis', env = servicesEnv()): string {
  return need(env, `PAYWATCH_TEST_${service.toUpperCase()}_URL`, service);
}

/** Fails with a message naming the fix when `url` does not answer ClickHouse's /ping. */
export async function assertClickHouseUp(ep: ClickHouseEndpoint): Promise<void> {
  try {
    const res = await fetch(new URL('/ping', ep.url), { signal: AbortSignal.timeout(3000) });
    if (res.ok) return;
    throw new Error(`HTTP ${res.status}`);
  } catch (err) {
    throw new Error(`ClickHouse at ${ep.url} does not answer (${String(err)}): ${HOW_TO}`);
  }
}

/**
 * A ClickHouse server of a test's own (its own state folder, so the test may stop and restart it
 * without disturbing others). Started and stopped through scripts/services.sh.
 */
export interface PrivateClickHouse {
  readonly endpoint: ClickHouseEndpoint;
  /** Stops the server, keeping its data and port. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

async function runScript(stateDir: string, args: string[]): Promise<void> {
  await execFileP(SERVICES_SCRIPT, args, {
    env: {
      ...process.env,
      PAYWATCH_SERVICES_DIR: stateDir,
      // Our own server even when a shared one is configured.
      PAYWATCH_TEST_CLICKHOUSE_URL: '',
      PAYWATCH_TEST_ZOOKEEPER_URL: '',
    },
    timeout: 120_000,
  });
}

/** Starts a private ClickHouse under `stateDir` and returns its handle. */
export async function startPrivateClickHouse(stateDir: string): Promise<PrivateClickHouse> {
  try {
    await runScript(stateDir, ['up', 'clickhouse']);
  } catch (err) {
    throw new Error(`could not start a private ClickHouse (${String(err)}): ${HOW_TO}`);
  }
  const endpoint = clickhouseEndpoint(
    parseEnvFile(readFileSync(path.join(stateDir, 'services.env'), 'utf8')),
  );
  return {
    endpoint,
    stop: () => runScript(stateDir, ['stop', 'clickhouse']),
    start: () => runScript(stateDir, ['up', 'clickhouse']),
    destroy: () => runScript(stateDir, ['down', 'clickhouse']),
  };
}

/**
 * Folder the services.sh Prometheus watches for scrape targets (file_sd): write
 * `<name>.json` = `[{"targets": ["127.0.0.1:port"], "labels": {…}}]` and it is scraped every 1 s.
 */
export function prometheusTargetsDir(env = servicesEnv()): string {
  return need(
    env,
    'PAYWATCH_TEST_PROMETHEUS_FILE_SD_DIR',
    'the Prometheus started by scripts/services.sh (file_sd folder)',
  );
}

/** Runs an instant PromQL query; returns the vector's samples. */
export async function promQuery(
  prometheusUrl: string,
  query: string,
): Promise<{ metric: Record<string, string>; value: number }[]> {
  const res = await fetch(new URL(`/api/v1/query?query=${encodeURIComponent(query)}`, prometheusUrl));
  const body = (await res.json()) as {
    status: string;
    data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    error?: string;
  };
  if (body.status !== 'success' || !body.data)
    throw new Error(`Prometheus query failed: ${body.error ?? res.status}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** A ZooKeeper of a test's own (standalone, loopback, data under its state folder). */
export interface PrivateZooKeeper {
  /** `host:port` of its client port. */
  readonly address: string;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

/**
 * Starts a private ZooKeeper under `stateDir` through scripts/services.sh (`up zookeeper`, which
 * installs Debian's `zookeeper` package when missing and running as root).
 */
export async function startPrivateZooKeeper(stateDir: string): Promise<PrivateZooKeeper> {
  try {
    await runScript(stateDir, ['up', 'zookeeper']);
  } catch (err) {
    throw new Error(
      `could not start a private ZooKeeper (${String(err)}): run \`scripts/services.sh up zookeeper\` as root on ` +
        'Debian (it installs the `zookeeper` package), or install it first: sudo apt-get install -y zookeeper',
    );
  }
  const env = parseEnvFile(readFileSync(path.join(stateDir, 'services.env'), 'utf8'));
  return {
    address: need(env, 'PAYWATCH_TEST_ZOOKEEPER_URL', 'ZooKeeper'),
    destroy: () => runScript(stateDir, ['down', 'zookeeper']),
  };
}
