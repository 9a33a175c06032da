// Guards the default rule pack on the real simulator, over several seeds: every injected incident alerts within its budget (≤ 2 simulated minutes of onset; 1 minute for outage and latency, 10 s for card testing), and nothing fires outside the incidents.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replaySimulated } from '../../test/simulate.js';

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
    budget: 60,
  },
  {
    spec: 'latency-spike:adyen@+3h40m/15m',
    start: FROM + 3 * H + 40 * M,
    end: FROM + 3 * H + 55 * M,
    rule: 'provider_latency_spike',
    labels: { provider: 'adyen' },
    budget: 60,
  },
  {
    spec: 'card-testing@+4h20m/10m',
    start: FROM + 4 * H + 20 * M,
    end: FROM + 4 * H + 30 * M,
    rule: 'card_testing',
    labels: { bin: '453201' },
    budget: 10,
  },
  // A decline shift needs enough failures to be significant (p < 2e-6, JSD ≥ 0.03): at this
  // volume (~60 failures a minute) two minutes of the shifted mix; one is not enough on these
  // seeds for any test (docs/alerts.md, "Decline-mix shift: how fast, and why not faster").
  {
    spec: 'decline-shift@+5h/15m',
    start: FROM + 5 * H,
    end: FROM + 5 * H + 15 * M,
    rule: 'decline_mix_shift',
    labels: {},
    budget: 120,
  },
];

/** Onset-to-first-firing latency (event time) per incident and seed, printed at the end. */
const measured: string[] = [];
afterAll(() => {
  if (measured.length)
    process.stdout.write(`incident → first firing (simulated seconds):\n${measured.join('\n')}\n`);
});

describe('default rule pack on simulator replays', () => {
  // Seed 5 is the historical one; 1 and 4 add variety (each run: ~6 s simulate + ~30 s replay).
  it.each([5, 1, 4])(
    'seed %i: alerts on every injected incident within its budget (≤ 2 minutes) and stays quiet otherwise',
    async (seed) => {
      const firings = (
        await replaySimulated(dir, {
          from: FROM,
          to: FROM + 6 * H,
          rate: 25,
          seed,
          incidents: incidents.map((i) => i.spec),
        })
      ).filter((l) => l.state === 'firing');
      const late: string[] = [];
      for (const inc of incidents) {
        const hit = firings.find(
          (f) =>
            f.rule === inc.rule &&
            Object.entries(inc.labels).every(([k, v]) => f.labels[k] === v) &&
            f.t >= inc.start,
        );
        const delay = hit ? (hit.t - inc.start) / 1000 : null;
        const p = hit ? /p=([0-9.e+-]+)/.exec(hit.summary ?? '')?.[1] : undefined;
        measured.push(
          `  seed ${seed} ${inc.spec} (${inc.rule}): ${delay === null ? 'none' : `${delay} s`}${p ? ` (p=${p})` : ''}`,
        );
        if (delay === null || delay > inc.budget)
          late.push(`${inc.spec}: ${delay === null ? 'no firing' : `${delay} s`} (budget ${inc.budget} s)`);
      }
      expect(late, 'incidents not alerted within their budget').toEqual([]);
      // Nothing fires outside the incidents (each incident may raise related alerts while it lasts).
      const outside = firings.filter((f) => !incidents.some((i) => f.t >= i.start && f.t <= i.end + 5 * M));
      expect(outside.map((f) => `${f.at} ${f.rule} ${JSON.stringify(f.labels)}`)).toEqual([]);
    },
    180_000,
  );
});
