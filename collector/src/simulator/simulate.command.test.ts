// Guards `paywatch simulate` option handling: --help, exit code 2 naming a bad option, file mode output and --json report.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateCommand } from './simulate.command.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.out.push(c));
  stderr.on('data', (c: Buffer) => chunks.err.push(c));
  const code = await simulateCommand(argv, { stdout, stderr, signal: new AbortController().signal });
  return { code, out: Buffer.concat(chunks.out).toString(), err: Buffer.concat(chunks.err).toString() };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paywatch-simcmd-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simulate command', () => {
  it('--help prints every option and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const opt of [
      '--url',
      '--key',
      '--rate',
      '--seed',
      '--count',
      '--duration',
      '--batch',
      '--incident',
      '--out',
      '--from',
      '--to',
      '--json',
      '--flat',
      '--unpaced',
      '--ts-format',
    ]) {
      expect(r.out, opt).toContain(opt);
    }
    for (const t of ['provider-outage', 'latency-spike', 'card-testing', 'decline-shift'])
      expect(r.out).toContain(t);
  });

  it('exits 2 naming the bad option', async () => {
    const cases: Array<[string[], string]> = [
      [['--bogus'], '--bogus'],
      [['--rate', 'fast'], '--rate'],
      [['--count', '1.5'], '--count'],
      [['--batch', '20000'], '--batch'],
      [['--duration', 'forever'], '--duration'],
      [['--incident', 'provider-outage:acme'], '--incident'],
      [['--ts-format', 'iso'], '--ts-format'],
      [['--url', 'ftp://x'], '--url'],
      [['--from=-1h'], '--from'],
      [['--out', '/dev/null', '--from', 'yesterday'], '--from'],
      [['--out', '/dev/null', '--to', '+3d'], '--to'],
      [['--out', '/dev/null', '--from', 'now', '--to=-1h'], '--to'],
    ];
    for (const [argv, opt] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toContain(opt);
    }
  });

  it('writes a seeded file deterministically and reports counts as JSON', async () => {
    const args = (p: string) => [
      '--out',
      p,
      '--seed',
      'demo',
      '--from',
      '2026-11-20T00:00:00Z',
      '--to',
      '2026-11-20T00:10:00Z',
      '--rate',
      '50',
      '--json',
    ];
    const a = await run(args(join(dir, 'a.ndjson')));
    const b = await run(args(join(dir, 'b.ndjson')));
    expect(a.code).toBe(0);
    const report = JSON.parse(a.out) as {
      mode: string;
      events: number;
      seed: number;
      counts: { events: number; attempts: number };
    };
    expect(report.mode).toBe('file');
    expect(report.events).toBeGreaterThan(20_000);
    expect(report.counts.events).toBe(report.events);
    const fa = await readFile(join(dir, 'a.ndjson'), 'utf8');
    expect(fa === (await readFile(join(dir, 'b.ndjson'), 'utf8'))).toBe(true);
    expect(fa.trimEnd().split('\n')).toHaveLength(report.events);
    expect(JSON.parse(b.out).seed).toBe(report.seed);
  });

  it('writes to stdout with --out - and epoch ms timestamps', async () => {
    const r = await run([
      '--out',
      '-',
      '--count',
      '3',
      '--seed',
      '1',
      '--from',
      '2026-11-20T00:00:00Z',
      '--to',
      '2026-11-20T01:00:00Z',
      '--ts-format',
      'epoch_ms',
    ]);
    expect(r.code).toBe(0);
    const evs = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { ts: number });
    expect(evs).toHaveLength(3);
    expect(evs.every((e) => typeof e.ts === 'number')).toBe(true);
    expect(r.err).toContain('wrote 3 events');
  });
});
