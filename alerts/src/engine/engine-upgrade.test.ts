// Guards an upgrade's restart: detector state saved by the previous release (before the rate detector's recover_* settings existed) is restored by this one — the firing alert stays firing and the rule judges on as an uninterrupted engine — while a real change to the rule still discards it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertEngine } from './engine.js';
import type { AlertTransition } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { eventStream } from '../detect/synthetic.js';
import { createFileAlertStateStore, createMemoryAlertStateStore } from '../state/store.js';
import { LEGACY_PROVIDER_RATE_FINGERPRINT } from './testing/legacy-fingerprint.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 0, 0);
const R = T0 + 180 * MIN; // the upgrade's restart
// stripe fails from here: firing at the restart. Shorter than sustain_minutes (15): the previous
// release saved no held-drop streak, so an outage that reaches 15 minutes after the restart is
// held (its recovered tail must come within half of min_effect) only in the uninterrupted engine.
const onset = R - 6 * MIN;
const recover = R + 6 * MIN;
const END = R + 40 * MIN;
const wall = () => Date.UTC(2026, 2, 5);

// The default pack's provider_success_rate_drop, as the user's file has it (no recover_*).
const yaml = (detector: string) => `
reporting_currency: EUR
rules:
  - name: provider_success_rate_drop
    detector: { type: rate, metric: success_rate, ${detector} }
    group_by: [provider]
    severity: page
    keep_firing_for: 3m
route: { receiver: none }
receivers: [{ name: none, channels: [] }]
`;
const PACK = 'window_minutes: 5, baseline_minutes: 120, min_attempts: 60, min_effect: 0.08';

const events = eventStream({
  from: T0,
  minutes: (END - T0) / MIN,
  perMinute: 25,
  providers: ['adyen', 'stripe'],
  successRate: (t, p) => (p === 'stripe' && t >= onset && t < recover ? 0.4 : 0.92),
  seed: 7,
});

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const key = (t: AlertTransition) =>
  `${new Date(t.at).toISOString()} ${t.labels['provider']} ${t.state} ${t.summary}`;

/**
 * Runs the hours before the restart on a file store, then rewrites the saved detector state as
 * the previous release wrote it: the rule's fingerprint without recover_*, sustain_minutes and adapt_after_minutes,
 * the rate snapshots without the fence, the failed payments, the held-drop streak and its adoption clock. Returns the state file path.
 */
async function savedByPreviousRelease(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-upgrade-'));
  dirs.push(dir);
  const path = join(dir, 'alerts-state.json');
  const a = createAlertEngine(
    { store: createFileAlertStateStore({ path }), now: wall },
    parseAlertsConfig(yaml(PACK)),
  );
  await a.start();
  a.onEvents(events.filter((e) => e.ts < R));
  expect(a.list({ status: 'firing' }).map((s) => s.labels['provider'])).toEqual(['stripe']);
  await a.stop();
  const file = join(dir, 'alerts-detectors.json');
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    rules: { fingerprint: string; series: { det: Record<string, unknown> }[] }[];
  };
  for (const r of snap.rules) {
    const def = JSON.parse(r.fingerprint) as { detector: Record<string, unknown> };
    delete def.detector['recover_minutes'];
    delete def.detector['recover_min_attempts'];
    delete def.detector['sustain_minutes'];
    delete def.detector['adapt_after_minutes'];
    r.fingerprint = JSON.stringify(def);
    // Nor the failed payments (snapshot version 2) or a held drop's streak.
    for (const s of r.series)
      for (const k of ['fence', 'v', 'paid', 'streak', 'held', 'heldFiring', 'lastBad', 'heldFor', 'ep'])
        delete s.det[k];
  }
  expect(snap.rules.map((r) => r.fingerprint)).toEqual([LEGACY_PROVIDER_RATE_FINGERPRINT]);
  writeFileSync(file, JSON.stringify(snap));
  return path;
}

async function upgradeRestart(path: string, detector: string) {
  const b = createAlertEngine(
    { store: createFileAlertStateStore({ path }), now: wall },
    parseAlertsConfig(yaml(detector)),
  );
  const log: AlertTransition[] = [];
  b.onTransition((t) => log.push(t));
  await b.start();
  const restored = b.stats().restored_series;
  b.onEvents(events.filter((e) => e.ts >= R));
  b.finish();
  await b.stop();
  return { log, restored };
}

describe('upgrade restart keeps the state the previous release saved', () => {
  it('restored: the firing alert stays firing and resolves when an uninterrupted engine resolves it', async () => {
    const control = createAlertEngine(
      { store: createMemoryAlertStateStore() },
      parseAlertsConfig(yaml(PACK)),
    );
    const ctl: AlertTransition[] = [];
    control.onTransition((t) => ctl.push(t));
    control.onEvents(events);
    control.finish();
    const ctlAfter = ctl.filter((t) => t.at >= R);
    // The reference resolves stripe after the outage (else this proves little).
    expect(ctlAfter.some((t) => t.labels['provider'] === 'stripe' && t.state === 'resolved')).toBe(true);

    const { log, restored } = await upgradeRestart(await savedByPreviousRelease(), PACK);
    expect(restored).toBe(2); // adyen and stripe
    expect(log.filter((t) => /rule changed/.test(t.summary))).toEqual([]);
    expect(log.map(key)).toEqual(ctlAfter.map(key));
  });

  it("a real change to the rule's parameters still discards it and ends the firing alert with the reason", async () => {
    const changed = PACK.replace('min_effect: 0.08', 'min_effect: 0.1');
    const { log, restored } = await upgradeRestart(await savedByPreviousRelease(), changed);
    expect(restored).toBe(0);
    const first = log[0];
    expect([first?.labels['provider'], first?.state]).toEqual(['stripe', 'resolved']);
    expect(first?.summary).toMatch(/rule changed/);
  });
});
