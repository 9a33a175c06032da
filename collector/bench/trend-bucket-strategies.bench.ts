/**
 * Which SQL places rows in a zone's 6 h / 1 d buckets fastest in DuckDB, given the boundaries
 * computed in JS (`bucketStarts`): `npx tsx collector/bench/trend-bucket-strategies.bench.ts`.
 * 291k random rows over 30 days (2026-03-10 → 04-09, across Europe/Berlin's DST change) in an
 * in-memory table; the trend query's shape (count, a FILTER count, p95) grouped by the bucket,
 * 8 runs each, median/min ms; UTC epoch multiples as the floor, DuckDB ICU per row (the store's
 * old way) as the ceiling → bench/results/trend-bucket-strategies.json with /proc/loadavg.
 * Values are inlined (a bench, not input); the store binds them (`zonedBucketSql`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { bucketStarts } from '@paywatch/contracts';
import { SqlParams, icuBucketSql, zonedBucketSql } from '../src/store/embedded/sql.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2026, 2, 10);
const TO = FROM + 30 * DAY;
const TZ = 'Europe/Berlin';
const RUNS = 8;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(
  `CREATE TABLE e AS SELECT (${FROM} + (random() * ${30 * DAY})::BIGINT) AS ts,
     (random() * 1000)::INTEGER AS latency_ms,
     CASE WHEN random() < 0.1 THEN 'failed' ELSE 'succeeded' END AS status
   FROM range(291000)`,
);

async function time(mk: (p: SqlParams) => { t: string; from?: string }) {
  const ms: number[] = [];
  let buckets = 0;
  for (let r = 0; r < RUNS; r++) {
    const p = new SqlParams();
    const { t, from } = mk(p);
    const sql = `SELECT ${t} AS t, count(*) AS c, count(*) FILTER (WHERE status = 'failed') AS f,
        quantile_cont(latency_ms, 0.95) AS p95
      FROM ${from ?? 'e'} WHERE ts >= ${FROM} AND ts < ${TO} GROUP BY 1 ORDER BY 1`;
    const t0 = performance.now();
    const res = await c.runAndReadAll(sql, p.values);
    ms.push(performance.now() - t0);
    buckets = res.getRowObjectsJS().length;
  }
  ms.sort((a, b) => a - b);
  const round = (x: number | undefined) => Math.round((x ?? NaN) * 10) / 10;
  return { median_ms: round(ms[Math.floor(RUNS / 2)]), min_ms: round(ms[0]), buckets };
}

const results = [];
for (const b of [DAY, 6 * HOUR]) {
  const starts = bucketStarts(FROM, TO, b, TZ, 20_000);
  const ends = [...starts.slice(1), TO];
  const values = (withEnd: boolean) =>
    starts.map((s, i) => (withEnd ? `(${s}::BIGINT, ${ends[i]}::BIGINT)` : `(${s}::BIGINT)`)).join(', ');
  const strategies: [string, (p: SqlParams) => { t: string; from?: string }][] = [
    ['UTC epoch multiples (no zone)', () => ({ t: `(ts - ts % ${b})` })],
    ['ICU per row (AT TIME ZONE, the old way)', (p) => ({ t: icuBucketSql(p, b, TZ) })],
    [
      'segments: arithmetic, CASE per offset change (the store)',
      (p) => ({ t: zonedBucketSql(p, starts, b) }),
    ],
    [
      'CASE per bucket',
      () => ({ t: `CASE ${starts.map((s, i) => `WHEN ts < ${ends[i]} THEN ${s}`).join(' ')} END` }),
    ],
    [
      'range join to VALUES (start, end)',
      () => ({
        t: 'k.s',
        from: `e JOIN (VALUES ${values(true)}) AS k(s, en) ON e.ts >= k.s AND e.ts < k.en`,
      }),
    ],
    [
      'ASOF join to VALUES (start)',
      () => ({ t: 'k.s', from: `e ASOF JOIN (VALUES ${values(false)}) AS k(s) ON e.ts >= k.s` }),
    ],
  ];
  for (const [name, mk] of strategies) {
    const loadBefore = loadavg();
    const r = {
      bucket: b === DAY ? '1d' : '6h',
      strategy: name,
      ...(await time(mk)),
      loadavg_before: loadBefore,
    };
    console.log(
      `${r.bucket} ${name.padEnd(58)} median ${String(r.median_ms).padStart(6)} ms  min ${String(r.min_ms).padStart(6)} ms  (${r.buckets} buckets; load ${loadBefore})`,
    );
    results.push(r);
  }
}
c.closeSync();
db.closeSync();
const out = join(root, 'bench/results/trend-bucket-strategies.json');
writeFileSync(
  out,
  JSON.stringify(
    { measured_at: new Date().toISOString(), zone: TZ, rows: 291_000, runs: RUNS, results },
    null,
    2,
  ) + '\n',
);
console.log(`→ ${out}`);
