/**
 * Measures the ClickHouse write path on this machine against the raw limit, in one run:
 *   npx tsx collector/src/store/clickhouse/write-throughput.bench.ts [totalEvents]
 * (needs `scripts/services.sh up`). Scenarios, each on the same generated events:
 *   raw      clickhouse-client "INSERT … FORMAT JSONEachRow" of the same rows from a file, into a
 *            copy of the raw table without views (the machine's limit)
 *   store    createClickHouseStore().write in batches of 20 000 (duplicate check + insert + views)
 *   spool    the durable spool in front of the store: acknowledged (fsync) rate and drained rate
 * Prints the rates and ratios and saves them to bench/results/clickhouse-write-<time>.json.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import type { PaymentEvent } from '@paywatch/contracts';
import { clickhouseEndpoint, REPO_DIR, serviceBin } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/events.js';
import { createSpool } from '../spool/index.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { toRow } from './row.js';
import { ident, sql } from './sql.js';

const total = Number(process.argv[2] ?? 200_000);
const BATCH = 20_000;
const logger = createLogger({ level: 'silent' });
const ep = clickhouseEndpoint();
const T0 = Date.UTC(2026, 0, 5);

function makeEvents(n: number): PaymentEvent[] {
  const out: PaymentEvent[] = [];
  for (let seed = 1; out.length < n; seed++) {
    out.push(
      ...generateEvents({ seed, payments: 5_000, from: T0, spanMs: 86_400_000, idPrefix: `s${seed}_` }),
    );
  }
  return out.slice(0, n);
}

async function clientInsert(database: string, file: string): Promise<number> {
  const bin = serviceBin('clickhouse-client');
  const args = ['--host', new URL(ep.url).hostname, '--user', ep.username, '--password', ep.password];
  if (ep.tcpPort !== null) args.push('--port', String(ep.tcpPort));
  args.push('--query', `INSERT INTO ${database}.bench_raw FORMAT JSONEachRow`);
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    createReadStream(file).pipe(p.stdin);
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`clickhouse-client exited ${code}: ${err}`)),
    );
  });
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const events = makeEvents(total);
  const database = `paywatch_bench_${Date.now()}`;
  const admin = createClient({ url: ep.url, username: ep.username, password: ep.password });
  const tmp = await mkdtemp(path.join(tmpdir(), 'pw-ch-bench-'));
  const results: Record<string, unknown> = {
    events: total,
    batch: BATCH,
    cpus: cpus().length,
    at: new Date().toISOString(),
  };
  try {
    // --- store (fresh database; this also creates the schema used by the raw copy) -------------
    const store = createClickHouseStore({ ...ep, database }, { logger });
    await store.start();
    let t0 = performance.now();
    for (let i = 0; i < events.length; i += BATCH) await store.write(events.slice(i, i + BATCH));
    const storeS = (performance.now() - t0) / 1000;
    // Re-sending everything: the duplicate check alone.
    t0 = performance.now();
    for (let i = 0; i < events.length; i += BATCH) await store.write(events.slice(i, i + BATCH));
    const dupS = (performance.now() - t0) / 1000;
    await store.stop();

    // --- raw limit: same rows, clickhouse-client, a copy of the table without views ----------
    await admin.command({
      query: sql`CREATE TABLE ${ident(database)}.bench_raw AS ${ident(database)}.payment_events`.text,
    });
    const file = path.join(tmp, 'rows.ndjson');
    await writeFile(file, events.map((e) => JSON.stringify(toRow(e))).join('\n') + '\n');
    const rawS = await clientInsert(database, file);

    // --- spool in front of the store (fresh database) ----------------------------------------
    const db2 = `${database}_spool`;
    const store2 = createClickHouseStore({ ...ep, database: db2 }, { logger });
    await store2.start();
    const spool = createSpool(
      { dir: path.join(tmp, 'spool'), quotaBytes: 8 * 1024 ** 3, maxBatchEvents: BATCH },
      { writer: store2, logger },
    );
    await spool.start();
    t0 = performance.now();
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < events.length; i += 1000) acks.push(spool.write(events.slice(i, i + 1000)));
    await Promise.all(acks);
    const ackS = (performance.now() - t0) / 1000;
    await spool.drained();
    const drainS = (performance.now() - t0) / 1000;
    await spool.stop();
    await store2.stop();
    await admin.command({ query: sql`DROP DATABASE IF EXISTS ${ident(db2)}`.text });

    const rate = (s: number) => Math.round(total / s);
    Object.assign(results, {
      raw_client_rows_per_s: rate(rawS),
      store_write_events_per_s: rate(storeS),
      store_resend_all_duplicates_events_per_s: rate(dupS),
      spool_ack_events_per_s: rate(ackS),
      spool_end_to_end_events_per_s: rate(drainS),
      ratio_store_to_raw: +(rawS / storeS).toFixed(3),
      ratio_spool_end_to_end_to_raw: +(rawS / drainS).toFixed(3),
    });
    console.log(JSON.stringify(results, null, 2));
    const out = path.join(REPO_DIR, 'bench', 'results');
    await mkdir(out, { recursive: true });
    await writeFile(
      path.join(out, `clickhouse-write-${results.at as string}.json`.replace(/:/g, '-')),
      JSON.stringify(results, null, 2) + '\n',
    );
  } finally {
    await admin
      .command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text })
      .catch(() => undefined);
    await admin.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
