// `npm run bench`: every benchmark that needs no extra service, one after the other (they share
// two cores, so never in parallel), then the ClickHouse ones with `-- --clickhouse` (a server from
// `scripts/services.sh up`). Each bench writes its own file in bench/results/; this run adds
// bench/results/summary.json: which ran, how long, whether it succeeded, where its figures are.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Bench {
  name: string;
  script: string;
  args: string[];
  results: string;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const withClickHouse = process.argv.includes('--clickhouse');

const BENCHES: Bench[] = [
  {
    name: 'ingest (embedded)',
    script: 'bench:ingest',
    args: [],
    results: 'bench/results/ingest-embedded.json',
  },
  {
    name: 'alert detectors',
    script: 'bench:alerts',
    args: [],
    results: 'bench/results/alerts-throughput.json',
  },
  {
    name: 'alert fraud waves',
    script: 'bench:alerts:fraud',
    args: [],
    results: 'bench/results/alerts-fraud-burst.json',
  },
  {
    name: 'trend query (embedded, UTC vs zone)',
    script: 'bench:trends',
    args: ['--label', 'latest'],
    results: 'bench/results/trend-query-embedded.json',
  },
  { name: 'dashboard web', script: 'bench:web', args: [], results: 'bench/results/web.json' },
  // Reads ../shared/nab; says so and scores nothing when the corpus is absent.
  { name: 'NAB', script: 'bench:nab', args: [], results: 'bench/results/nab.json' },
  ...(withClickHouse
    ? [
        {
          name: 'ingest (ClickHouse)',
          script: 'bench:ingest',
          args: ['--store', 'clickhouse', '--events', '100000'],
          results: 'bench/results/ingest-clickhouse.json',
        },
        {
          name: 'queries (ClickHouse, 10M)',
          script: 'bench:query',
          args: ['10'],
          results: 'bench/results/query-clickhouse-10M.json',
        },
      ]
    : []),
];

const runs = BENCHES.map((b) => {
  console.log(`\n=== ${b.name}: npm run ${b.script}${b.args.length ? ' -- ' + b.args.join(' ') : ''}`);
  const started = Date.now();
  const r = spawnSync('npm', ['run', '--silent', b.script, ...(b.args.length ? ['--', ...b.args] : [])], {
    cwd: root,
    stdio: 'inherit',
  });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  return {
    name: b.name,
    script: b.script,
    args: b.args,
    ok: r.status === 0,
    exit_code: r.status,
    seconds,
    results: b.results,
  };
});

mkdirSync(join(root, 'bench/results'), { recursive: true });
const summary = { at: new Date().toISOString(), clickhouse: withClickHouse, runs };
writeFileSync(join(root, 'bench/results/summary.json'), JSON.stringify(summary, null, 2) + '\n');

console.log('\nbench summary (bench/results/summary.json):');
for (const r of runs)
  console.log(
    `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(28)} ${String(r.seconds).padStart(7)} s  ${r.results}`,
  );
if (!withClickHouse)
  console.log('  (ClickHouse benches: npm run bench -- --clickhouse, after scripts/services.sh up)');
process.exitCode = runs.every((r) => r.ok) ? 0 : 1;
