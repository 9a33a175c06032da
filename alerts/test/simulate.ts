// Test helper: writes events of the real simulator (`paywatch simulate --out`) for simulator-driven alert tests.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

const BIN = join(resolve(import.meta.dirname, '../..'), 'collector/bin/paywatch.mjs');

/** One simulator run in file mode: event time [from, to) at `rate` events/s, deterministic by `seed`. */
export interface SimulateFileOptions {
  from: number;
  to: number;
  rate: number;
  seed: number;
  /** `--incident` specs, e.g. `provider-outage:stripe@+3h/15m` (see `paywatch simulate --help`). */
  incidents?: readonly string[];
}

/**
 * Runs `paywatch simulate --out <file>` (gzip when the name ends in .gz) and waits for it. Fails
 * the test, with the simulator's stderr, when it exits non-zero, and says what is missing when the
 * collector workspace (which holds the simulator) is not there. The alerts workspace does not
 * import the collector: the simulator runs as its own process, as a user would run it.
 */
export function simulateToFile(file: string, opts: SimulateFileOptions): void {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: the simulator (collector workspace) is needed for this test`);
  const sim = spawnSync(
    process.execPath,
    [
      BIN,
      'simulate',
      '--out',
      file,
      '--from',
      new Date(opts.from).toISOString(),
      '--to',
      new Date(opts.to).toISOString(),
      '--rate',
      String(opts.rate),
      '--seed',
      String(opts.seed),
      ...(opts.incidents ?? []).flatMap((spec) => ['--incident', spec]),
    ],
    { encoding: 'utf8', timeout: 180_000 },
  );
  expect(sim.status, `paywatch simulate failed: ${sim.stderr}`).toBe(0);
}
