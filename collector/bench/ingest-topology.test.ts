// Guards the ingest bench's scale-out plumbing: batches spread evenly round-robin, result files that never overwrite the single-collector one, and CPU read right from /proc text.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { benchCommand } from '../src/cli/bench.command.js';
import {
  collectorForBatch,
  ingestResultsFile,
  procStatBusySeconds,
  procStatCpuSeconds,
} from './ingest-topology.js';

describe('collectorForBatch', () => {
  it('sends consecutive batches to each collector in turn, none getting more than one extra', () => {
    expect(Array.from({ length: 7 }, (_, i) => collectorForBatch(i, 3))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    const counts = [0, 0];
    for (let i = 0; i < 21; i++) counts[collectorForBatch(i, 2)]!++;
    expect(counts).toEqual([11, 10]);
    expect(Array.from({ length: 4 }, (_, i) => collectorForBatch(i, 1))).toEqual([0, 0, 0, 0]);
  });

  it('refuses a collector count below one', () => {
    expect(() => collectorForBatch(0, 0)).toThrow(RangeError);
  });
});

describe('ingestResultsFile', () => {
  it('keeps the historical file without --collectors and a separate one per count with it', () => {
    expect(ingestResultsFile({ store: 'clickhouse', alerts: false, collectors: null })).toBe(
      'bench/results/ingest-clickhouse-no-alerts.json',
    );
    expect(ingestResultsFile({ store: 'embedded', alerts: true, collectors: null })).toBe(
      'bench/results/ingest-embedded.json',
    );
    expect(ingestResultsFile({ store: 'clickhouse', alerts: false, collectors: 2 })).toBe(
      'bench/results/ingest-clickhouse-no-alerts-collectors-2.json',
    );
    expect(ingestResultsFile({ store: 'clickhouse', alerts: true, collectors: 1 })).toBe(
      'bench/results/ingest-clickhouse-collectors-1.json',
    );
  });
});

describe('/proc parsing', () => {
  it('reads utime + stime after a command name holding spaces and parentheses', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
    const stat = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194304 900 0 0 0 1234 566 0 0 20 0 11 0 100';
    expect(procStatCpuSeconds(stat)).toBeCloseTo(18.0, 6);
    expect(() => procStatCpuSeconds('garbage')).toThrow();
  });

  it('counts busy time without idle and iowait', () => {
    const text = 'cpu  100 5 50 9000 300 7 8 2 0 0\ncpu0 50 2 25 4500 150 3 4 1 0 0\nintr 1\n';
    expect(procStatBusySeconds(text)).toBeCloseTo((100 + 5 + 50 + 7 + 8 + 2) / 100, 6);
    expect(() => procStatBusySeconds('intr 1\n')).toThrow();
  });
});

describe('paywatch bench --collectors', () => {
  const run = async (argv: string[]) => {
    let err = '';
    const stderr = new PassThrough();
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await benchCommand.run(argv, { stdout: new PassThrough(), stderr });
    return { code, err };
  };

  it('refuses several collectors on the embedded store and a count out of range, before starting anything', async () => {
    const embedded = await run(['ingest', '--collectors', '2']);
    expect(embedded.code).not.toBe(0);
    expect(embedded.err).toContain('--collectors above 1 needs --store clickhouse');
    const zero = await run(['ingest', '--store', 'clickhouse', '--collectors', '0']);
    expect(zero.code).not.toBe(0);
    expect(zero.err).toContain('--collectors must be an integer from 1 to 8');
  });
});
