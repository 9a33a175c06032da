// Alert-engine bench: detector series-evaluations per second (one core) per detector type, and
// the memory of an engine holding 20k live series. Usage: npm run bench:alerts
// Writes bench/results/alerts-throughput.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { loadavg } from 'node:os';
import { createDetector, DetectorSpecSchema } from '../src/detect/registry.js';
import type { SeriesDetector } from '../src/detect/types.js';
import { synthMinutes, makeEvent } from '../src/detect/synthetic.js';
import { createAlertEngine } from '../src/engine/engine.js';
import { parseAlertsConfig } from '../src/config/load.js';
import { createMemoryAlertStateStore } from '../src/state/store.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const gc = (globalThis as { gc?: () => void }).gc;

const load0 = loadavg().map((l) => Number(l.toFixed(2)));

// 1. Evaluations per second per detector type.
const minutes = synthMinutes(0, 2000, () => ({ attempts: 40, successRate: 0.92 }), 5);
const specs: Record<string, unknown> = {
  threshold: { type: 'threshold', metric: 'success_rate', op: 'below', threshold: 0.85 },
  rate: { type: 'rate' },
  seasonal: { type: 'seasonal', metric: 'attempts' },
  slo: { type: 'slo' },
  forecast: { type: 'forecast', threshold: 0.8 },
  silence: { type: 'silence' },
  mix: { type: 'mix' },
  level: { type: 'level', metric: 'latency_avg' },
  univariate: { type: 'univariate' },
  eod: { type: 'eod' },
};
const throughput: Record<string, number> = {};
const throughputCpu: Record<string, number> = {};
for (const [name, spec] of Object.entries(specs)) {
  const series = 200;
  const dets: SeriesDetector[] = Array.from(
    { length: series },
    () => createDetector(DetectorSpecSchema.parse(spec)) as SeriesDetector,
  );
  // Warm up, then time.
  for (let i = 0; i < 200; i++) for (const d of dets) d.evaluate(minutes[i % minutes.length]!);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let n = 0;
  for (let i = 200; i < 1400; i++) {
    const m = minutes[i % minutes.length]!;
    for (const d of dets) d.evaluate(m);
    n += series;
  }
  const cpu = process.cpuUsage(cpu0);
  throughput[name] = Math.round(n / ((performance.now() - t0) / 1000));
  // CPU time of this single-threaded loop: what one core does, less sensitive to other jobs on
  // the shared box than wall time (which counts the time the process waits for a core).
  throughputCpu[name] = Math.round(n / ((cpu.user + cpu.system) / 1e6));
  console.log(
    `${name.padEnd(11)} ${throughput[name]!.toLocaleString('en-US').padStart(12)} series-evaluations/s` +
      ` (${throughputCpu[name]!.toLocaleString('en-US')} per CPU-second)`,
  );
}

// 2. Memory: an engine with 20k live series (rate + silence + seasonal rules per merchant).
gc?.();
const mem0 = process.memoryUsage();
const before = mem0.heapUsed + mem0.arrayBuffers;
const cfg = parseAlertsConfig(`
fx: { EUR: 1.1 }
rules:
  - { name: merchant_rate, detector: { type: rate }, group_by: [merchant_id] }
  - { name: merchant_silence, detector: { type: silence }, group_by: [merchant_id] }
  - { name: merchant_seasonal, detector: { type: seasonal, metric: attempts }, group_by: [merchant_id] }
  - { name: merchant_slo, detector: { type: slo }, group_by: [merchant_id] }
`);
const engine = createAlertEngine({ store: createMemoryAlertStateStore() }, cfg);
const SLICES = 5000; // × 4 rules = 20k series
const T0 = Date.UTC(2026, 0, 5);
let id = 0;
const t1 = performance.now();
for (let minute = 0; minute < 30; minute++) {
  const batch = [];
  for (let m = 0; m < SLICES; m++) {
    id++;
    batch.push(
      makeEvent({
        ts: T0 + minute * 60_000 + (m % 60_000),
        event_id: `evt_${id}`,
        merchant_id: `m_${m}`,
        status: id % 10 === 0 ? 'failed' : 'succeeded',
        failure: id % 10 === 0 ? { category: 'do_not_honor', code: null, message: null } : null,
      }),
    );
  }
  engine.onEvents(batch);
}
engine.finish();
const engineSeconds = (performance.now() - t1) / 1000;
gc?.();
const mem1 = process.memoryUsage();
const after = mem1.heapUsed + mem1.arrayBuffers;
const stats = engine.stats();
const memory = {
  live_series: stats.series,
  /** Heap + typed-array buffers held by the engine (after a full GC), the number to compare with the target. */
  engine_memory_mb: Number(((after - before) / 1048576).toFixed(1)),
  heap_used_mb: Number((mem1.heapUsed / 1048576).toFixed(1)),
  array_buffers_mb: Number((mem1.arrayBuffers / 1048576).toFixed(1)),
  rss_mb: Number((process.memoryUsage().rss / 1048576).toFixed(1)),
  heap_limit_mb: Math.round(v8.getHeapStatistics().heap_size_limit / 1048576),
  gc_exposed: gc !== undefined,
  events: stats.events,
  evaluations: stats.evaluations,
  /** Events/s including closing 30 minutes × 20k series (minute evaluations dominate here). */
  engine_events_per_s: Math.round(stats.events / engineSeconds),
  engine_seconds: Number(engineSeconds.toFixed(2)),
};
console.log(memory);
const result = {
  at: new Date().toISOString(),
  node: process.version,
  cores_used: 1,
  // The box is shared: figures scale down with other jobs' load (1/5/15-minute load averages).
  loadavg_at_start: load0,
  loadavg_at_end: loadavg().map((l) => Number(l.toFixed(2))),
  series_evaluations_per_s: throughput,
  series_evaluations_per_cpu_s: throughputCpu,
  memory_20k_series: memory,
  targets: { series_evaluations_per_s: 100_000, memory_mb_for_20k_series: 300 },
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/alerts-throughput.json'), JSON.stringify(result, null, 2) + '\n');
console.log('saved bench/results/alerts-throughput.json');
