// Test helper: writes events of the real simulator (`paywatch simulate --out`) for simulator-driven alert tests.
import { runSimulator } from '../bench/sim-replay.js';

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
