/**
 * Times the embedded store's trend query (`timeseries`, what GET /api/v1/timeseries and the
 * trends explorer read) in UTC versus a named zone, at 1 h / 6 h / 1 d buckets:
 *   npm run bench:trends -- [--label before|after] [--rounds 5] [--tz Europe/Berlin]
 * A fixed synthetic data set (seeded `generateEvents`, ≈360k events over the 30 days
 * 2026-03-10 → 2026-04-09, across Europe/Berlin's change to summer time on 29 March) is loaded
 * into an embedded store in a temp dir; each query runs once to warm up, then `rounds` times;
 * the median and min wall ms are kept, with `/proc/loadavg` before and after each case (the
 * machine is shared: compare figures taken at similar load). Figures are merged under `label`
 * into bench/results/trend-query-embedded.json, so a before and an after run sit side by side.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execSync } from 'node:child_process';
import type { Dimension, PaymentEvent } from '@paywatch/contracts';
import { createLogger } from '../src/lib/logger.js';
import { generateEvents } from '../src/store/contract/events.js';
import { createEmbeddedStore } from '../src/store/embedded/embedded.store.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2026, 2, 10);
const TO = FROM + 30 * DAY;
const DAYS = 30;
const PAYMENTS_PER_DAY = 4_000;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const label = arg('label', 'latest');
const rounds = Number(arg('rounds', '5'));
const zone = arg('tz', 'Europe/Berlin');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'bench/results/trend-query-embedded.json');
const logger = createLogger({ level: 'silent' });
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

function dataset(): PaymentEvent[] {
  const events: PaymentEvent[] = [];
  for (let d = 0; d < DAYS; d++) {
    events.push(
      ...generateEvents({
        seed: 1000 + d,
        payments: PAYMENTS_PER_DAY,
        from: FROM + d * DAY,
        spanMs: DAY,
        idPrefix: `d${d}_`,
      }),
    );
  }
  return events;
}

interface Case {
  name: string;
  range: 'last 7 d' | '30 d';
  bucket: '1h' | '6h' | '1d';
  tz: string | null;
  groupBy: Dimension | null;
}

const BUCKET_MS = { '1h': HOUR, '6h': 6 * HOUR, '1d': DAY } as const;
const cases: Case[] = [];
for (const [range, bucket] of [
  ['30 d', '1d'],
  ['30 d', '6h'],
  ['last 7 d', '6h'],
  ['last 7 d', '1h'],
  ['last 7 d', '1d'],
] as const) {
  for (const tz of [null, zone]) {
    for (const groupBy of [null, 'provider'] as const) {
      cases.push({
        name: `${range} × ${bucket}, ${tz ?? 'UTC'}${groupBy ? `, by ${groupBy}` : ''}`,
        range,
        bucket,
        tz,
        groupBy,
      });
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

const dataDir = await mkdtemp(join(tmpdir(), 'paywatch-trend-bench-'));
const store = createEmbeddedStore({ dataDir }, { logger });
await store.start();
try {
  const events = dataset();
  for (let i = 0; i < events.length; i += 20_000) await store.write(events.slice(i, i + 20_000));
  console.log(
    `loaded ${events.length} events (${new Date(FROM).toISOString()} → ${new Date(TO).toISOString()})`,
  );
  const results = [];
  for (const c of cases) {
    const q = {
      from: c.range === '30 d' ? FROM : TO - 7 * DAY,
      to: TO,
      filters: {},
      bucketMs: BUCKET_MS[c.bucket],
      groupBy: c.groupBy,
      ...(c.tz ? { tz: c.tz } : {}),
    };
    const loadBefore = loadavg();
    const points = (await store.timeseries(q)).length;
    const ms: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      await store.timeseries(q);
      ms.push(performance.now() - t0);
    }
    const row = {
      case: c.name,
      points,
      median_ms: Math.round(median(ms) * 10) / 10,
      min_ms: Math.round(Math.min(...ms) * 10) / 10,
      loadavg_before: loadBefore,
      loadavg_after: loadavg(),
    };
    console.log(
      `${c.name.padEnd(42)} median ${String(row.median_ms).padStart(7)} ms  min ${String(row.min_ms).padStart(7)} ms  (${points} points; load ${row.loadavg_after})`,
    );
    results.push(row);
  }
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
  } catch {
    // not a git checkout
  }
  const prev: Record<string, unknown> = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>)
    : {};
  const runs = (prev.runs ?? {}) as Record<string, unknown>;
  runs[label] = {
    measured_at: new Date().toISOString(),
    commit,
    node: process.version,
    events: events.length,
    rounds,
    zone,
    results,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        bench: 'npm run bench:trends',
        data: `generateEvents, ${PAYMENTS_PER_DAY} payments/day × ${DAYS} days from ${new Date(FROM).toISOString()}`,
        runs,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`→ ${out} (label ${label})`);
} finally {
  await store.stop();
  await rm(dataDir, { recursive: true, force: true });
}
