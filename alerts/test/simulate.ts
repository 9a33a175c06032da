// Test helper: writes events of the real simulator (`paywatch simulate --out`) for simulator-driven alert tests.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulator } from '../bench/sim-replay.js';
import { replayCommand } from '../src/cli/replay.command.js';

/** One simulator run in file mode: event time [from, to) at `rate` events/s, deterministic by `seed`. */
export interface SimulateFileOptions {
  from: number;
  to: number;
  rate: number;
  seed: number;
  /** `--incident` specs, e.g. `provider-outage:stripe@+3h/15m` (see `paywatch simulate --help`). */
  incidents?: readonly string[];
  /** `--holiday` specs, e.g. `2026-03-05:0.4:CN`. */
  holidays?: readonly string[];
}

/**
 * Runs `paywatch simulate --out <file>` (gzip when the name ends in .gz) and waits for it; throws
 * (failing the test) with the simulator's stderr when it exits non-zero, or saying what is
 * missing when the collector workspace (which holds the simulator) is not there. The alerts
 * workspace does not import the collector: the simulator runs as its own process, as a user
 * would run it. Returns the wall time in ms.
 */
export function simulateToFile(file: string, opts: SimulateFileOptions): number {
  return runSimulator(file, [
    '--from',
    new Date(opts.from).toISOString(),
    '--to',
    new Date(opts.to).toISOString(),
    '--rate',
    String(opts.rate),
    '--seed',
    String(opts.seed),
    ...(opts.incidents ?? []).flatMap((spec) => ['--incident', spec]),
    ...(opts.holidays ?? []).flatMap((spec) => ['--holiday', spec]),
  ]);
}

/** One line of `paywatch replay --alerts-out`, with `t` = `at` in epoch ms. */
export interface ReplayedTransition {
  rule: string;
  labels: Record<string, string>;
  state: string;
  at: string;
  summary?: string;
  t: number;
}

/**
 * Simulates `opts` into `dir` (the events file is removed afterwards), replays it through
 * `paywatch replay` with the default rule pack and returns its alert transitions in order;
 * throws when the replay exits non-zero.
 */
export async function replaySimulated(dir: string, opts: SimulateFileOptions): Promise<ReplayedTransition[]> {
  const file = join(dir, `events-${opts.seed}.ndjson.gz`);
  simulateToFile(file, opts);
  const out = join(dir, `alerts-${opts.seed}.jsonl`);
  const code = await replayCommand(['--in', file, '--alerts-out', out, '--quiet'], {
    stdout: { write: () => true },
    stderr: { write: () => true },
  });
  rmSync(file, { force: true });
  if (code !== 0) throw new Error(`paywatch replay exited with ${code}`);
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Omit<ReplayedTransition, 't'>)
    .map((l) => ({ ...l, t: Date.parse(l.at) }));
}
