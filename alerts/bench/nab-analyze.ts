// NAB failure analysis for the production univariate detector: per file, which windows are
// missed (and how close the detector came), and which detections are false positives (with the
// score and what each costs), so the dominant failure modes are visible. Exploration only: the
// official figures come from `npm run bench:nab`.
// Usage: npx tsx alerts/bench/nab-analyze.ts [--config '{…}'] [--threshold T] [--half A|B]
//        [--dump scores.json]
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTimestamp } from '../src/cli/detect.command.js';
import { createUnivariateDetector, DEFAULT_UNIVARIATE_CONFIG } from '../src/detect/univariate.detector.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const nab = resolve(root, '../shared/nab');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const config = { ...DEFAULT_UNIVARIATE_CONFIG, ...(JSON.parse(opt('--config') ?? '{}') as object) };
const half = opt('--half');

/** One corpus file with its scores and labelled windows (row indices). */
interface FileRun {
  rel: string;
  values: number[];
  scores: Float64Array;
  probation: number;
  windows: { l: number; r: number }[];
  unit: Float64Array;
  kind: Int32Array;
}

const windowsJson = JSON.parse(readFileSync(join(nab, 'labels/combined_windows.json'), 'utf8')) as Record<
  string,
  [string, string][]
>;
const files: string[] = [];
for (const cat of readdirSync(join(nab, 'data')).sort()) {
  const d = join(nab, 'data', cat);
  if (!statSync(d).isDirectory()) continue;
  readdirSync(d)
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .forEach((f, i) => {
      if (half === undefined || (i % 2 === 0 ? 'A' : 'B') === half) files.push(join(cat, f));
    });
}

// NAB's scaled sigmoid (see ../shared/nab/README.md).
const sig = (y: number): number => (y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1);
const S1 = sig(-1);

const runs: FileRun[] = [];
for (const rel of files) {
  const lines = readFileSync(join(nab, 'data', rel), 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1);
  const det = createUnivariateDetector(config);
  const ts: string[] = [];
  const values: number[] = [];
  const scores = new Float64Array(lines.length);
  lines.forEach((line, i) => {
    const [t = '', v = ''] = line.split(',');
    ts.push(t);
    values.push(Number(v));
    scores[i] = Number(det.update(Number(v), parseTimestamp(t)).score.toFixed(6));
  });
  const n = lines.length;
  const idx = new Map(ts.map((t, i) => [t.replace(/\.0+$/, ''), i]));
  const windows = (windowsJson[rel] ?? [])
    .map(([a, b]) => ({ l: idx.get(a.replace(/\.0+$/, '')) ?? -1, r: idx.get(b.replace(/\.0+$/, '')) ?? -1 }))
    .sort((a, b) => a.l - b.l);
  if (windows.some((w) => w.l < 0 || w.r < 0)) throw new Error(`${rel}: window timestamps not found`);
  const probation = Math.min(Math.floor(0.15 * n), 750);
  const unit = new Float64Array(n);
  const kind = new Int32Array(n);
  let prev: { l: number; r: number } | null = null;
  let k = 0;
  for (let i = 0; i < n; i++) {
    while (k < windows.length && windows[k]!.r < i) prev = windows[k++]!;
    const w = windows[k];
    if (w !== undefined && w.l <= i && i <= w.r) {
      unit[i] = sig(-(w.r - i + 1) / (w.r - w.l + 1)) / S1;
      kind[i] = k;
    } else {
      unit[i] = prev === null ? -1 : sig((i - prev.r) / (prev.r - prev.l));
      kind[i] = -1;
    }
    if (i < probation) kind[i] = -2;
  }
  runs.push({ rel, values, scores, probation, windows, unit, kind });
}

/** Standard-profile raw score at threshold th. */
function rawAt(th: number, fpW = 0.11, fnW = 1): number {
  let raw = 0;
  for (const f of runs) {
    const best = new Map<number, number>();
    for (let i = 0; i < f.scores.length; i++) {
      const k = f.kind[i]!;
      if (k === -2 || f.scores[i]! < th) continue;
      if (k >= 0) best.set(k, Math.max(best.get(k) ?? -Infinity, f.unit[i]!));
      else raw += fpW * f.unit[i]!;
    }
    f.windows.forEach((w, k) => {
      if (w.r < f.probation) return;
      raw += best.has(k) ? best.get(k)! : -fnW;
    });
  }
  return raw;
}
const scorable = runs.reduce((a, f) => a + f.windows.filter((w) => w.r >= f.probation).length, 0);
const cands = [...new Set(runs.flatMap((f) => Array.from(f.scores).filter((s) => s >= 0.3)))].sort(
  (a, b) => b - a,
);
let th = Number(opt('--threshold') ?? NaN);
if (!Number.isFinite(th)) {
  let best = -Infinity;
  for (const c of cands) {
    const r = rawAt(c);
    if (r > best) {
      best = r;
      th = c;
    }
  }
}
const norm = (raw: number, fnW = 1): number =>
  (100 * (raw + fnW * scorable)) / (runs.reduce((a, f) => a + f.windows.length, 0) + fnW * scorable);
console.log(
  `threshold ${th}: standard ${norm(rawAt(th)).toFixed(2)}, low-FP ${norm(rawAt(th, 0.22)).toFixed(2)}, low-FN ${norm(rawAt(th, 0.11, 2), 2).toFixed(2)} (at this one threshold)`,
);

let missed = 0;
let fps = 0;
let fpCost = 0;
const lateHits: string[] = [];
for (const f of runs) {
  const lines: string[] = [];
  f.windows.forEach((w, k) => {
    const width = w.r - w.l + 1;
    let first = -1;
    let mx = 0;
    let mxAt = -1;
    for (let i = Math.max(w.l, f.probation); i <= w.r; i++) {
      if (f.scores[i]! > mx) {
        mx = f.scores[i]!;
        mxAt = i;
      }
      if (first < 0 && f.scores[i]! >= th) first = i;
    }
    const where = w.l < f.probation ? ` (starts in probation: ${f.probation - w.l} rows before)` : '';
    if (w.r < f.probation) lines.push(`  window ${k} [${w.l},${w.r}] entirely in probation`);
    else if (first < 0) {
      missed++;
      lines.push(
        `  MISSED window ${k} [${w.l},${w.r}] w=${width}${where}; max score ${mx.toFixed(3)} at +${mxAt - w.l}`,
      );
    } else {
      const u = f.unit[first]!;
      if (u < 0.8)
        lateHits.push(`${f.rel} window ${k}: first at +${first - w.l}/${width} unit ${u.toFixed(2)}`);
      lines.push(
        `  hit window ${k} [${w.l},${w.r}] w=${width}${where}: first at +${first - w.l} (unit ${u.toFixed(2)})`,
      );
    }
  });
  for (let i = f.probation; i < f.scores.length; i++) {
    if (f.kind[i] !== -1 || f.scores[i]! < th) continue;
    fps++;
    fpCost += 0.11 * f.unit[i]!;
    const prevW = [...f.windows].reverse().find((w) => w.r < i);
    const nextW = f.windows.find((w) => w.l > i);
    lines.push(
      `  FP row ${i} score ${f.scores[i]!.toFixed(3)} cost ${(0.11 * f.unit[i]!).toFixed(3)}` +
        (prevW ? ` (+${i - prevW.r} after window end)` : '') +
        (nextW ? ` (${nextW.l - i} before next window)` : ''),
    );
  }
  if (lines.length > 0)
    console.log(`${f.rel} (n=${f.scores.length}, probation ${f.probation})\n${lines.join('\n')}`);
}
console.log(`\nmissed ${missed}, FP rows ${fps} costing ${fpCost.toFixed(2)} raw (standard)`);
console.log(`late hits (unit < 0.8):\n  ${lateHits.join('\n  ')}`);
const dump = opt('--dump');
if (dump !== undefined)
  writeFileSync(
    dump,
    JSON.stringify(
      runs.map((f) => ({
        rel: f.rel,
        probation: f.probation,
        windows: f.windows,
        scores: Array.from(f.scores),
      })),
    ),
  );
