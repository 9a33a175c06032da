/**
 * Measures the embedded store's durable write throughput (events/s) on this machine:
 *   npx tsx collector/src/store/embedded/write-throughput.bench.ts [totalEvents]
 * Scenarios: one caller with batches of 1,000 / 5,000 / 10,000; eight concurrent callers with
 * batches of 1,000 (group commit); re-sending everything (all duplicates). Each scenario starts
 * from an empty store in a temp dir; every write has resolved (committed, fsynced) when timed.
 * events/cpu-s divides by the CPU time of this process (Node and DuckDB threads): on a shared,
 * loaded machine it says more than wall time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaymentEvent } from '@paywatch/contracts';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/events.js';
import { createEmbeddedStore, type FlushStats } from './embedded.store.js';

const total = Number(process.argv[2] ?? 200_000);
const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 5);

function makeEvents(n: number, prefix: string): PaymentEvent[] {
  const out: PaymentEvent[] = [];
  for (let seed = 1; out.length < n; seed++) {
    out.push(
      ...generateEvents({
        seed,
        payments: 5_000,
        from: T0,
        spanMs: 86_400_000,
        idPrefix: `${prefix}${seed}_`,
      }),
    );
  }
  return out.slice(0, n);
}

async function scenario(
  name: string,
  events: PaymentEvent[],
  batch: number,
  callers: number,
  repeat = false,
): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'paywatch-bench-'));
  const flushes: FlushStats[] = [];
  const store = createEmbeddedStore({ dataDir }, { logger, onFlush: (s) => flushes.push(s) });
  await store.start();
  try {
    if (repeat) {
      for (let i = 0; i < events.length; i += 10_000) await store.write(events.slice(i, i + 10_000));
      flushes.length = 0;
    }
    const batches: PaymentEvent[][] = [];
    for (let i = 0; i < events.length; i += batch) batches.push(events.slice(i, i + batch));
    let next = 0;
    let inserted = 0;
    let duplicates = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (next < batches.length) {
          const b = batches[next++] as PaymentEvent[];
          const r = await store.write(b);
          inserted += r.inserted.length;
          duplicates += r.duplicates.length;
        }
      }),
    );
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const avgCommit = flushes.reduce((a, f) => a + f.events, 0) / Math.max(1, flushes.length);
    const ms = flushes.map((f) => f.durationMs).sort((x, y) => x - y);
    const p50 = ms[Math.floor(ms.length / 2)] ?? 0;
    const max = ms[ms.length - 1] ?? 0;
    console.log(
      `${name.padEnd(44)} ${String(Math.round(events.length / s)).padStart(8)} events/s  ` +
        `${String(Math.round(events.length / cpuS)).padStart(8)} events/cpu-s  ` +
        `(${events.length} events in ${s.toFixed(2)} s; inserted ${inserted}, duplicates ${duplicates}; ` +
        `${flushes.length} commits of ${Math.round(avgCommit)} events, commit p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms)`,
    );
  } finally {
    await store.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const events = makeEvents(total, 'b');
console.log(`embedded store write throughput, ${total} events per scenario`);
await scenario('1 caller, batches of 1,000', events, 1_000, 1);
await scenario('1 caller, batches of 5,000', events, 5_000, 1);
await scenario('1 caller, batches of 10,000', events, 10_000, 1);
await scenario('8 concurrent callers, batches of 1,000', events, 1_000, 8);
await scenario('1 caller, batches of 10,000, all duplicates', events, 10_000, 1, true);
