// Guards alerts whose series is gone after a restart: a firing alert of a rule whose detector state was discarded (rule changed) or that was removed is resolved with the reason, never left firing with a stale last_eval_at; one whose series merely lacks saved state keeps being evaluated.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertEngine } from './engine.js';
import type { AlertTransition } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { eventStream } from '../detect/synthetic.js';
import { createFileAlertStateStore } from '../state/store.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 0, 0);
const R = T0 + 60 * MIN; // restart
const wall = () => Date.UTC(2026, 2, 5); // the engine's clock (dispatch, acks), fixed

const rule = (threshold: number, extra = '') => `
reporting_currency: EUR
rules:
  - name: provider_success_rate_low
    detector: { type: threshold, metric: success_rate, op: below, threshold: ${threshold} }
    group_by: [provider]
    severity: page
    keep_firing_for: 3m
${extra}
route: { receiver: none }
receivers: [{ name: none, channels: [] }]
`;
const other = `  - name: attempts_low
    detector: { type: threshold, metric: attempts, op: below, threshold: 1 }
    severity: warning`;

// First hour: stripe fails from minute 40 on (still failing at the restart); adyen is healthy.
const firstHour = eventStream({
  from: T0,
  minutes: 60,
  perMinute: 20,
  providers: ['adyen', 'stripe'],
  successRate: (t, p) => (p === 'stripe' && t >= T0 + 40 * MIN ? 0.2 : 0.95),
  seed: 5,
});
// After the restart: 30 minutes of adyen only (stripe sends nothing).
const adyenOnly = eventStream({
  from: R,
  minutes: 30,
  perMinute: 20,
  providers: ['adyen'],
  successRate: () => 0.95,
  seed: 6,
});

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs the first hour on a fresh store and returns its state file path, stripe firing. */
async function firstRun(yaml: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-orphan-'));
  dirs.push(dir);
  const path = join(dir, 'alerts-state.json');
  const a = createAlertEngine(
    { store: createFileAlertStateStore({ path }), now: wall },
    parseAlertsConfig(yaml),
  );
  await a.start();
  a.onEvents(firstHour);
  const firing = a.list({ status: 'firing' });
  expect(firing.map((s) => s.labels['provider'])).toEqual(['stripe']);
  await a.stop();
  return path;
}

async function restart(path: string, yaml: string) {
  const b = createAlertEngine(
    { store: createFileAlertStateStore({ path }), now: wall },
    parseAlertsConfig(yaml),
  );
  const log: AlertTransition[] = [];
  b.onTransition((t) => log.push(t));
  await b.start();
  b.onEvents(adyenOnly);
  const stripe = b.list({ rule: 'provider_success_rate_low' }).find((s) => s.labels['provider'] === 'stripe');
  return { b, log, stripe };
}

describe('alerts whose series is gone after a restart', () => {
  it('a changed rule resolves its open alerts with the reason instead of leaving them firing', async () => {
    const path = await firstRun(rule(0.8));
    const { b, stripe } = await restart(path, rule(0.7));
    expect(stripe?.status).toBe('resolved');
    expect(stripe?.summary).toMatch(/rule changed/);
    // Resolved at the restored event-time position, not at some stale or future time.
    expect(stripe!.resolved_at).toBeGreaterThanOrEqual(R - 5 * MIN);
    expect(stripe!.resolved_at).toBeLessThanOrEqual(R);
    expect(b.stats().alerts_active).toBe(0);
    await b.stop();
  });

  it('a removed rule resolves its open alerts', async () => {
    const path = await firstRun(rule(0.8, other));
    const { b } = await restart(
      path,
      rule(0.8, other).replace(/ {2}- name: provider_success_rate_low[\s\S]*?keep_firing_for: 3m\n/, ''),
    );
    const s = b.list({ status: 'firing' });
    expect(s).toEqual([]);
    const gone = b.list({ rule: 'provider_success_rate_low' });
    expect(gone.map((x) => [x.labels['provider'], x.status])).toEqual([['stripe', 'resolved']]);
    expect(gone[0]!.summary).toMatch(/rule removed/);
    await b.stop();
  });

  it('an unchanged rule whose saved detector state is missing keeps evaluating the alert', async () => {
    const path = await firstRun(rule(0.8));
    rmSync(join(path, '..', 'alerts-detectors.json'));
    const { b, stripe } = await restart(path, rule(0.8));
    // The alert stays under evaluation: its last_eval_at follows event time after the restart.
    expect(stripe?.last_eval_at).toBeGreaterThan(R + 20 * MIN);
    await b.stop();
  });

  it('an unchanged rule with its state restored behaves as before (no spurious resolve)', async () => {
    const path = await firstRun(rule(0.8));
    const { b, stripe, log } = await restart(path, rule(0.8));
    expect(log.filter((t) => /rule (changed|removed)/.test(t.summary))).toEqual([]);
    expect(stripe?.last_eval_at).toBeGreaterThan(R + 20 * MIN);
    await b.stop();
  });
});
