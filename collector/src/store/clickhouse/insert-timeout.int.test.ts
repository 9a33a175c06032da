// Guards exactly-once writes on ClickHouse when an INSERT times out on the client but the server still runs it: the retry waits for that INSERT before its duplicate check (payment events and samples), so nothing is stored twice.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { ident, sql } from './sql.js';

const ep = clickhouseEndpoint();
const logger = createLogger({ level: 'silent' });
const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
const databases: string[] = [];
const closers: (() => void)[] = [];
const T0 = Date.UTC(2026, 0, 12);
const PASS_BYTES = 2 * 1024 * 1024;

afterAll(async () => {
  for (const c of closers) c();
  for (const d of databases) await client.command({ query: sql`DROP DATABASE IF EXISTS ${ident(d)}`.text });
  await client.close();
});

/**
 * A TCP proxy in front of ClickHouse that, for the first request whose query is an INSERT into
 * `table`, passes its first 2 MiB (request line, headers, the start of the body) at once and
 * the rest `holdMs` later, even after the client gave up: the server has started the INSERT and
 * commits its rows only then (a slow link or a busy server, as a client timeout sees it).
 */
async function holdingProxy(
  table: string,
  holdMs: number,
): Promise<{ url: string; held: () => boolean; landed: () => Promise<void> }> {
  const target = new URL(ep.url);
  let held = false;
  let released: Promise<void> = Promise.resolve();
  const insertInto = new RegExp(`^POST [^ ]*query=INSERT(\\+|%20)INTO(\\+|%20)[^ +%]*\\.${table}(\\+|%20)`);
  const server = net.createServer((down) => {
    const up = net.connect(Number(target.port), target.hostname);
    let holding = false;
    const later: Buffer[] = [];
    let passed = -1; // bytes of the held INSERT passed on so far (-1: none seen yet)
    down.on('data', (chunk: Buffer) => {
      if (holding) return void later.push(chunk);
      if (!held && insertInto.test(chunk.toString('latin1', 0, 300))) {
        held = true;
        passed = 0;
      }
      if (passed >= 0) {
        // ClickHouse (18.16) reads a whole 1 MiB buffer of the body before it starts the query:
        // pass 2 MiB, so the INSERT runs (in system.processes), then hold the rest.
        passed += chunk.length;
        if (passed >= PASS_BYTES) {
          holding = true;
          released = new Promise<void>((done) =>
            setTimeout(() => {
              for (const c of later) up.write(c);
              up.end();
              // Landed once the server answers it (or drops the connection).
              up.once('data', () => done());
              up.once('close', () => done());
            }, holdMs),
          );
        }
      }
      up.write(chunk);
    });
    down.on('end', () => {
      if (!holding) up.end();
    });
    down.on('error', () => undefined);
    up.on('error', () => undefined);
    up.on('data', (c: Buffer) => {
      if (!down.destroyed) down.write(c);
    });
    up.on('end', () => down.end());
    // The client giving up must not cancel what the server already got (or will get).
    down.on('close', () => {
      if (!holding) up.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, held: () => held, landed: () => released };
}

async function count(database: string, table: string): Promise<number> {
  const rs = await client.query({
    query: sql`SELECT count() AS n FROM ${ident(database)}.${ident(table)}`.text,
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ n: string }>();
  return Number(r?.n);
}

async function store(url: string) {
  const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  databases.push(database);
  const s = createClickHouseStore(
    { url, username: ep.username, password: ep.password, database, requestTimeoutMs: 1500 },
    { logger },
  );
  await s.start();
  return { s, database };
}

describe('an INSERT that timed out on the client but still runs on the server', () => {
  it('payment events: the retry finds the ids once that INSERT lands, stores none twice', async () => {
    await assertClickHouseUp(ep);
    const proxy = await holdingProxy('payment_events', 2500);
    // The store's requestTimeoutMs is 1.5 s: the held INSERT lands ~2.5 s after it started, while
    // the retry's wait for running INSERTs (bounded by the same 1.5 s) is on.
    const { s, database } = await store(proxy.url);
    const events = generateEvents({ seed: 31, payments: 4000, from: T0, spanMs: 3_600_000, idPrefix: 't_' });
    await expect(s.write(events)).rejects.toThrow(/timeout/i);
    expect(proxy.held()).toBe(true);
    // The spool retries the same batch (after its backoff).
    const again = await s.write(events);
    await proxy.landed();
    expect(await count(database, 'payment_events')).toBe(events.length);
    expect(again.inserted.length + again.duplicates.length).toBe(events.length);
    await s.stop();
  }, 60_000);

  it('spooled samples (no row id, a plain MergeTree): the retry finds them once that INSERT lands, stores none twice', async () => {
    await assertClickHouseUp(ep);
    const proxy = await holdingProxy('signal_samples', 2500);
    const { s, database } = await store(proxy.url);
    const rows = Array.from({ length: 20000 }, (_, i) =>
      Buffer.from(
        JSON.stringify({
          ts: T0 + Math.floor(i / 100) * 1000,
          target: 'http://shop:9100/metrics',
          series: 'payment_latency_seconds_bucket',
          labels: JSON.stringify({ gateway: 'adyen', le: String(i % 100) }),
          label_keys: ['gateway', 'le'],
          label_values: ['adyen', String(i % 100)],
          value: i,
        }) + '\n',
      ),
    );
    const writer = s.signals.records.signal_samples;
    await expect(writer.writeRecords(rows)).rejects.toThrow(/timeout/i);
    expect(proxy.held()).toBe(true);
    const again = await writer.writeRecords(rows);
    await proxy.landed();
    expect(await count(database, 'signal_samples')).toBe(rows.length);
    expect(again.inserted + again.duplicates).toBe(rows.length);
    await s.stop();
  }, 60_000);
});
