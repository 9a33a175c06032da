// Guards the signal tables' write path through the durable spool on a real ClickHouse: the shared signal contract holds when samples, log and RUM records go through the spool, and a record handed over again (replay after a crash, retry after a lost answer, an INSERT that landed only in part) is stored exactly once.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import type { LogRecord } from '../../sources/log-tail/index.js';
import type { RumRecord } from '../../sources/faro/index.js';
import type { ScrapedSample } from '../../sources/prom-scrape/index.js';
import { describeSignalsContract } from '../contract/index.js';
import { createSpool } from '../spool/index.js';
import { createClickHouseStore, type ClickHouseStore } from './clickhouse.store.js';
import { SIGNAL_TABLES } from './migrations.js';
import { ident, sql } from './sql.js';

const logger = createLogger({ level: 'silent' });
const ep = clickhouseEndpoint();
const newDatabase = () => `paywatch_sigspool_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function dropDatabase(database: string): Promise<void> {
  const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
  try {
    await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  } finally {
    await c.close();
  }
}

async function startedStore(database: string): Promise<ClickHouseStore> {
  const store = createClickHouseStore(
    { url: ep.url, username: ep.username, password: ep.password, database },
    { logger },
  );
  await store.start();
  cleanups.push(() => store.stop());
  return store;
}

describeSignalsContract('clickhouse through the spool', async () => {
  await assertClickHouseUp(ep);
  const database = newDatabase();
  const store = await startedStore(database);
  const dir = await mkdtemp(path.join(tmpdir(), 'pw-sigspool-'));
  const spool = createSpool(
    { dir, quotaBytes: 256 * 1024 * 1024 },
    { writer: store, records: store.signals.records, logger },
  );
  await spool.start();
  const spooled = store.signals.spooledWriters(spool);
  // A spooled write resolves on fsync; the contract reads right after writing, so wait for the drain.
  const settled =
    <T>(write: (x: readonly T[]) => Promise<void>) =>
    async (x: readonly T[]) => {
      await write(x);
      await spool.drained();
    };
  return {
    signals: {
      ...store.signals,
      writeSamples: settled(spooled.writeSamples),
      writeLogs: settled(spooled.writeLogs),
      writeRum: settled(spooled.writeRum),
    },
    pending: { reader: store.pending, write: (events) => store.write(events) },
    async cleanup() {
      await spool.stop();
      await store.stop();
      await rm(dir, { recursive: true, force: true });
      await dropDatabase(database);
    },
  };
});

/** The records `spooledWriters` would append, captured instead of spooled. */
function capture(store: ClickHouseStore) {
  const records: { kind: string; payload: Buffer; rows: number }[] = [];
  const writers = store.signals.spooledWriters({
    async append(kind, payload, rows) {
      records.push({ kind, payload, rows });
    },
  });
  return { records, writers };
}

const T0 = Date.UTC(2026, 0, 12, 10, 0, 0);

function samples(n: number, target: string): ScrapedSample[] {
  const out: ScrapedSample[] = [];
  for (let i = 0; i < n; i++) {
    const ts = T0 + Math.floor(i / 4) * 15_000 + (i % 2 === 0 ? 0 : 86_400_000); // two days: two parts
    out.push({ ts, target, series: 'gateway_payments', labels: { n: String(i % 4) }, value: i });
  }
  return out;
}

const logs = (n: number): LogRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `log_${i}`,
    ts: T0 + i * 1000,
    file: '/var/log/shop.log',
    offset: i * 100,
    level: 'info',
    message: `line ${i} "quoted" \\ back`,
    fields: { i },
  }));

const rum = (n: number): RumRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `rum_${i}`,
    ts: T0 + i * 1000,
    kind: 'event',
    name: `step_${i}`,
    value: null,
    message: null,
    session_id: 's1',
    app_name: 'shop',
    app_version: '1',
    page_url: 'https://shop.example.com/checkout',
    attributes: {},
  }));

describe('spooled signal records handed over again', () => {
  it('are stored exactly once: a replay in a new process, a retry in the same one, an INSERT that landed in part', async () => {
    await assertClickHouseUp(ep);
    const database = newDatabase();
    cleanups.push(() => dropDatabase(database));
    const first = await startedStore(database);
    const { records, writers } = capture(first);
    const all = samples(40, 'gw');
    await writers.writeSamples(all);
    await writers.writeLogs(logs(30));
    await writers.writeRum(rum(20));
    expect(records.map((r) => [r.kind, r.rows])).toEqual([
      [SIGNAL_TABLES.samples, 40],
      [SIGNAL_TABLES.logs, 30],
      [SIGNAL_TABLES.rum, 20],
    ]);
    const write = (store: ClickHouseStore, i: number) =>
      store.signals.records[records[i]!.kind as keyof typeof store.signals.records].writeRecords([
        records[i]!.payload,
      ]);

    // Half of the samples landed before the "crash" (another INSERT, e.g. the day partition of one part).
    await first.signals.writeSamples(all.filter((_, i) => i % 2 === 0));
    expect(await write(first, 0)).toEqual({ inserted: 20, duplicates: 20 });
    expect(await write(first, 1)).toEqual({ inserted: 30, duplicates: 0 });
    expect(await write(first, 2)).toEqual({ inserted: 20, duplicates: 0 });
    // The same records again in the same process (an answer lost after the INSERT landed).
    expect(await write(first, 0)).toEqual({ inserted: 0, duplicates: 40 });
    expect(await write(first, 1)).toEqual({ inserted: 0, duplicates: 30 });
    // And in a new process replaying the spool from its checkpoint.
    const second = await startedStore(database);
    for (let i = 0; i < 3; i++)
      expect(await write(second, i)).toEqual({ inserted: 0, duplicates: records[i]!.rows });

    const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
    cleanups.push(() => c.close());
    const count = async (table: string, key: string) => {
      const rs = await c.query({
        query: `SELECT count() AS n, uniqExact(${key}) AS u FROM ${database}.${table}`,
        format: 'JSONEachRow',
      });
      const [r] = await rs.json<{ n: string; u: string }>();
      return [Number(r!.n), Number(r!.u)];
    };
    expect(await count(SIGNAL_TABLES.samples, 'target, series, labels, ts')).toEqual([40, 40]);
    expect(await count(SIGNAL_TABLES.logs, 'id')).toEqual([30, 30]);
    expect(await count(SIGNAL_TABLES.rum, 'id')).toEqual([20, 20]);
    // What was stored reads back as written.
    const back = await second.signals.querySamples({
      series: 'gateway_payments',
      from: T0,
      to: T0 + 2 * 86_400_000,
      limit: 100,
    });
    expect(back.map((s) => [s.ts, s.labels, s.value]).sort()).toEqual(
      all.map((s) => [s.ts, s.labels, s.value]).sort(),
    );
  });

  it('refuses rows that cannot be stored as permanent (dead-lettered by the spool, not retried forever); stores lone surrogates as U+FFFD', async () => {
    await assertClickHouseUp(ep);
    const database = newDatabase();
    cleanups.push(() => dropDatabase(database));
    const store = await startedStore(database);
    const logWriter = store.signals.records[SIGNAL_TABLES.logs];
    // Not JSON: corrupt beyond the spool's CRC.
    await expect(
      logWriter.writeRecords([Buffer.from('{"id": "x", "ts": 1}\nnot json\n')]),
    ).rejects.toMatchObject({
      retryable: false,
    });
    // A time no Int64 holds: refused before ClickHouse.
    await expect(logWriter.writeRecords([Buffer.from('{"id":"z","ts":1e300}\n')])).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/no valid ts/),
    });
    // JSON ClickHouse refuses (an unknown column): its own error, permanent.
    await expect(
      logWriter.writeRecords([Buffer.from('{"id":"y","ts":1,"bogus":1}\n')]),
    ).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/ClickHouse refused spooled signal_logs rows: .*Code: 117/),
    });
    // A lone surrogate (which ClickHouse refuses in JSONEachRow) is replaced when the row is made.
    const { records, writers } = capture(store);
    await writers.writeLogs([{ ...logs(1)[0]!, id: 'lone', message: 'bad \ud800 text' }]);
    await writers.writeRum([{ ...rum(1)[0]!, id: 'lone', name: 'step \udc00' }]);
    await writers.writeSamples([{ ts: T0, target: 'gw', series: 's', labels: { k: 'v\ud800' }, value: 1 }]);
    for (const r of records)
      await store.signals.records[r.kind as keyof typeof store.signals.records].writeRecords([r.payload]);
    const page = await store.signals.searchLogs({ from: T0 - 1, to: T0 + 1000, limit: 10, cursor: null });
    expect(page.items.map((l) => l.message)).toEqual(['bad \ufffd text']);
    const [r] = await store.signals.rumRecords({ from: T0 - 1, to: T0 + 1000, limit: 10 });
    expect(r?.name).toBe('step \ufffd');
    const [sm] = await store.signals.querySamples({
      series: 's',
      from: T0,
      to: T0 + 1,
      limit: 10,
      labels: { k: 'v\ufffd' },
    });
    expect(sm?.labels).toEqual({ k: 'v\ufffd' });
  });
});
