// Guards the default rule pack on the real simulator: injected incidents alert within 2 simulated minutes of onset (decline shift: 3), and nothing fires outside the incidents.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayCommand } from './replay.command.js';

const root = resolve(import.meta.dirname, '../../..');
const bin = join(root, 'collector/bin/paywatch.mjs');
const dir = mkdtempSync(join(tmpdir(), 'pw-sim-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FROM = Date.parse('2026-03-02T06:00:00Z');
const H = 3_600_000;
const M = 60_000;
const incidents = [
  {
    spec: 'provider-outage:stripe@+3h/15m',
    start: FROM + 3 * H,
    end: FROM + 3 * H + 15 * M,
    rule: 'provider_success_rate_drop',
    labels: { provider: 'stripe' },
  },
  {
    spec: 'latency-spike:adyen@+3h40m/15m',
    start: FROM + 3 * H + 40 * M,
    end: FROM + 3 * H + 55 * M,
    rule: 'provider_latency_spike',
    labels: { provider: 'adyen' },
  },
  {
    spec: 'card-testing@+4h20m/10m',
    start: FROM + 4 * H + 20 * M,
    end: FROM + 4 * H + 30 * M,
    rule: 'card_testing',
    labels: { bin: '453201' },
  },
  // A decline shift needs enough failures to be significant (χ² p < 1e-8): at this volume the
  // shifted mix is visible from the incident's second minute, reported when that minute closes.
  {
    spec: 'decline-shift@+5h/15m',
    start: FROM + 5 * H,
    end: FROM + 5 * H + 15 * M,
    rule: 'decline_mix_shift',
    labels: {},
    maxDelay: 3 * M,
  },
];

describe('default rule pack on simulator replays', () => {
  it('alerts on every injected incident within 2 minutes (decline shift: 3) and stays quiet otherwise', async () => {
    if (!existsSync(bin))
      throw new Error(`${bin} is missing: the simulator (collector workspace) is needed for this test`);
    const file = join(dir, 'events.ndjson.gz');
    const sim = spawnSync(
      process.execPath,
      [
        bin,
        'simulate',
        '--out',
        file,
        '--from',
        new Date(FROM).toISOString(),
        '--to',
        new Date(FROM + 6 * H).toISOString(),
        '--rate',
        '25',
        '--seed',
        '5',
        ...incidents.flatMap((i) => ['--incident', i.spec]),
      ],
      { encoding: 'utf8', timeout: 180_000 },
    );
    expect(sim.status, `paywatch simulate failed: ${sim.stderr}`).toBe(0);
    const out = join(dir, 'alerts.jsonl');
    const code = await replayCommand(['--in', file, '--alerts-out', out, '--quiet'], {
      stdout: { write: () => true },
      stderr: { write: () => true },
    });
    expect(code).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(
        (l) => JSON.parse(l) as { rule: string; labels: Record<string, string>; state: string; at: string },
      );
    const firings = lines.filter((l) => l.state === 'firing').map((l) => ({ ...l, t: Date.parse(l.at) }));
    for (const inc of incidents) {
      const hit = firings.find(
        (f) =>
          f.rule === inc.rule &&
          Object.entries(inc.labels).every(([k, v]) => f.labels[k] === v) &&
          f.t >= inc.start,
      );
      expect(hit, `${inc.spec}: no ${inc.rule} firing`).toBeDefined();
      const max = ('maxDelay' in inc ? inc.maxDelay : undefined) ?? 2 * M;
      expect(
        hit!.t - inc.start,
        `${inc.spec}: alerted ${(hit!.t - inc.start) / 1000}s after onset`,
      ).toBeLessThanOrEqual(max);
    }
    // Nothing fires outside the incidents (each incident may raise related alerts while it lasts).
    const outside = firings.filter((f) => !incidents.some((i) => f.t >= i.start && f.t <= i.end + 5 * M));
    expect(outside.map((f) => `${f.at} ${f.rule} ${JSON.stringify(f.labels)}`)).toEqual([]);
  });
});
