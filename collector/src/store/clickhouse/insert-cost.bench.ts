/**
 * What the materialized views cost an INSERT, on the ClickHouse server alone:
 *   npm run bench:insert-cost -- [millionsOfRows=2] [rounds=2] [each]
 *   (= npx tsx collector/src/store/clickhouse/insert-cost.bench.ts …)
 *   (needs `scripts/services.sh up`)
 * Each round inserts the same generated rows (`generatedEvents`, one INSERT … SELECT) into fresh
 * databases with the current schema: `views` as migrated (raw table + every view), `raw` with
 * every materialized view dropped first (the raw table alone), and with `each` as third
 * argument also `only:<view>` for each view (every other view dropped: that view's own cost is
 * its time minus `raw`). Prints seconds and rows/s per variant and /proc/loadavg (the box is
 * shared, so compare variants of the same round). Saves bench/results/insert-cost-clickhouse.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { REPO_DIR } from '../../../test/services.js';
import { generatedEvents, openBenchDatabase, pct, type BenchDatabase } from './bench-db.js';
import { ident, sql } from './sql.js';

const n = Math.round(Number(process.argv[2] ?? 2) * 1_000_000);
const rounds = Number(process.argv[3] ?? 2);
const each = process.argv[4] === 'each';
const END = Date.UTC(2026, 0, 31);
const START = END - 30 * 86_400_000;

/** `views`, `raw`, or `only:<view name>`. */
type Variant = string;

async function viewNames(bench: BenchDatabase): Promise<string[]> {
  const rs = await bench.admin.query({
    query:
      sql`SELECT name FROM system.tables WHERE database = ${bench.database} AND engine = 'MaterializedView' ORDER BY name`
        .text,
    format: 'JSONEachRow',
  });
  return (await rs.json<{ name: string }>()).map((r) => r.name);
}

async function timeInsert(variant: Variant): Promise<number> {
  const bench = await openBenchDatabase('paywatch_icost');
  try {
    const db = bench.database;
    if (variant !== 'views') {
      for (const v of await viewNames(bench))
        if (variant !== `only:${v}`)
          await bench.admin.command({ query: sql`DROP TABLE ${ident(db)}.${ident(v)}`.text });
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

const variants: Variant[] = ['raw', 'views'];
if (each) {
  const probe = await openBenchDatabase('paywatch_icost');
  variants.push(...(await viewNames(probe)).map((v) => `only:${v}`));
  await probe.dispose();
}
const seconds: Record<Variant, number[]> = {};
const loads: number[][] = [];
for (let r = 0; r < rounds; r++) {
  for (const v of variants) {
    const s = await timeInsert(v);
    (seconds[v] ??= []).push(+s.toFixed(2));
    loads.push(loadavg().map((x) => +x.toFixed(2)));
    console.log(
      `round ${r + 1} ${v}: ${s.toFixed(1)} s, ${Math.round(n / s)} rows/s, loadavg ${loads.at(-1)?.join(' ')}`,
    );
  }
}
const med = (v: Variant) => pct(seconds[v] ?? [], 50);
const result = {
  rows: n,
  at: new Date().toISOString(),
  seconds,
  median_seconds: Object.fromEntries(variants.map((v) => [v, med(v)])),
  views_factor: +(med('views') / med('raw')).toFixed(2),
  loadavg: loads,
};
console.log(result);
const out = path.join(REPO_DIR, 'bench', 'results');
await mkdir(out, { recursive: true });
await writeFile(path.join(out, 'insert-cost-clickhouse.json'), JSON.stringify(result, null, 2) + '\n');
