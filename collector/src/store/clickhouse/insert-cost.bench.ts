/**
 * What the materialized views cost an INSERT, on the ClickHouse server alone:
 *   npx tsx collector/src/store/clickhouse/insert-cost.bench.ts [millionsOfRows=2] [rounds=2]
 *   (needs `scripts/services.sh up`)
 * Each round inserts the same generated rows (`generatedEvents`, one INSERT … SELECT) into two
 * fresh databases with the current schema: `views` as migrated (raw table + every view) and
 * `raw` with every materialized view dropped first (the raw table alone). Prints seconds and
 * rows/s per variant, the views' share, and /proc/loadavg (the box is shared, so compare
 * variants of the same round). Saves bench/results/insert-cost-clickhouse.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { REPO_DIR } from '../../../test/services.js';
import { generatedEvents, openBenchDatabase, pct } from './bench-db.js';
import { ident, sql } from './sql.js';

const n = Math.round(Number(process.argv[2] ?? 2) * 1_000_000);
const rounds = Number(process.argv[3] ?? 2);
const END = Date.UTC(2026, 0, 31);
const START = END - 30 * 86_400_000;

async function timeInsert(variant: 'views' | 'raw'): Promise<number> {
  const bench = await openBenchDatabase('paywatch_icost');
  try {
    const db = bench.database;
    if (variant === 'raw') {
      const rs = await bench.admin.query({
        query: sql`SELECT name FROM system.tables WHERE database = ${db} AND engine = 'MaterializedView'`
          .text,
        format: 'JSONEachRow',
      });
      for (const v of await rs.json<{ name: string }>())
        await bench.admin.command({ query: sql`DROP TABLE ${ident(db)}.${ident(v.name)}`.text });
    }
    const t = performance.now();
    await bench.admin.command({
      query: sql`INSERT INTO ${ident(db)}.payment_events ${generatedEvents(START, END, n, 0, n)}`.text,
      clickhouse_settings: { max_memory_usage: '8000000000' },
    });
    return (performance.now() - t) / 1000;
  } finally {
    await bench.dispose();
  }
}

const seconds: Record<'views' | 'raw', number[]> = { views: [], raw: [] };
const loads: number[][] = [];
for (let r = 0; r < rounds; r++) {
  for (const v of ['raw', 'views'] as const) {
    const s = await timeInsert(v);
    seconds[v].push(+s.toFixed(2));
    loads.push(loadavg().map((x) => +x.toFixed(2)));
    console.log(
      `round ${r + 1} ${v}: ${s.toFixed(1)} s, ${Math.round(n / s)} rows/s, loadavg ${loads.at(-1)?.join(' ')}`,
    );
  }
}
const med = (v: 'views' | 'raw') => pct(seconds[v], 50);
const result = {
  rows: n,
  at: new Date().toISOString(),
  seconds,
  median_seconds: { raw: med('raw'), views: med('views') },
  views_factor: +(med('views') / med('raw')).toFixed(2),
  loadavg: loads,
};
console.log(result);
const out = path.join(REPO_DIR, 'bench', 'results');
await mkdir(out, { recursive: true });
await writeFile(path.join(out, 'insert-cost-clickhouse.json'), JSON.stringify(result, null, 2) + '\n');
