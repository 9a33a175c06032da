import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { isCountry, isCurrency } from '@paywatch/contracts';
import type { LevelWithSilent } from 'pino';
import { ConfigError } from './lib/errors.js';
import type { SecurityConfig } from './auth/security-config.js';
import { isRole, type Role } from './auth/roles.js';
import { REFERENCE_USD_RATES } from './lib/fx.js';
import { parseWebhookSecrets, type WebhookSecrets } from './sources/webhooks/index.js';
import type { ClickHouseTopology, StoreConfig } from './store/index.js';
import { DEFAULT_DEDUP_WINDOW_DAYS } from './store/clickhouse/index.js';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { LogTailConfigSchema, type LogTailConfig } from './sources/log-tail/index.js';
import { ScrapeConfigSchema, type ScrapeConfig } from './sources/prom-scrape/index.js';

/** Countries kept as their own `country` label in metrics; others become `other` (bounded series). */
export const DEFAULT_METRICS_COUNTRIES = [
  'US',
  'CA',
  'MX',
  'BR',
  'GB',
  'DE',
  'FR',
  'ES',
  'IT',
  'NL',
  'BE',
  'SE',
  'PL',
  'CH',
  'AT',
  'IE',
  'CN',
  'HK',
  'TW',
  'JP',
  'KR',
  'SG',
  'IN',
  'AU',
  'NZ',
  'AE',
  'SA',
  'KW',
  'TR',
  'ZA',
];

/**
 * The collector's whole configuration, parsed once at start (STYLE.md §6). Nothing else reads
 * `process.env`. Secrets live here and are redacted by `describeConfig`.
 */
export interface Config {
  host: string;
  port: number;
  /**
   * Where users open the dashboard (`PAYWATCH_PUBLIC_URL`, no trailing slash), the base of alert
   * deep links; null: this collector's own address (`publicBaseUrl`).
   */
  publicUrl: string | null;
  dataDir: string;
  store: StoreConfig;
  /** Durable spool in front of the ClickHouse store (unused by the embedded store). */
  spool: { dir: string; quotaBytes: number };
  /** Redis for the socket.io adapter (live events reach dashboards on every collector); null: single collector. */
  redisUrl: string | null;
  /** Static ingest keys (scope `ingest`), besides the API keys stored in the security database. */
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
  /** The alert engine: on by default with the built-in rule pack, or rules from a YAML file. */
  alerts: {
    enabled: boolean;
    rulesPath: string | undefined;
    /** Values for `${NAME}` placeholders in the rules file (receiver URLs, SMTP passwords…). */
    env: Readonly<Record<string, string | undefined>>;
    /** The standalone engine (`paywatch alerts`): its HTTP port, feed poll interval and watermark lag. */
    service: { port: number; pollMs: number; feedLagMs: number; apiToken: string | null };
    /** A collector with the engine off proxies the alerts API to `paywatch alerts` here (null: no proxy). */
    remote: { url: string; token: string } | null;
    /** Most stored events waiting for the in-collector engine (it runs off the ingest path); more are dropped for it. */
    queueEvents: number;
    /**
     * Cold start without a detector snapshot: hours of stored events (event time) fed to the
     * engine before live ones — in the collector at start, in `paywatch alerts` by starting its
     * first feed cursor this far back. 0 = off.
     */
    warmupHours: number;
  };
  /** Users, sessions, keys, TLS, CORS, rate limits, retention (see docs/security.md). */
  security: SecurityConfig;
  /** Prometheus scraping, log tailing, Faro RUM and the stale-pending gauge (docs/sources.md). */
  signals: SignalsConfig;
}

/** Configuration of the scrape, log-tail and Faro sources (each off unless configured). */
export interface SignalsConfig {
  /** Parsed `PAYWATCH_SCRAPE_CONFIG` file, null when unset. */
  scrape: ScrapeConfig | null;
  /** Parsed `PAYWATCH_LOG_TAIL_CONFIG` file (offsets default to `<data dir>/log-tail-offsets.json`), null when unset. */
  logTail: LogTailConfig | null;
  faro: { enabled: boolean; origins: string[]; maxBodyBytes: number; apiKey: string | null };
  pendingStaleAfterMs: number;
  /** "Pending longer than N" reads payments whose latest event is within this look-back. */
  pendingLookbackMs: number;
  pendingRefreshMs: number;
  /** Days scraped samples, log records and RUM records are kept (0: forever). */
  retentionDays: number;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One row per variable: name, default, description. The README's table is generated from it. */
export const ENV_DOCS: readonly { name: string; default: string; description: string }[] = [
  {
    name: 'PAYWATCH_HOST',
    default: '127.0.0.1',
    description: 'Interface the HTTP server listens on (`0.0.0.0` in containers).',
  },
  {
    name: 'PAYWATCH_PORT',
    default: '8080',
    description: 'HTTP port for the ingest API, read API, dashboard, live stream and `/metrics`.',
  },
  {
    name: 'PAYWATCH_PUBLIC_URL',
    default: '(own address)',
    description:
      "Base URL where users open the dashboard (`https://paywatch.example.com`, behind a proxy, or the compose `dashboard` service); alert deep links (`<url>/alerts/<id>`) start with it. Default: this process's own address, `http(s)://PAYWATCH_HOST:PAYWATCH_PORT` (`localhost` for `0.0.0.0`). A `dashboard_url` in the alerts YAML wins.",
  },
  {
    name: 'PAYWATCH_STORE',
    default: 'embedded',
    description: '`embedded` (DuckDB file in the data dir, no server) or `clickhouse`.',
  },
  {
    name: 'PAYWATCH_DATA_DIR',
    default: './data',
    description: 'Folder for the embedded store, the hash key file and other local state.',
  },
  {
    name: 'PAYWATCH_INGEST_KEYS',
    default: '(none)',
    description:
      'Comma-separated static ingest keys (scope `ingest` only; each ≥ 16 characters) accepted besides the API keys created in the admin API. `paywatch start` creates an API key for its simulator.',
  },
  {
    name: 'PAYWATCH_HASH_KEY',
    default: '(generated)',
    description:
      'Secret (≥ 32 characters, or a path to a file holding it) for the keyed HMAC of customer/device/IP refs, emails and phones. When unset, a random key is created once in `<data dir>/hash.key`.',
  },
  {
    name: 'PAYWATCH_REPORTING_CURRENCY',
    default: 'USD',
    description: 'ISO 4217 currency in which GMV totals are reported.',
  },
  {
    name: 'PAYWATCH_FX_RATES',
    default: '(reference table)',
    description:
      'Comma-separated `CUR=rate`: value of one major unit in USD (e.g. `EUR=1.08,JPY=0.0067`). Replaces the built-in reference table.',
  },
  {
    name: 'PAYWATCH_LOG_LEVEL',
    default: 'info',
    description: 'pino level: fatal, error, warn, info, debug, trace, silent.',
  },
  {
    name: 'PAYWATCH_METRICS_COUNTRIES',
    default: '30 large markets',
    description:
      'Comma-separated countries kept as their own `country` label in `/metrics`; others are `other`.',
  },
  {
    name: 'PAYWATCH_ADMIN_PASSWORD',
    default: '(generated)',
    description:
      'Password (≥ 12 characters, or a path to a file holding it) of the `admin` user created on first start; when unset one is generated and printed once.',
  },
  {
    name: 'PAYWATCH_SESSION_TTL_HOURS',
    default: '12',
    description: 'Lifetime of a dashboard sign-in (HTTP-only session cookie).',
  },
  {
    name: 'PAYWATCH_METRICS_PUBLIC',
    default: 'false',
    description:
      '`true` serves `/metrics` without credentials; otherwise Prometheus sends an API key with scope `read` (`authorization.credentials` / `bearer_token`).',
  },
  {
    name: 'PAYWATCH_TLS_CERT',
    default: '(off)',
    description:
      'PEM certificate chain (inline or a file path); with `PAYWATCH_TLS_KEY` the server speaks HTTPS only and sends HSTS.',
  },
  {
    name: 'PAYWATCH_TLS_KEY',
    default: '(off)',
    description: 'PEM private key (inline or a file path) for `PAYWATCH_TLS_CERT`.',
  },
  {
    name: 'PAYWATCH_CORS_ORIGINS',
    default: '(same origin only)',
    description:
      'Comma-separated origins (`https://ops.example.com`) allowed to call the API from a browser.',
  },
  {
    name: 'PAYWATCH_TRUST_PROXY',
    default: '(none)',
    description:
      "Peers whose `X-Forwarded-For` names the client, when the collector sits behind a reverse proxy or load balancer (the compose `dashboard` nginx): comma-separated addresses, CIDRs or `loopback` / `linklocal` / `uniquelocal` (private ranges), or a hop count. Without it every client behind a proxy shares the proxy's address: one per-IP and sign-in rate limit for all, and the proxy's IP in the audit log. Only name peers that are proxies: a trusted peer's `X-Forwarded-For` is believed.",
  },
  {
    name: 'PAYWATCH_RATE_LIMIT_IP',
    default: '1200',
    description:
      'Requests per minute per client IP (every route, burst up to the same number; an IPv6 client counts per /64, an IPv4-mapped address as IPv4); beyond: 429 with `Retry-After`.',
  },
  {
    name: 'PAYWATCH_RATE_LIMIT_KEY',
    default: '6000',
    description: 'Requests per minute per API key (ingest and reads); beyond: 429 with `Retry-After`.',
  },
  {
    name: 'PAYWATCH_INGEST_INFLIGHT_MB',
    default: '128',
    description:
      'Most MiB of `POST /v1/events` bodies held at once, all clients together (a compressed or chunked body counts as 8 MiB, the most it may expand to); beyond: 503 with `Retry-After: 1`, the body unread. Bounds memory: a parsed full batch holds about 40 MB.',
  },
  {
    name: 'PAYWATCH_RATE_LIMIT_LOGIN',
    default: '10',
    description: 'Sign-in attempts per minute per client IP (an IPv6 client per /64).',
  },
  {
    name: 'PAYWATCH_RETENTION_EVENTS_DAYS',
    default: '400',
    description: 'Days payment events are kept (checked hourly; `0` keeps them forever).',
  },
  {
    name: 'PAYWATCH_RETENTION_AUDIT_DAYS',
    default: '365',
    description: 'Days audit entries are kept (PCI DSS 10.5.1 asks for 12 months; `0` keeps them forever).',
  },
  {
    name: 'PAYWATCH_BACKUP_DIR',
    default: '(off)',
    description:
      'Directory where the running collector writes incremental event backups (per-day NDJSON.gz + manifest with SHA-256), every `PAYWATCH_BACKUP_INTERVAL_HOURS` and on `POST /api/admin/backup`. Ship it off-site (docs/security.md).',
  },
  {
    name: 'PAYWATCH_BACKUP_INTERVAL_HOURS',
    default: '24',
    description: 'Hours between scheduled backups (with `PAYWATCH_BACKUP_DIR`).',
  },
  {
    name: 'PAYWATCH_SCRAPE_CONFIG',
    default: '(off)',
    description:
      'Path to a YAML or JSON file of Prometheus scrape targets and metric mappings (docs/sources.md); samples are stored and served at `/api/v1/metrics/samples`.',
  },
  {
    name: 'PAYWATCH_LOG_TAIL_CONFIG',
    default: '(off)',
    description:
      'Path to a YAML or JSON file of log files/globs to tail and their payment field mappings (docs/sources.md); other lines are searchable at `/api/v1/logs`.',
  },
  {
    name: 'PAYWATCH_FARO_ENABLED',
    default: 'false',
    description:
      '`true` mounts the Grafana Faro browser RUM receiver `POST /faro/collect` (funnel at `/api/v1/funnel`, web vitals at `/api/v1/rum/vitals`).',
  },
  {
    name: 'PAYWATCH_FARO_ORIGINS',
    default: '(none)',
    description:
      'Comma-separated shop origins (`https://shop.example.com`) allowed to send Faro beacons (CORS); others get 403.',
  },
  {
    name: 'PAYWATCH_FARO_MAX_BODY_KB',
    default: '256',
    description: 'Largest Faro beacon body accepted (KiB, after gzip decoding); larger: 413.',
  },
  {
    name: 'PAYWATCH_FARO_API_KEY',
    default: '(none)',
    description:
      "When set, Faro beacons must send it as `x-api-key` (the SDK's `apiKey` option). It is visible in the page: it filters noise, it is not a secret.",
  },
  {
    name: 'PAYWATCH_PENDING_STALE_AFTER',
    default: '15m',
    description:
      'Age (`90s`, `15m`, `2h`, `1d`) after which a payment whose latest status is non-final counts in the gauge `paywatch_payments_pending_stale`.',
  },
  {
    name: 'PAYWATCH_RETENTION_SIGNALS_DAYS',
    default: '30',
    description:
      'Days scraped samples, tailed log records and RUM records are kept (whole UTC days, checked hourly; `0` keeps them forever).',
  },
  {
    name: 'PAYWATCH_PENDING_LOOKBACK',
    default: '7d',
    description:
      'How far back "pending longer than N" looks: a payment whose latest event is older than this is treated as abandoned (not listed, not counted in `paywatch_payments_pending_stale`). Bounds the query to these days of events instead of the whole store.',
  },
  {
    name: 'PAYWATCH_PENDING_REFRESH_SECONDS',
    default: '60',
    description: 'How often `paywatch_payments_pending_stale` is recomputed.',
  },
  {
    name: 'PAYWATCH_OIDC_ISSUER',
    default: '(off)',
    description:
      'OpenID Connect issuer URL (e.g. `https://login.example.com/realms/ops`); enables single sign-on at `/api/auth/oidc/login`. Needs the four variables below.',
  },
  {
    name: 'PAYWATCH_OIDC_CLIENT_ID',
    default: '(none)',
    description: 'OIDC client id registered for paywatch.',
  },
  {
    name: 'PAYWATCH_OIDC_CLIENT_SECRET',
    default: '(none)',
    description: 'OIDC client secret (or a path to a file holding it).',
  },
  {
    name: 'PAYWATCH_OIDC_REDIRECT_URL',
    default: '(none)',
    description:
      "This collector's public callback URL, registered at the provider: `https://<host>/api/auth/oidc/callback`.",
  },
  {
    name: 'PAYWATCH_OIDC_ROLE_MAP',
    default: '(none)',
    description:
      'Comma-separated `group=role` pairs (`payments-admins=admin,payments-oncall=oncall`); `*=viewer` gives everyone else a role (otherwise they are refused). The highest matching role wins.',
  },
  {
    name: 'PAYWATCH_OIDC_GROUPS_CLAIM',
    default: 'groups',
    description: "ID token claim that lists the user's groups.",
  },
  {
    name: 'PAYWATCH_ALERTS_ENABLED',
    default: 'true',
    description: 'Run the alert engine in the collector (`false` turns it off; its API then answers 404).',
  },
  {
    name: 'PAYWATCH_ALERTS_QUEUE_EVENTS',
    default: '200000',
    description:
      'The alert engine in the collector is fed through a queue, off the ingest acknowledgement path: most stored events waiting for it. Beyond that they are dropped for the engine only (stored and counted elsewhere; `paywatch_sink_dropped_events_total`).',
  },
  {
    name: 'PAYWATCH_ALERTS_WARMUP_HOURS',
    default: '6',
    description:
      'When the alert engine starts without saved detector state (first start, lost snapshot, changed rules), it first learns this many hours of stored events, so an incident already under way is paged instead of learned as normal (see docs/alerts.md). In the collector live events are held meanwhile; `paywatch alerts` starts its first feed cursor this far back. `0` turns it off.',
  },
  {
    name: 'PAYWATCH_ALERTS_RULES',
    default: '(built-in pack)',
    description:
      'Path to the alert rules/routes/receivers YAML (see docs/alerts.md); `${NAME}` placeholders are read from the environment.',
  },
  {
    name: 'PAYWATCH_ALERTS_PORT',
    default: '9095',
    description:
      '`paywatch alerts` (the standalone alert engine): port of its `/healthz` and `/metrics` (host: `PAYWATCH_HOST`).',
  },
  {
    name: 'PAYWATCH_ALERTS_POLL_MS',
    default: '1000',
    description: '`paywatch alerts`: how often it reads new events from the store.',
  },
  {
    name: 'PAYWATCH_ALERTS_FEED_LAG_MS',
    default: '5000',
    description:
      "`paywatch alerts`: it reads only events received more than this long ago, so events still in a collector's write batch are not skipped (see docs/alerts.md).",
  },
  {
    name: 'PAYWATCH_ALERTS_API_TOKEN',
    default: '(none)',
    description:
      'Shared secret (24+ characters, or a path to a file holding it) between collectors and `paywatch alerts`: the service serves the alerts API only to callers presenting it, and collectors send it when proxying (see docs/alerts.md).',
  },
  {
    name: 'PAYWATCH_ALERTS_URL',
    default: '(none)',
    description:
      'On a collector with `PAYWATCH_ALERTS_ENABLED=false`: base URL of `paywatch alerts` (`http://alerts:9095`); the collector then serves the alerts API by proxying to it, with its own roles and audit (needs `PAYWATCH_ALERTS_API_TOKEN`).',
  },
  {
    name: 'PAYWATCH_CLICKHOUSE_URL',
    default: 'http://127.0.0.1:8123',
    description: 'ClickHouse HTTP endpoint (with `PAYWATCH_STORE=clickhouse`).',
  },
  { name: 'PAYWATCH_CLICKHOUSE_USER', default: 'default', description: 'ClickHouse user.' },
  {
    name: 'PAYWATCH_CLICKHOUSE_PASSWORD',
    default: '(empty)',
    description: 'ClickHouse password, inline or a path to a file holding it.',
  },
  {
    name: 'PAYWATCH_CLICKHOUSE_DATABASE',
    default: 'paywatch',
    description: 'ClickHouse database (created at start).',
  },
  {
    name: 'PAYWATCH_CLICKHOUSE_DEDUP_WINDOW_DAYS',
    default: String(DEFAULT_DEDUP_WINDOW_DAYS),
    description:
      "Days around a batch's event times in which the duplicate check before each ClickHouse insert looks for an earlier copy of an event id (`0`: the batch's own days; `unbounded`: every stored day). A retry or re-import carries the original event time and is always found; only an id re-sent with an event time more than this many days from the stored copy's is stored twice. `unbounded` reads every key of the retention on every insert (1.2 s per 5 000 ids on 12 M keys, see [docs/clickhouse.md](docs/clickhouse.md#the-duplicate-checks-window)).",
  },
  {
    name: 'PAYWATCH_CLICKHOUSE_CLUSTER',
    default: '(none)',
    description:
      "Name of a cluster in ClickHouse's `<remote_servers>`: the migrations create every table `ON CLUSTER` with `Replicated*MergeTree` engines (needs ZooKeeper or ClickHouse Keeper and the `{shard}`/`{replica}` macros on each server). Unset: one server, plain MergeTree. Tested with one shard of two replicas; see [docs/clickhouse.md](docs/clickhouse.md#replicated-cluster).",
  },
  {
    name: 'PAYWATCH_CLICKHOUSE_MIGRATION_LOCK_STALE_S',
    default: '60',
    description:
      'Seconds without a heartbeat after which the ClickHouse migration lock (taken by the one process applying a missing migration while the others wait; its holder renews it every sixth of this) counts as left by a killed process and is broken (15–86400). See [docs/clickhouse.md](docs/clickhouse.md#schema-versioned-migrations).',
  },
  {
    name: 'PAYWATCH_SPOOL_DIR',
    default: '<data dir>/spool',
    description:
      "Durable spool in front of ClickHouse: ingest is acknowledged once events are fsync'd here, then drained to ClickHouse in order (with `PAYWATCH_STORE=clickhouse`).",
  },
  {
    name: 'PAYWATCH_SPOOL_QUOTA_MB',
    default: '2048',
    description:
      'Disk the spool may use; beyond it ingest answers 503 with `Retry-After` until ClickHouse catches up.',
  },
  {
    name: 'PAYWATCH_REDIS_URL',
    default: '(none)',
    description:
      'Redis URL (`redis://host:6379`) for the socket.io Redis adapter: with several collectors, live events reach dashboards connected to any of them.',
  },
];

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** `PAYWATCH_CLICKHOUSE_DEDUP_WINDOW_DAYS`: whole days 0–3650, or `unbounded` (null). */
function dedupWindowDays(env: Env): number | null {
  const name = 'PAYWATCH_CLICKHOUSE_DEDUP_WINDOW_DAYS';
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return DEFAULT_DEDUP_WINDOW_DAYS;
  if (raw === 'unbounded') return null;
  if (!/^\d+$/.test(raw))
    throw new ConfigError(
      name,
      `expected a whole number of days (0–3650) or "unbounded", got "${env[name]}"`,
    );
  const days = Number(raw);
  if (days > 3650)
    throw new ConfigError(name, `must be at most 3650 days (or "unbounded"), got "${env[name]}"`);
  return days;
}

/**
 * `PAYWATCH_CLICKHOUSE_CLUSTER`: a cluster name selects the replicated topology. ClickHouse
 * cluster names are identifiers (letters, digits, `_`), bound in `ON CLUSTER` as one.
 */
function clickhouseTopology(env: Env): ClickHouseTopology {
  const name = 'PAYWATCH_CLICKHOUSE_CLUSTER';
  const cluster = env[name]?.trim() ?? '';
  if (cluster === '') return { kind: 'single' };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster))
    throw new ConfigError(
      name,
      `expected a cluster name from <remote_servers> (letters, digits, _), got "${env[name]}"`,
    );
  return { kind: 'replicated', cluster };
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * The address users reach this process at: `PAYWATCH_PUBLIC_URL` when set, else
 * `http(s)://host:port` from where it listens (`localhost` for a wildcard host). `port` is the
 * bound one (the configured port may be 0).
 */
export function publicBaseUrl(
  config: Pick<Config, 'host' | 'publicUrl'> & { security: { tls: unknown } },
  port: number,
): string {
  if (config.publicUrl !== null) return config.publicUrl;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `${config.security.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Reads a value given inline or as a path to a file (for secrets and PEMs). */
export function inlineOrFile(value: string): string {
  const looksLikePath =
    !value.includes('\n') && (value.startsWith('/') || value.startsWith('./') || value.startsWith('../'));
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
  if (existsSync(file))
    return { key: Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8'), source: 'file' };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  return { key: Buffer.from(key, 'utf8'), source: 'generated' };
}

/** `PAYWATCH_TRUST_PROXY`: a hop count, or addresses / CIDRs / the range names Express knows. */
function trustProxy(env: Env): false | number | string[] {
  const raw = env.PAYWATCH_TRUST_PROXY?.trim();
  if (!raw || raw === 'false') return false;
  if (/^\d+$/.test(raw)) return int(env, 'PAYWATCH_TRUST_PROXY', 0, 0, 32);
  const list = raw
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const x of list) {
    const [addr = '', bits, extra] = x.split('/');
    const family = isIP(addr);
    const ok =
      ['loopback', 'linklocal', 'uniquelocal'].includes(x) ||
      (family !== 0 &&
        extra === undefined &&
        (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))));
    if (!ok)
      throw new ConfigError(
        'PAYWATCH_TRUST_PROXY',
        `expected addresses, CIDRs, loopback, linklocal, uniquelocal or a hop count, got "${x}"`,
      );
  }
  return list;
}

/** Parses and validates the environment; throws `ConfigError` naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const host = env.PAYWATCH_HOST?.trim() || '127.0.0.1';
  const port = int(env, 'PAYWATCH_PORT', 8080, 0, 65535);
  const dataDir = resolve(env.PAYWATCH_DATA_DIR?.trim() || './data');
  const publicUrlRaw = env.PAYWATCH_PUBLIC_URL?.trim() || null;
  if (publicUrlRaw !== null && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(publicUrlRaw))
    throw new ConfigError(
      'PAYWATCH_PUBLIC_URL',
      `expected http(s)://host[:port][/path] without query, got "${publicUrlRaw}"`,
    );
  const publicUrl = publicUrlRaw === null ? null : publicUrlRaw.replace(/\/+$/, '');

  const backend = env.PAYWATCH_STORE?.trim() || 'embedded';
  let store: StoreConfig;
  if (backend === 'embedded') store = { backend: 'embedded', dataDir };
  else if (backend === 'clickhouse') {
    const url = env.PAYWATCH_CLICKHOUSE_URL?.trim() || 'http://127.0.0.1:8123';
    if (!/^https?:\/\/[^\s]+$/.test(url))
      throw new ConfigError('PAYWATCH_CLICKHOUSE_URL', `expected an http(s) URL, got "${url}"`);
    const database = env.PAYWATCH_CLICKHOUSE_DATABASE?.trim() || 'paywatch';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
      throw new ConfigError(
        'PAYWATCH_CLICKHOUSE_DATABASE',
        'expected a plain identifier (letters, digits, _)',
      );
    }
    store = {
      backend: 'clickhouse',
      url,
      username: env.PAYWATCH_CLICKHOUSE_USER?.trim() || 'default',
      password: inlineOrFile(env.PAYWATCH_CLICKHOUSE_PASSWORD ?? ''),
      database,
      dedupWindowDays: dedupWindowDays(env),
      topology: clickhouseTopology(env),
      migrationLockStaleMs: int(env, 'PAYWATCH_CLICKHOUSE_MIGRATION_LOCK_STALE_S', 60, 15, 86_400) * 1000,
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
    throw new ConfigError(
      'PAYWATCH_REPORTING_CURRENCY',
      `"${reportingCurrency}" is not an ISO 4217 currency`,
    );
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
  for (const c of countries)
    if (!isCountry(c)) throw new ConfigError('PAYWATCH_METRICS_COUNTRIES', `"${c}" is not an ISO 3166 code`);

  const webhooks = parseWebhookSecrets(env, (path) => readFileSync(path, 'utf8'));
  const alertsEnabledRaw = (env.PAYWATCH_ALERTS_ENABLED?.trim() || 'true').toLowerCase();
  if (alertsEnabledRaw !== 'true' && alertsEnabledRaw !== 'false') {
    throw new ConfigError('PAYWATCH_ALERTS_ENABLED', `expected true or false, got "${alertsEnabledRaw}"`);
  }
  const alertsRules = env.PAYWATCH_ALERTS_RULES?.trim() || undefined;
  if (alertsRules !== undefined && !existsSync(alertsRules)) {
    throw new ConfigError('PAYWATCH_ALERTS_RULES', `no file at "${alertsRules}"`);
  }
  const alertsTokenRaw = env.PAYWATCH_ALERTS_API_TOKEN?.trim() || null;
  const alertsToken = alertsTokenRaw === null ? null : inlineOrFile(alertsTokenRaw);
  if (alertsToken !== null && alertsToken.length < 24)
    throw new ConfigError('PAYWATCH_ALERTS_API_TOKEN', 'must be at least 24 characters');
  const alertsUrl = env.PAYWATCH_ALERTS_URL?.trim() || null;
  if (alertsUrl !== null && !/^https?:\/\/\S+$/.test(alertsUrl))
    throw new ConfigError('PAYWATCH_ALERTS_URL', `expected http(s)://host:port, got "${alertsUrl}"`);
  if (alertsUrl !== null && alertsToken === null)
    throw new ConfigError(
      'PAYWATCH_ALERTS_URL',
      'needs PAYWATCH_ALERTS_API_TOKEN (the secret the alerts service expects)',
    );
  const { key: hashKey, source: hashKeySource } = loadHashKey(env, dataDir);
  const security = loadSecurity(env);
  const signals = loadSignals(env, dataDir);
  const spool = {
    dir: resolve(env.PAYWATCH_SPOOL_DIR?.trim() || join(dataDir, 'spool')),
    quotaBytes: int(env, 'PAYWATCH_SPOOL_QUOTA_MB', 2048, 1, 1_048_576) * 1024 * 1024,
  };
  const redisUrl = env.PAYWATCH_REDIS_URL?.trim() || null;
  if (redisUrl !== null && !/^rediss?:\/\/\S+$/.test(redisUrl)) {
    throw new ConfigError(
      'PAYWATCH_REDIS_URL',
      `expected redis://host:port or rediss://…, got "${redisUrl}"`,
    );
  }

  return {
    host,
    port,
    publicUrl,
    dataDir,
    store,
    spool,
    redisUrl,
    ingestKeys,
    hashKey,
    hashKeySource,
    reportingCurrency,
    fxRates,
    logLevel,
    metricsCountries: new Set(countries.length > 0 ? countries : DEFAULT_METRICS_COUNTRIES),
    webhooks,
    security,
    signals,
    alerts: {
      enabled: alertsEnabledRaw === 'true',
      rulesPath: alertsRules ? resolve(alertsRules) : undefined,
      env,
      service: {
        port: int(env, 'PAYWATCH_ALERTS_PORT', 9095, 0, 65_535),
        pollMs: int(env, 'PAYWATCH_ALERTS_POLL_MS', 1000, 50, 600_000),
        feedLagMs: int(env, 'PAYWATCH_ALERTS_FEED_LAG_MS', 5000, 0, 3_600_000),
        apiToken: alertsToken,
      },
      remote: alertsUrl !== null && alertsToken !== null ? { url: alertsUrl, token: alertsToken } : null,
      queueEvents: int(env, 'PAYWATCH_ALERTS_QUEUE_EVENTS', 200_000, 1_000, 10_000_000),
      warmupHours: int(env, 'PAYWATCH_ALERTS_WARMUP_HOURS', 6, 0, 72),
    },
  };
}

function bool(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function loadSecurity(env: Env): SecurityConfig {
  let adminPassword: string | null = null;
  if (env.PAYWATCH_ADMIN_PASSWORD) {
    adminPassword = inlineOrFile(env.PAYWATCH_ADMIN_PASSWORD);
    if (adminPassword.length < 12)
      throw new ConfigError('PAYWATCH_ADMIN_PASSWORD', 'must be at least 12 characters');
  }
  const certRaw = env.PAYWATCH_TLS_CERT?.trim();
  const keyRaw = env.PAYWATCH_TLS_KEY?.trim();
  let tls: SecurityConfig['tls'] = null;
  if (certRaw || keyRaw) {
    if (!certRaw) throw new ConfigError('PAYWATCH_TLS_CERT', 'is required with PAYWATCH_TLS_KEY');
    if (!keyRaw) throw new ConfigError('PAYWATCH_TLS_KEY', 'is required with PAYWATCH_TLS_CERT');
    const cert = inlineOrFile(certRaw);
    const key = inlineOrFile(keyRaw);
    if (!cert.includes('-----BEGIN CERTIFICATE-----'))
      throw new ConfigError(
        'PAYWATCH_TLS_CERT',
        'expected a PEM certificate (inline or a readable file path)',
      );
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key))
      throw new ConfigError(
        'PAYWATCH_TLS_KEY',
        'expected a PEM private key (inline or a readable file path)',
      );
    tls = { cert, key };
  }
  const corsOrigins = list(env, 'PAYWATCH_CORS_ORIGINS');
  for (const o of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(o))
      throw new ConfigError('PAYWATCH_CORS_ORIGINS', `expected origins like https://host[:port], got "${o}"`);
  }
  return {
    adminPassword,
    sessionTtlMs: int(env, 'PAYWATCH_SESSION_TTL_HOURS', 12, 1, 24 * 30) * 3_600_000,
    metricsPublic: bool(env, 'PAYWATCH_METRICS_PUBLIC'),
    tls,
    corsOrigins,
    trustProxy: trustProxy(env),
    rateLimits: {
      perIpPerMinute: int(env, 'PAYWATCH_RATE_LIMIT_IP', 1200, 1, 10_000_000),
      perKeyPerMinute: int(env, 'PAYWATCH_RATE_LIMIT_KEY', 6000, 1, 10_000_000),
      loginPerMinute: int(env, 'PAYWATCH_RATE_LIMIT_LOGIN', 10, 1, 10_000),
      ingestInflightBytes: int(env, 'PAYWATCH_INGEST_INFLIGHT_MB', 128, 8, 1024 * 1024) * 1024 * 1024,
    },
    retentionDays: {
      payment_events: int(env, 'PAYWATCH_RETENTION_EVENTS_DAYS', 400, 0, 36_500),
      audit_log: int(env, 'PAYWATCH_RETENTION_AUDIT_DAYS', 365, 0, 36_500),
    },
    backupDir: env.PAYWATCH_BACKUP_DIR?.trim() ? resolve(env.PAYWATCH_BACKUP_DIR.trim()) : null,
    backupIntervalHours: int(env, 'PAYWATCH_BACKUP_INTERVAL_HOURS', 24, 1, 24 * 31),
    oidc: loadOidc(env),
  };
}

function loadOidc(env: Env): SecurityConfig['oidc'] {
  const issuer = env.PAYWATCH_OIDC_ISSUER?.trim();
  if (!issuer) return null;
  const url = (name: string, v: string | undefined) => {
    if (!v || !/^https?:\/\/\S+$/.test(v))
      throw new ConfigError(
        name,
        `expected an http(s) URL${v ? `, got "${v}"` : ' (required with PAYWATCH_OIDC_ISSUER)'}`,
      );
    return v;
  };
  url('PAYWATCH_OIDC_ISSUER', issuer);
  const clientId = env.PAYWATCH_OIDC_CLIENT_ID?.trim();
  if (!clientId) throw new ConfigError('PAYWATCH_OIDC_CLIENT_ID', 'is required with PAYWATCH_OIDC_ISSUER');
  const secretRaw = env.PAYWATCH_OIDC_CLIENT_SECRET?.trim();
  if (!secretRaw)
    throw new ConfigError('PAYWATCH_OIDC_CLIENT_SECRET', 'is required with PAYWATCH_OIDC_ISSUER');
  const redirectUrl = url('PAYWATCH_OIDC_REDIRECT_URL', env.PAYWATCH_OIDC_REDIRECT_URL?.trim());
  if (!redirectUrl.endsWith('/api/auth/oidc/callback'))
    throw new ConfigError('PAYWATCH_OIDC_REDIRECT_URL', 'must end with /api/auth/oidc/callback');
  const roleMap: { group: string; role: Role }[] = [];
  let defaultRole: Role | null = null;
  for (const pair of list(env, 'PAYWATCH_OIDC_ROLE_MAP')) {
    const i = pair.lastIndexOf('=');
    const group = pair.slice(0, i).trim();
    const role = pair.slice(i + 1).trim();
    if (i <= 0 || !isRole(role))
      throw new ConfigError(
        'PAYWATCH_OIDC_ROLE_MAP',
        `expected group=viewer|analyst|oncall|admin, got "${pair}"`,
      );
    if (group === '*') defaultRole = role;
    else roleMap.push({ group, role });
  }
  if (roleMap.length === 0 && defaultRole === null)
    throw new ConfigError(
      'PAYWATCH_OIDC_ROLE_MAP',
      'is required with PAYWATCH_OIDC_ISSUER (which groups get which role)',
    );
  return {
    issuer,
    clientId,
    clientSecret: inlineOrFile(secretRaw),
    redirectUrl,
    groupsClaim: env.PAYWATCH_OIDC_GROUPS_CLAIM?.trim() || 'groups',
    roleMap,
    defaultRole,
  };
}

/**
 * What an operator checks first in the start-up log, in one line: store (server, database, user,
 * topology — never the password), spool (folder, quota), who may scrape `/metrics`, TLS, where
 * alerts run, retention. `paywatch collector listening` carries it.
 */
export function describeStartup(c: Config): Record<string, unknown> {
  return {
    store:
      c.store.backend === 'clickhouse'
        ? {
            backend: 'clickhouse',
            url: redactUrl(c.store.url),
            database: c.store.database,
            user: c.store.username,
            cluster: c.store.topology.kind === 'replicated' ? c.store.topology.cluster : null,
          }
        : { backend: 'embedded', dataDir: c.dataDir },
    spool:
      c.store.backend === 'clickhouse'
        ? { dir: c.spool.dir, quotaMB: Math.round(c.spool.quotaBytes / 1048576) }
        : null,
    metrics: c.security.metricsPublic ? 'public (PAYWATCH_METRICS_PUBLIC)' : 'API key with scope read',
    tls: c.security.tls !== null,
    alerts: c.alerts.enabled
      ? 'in this process'
      : c.alerts.remote
        ? `proxied to ${redactUrl(c.alerts.remote.url)}`
        : 'off (alerts API answers 404)',
    retentionDays: {
      events: c.security.retentionDays.payment_events,
      signals: c.signals.retentionDays,
      audit: c.security.retentionDays.audit_log,
    },
    redis: c.redisUrl !== null,
  };
}

/**
 * A URL with its userinfo (`user:password@`) replaced, safe to log: ClickHouse, scrape target,
 * alerts and Redis URLs may carry credentials that way.
 */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/?#]*@/, '//[redacted]@');
}

/** The configuration with every secret replaced, safe to log or print. */
export function describeConfig(c: Config): Record<string, unknown> {
  return {
    host: c.host,
    port: c.port,
    publicUrl: c.publicUrl,
    dataDir: c.dataDir,
    store:
      c.store.backend === 'clickhouse'
        ? { ...c.store, url: redactUrl(c.store.url), password: c.store.password ? '[redacted]' : '' }
        : c.store,
    spool: c.spool,
    redisUrl: c.redisUrl === null ? null : redactUrl(c.redisUrl),
    ingestKeys: c.ingestKeys.map(() => '[redacted]'),
    hashKey: '[redacted]',
    reportingCurrency: c.reportingCurrency,
    logLevel: c.logLevel,
    webhooks: Object.fromEntries(Object.keys(c.webhooks).map((k) => [k, '[configured, redacted]'])),
    alerts: { enabled: c.alerts.enabled, rulesPath: c.alerts.rulesPath ?? null },
    signals: {
      scrape:
        c.signals.scrape?.targets.map((t) => ({
          name: t.name,
          url: redactUrl(t.url),
          interval_s: t.interval_s,
          auth: t.bearer_token || t.basic_auth ? '[redacted]' : null,
          mappings: t.mappings.length,
        })) ?? null,
      logTail: c.signals.logTail
        ? { files: c.signals.logTail.files.map((f) => f.path), offsets_path: c.signals.logTail.offsets_path }
        : null,
      faro: { ...c.signals.faro, apiKey: c.signals.faro.apiKey === null ? null : '[redacted]' },
      pendingStaleAfterMs: c.signals.pendingStaleAfterMs,
      pendingLookbackMs: c.signals.pendingLookbackMs,
      retentionDays: c.signals.retentionDays,
    },
    security: {
      ...c.security,
      adminPassword: c.security.adminPassword === null ? null : '[redacted]',
      tls: c.security.tls === null ? null : { cert: '[configured]', key: '[redacted]' },
      oidc: c.security.oidc === null ? null : { ...c.security.oidc, clientSecret: '[redacted]' },
    },
  };
}

/** Reads a YAML/JSON config file and validates it; every problem names the variable and the file. */
function loadFileConfig<S extends z.ZodType>(
  variable: string,
  path: string,
  schema: S,
  defaults: Record<string, unknown> = {},
): z.output<S> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      variable,
      `cannot read ${path}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
  }
  const obj =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? { ...defaults, ...(raw as Record<string, unknown>) }
      : raw;
  const r = schema.safeParse(obj);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(
      variable,
      `${path}: ${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`,
    );
  }
  return r.data;
}

/** `90s`, `15m`, `2h`, `1d` → ms. */
function duration(env: Env, name: string, dflt: string): number {
  const raw = env[name]?.trim() || dflt;
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(raw);
  if (!m || Number(m[1]) === 0)
    throw new ConfigError(name, `expected a duration like 90s, 15m, 2h or 1d, got "${raw}"`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function loadSignals(env: Env, dataDir: string): SignalsConfig {
  const scrapePath = env.PAYWATCH_SCRAPE_CONFIG?.trim();
  const tailPath = env.PAYWATCH_LOG_TAIL_CONFIG?.trim();
  const origins = list(env, 'PAYWATCH_FARO_ORIGINS').map((o) => o.replace(/\/+$/, ''));
  for (const o of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(o))
      throw new ConfigError('PAYWATCH_FARO_ORIGINS', `expected origins like https://host[:port], got "${o}"`);
  }
  return {
    scrape: scrapePath
      ? loadFileConfig('PAYWATCH_SCRAPE_CONFIG', resolve(scrapePath), ScrapeConfigSchema)
      : null,
    logTail: tailPath
      ? loadFileConfig('PAYWATCH_LOG_TAIL_CONFIG', resolve(tailPath), LogTailConfigSchema, {
          offsets_path: join(dataDir, 'log-tail-offsets.json'),
        })
      : null,
    faro: {
      enabled: bool(env, 'PAYWATCH_FARO_ENABLED'),
      origins,
      maxBodyBytes: int(env, 'PAYWATCH_FARO_MAX_BODY_KB', 256, 1, 64 * 1024) * 1024,
      apiKey: env.PAYWATCH_FARO_API_KEY?.trim() || null,
    },
    pendingStaleAfterMs: duration(env, 'PAYWATCH_PENDING_STALE_AFTER', '15m'),
    pendingLookbackMs: duration(env, 'PAYWATCH_PENDING_LOOKBACK', '7d'),
    pendingRefreshMs: int(env, 'PAYWATCH_PENDING_REFRESH_SECONDS', 60, 1, 86_400) * 1000,
    retentionDays: int(env, 'PAYWATCH_RETENTION_SIGNALS_DAYS', 30, 0, 36_500),
  };
}

/** The process environment for commands that resolve `${NAME}` placeholders (alert rule files). */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  return process.env;
}
