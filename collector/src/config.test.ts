// Guards configuration parsing: defaults, and a bad value stops the start naming the variable.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from './config.js';

const dir = () => mkdtempSync(join(tmpdir(), 'paywatch-config-'));

describe('loadConfig', () => {
  it('has documented defaults and creates a persistent hash key', () => {
    const d = dir();
    const c = loadConfig({ PAYWATCH_DATA_DIR: d });
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', reportingCurrency: 'USD', ingestKeys: [], logLevel: 'info', hashKeySource: 'generated' });
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
