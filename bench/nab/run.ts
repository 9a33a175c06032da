// NAB bench: runs the production univariate detector (`paywatch detect`) over every NAB file and
// scores the results with the independent scorer in ../shared/nab. Usage: npm run bench:nab
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { detectFile } from '../../alerts/src/cli/detect.command.js';
import { DEFAULT_UNIVARIATE_CONFIG } from '../../alerts/src/detect/univariate.detector.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const cfgArg = args.indexOf('--config');
// --config '{…}' overrides tunables for exploration; the saved result always names the config used.
const config = {
  ...DEFAULT_UNIVARIATE_CONFIG,
  ...(cfgArg >= 0 ? (JSON.parse(args[cfgArg + 1] ?? '{}') as object) : {}),
};
const nab =
  args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--config') ?? resolve(root, '../shared/nab');
if (!existsSync(join(nab, 'data')) || !existsSync(join(nab, 'score.mjs'))) {
  console.error(
    `bench:nab: the NAB corpus is absent (looked for ${nab}/data and ${nab}/score.mjs); nothing scored.`,
  );
  process.exit(2);
}
const outDir = join(tmpdir(), `paywatch-nab-${process.pid}`, 'paywatch');
const files: string[] = [];
for (const cat of readdirSync(join(nab, 'data'))) {
  const d = join(nab, 'data', cat);
  if (!statSync(d).isDirectory()) continue;
  for (const f of readdirSync(d)) if (f.endsWith('.csv')) files.push(join(cat, f));
}
const t0 = performance.now();
let rows = 0;
for (const f of files) {
  mkdirSync(join(outDir, dirname(f)), { recursive: true });
  rows += await detectFile(join(nab, 'data', f), join(outDir, f), config);
}
const seconds = (performance.now() - t0) / 1000;
const raw = execFileSync('node', [join(nab, 'score.mjs'), '--json', '--name', 'paywatch', outDir], {
  encoding: 'utf8',
});
const scored = JSON.parse(raw) as unknown;
// Also score at the detector's own report threshold (what the product pages on), not only NAB's sweep.
const rawFixed = execFileSync(
  'node',
  [
    join(nab, 'score.mjs'),
    '--json',
    '--name',
    'paywatch',
    '--threshold',
    String(config.reportThreshold),
    outDir,
  ],
  { encoding: 'utf8' },
);
const result = {
  detector: 'paywatch univariate (alerts/src/detect/univariate.detector.ts)',
  config,
  default_config: JSON.stringify(config) === JSON.stringify(DEFAULT_UNIVARIATE_CONFIG),
  files: files.length,
  rows,
  detect_seconds: Number(seconds.toFixed(2)),
  // Shared 2-core box: detect_seconds (which includes CSV parsing and writing) varies with load.
  loadavg_at_end: loadavg().map((l) => Number(l.toFixed(2))),
  targets: { standard: 74.9, reward_low_FP_rate: 67, reward_low_FN_rate: 80.4 },
  scorer: scored,
  scorer_at_report_threshold: JSON.parse(rawFixed) as unknown,
  at: new Date().toISOString(),
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/nab.json'), JSON.stringify(result, null, 2) + '\n');
console.log(
  execFileSync('node', [join(nab, 'score.mjs'), '--name', 'paywatch', outDir], { encoding: 'utf8' }),
);
console.log(
  `files ${files.length}, rows ${rows}, detect ${seconds.toFixed(1)} s; saved bench/results/nab.json`,
);
rmSync(dirname(outDir), { recursive: true, force: true });
