// Guards configuration parsing: defaults, and a bad value stops the start naming the variable.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig, describeStartup, loadConfig, publicBaseUrl } from './config.js';

const dir = () => mkdtempSync(join(tmpdir(), 'paywatch-config-'));

describe('loadConfig', () => {
  it('has documented defaults and creates a persistent hash key', () => {
    const d = dir();
    const c = loadConfig({ PAYWATCH_DATA_DIR: d });
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      reportingCurrency: 'USD',
      ingestKeys: [],
      logLevel: 'info',
      hashKeySource: 'generated',
    });
    expect(c.store).toEqual({ backend: 'embedded', dataDir: d });
    const again = loadConfig({ PAYWATCH_DATA_DIR: d });
    expect(again.hashKeySource).toBe('file');
    expect(again.hashKey.equals(c.hashKey)).toBe(true);
    expect(readFileSync(join(d, 'hash.key'), 'utf8').trim()).toBe(c.hashKey.toString());
  });

  it.each([
    ['PAYWATCH_PORT', 'eighty'],
    ['PAYWATCH_PORT', '70000'],
    ['PAYWATCH_STORE', 'postgres'],
    ['PAYWATCH_INGEST_KEYS', 'short'],
    ['PAYWATCH_HASH_KEY', 'too-short'],
    ['PAYWATCH_REPORTING_CURRENCY', 'ABC'],
    ['PAYWATCH_FX_RATES', 'EUR=abc'],
    ['PAYWATCH_LOG_LEVEL', 'loud'],
    ['PAYWATCH_METRICS_COUNTRIES', 'US,XX'],
    ['PAYWATCH_CLICKHOUSE_DATABASE', 'a;drop'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    const env: Record<string, string> = { PAYWATCH_DATA_DIR: dir(), [name]: value };
    if (name === 'PAYWATCH_CLICKHOUSE_DATABASE') env.PAYWATCH_STORE = 'clickhouse';
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${name}: `));
  });

  it('parses keys, FX rates and ClickHouse settings, and redacts secrets in a dump', () => {
    const c = loadConfig({
      PAYWATCH_DATA_DIR: dir(),
      PAYWATCH_INGEST_KEYS: 'key-aaaaaaaaaaaaaaaa, key-bbbbbbbbbbbbbbbb',
      PAYWATCH_HASH_KEY: 'h'.repeat(40),
      PAYWATCH_FX_RATES: 'EUR=1.1,JPY=0.007',
      PAYWATCH_REPORTING_CURRENCY: 'eur',
      PAYWATCH_STORE: 'clickhouse',
      PAYWATCH_CLICKHOUSE_PASSWORD: 'sekret',
    });
    expect(c.ingestKeys).toEqual(['key-aaaaaaaaaaaaaaaa', 'key-bbbbbbbbbbbbbbbb']);
    expect(c.fxRates).toEqual({ USD: 1, EUR: 1.1, JPY: 0.007 });
    expect(c.reportingCurrency).toBe('EUR');
    const dump = JSON.stringify(describeConfig(c));
    for (const s of ['sekret', 'key-aaaa', 'hhhhhhhh']) expect(dump).not.toContain(s);
  });
});

describe('describeStartup (the start-up log line)', () => {
  it('names the ClickHouse server, database, user, spool, metrics access, alerts and retention, never the password', () => {
    const c = loadConfig({
      PAYWATCH_DATA_DIR: dir(),
      PAYWATCH_HASH_KEY: 'h'.repeat(40),
      PAYWATCH_STORE: 'clickhouse',
      PAYWATCH_CLICKHOUSE_URL: 'http://ch.internal:8123',
      PAYWATCH_CLICKHOUSE_USER: 'paywatch',
      PAYWATCH_CLICKHOUSE_PASSWORD: 'sekret-password',
      PAYWATCH_CLICKHOUSE_DATABASE: 'payments_prod',
      PAYWATCH_SPOOL_QUOTA_MB: '512',
      PAYWATCH_METRICS_PUBLIC: 'true',
      PAYWATCH_ALERTS_ENABLED: 'false',
      PAYWATCH_ALERTS_URL: 'http://alerts:9095',
      PAYWATCH_ALERTS_API_TOKEN: 't'.repeat(30),
      PAYWATCH_RETENTION_EVENTS_DAYS: '90',
    });
    const d = describeStartup(c);
    expect(d).toMatchObject({
      store: {
        backend: 'clickhouse',
        url: 'http://ch.internal:8123',
        database: 'payments_prod',
        user: 'paywatch',
        cluster: null,
      },
      spool: { dir: join(c.dataDir, 'spool'), quotaMB: 512 },
      metrics: 'public (PAYWATCH_METRICS_PUBLIC)',
      tls: false,
      alerts: 'proxied to http://alerts:9095',
      retentionDays: { events: 90, signals: 30, audit: 365 },
    });
    expect(JSON.stringify(d)).not.toContain('sekret');
    expect(JSON.stringify(d)).not.toContain('tttttttt');
  });

  it('never shows credentials written into a URL (ClickHouse, scrape target, alerts), in the log line or the admin config', () => {
    const d = dir();
    writeFileSync(
      join(d, 'scrape.yaml'),
      'targets:\n  - name: gw\n    url: http://scraper:scrape-secret@gw:9100/metrics\n    mappings: [{ metric: x }]\n',
    );
    const c = loadConfig({
      PAYWATCH_DATA_DIR: d,
      PAYWATCH_HASH_KEY: 'h'.repeat(40),
      PAYWATCH_STORE: 'clickhouse',
      PAYWATCH_CLICKHOUSE_URL: 'http://default:ch-secret@ch.internal:8123',
      PAYWATCH_SCRAPE_CONFIG: join(d, 'scrape.yaml'),
      PAYWATCH_ALERTS_ENABLED: 'false',
      PAYWATCH_ALERTS_URL: 'http://ops:alerts-secret@alerts:9095',
      PAYWATCH_ALERTS_API_TOKEN: 't'.repeat(30),
    });
    const shown = JSON.stringify(describeStartup(c)) + JSON.stringify(describeConfig(c));
    for (const secret of ['ch-secret', 'scrape-secret', 'alerts-secret']) expect(shown).not.toContain(secret);
    expect(describeStartup(c)).toMatchObject({
      store: { url: 'http://[redacted]@ch.internal:8123' },
      alerts: 'proxied to http://[redacted]@alerts:9095',
    });
  });

  it('reads PAYWATCH_CLICKHOUSE_PASSWORD from a file when given a path (as README says)', () => {
    const d = dir();
    const file = join(d, 'clickhouse.password');
    writeFileSync(file, 'from-a-file-secret\n');
    const c = loadConfig({
      PAYWATCH_DATA_DIR: d,
      PAYWATCH_HASH_KEY: 'h'.repeat(40),
      PAYWATCH_STORE: 'clickhouse',
      PAYWATCH_CLICKHOUSE_PASSWORD: file,
    });
    expect(c.store.backend === 'clickhouse' && c.store.password).toBe('from-a-file-secret');
  });
});

describe('loadConfig: the ClickHouse duplicate-check window', () => {
  const ch = (value?: string) =>
    loadConfig({
      PAYWATCH_DATA_DIR: dir(),
      PAYWATCH_STORE: 'clickhouse',
      ...(value === undefined ? {} : { PAYWATCH_CLICKHOUSE_DEDUP_WINDOW_DAYS: value }),
    }).store;

  it('defaults to 3 days; takes whole days (0 = the batch\'s own days) or "unbounded"', () => {
    expect(ch()).toMatchObject({ backend: 'clickhouse', dedupWindowDays: 3 });
    expect(ch('')).toMatchObject({ dedupWindowDays: 3 });
    expect(ch('0')).toMatchObject({ dedupWindowDays: 0 });
    expect(ch(' 7 ')).toMatchObject({ dedupWindowDays: 7 });
    expect(ch('3650')).toMatchObject({ dedupWindowDays: 3650 });
    expect(ch('unbounded')).toMatchObject({ dedupWindowDays: null });
    expect(ch('Unbounded')).toMatchObject({ dedupWindowDays: null });
  });

  it.each(['-1', '1.5', 'two', '3651', 'none', '2d'])('rejects %j naming the variable', (value) => {
    expect(() => ch(value)).toThrow(
      new RegExp(`^PAYWATCH_CLICKHOUSE_DEDUP_WINDOW_DAYS: .*got "${value.replace('.', '\\.')}"`),
    );
  });
});

describe('loadConfig: the ClickHouse migration lock bound', () => {
  const ch = (value?: string) =>
    loadConfig({
      PAYWATCH_DATA_DIR: dir(),
      PAYWATCH_STORE: 'clickhouse',
      ...(value === undefined ? {} : { PAYWATCH_CLICKHOUSE_MIGRATION_LOCK_STALE_S: value }),
    }).store;

  it('defaults to 60 s without a heartbeat; takes whole seconds 15–86400', () => {
    expect(ch()).toMatchObject({ migrationLockStaleMs: 60_000 });
    expect(ch('15')).toMatchObject({ migrationLockStaleMs: 15_000 });
    expect(() => ch('14')).toThrow(/^PAYWATCH_CLICKHOUSE_MIGRATION_LOCK_STALE_S: /);
    expect(() => ch('10m')).toThrow(/^PAYWATCH_CLICKHOUSE_MIGRATION_LOCK_STALE_S: /);
  });
});

describe('loadConfig: the ClickHouse topology (PAYWATCH_CLICKHOUSE_CLUSTER)', () => {
  const topology = (value?: string) => {
    const store = loadConfig({
      PAYWATCH_DATA_DIR: dir(),
      PAYWATCH_STORE: 'clickhouse',
      ...(value === undefined ? {} : { PAYWATCH_CLICKHOUSE_CLUSTER: value }),
    }).store;
    return store.backend === 'clickhouse' ? store.topology : null;
  };

  it('is one server unless a cluster is named; a name selects the replicated tables', () => {
    expect(topology()).toEqual({ kind: 'single' });
    expect(topology('  ')).toEqual({ kind: 'single' });
    expect(topology('paywatch_cluster')).toEqual({ kind: 'replicated', cluster: 'paywatch_cluster' });
    expect(topology(' prod2 ')).toEqual({ kind: 'replicated', cluster: 'prod2' });
  });

  it.each(['my-cluster', 'a b', "c' --", '{cluster}', '2nd'])('rejects %j naming the variable', (value) => {
    expect(() => topology(value)).toThrow(/^PAYWATCH_CLICKHOUSE_CLUSTER: expected a cluster name/);
  });
});

describe('loadConfig: the public address (alert deep links)', () => {
  it('is the address the collector listens on unless PAYWATCH_PUBLIC_URL names one', () => {
    const d = dir();
    const own = loadConfig({ PAYWATCH_DATA_DIR: d });
    expect(own.publicUrl).toBeNull();
    expect(publicBaseUrl(own, own.port)).toBe('http://127.0.0.1:8080');
    const wildcard = loadConfig({ PAYWATCH_DATA_DIR: d, PAYWATCH_HOST: '0.0.0.0', PAYWATCH_PORT: '0' });
    expect(publicBaseUrl(wildcard, 43_210)).toBe('http://localhost:43210');
    expect(publicBaseUrl(loadConfig({ PAYWATCH_DATA_DIR: d, PAYWATCH_HOST: '::1' }), 8080)).toBe(
      'http://[::1]:8080',
    );
    const proxied = loadConfig({ PAYWATCH_DATA_DIR: d, PAYWATCH_PUBLIC_URL: 'https://pay.example.com/ops/' });
    expect(proxied.publicUrl).toBe('https://pay.example.com/ops');
    expect(publicBaseUrl(proxied, 8080)).toBe('https://pay.example.com/ops');
  });

  it.each(['pay.example.com', 'ftp://pay.example.com', 'https://pay.example.com/?x=1', 'http://a b'])(
    'rejects PAYWATCH_PUBLIC_URL=%s naming the variable',
    (value) => {
      expect(() => loadConfig({ PAYWATCH_DATA_DIR: dir(), PAYWATCH_PUBLIC_URL: value })).toThrow(
        /^PAYWATCH_PUBLIC_URL: /,
      );
    },
  );
});

describe('loadConfig: spool and Redis', () => {
  it('puts the spool in the data dir with a 2 GiB quota and has no Redis by default', () => {
    const d = dir();
    const c = loadConfig({ PAYWATCH_DATA_DIR: d });
    expect(c.spool).toEqual({ dir: join(d, 'spool'), quotaBytes: 2048 * 1024 * 1024 });
    expect(c.redisUrl).toBeNull();
  });

  it('reads PAYWATCH_SPOOL_DIR, PAYWATCH_SPOOL_QUOTA_MB and PAYWATCH_REDIS_URL, redacting a Redis password', () => {
    const d = dir();
    const c = loadConfig({
      PAYWATCH_DATA_DIR: d,
      PAYWATCH_SPOOL_DIR: join(d, 'elsewhere'),
      PAYWATCH_SPOOL_QUOTA_MB: '10',
      PAYWATCH_REDIS_URL: 'redis://:hunter2-secret@redis:6379',
    });
    expect(c.spool).toEqual({ dir: join(d, 'elsewhere'), quotaBytes: 10 * 1024 * 1024 });
    expect(c.redisUrl).toBe('redis://:hunter2-secret@redis:6379');
    expect(JSON.stringify(describeConfig(c))).not.toContain('hunter2');
  });

  it.each([
    ['PAYWATCH_SPOOL_QUOTA_MB', '0'],
    ['PAYWATCH_SPOOL_QUOTA_MB', 'lots'],
    ['PAYWATCH_REDIS_URL', 'http://redis:6379'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ PAYWATCH_DATA_DIR: dir(), [name]: value })).toThrow(new RegExp(`^${name}: `));
  });
});

describe('loadConfig: scrape, log tail, Faro, pending', () => {
  it('is all off by default, with a 15 min stale-pending threshold and a 7-day pending look-back', () => {
    const c = loadConfig({ PAYWATCH_DATA_DIR: dir() });
    expect(c.signals).toEqual({
      scrape: null,
      logTail: null,
      faro: { enabled: false, origins: [], maxBodyBytes: 256 * 1024, apiKey: null },
      pendingStaleAfterMs: 900_000,
      pendingLookbackMs: 7 * 86_400_000,
      pendingRefreshMs: 60_000,
      retentionDays: 30,
    });
    expect(
      loadConfig({ PAYWATCH_DATA_DIR: dir(), PAYWATCH_PENDING_LOOKBACK: '2d' }).signals.pendingLookbackMs,
    ).toBe(2 * 86_400_000);
    expect(() => loadConfig({ PAYWATCH_DATA_DIR: dir(), PAYWATCH_PENDING_LOOKBACK: 'soon' })).toThrow(
      /PAYWATCH_PENDING_LOOKBACK/,
    );
  });

  it('reads YAML and JSON files with the source schemas (defaults filled, offsets in the data dir)', () => {
    const d = dir();
    writeFileSync(
      join(d, 'scrape.yaml'),
      'targets:\n  - name: gw\n    url: http://127.0.0.1:9100/metrics\n    bearer_token: tok-secret\n    mappings: [{ metric: payments_total }]\n',
    );
    writeFileSync(join(d, 'tail.json'), JSON.stringify({ files: [{ path: '/var/log/app/*.log' }] }));
    const c = loadConfig({
      PAYWATCH_DATA_DIR: d,
      PAYWATCH_SCRAPE_CONFIG: join(d, 'scrape.yaml'),
      PAYWATCH_LOG_TAIL_CONFIG: join(d, 'tail.json'),
      PAYWATCH_FARO_ENABLED: 'true',
      PAYWATCH_FARO_ORIGINS: 'https://shop.example.com/, http://localhost:3000',
      PAYWATCH_FARO_MAX_BODY_KB: '64',
      PAYWATCH_PENDING_STALE_AFTER: '2h',
    });
    expect(c.signals.scrape?.targets[0]).toMatchObject({
      name: 'gw',
      interval_s: 15,
      timeout_s: 10,
      sample_limit: 10_000,
    });
    expect(c.signals.logTail).toMatchObject({
      offsets_path: join(d, 'log-tail-offsets.json'),
      poll_ms: 500,
      files: [{ path: '/var/log/app/*.log', format: 'auto' }],
    });
    expect(c.signals.faro).toEqual({
      enabled: true,
      origins: ['https://shop.example.com', 'http://localhost:3000'],
      maxBodyBytes: 65_536,
      apiKey: null,
    });
    expect(c.signals.pendingStaleAfterMs).toBe(7_200_000);
    expect(JSON.stringify(describeConfig(c))).not.toContain('tok-secret');
  });

  it('names the variable, the file and the field when a file is missing or invalid', () => {
    const d = dir();
    expect(() => loadConfig({ PAYWATCH_DATA_DIR: d, PAYWATCH_SCRAPE_CONFIG: join(d, 'nope.yaml') })).toThrow(
      /PAYWATCH_SCRAPE_CONFIG.*cannot read .*nope\.yaml/,
    );
    writeFileSync(join(d, 'bad.yaml'), 'targets:\n  - name: gw\n    url: ftp://x/metrics\n');
    expect(() => loadConfig({ PAYWATCH_DATA_DIR: d, PAYWATCH_SCRAPE_CONFIG: join(d, 'bad.yaml') })).toThrow(
      /PAYWATCH_SCRAPE_CONFIG.*bad\.yaml: targets\.0\.url/,
    );
    writeFileSync(join(d, 'broken.yaml'), 'files: [\n');
    expect(() =>
      loadConfig({ PAYWATCH_DATA_DIR: d, PAYWATCH_LOG_TAIL_CONFIG: join(d, 'broken.yaml') }),
    ).toThrow(/PAYWATCH_LOG_TAIL_CONFIG.*broken\.yaml/);
    writeFileSync(join(d, 'extra.json'), JSON.stringify({ files: [], surprise: 1 }));
    expect(() =>
      loadConfig({ PAYWATCH_DATA_DIR: d, PAYWATCH_LOG_TAIL_CONFIG: join(d, 'extra.json') }),
    ).toThrow(/extra\.json.*surprise/);
    expect(() => loadConfig({ PAYWATCH_DATA_DIR: d, PAYWATCH_FARO_ORIGINS: 'shop.example.com' })).toThrow(
      /PAYWATCH_FARO_ORIGINS/,
    );
    expect(() => loadConfig({ PAYWATCH_DATA_DIR: d, PAYWATCH_PENDING_STALE_AFTER: '15 minutes' })).toThrow(
      /PAYWATCH_PENDING_STALE_AFTER/,
    );
    expect(() => loadConfig({ PAYWATCH_DATA_DIR: d, PAYWATCH_FARO_ENABLED: 'yes' })).toThrow(
      /PAYWATCH_FARO_ENABLED/,
    );
  });
});
