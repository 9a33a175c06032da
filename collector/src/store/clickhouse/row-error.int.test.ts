// Guards the permanent-error path on a real ClickHouse: rows the server refuses with a parse error are a non-retryable StoreError (the spool dead-letters them) also when the server's message quotes row text with "(ABC_DEF)", which the client then parses into a ClickHouseError without "Code: N" in its message.
import { randomUUID } from 'node:crypto';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { createClickHouseStore, type ClickHouseStore } from './clickhouse.store.js';
import { ident, sql } from './sql.js';

const ep = clickhouseEndpoint();
const logger = createLogger({ level: 'silent' });
const database = `paywatch_rowerr_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const T0 = Date.UTC(2026, 0, 14);
let store: ClickHouseStore | null = null;

afterAll(async () => {
  await store?.stop();
  const c = createClient({
    url: ep.url,
    username: ep.username,
    password: ep.password,
    log: { level: ClickHouseLogLevel.OFF },
  });
  await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  await c.close();
});

async function started(): Promise<ClickHouseStore> {
  await assertClickHouseUp(ep);
  store ??= createClickHouseStore(
    { url: ep.url, username: ep.username, password: ep.password, database },
    { logger },
  );
  await store.start();
  return store;
}

const line = (row: Record<string, unknown>) => Buffer.from(JSON.stringify(row) + '\n', 'utf8');

describe('rows ClickHouse refuses, with row text quoted in its message', () => {
  it.each([
    ['plain text after the bad value', 'declined'],
    ['"(ABC_DEF)" after the bad value', 'declined (DO_NOT_HONOR) by issuer'],
  ])('payment lines: a non-retryable StoreError (%s)', async (_name, text) => {
    const s = await started();
    const bad = line({
      event_id: `bad_${text.length}`,
      ts: `abc ${text}`,
      payment_id: 'p1',
      merchant_id: 'm1',
    });
    const err = await s.writeLines([{ event_id: `bad_${text.length}`, ts: T0 }], [bad]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'StoreError', retryable: false });
  });

  it.each([
    ['plain text after the bad value', 'n/a'],
    ['"(ABC_DEF)" after the bad value', 'n/a (NOT_A_NUMBER) here'],
  ])('spooled log rows: a non-retryable StoreError (%s)', async (_name, text) => {
    const s = await started();
    const bad = line({
      id: `l_${text.length}`,
      ts: T0,
      file: '/x.log',
      byte_offset: text,
      level: 'info',
      message: 'm',
      fields: '{}',
    });
    const err = await s.signals.records.signal_logs.writeRecords([bad]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'StoreError', retryable: false });
  });
});
