import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isCountry, isCurrency } from '@paywatch/contracts';
import type { LevelWithSilent } from 'pino';
import { ConfigError } from './lib/errors.js';
import { REFERENCE_USD_RATES } from './lib/fx.js';
import { parseWebhookSecrets, type WebhookSecrets } from './sources/webhooks/index.js';
import type { StoreConfig } from './store/index.js';

/** Countries kept as their own `country` label in metrics; others become `other` (bounded series). */
export const DEFAULT_METRICS_COUNTRIES = [
  'US', 'CA', 'MX', 'BR', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'BE', 'SE', 'PL', 'CH', 'AT', 'IE',
  'CN', 'HK', 'TW', 'JP', 'KR', 'SG', 'IN', 'AU', 'NZ', 'AE', 'SA', 'KW', 'TR', 'ZA',
];

/**
 * The collector's whole configuration, parsed once at start (STYLE.md §6). Nothing else reads
 * `process.env`. Secrets live here and are redacted by `describeConfig`.
 */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  store: StoreConfig;
  /** Bearer keys accepted by `POST /v1/events`. Empty: `paywatch start` generates one for the demo. */
  ingestKeys: string[];
  /** Key for the keyed hashes of customer/device/IP refs, emails and phones (PCI DSS 3.5.1.1). */
  hashKey: Buffer;
  /** Where the hash key came from, for the start banner. */
  hashKeySource: 'env' | 'file' | 'generated';
  reportingCurrency: string;
  /** Value of one major unit of each currency in `fxBase`. */
  fxRates: Record<string, number>;
  logLevel: LevelWithSilent;
  metricsCountries: ReadonlySet<string>;
  /** Provider webhook secrets; a provider without them is not configured (its URL answers 404). */
  webhooks: WebhookSecrets;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One row per variable: name, default, description. The README's table is generated from it. */
export const ENV_DOCS: readonly { name: string; default: string; description: string }[] = [
  { name: 'PAYWATCH_HOST', default: '127.0.0.1', description: 'Interface the HTTP server listens on (`0.0.0.0` in containers).' },
  { name: 'PAYWATCH_PORT', default: '8080', description: 'HTTP port for the ingest API, read API, dashboard, live stream and `/metrics`.' },
  { name: 'PAYWATCH_STORE', default: 'embedded', description: '`embedded` (DuckDB file in the data dir, no server) or `clickhouse`.' },
  { name: 'PAYWATCH_DATA_DIR', default: './data', description: 'Folder for the embedded store, the hash key file and other local state.' },
  { name: 'PAYWATCH_INGEST_KEYS', default: '(none)', description: 'Comma-separated API keys accepted by `POST /v1/events` (each ≥ 16 characters). `paywatch start` generates one for the demo when empty.' },
  { name: 'PAYWATCH_HASH_KEY', default: '(generated)', description: 'Secret (≥ 32 characters, or a path to a file holding it) for the keyed HMAC of customer/device/IP refs, emails and phones. When unset, a random key is created once in `<data dir>/hash.key`.' },
  { name: 'PAYWATCH_REPORTING_CURRENCY', default: 'USD', description: 'ISO 4217 currency in which GMV totals are reported.' },
  { name: 'PAYWATCH_FX_RATES', default: '(reference table)', description: 'Comma-separated `CUR=rate`: value of one major unit in USD (e.g. `EUR=1.08,JPY=0.0067`). Replaces the built-in reference table.' },
  { name: 'PAYWATCH_LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace, silent.' },
  { name: 'PAYWATCH_METRICS_COUNTRIES', default: '30 large markets', description: 'Comma-separated countries kept as their own `country` label in `/metrics`; others are `other`.' },
  { name: 'PAYWATCH_CLICKHOUSE_URL', default: 'http://127.0.0.1:8123', description: 'ClickHouse HTTP endpoint (with `PAYWATCH_STORE=clickhouse`).' },
  { name: 'PAYWATCH_CLICKHOUSE_USER', default: 'default', description: 'ClickHouse user.' },
  { name: 'PAYWATCH_CLICKHOUSE_PASSWORD', default: '(empty)', description: 'ClickHouse password.' },
  { name: 'PAYWATCH_CLICKHOUSE_DATABASE', default: 'paywatch', description: 'ClickHouse database (created at start).' },
];

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Reads a value given inline or as a path to a file (for secrets and PEMs). */
export function inlineOrFile(value: string): string {
  const looksLikePath = !value.includes('\n') && (value.startsWith('/') || value.startsWith('./') || value.startsWith('../'));
  return looksLikePath && existsSync(value) ? readFileSync(value, 'utf8').trim() : value;
}

function loadHashKey(env: Env, dataDir: string): { key: Buffer; source: Config['hashKeySource'] } {
  const raw = env.PAYWATCH_HASH_KEY;
  if (raw !== undefined && raw !== '') {
    const v = inlineOrFile(raw);
    if (v.length < 32) throw new ConfigError('PAYWATCH_HASH_KEY', 'must be at least 32 characters');
    return { key: Buffer.from(v, 'utf8'), source: 'env' };
  }
  const file = join(dataDir, 'hash.key');
  if (existsSync(file)) return { key: Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8'), source: 'file' };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  return { key: Buffer.from(key, 'utf8'), source: 'generated' };
}

/** Parses and validates the environment; throws `ConfigError` naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const host = env.PAYWATCH_HOST?.trim() || '127.0.0.1';
  const port = int(env, 'PAYWATCH_PORT', 8080, 0, 65535);
  const dataDir = resolve(env.PAYWATCH_DATA_DIR?.trim() || './data');

  const backend = env.PAYWATCH_STORE?.trim() || 'embedded';
  let store: StoreConfig;
  if (backend === 'embedded') store = { backend: 'embedded', dataDir };
  else if (backend === 'clickhouse') {
    const url = env.PAYWATCH_CLICKHOUSE_URL?.trim() || 'http://127.0.0.1:8123';
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new ConfigError('PAYWATCH_CLICKHOUSE_URL', `expected an http(s) URL, got "${url}"`);
    const database = env.PAYWATCH_CLICKHOUSE_DATABASE?.trim() || 'paywatch';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
      throw new ConfigError('PAYWATCH_CLICKHOUSE_DATABASE', 'expected a plain identifier (letters, digits, _)');
    }
    store = {
      backend: 'clickhouse',
      url,
      username: env.PAYWATCH_CLICKHOUSE_USER?.trim() || 'default',
      password: inlineOrFile(env.PAYWATCH_CLICKHOUSE_PASSWORD ?? ''),
      database,
    };
  } else {
    throw new ConfigError('PAYWATCH_STORE', `expected "embedded" or "clickhouse", got "${backend}"`);
  }

  const ingestKeys = list(env, 'PAYWATCH_INGEST_KEYS');
  for (const k of ingestKeys) {
    if (k.length < 16 || /\s/.test(k)) {
      throw new ConfigError('PAYWATCH_INGEST_KEYS', 'each key must be at least 16 characters without spaces');
    }
  }

  const reportingCurrency = (env.PAYWATCH_REPORTING_CURRENCY?.trim() || 'USD').toUpperCase();
  if (!isCurrency(reportingCurrency)) {
    throw new ConfigError('PAYWATCH_REPORTING_CURRENCY', `"${reportingCurrency}" is not an ISO 4217 currency`);
  }

  let fxRates: Record<string, number> = { ...REFERENCE_USD_RATES };
  const fxList = list(env, 'PAYWATCH_FX_RATES');
  if (fxList.length > 0) {
    fxRates = { USD: 1 };
    for (const pair of fxList) {
      const m = /^([A-Za-z]{3})=(\d+(?:\.\d+)?(?:e-?\d+)?)$/.exec(pair);
      const cur = m?.[1]?.toUpperCase();
      if (!m || !cur || !isCurrency(cur) || !(Number(m[2]) > 0)) {
        throw new ConfigError('PAYWATCH_FX_RATES', `expected CUR=positive-number pairs, got "${pair}"`);
      }
      fxRates[cur] = Number(m[2]);
    }
  }
  if (fxRates[reportingCurrency] === undefined) {
    throw new ConfigError('PAYWATCH_FX_RATES', `no rate for the reporting currency ${reportingCurrency}`);
  }

  const logLevel = (env.PAYWATCH_LOG_LEVEL?.trim() || 'info') as LevelWithSilent;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('PAYWATCH_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  }

  const countries = list(env, 'PAYWATCH_METRICS_COUNTRIES').map((c) => c.toUpperCase());
  for (const c of countries) if (!isCountry(c)) throw new ConfigError('PAYWATCH_METRICS_COUNTRIES', `"${c}" is not an ISO 3166 code`);

  const webhooks = parseWebhookSecrets(env, (path) => readFileSync(path, 'utf8'));
  const { key: hashKey, source: hashKeySource } = loadHashKey(env, dataDir);

  return {
    host,
    port,
    dataDir,
    store,
    ingestKeys,
    hashKey,
    hashKeySource,
    reportingCurrency,
    fxRates,
    logLevel,
    metricsCountries: new Set(countries.length > 0 ? countries : DEFAULT_METRICS_COUNTRIES),
    webhooks,
  };
}

/** The configuration with every secret replaced, safe to log or print. */
export function describeConfig(c: Config): Record<string, unknown> {
  return {
    host: c.host,
    port: c.port,
    dataDir: c.dataDir,
    store: c.store.backend === 'clickhouse' ? { ...c.store, password: c.store.password ? '[redacted]' : '' } : c.store,
    ingestKeys: c.ingestKeys.map(() => '[redacted]'),
    hashKey: '[redacted]',
    reportingCurrency: c.reportingCurrency,
    logLevel: c.logLevel,
    webhooks: Object.fromEntries(Object.keys(c.webhooks).map((k) => [k, '[configured, redacted]'])),
  };
}
