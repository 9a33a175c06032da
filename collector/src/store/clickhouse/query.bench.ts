/**
 * Times the dashboard queries on the ClickHouse store over a large generated data set:
 *   npm run bench:query -- [millionsOfEvents=10] [repeats=15]
 *   (= npx tsx collector/src/store/clickhouse/query.bench.ts …; needs `scripts/services.sh up`)
 * Rows are generated inside ClickHouse (INSERT … SELECT from numbers(), in chunks of 5M, through
 * the same table, key index, per-minute rollup and hourly cube views as live ingest), spread over
 * 30 days, with skewed dimensions like real traffic (a few providers, countries and merchants
 * carry most payments). Ranges end at the current minute, as the dashboard sends them (so
 * 30-day reads have partial hours at both ends). Each query runs `repeats` times through the
 * store after one warm-up: overview, time series by provider (1 h buckets), top failure
 * categories, breakdowns, transaction search, payment timeline. Prints p50/p95 and the source
 * each read used, records /proc/loadavg (the box is shared), saves
 * bench/results/query-clickhouse-<n>M.json, and drops the database (unless the third argument
 * is `keep`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { REPO_DIR } from '../../../test/services.js';
import { generatedEvents, openBenchDatabase, pct, type BenchDatabase } from './bench-db.js';
import type { ReadShape } from './queries.js';
import { ident, sql } from './sql.js';
import type { RangeFilter } from '../types.js';

const millions = Number(process.argv[2] ?? 10);
const repeats = Number(process.argv[3] ?? 15);
/**
 * Third argument: `keep` leaves the database in place; `reuse=<database>` times the queries on a
 * database a `keep` run left (no load; implies keep).
 */
const reuse = process.argv[4]?.startsWith('reuse=') ? process.argv[4].slice('reuse='.length) : null;
const keep = process.argv[4] === 'keep' || reuse !== null;
const N = Math.round(millions * 1_000_000);
const DAY = 86_400_000;
let END = Math.floor(Date.now() / 60_000) * 60_000;
let START = END - 30 * DAY;
async function main(): Promise<void> {
  const { admin, store, database, dispose } = await openBenchDatabase('paywatch_qbench', reuse);
  const release = async () => {
    await store.stop();
    await admin.close();
  };
  const results: Record<string, unknown> = {
    events: N,
    repeats,
    cpus: cpus().length,
    at: new Date().toISOString(),
  };
  async function load(): Promise<void> {
    const t0 = performance.now();
    const insert = (from: number, count: number) =>
      sql`INSERT INTO ${ident(database)}.payment_events ${generatedEvents(START, END, N, from, count)}`;
    const CHUNK = 5_000_000;
    for (let from = 0; from < N; from += CHUNK) {
      await admin.command({
        query: insert(from, Math.min(CHUNK, N - from)).text,
        clickhouse_settings: { max_memory_usage: '8000000000' },
      });
      console.log(`  ${Math.min(N, from + CHUNK)} rows, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    results.load_seconds = +((performance.now() - t0) / 1000).toFixed(1);
  }
  try {
    if (reuse !== null) {
      // The events of a kept run: its range ended 30 days after its first event.
      const rs = await admin.query({
        query: sql`SELECT min(ts) AS t, count() AS n FROM ${ident(database)}.payment_events`.text,
        format: 'JSONEachRow',
      });
      const [r] = await rs.json<{ t: string; n: string }>();
      START = Number(r?.t);
      END = START + 30 * DAY;
      results.events = Number(r?.n);
      results.reused_database = database;
    } else await load();
    results.table_rows = await tableRows(admin, database);
    console.log(`loaded ${N} events in ${String(results.load_seconds)} s`);

    const last30: RangeFilter = { from: START, to: END, filters: {} };
    const last7: RangeFilter = { from: END - 7 * DAY, to: END, filters: {} };
    type Bench = { run: () => Promise<unknown>; source: string };
    const agg = (q: RangeFilter, shape: ReadShape, run: () => Promise<unknown>): Bench => ({
      run,
      source: store.sourceFor(q, shape),
    });
    const queries: Record<string, Bench> = {
      overview_30d: agg(last30, {}, () => store.overview(last30)),
      overview_30d_failed_stripe: agg(
        { ...last30, filters: { provider: ['stripe'], status: ['failed'] } },
        {},
        () => store.overview({ ...last30, filters: { provider: ['stripe'], status: ['failed'] } }),
      ),
      timeseries_30d_by_provider_1h: agg(last30, { bucketMs: 3_600_000, dimension: 'provider' }, () =>
        store.timeseries({ ...last30, bucketMs: 3_600_000, groupBy: 'provider' }),
      ),
      timeseries_30d_1d: agg(last30, { bucketMs: DAY, dimension: null }, () =>
        store.timeseries({ ...last30, bucketMs: DAY, groupBy: null }),
      ),
      failures_30d: agg(last30, {}, () => store.failures(last30)),
      breakdown_7d_by_merchant: agg(last7, { dimension: 'merchant_id' }, () =>
        store.breakdown({ ...last7, dimension: 'merchant_id', limit: 20 }),
      ),
      breakdown_30d_by_country: agg(last30, { dimension: 'country' }, () =>
        store.breakdown({ ...last30, dimension: 'country', limit: 20 }),
      ),
      transactions_last_hour_filtered: {
        source: 'raw',
        run: () =>
          store.transactions({
            from: END - 3_600_000,
            to: END,
            filters: { provider: ['stripe'], status: ['failed'] },
            limit: 50,
            cursor: null,
          }),
      },
      transactions_30d_newest: {
        source: 'raw',
        run: () => store.transactions({ ...last30, limit: 50, cursor: null }),
      },
      payment_timeline: { source: 'raw', run: () => store.paymentTimeline(`pay_${Math.floor(N / 3)}`) },
    };
    results.loadavg_before = loadavg().map((x) => +x.toFixed(2));
    const timings: Record<string, { p50_ms: number; p95_ms: number; source: string; loadavg: number[] }> = {};
    for (const [name, b] of Object.entries(queries)) {
      await b.run(); // warm-up
      const ms: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t = performance.now();
        await b.run();
        ms.push(performance.now() - t);
      }
      timings[name] = {
        p50_ms: pct(ms, 50),
        p95_ms: pct(ms, 95),
        source: b.source,
        loadavg: loadavg().map((x) => +x.toFixed(2)),
      };
      console.log(name, timings[name]);
    }
    results.queries = timings;
    results.loadavg_after = loadavg().map((x) => +x.toFixed(2));
    const out = path.join(REPO_DIR, 'bench', 'results');
    await mkdir(out, { recursive: true });
    const file = path.join(out, `query-clickhouse-${millions}M.json`);
    if (reuse !== null) {
      // Keep the load figures of the run that loaded this database.
      const before = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, unknown>;
      results.load_seconds = before.load_seconds;
      results.loaded_at = before.at;
    }
    await writeFile(file, JSON.stringify(results, null, 2) + '\n');
    console.log(`saved ${file}`);
  } finally {
    if (keep) {
      console.log(`kept database ${database}`);
      await release();
    } else await dispose();
  }
}

/** Rows and bytes on disk of each table of the bench database. */
async function tableRows(
  admin: BenchDatabase['admin'],
  database: string,
): Promise<Record<string, { rows: number; bytes: number }>> {
  const rs = await admin.query({
    query: sql`SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
WHERE database = ${database} AND active GROUP BY table ORDER BY table`.text,
    format: 'JSONEachRow',
  });
  const out: Record<string, { rows: number; bytes: number }> = {};
  for (const r of await rs.json<{ table: string; rows: string; bytes: string }>()) {
    out[r.table] = { rows: Number(r.rows), bytes: Number(r.bytes) };
  }
  return out;
}

await main();
