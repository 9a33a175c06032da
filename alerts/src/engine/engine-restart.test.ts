// Guards detector state across a restart: after two days of traffic an engine restarted from the same file store alerts on an incident right after the restart exactly when an uninterrupted engine does (a fresh one cannot), pages nothing else, and notices traffic that never comes back after the restart.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAlertEngine } from './engine.js';
import type { AlertTransition } from './engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { eventStream } from '../detect/synthetic.js';
import { createFileAlertStateStore, createMemoryAlertStateStore } from '../state/store.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 0, 0);
// Restart two days and three hours in; the outage starts one minute after it.
const R = T0 + (2 * 1440 + 180) * MIN;
const onset = R + MIN;
const recover = R + 21 * MIN;
const END = R + 120 * MIN;

const cfgYaml = `
reporting_currency: EUR
rules:
  - name: provider_success_rate_drop
    detector: { type: rate, metric: success_rate, window_minutes: 5, baseline_minutes: 120, min_attempts: 30, min_effect: 0.08 }
    group_by: [provider]
    severity: page
    keep_firing_for: 3m
  - name: decline_mix_shift
    detector: { type: mix, window_minutes: 10, min_failures: 40, p_value: 2.0e-6, min_jsd: 0.03 }
    severity: warning
  - name: provider_volume
    detector: { type: seasonal, metric: attempts, season: day, history: 3, slot_minutes: 15, window_minutes: 5 }
    group_by: [provider]
    severity: warning
  - name: expected_silence
    detector: { type: silence, window_minutes: 10, history_days: 3, p_value: 1.0e-10, min_expected: 40, max_ratio: 0.2 }
    group_by: [provider]
    severity: warning
route: { receiver: none }
receivers: [{ name: none, channels: [] }]
`;
const cfg = parseAlertsConfig(cfgYaml);

const events = eventStream({
  from: T0,
  minutes: (END - T0) / MIN,
  perMinute: 25,
  providers: ['adyen', 'stripe'],
  successRate: (t, p) => (p === 'stripe' && t >= onset && t < recover ? 0.35 : 0.92),
  failure: (t, p) => (p === 'stripe' && t >= onset && t < recover ? 'provider_error' : 'do_not_honor'),
  seed: 3,
});
const before = events.filter((e) => e.ts < R);
const after = events.filter((e) => e.ts >= R);

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function feed(engine: ReturnType<typeof createAlertEngine>, evs: typeof events): void {
  for (let i = 0; i < evs.length; i += 1000) engine.onEvents(evs.slice(i, i + 1000));
}

const key = (t: AlertTransition) =>
  `${new Date(t.at).toISOString()} ${t.rule} ${t.labels['provider'] ?? ''} ${t.state}`;
const firstFiring = (log: AlertTransition[], rule: string) =>
  log.find((t) => t.rule === rule && t.state === 'firing' && t.labels['provider'] === 'stripe')?.at ?? null;

describe('engine restart keeps detector history', () => {
  it('alerts right after a restart as fast as without one, and pages nothing else', async () => {
    // Uninterrupted reference.
    const control = createAlertEngine({ store: createMemoryAlertStateStore() }, cfg);
    const ctl: AlertTransition[] = [];
    control.onTransition((t) => ctl.push(t));
    feed(control, events);
    control.finish();

    // Two days, stop (saves detector state), a new instance on the same store, the rest.
    const dir = mkdtempSync(join(tmpdir(), 'pw-restart-'));
    dirs.push(dir);
    const path = join(dir, 'alerts-state.json');
    const wall = () => Date.UTC(2026, 2, 5);
    const a = createAlertEngine({ store: createFileAlertStateStore({ path }), now: wall }, cfg);
    await a.start();
    feed(a, before);
    await a.stop();
    expect(existsSync(join(dir, 'alerts-detectors.json'))).toBe(true);

    const b = createAlertEngine({ store: createFileAlertStateStore({ path }), now: wall }, cfg);
    const log: AlertTransition[] = [];
    b.onTransition((t) => log.push(t));
    await b.start();
    expect(b.stats().restored_series).toBe(7); // 3 rules × 2 providers + the mix series
    feed(b, after);
    b.finish();
    await b.stop();

    const fired = firstFiring(ctl, 'provider_success_rate_drop');
    expect(fired).not.toBeNull();
    expect(fired! - onset).toBeLessThanOrEqual(2 * MIN);
    expect(firstFiring(log, 'provider_success_rate_drop')).toBe(fired);
    // Same transitions after the restart as without it: nothing extra on normal traffic.
    expect(log.map(key)).toEqual(ctl.filter((t) => t.at >= R).map(key));
    const outside = log.filter((t) => t.state === 'firing' && (t.at < onset || t.at > recover + 10 * MIN));
    expect(outside.map(key)).toEqual([]);

    // Without the saved state the same outage is not caught in time (this test can fail).
    const fresh = createAlertEngine({ store: createMemoryAlertStateStore() }, cfg);
    const fl: AlertTransition[] = [];
    fresh.onTransition((t) => fl.push(t));
    feed(fresh, after);
    fresh.finish();
    const freshAt = firstFiring(fl, 'provider_success_rate_drop');
    expect(freshAt === null || freshAt - onset > 2 * MIN).toBe(true);
  }, 60_000);

  it('live: with no event at all after the restart, silence is noticed from the restart on, not for the downtime', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-restart-'));
    dirs.push(dir);
    const path = join(dir, 'alerts-state.json');
    const a = createAlertEngine({ store: createFileAlertStateStore({ path }), now: () => R }, cfg);
    await a.start();
    feed(a, before);
    await a.stop();
    // Down for three minutes; then nothing arrives any more.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let wall = R + 3 * MIN;
    const b = createAlertEngine({ store: createFileAlertStateStore({ path }), now: () => wall }, cfg, {
      followWallClock: true,
      tickMs: 1000,
    });
    const log: AlertTransition[] = [];
    b.onTransition((t) => log.push(t));
    await b.start();
    for (let i = 0; i < 8 * 60; i++) {
      wall += 1000;
      await vi.advanceTimersByTimeAsync(1000);
    }
    await b.stop();
    const silent = log.filter((t) => t.rule === 'expected_silence' && t.state === 'firing');
    expect(silent.map((t) => t.labels['provider']).sort()).toEqual(['adyen', 'stripe']);
    // Judged from the restart on: the downtime (R .. R + 3 min) is skipped, not called silent.
    for (const t of silent) {
      expect(t.at).toBeGreaterThan(R + 3 * MIN);
      expect(t.at).toBeLessThanOrEqual(R + 3 * MIN + 4 * MIN);
    }
    expect(b.stats().skipped_minutes).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('a changed rule starts afresh, the others keep their state; a damaged snapshot means a fresh start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-restart-'));
    dirs.push(dir);
    const path = join(dir, 'alerts-state.json');
    const a = createAlertEngine({ store: createFileAlertStateStore({ path }), now: () => R }, cfg);
    await a.start();
    feed(
      a,
      before.filter((e) => e.ts >= R - 180 * MIN),
    );
    await a.stop();
    const changed = parseAlertsConfig(cfgYaml.replace('p_value: 2.0e-6', 'p_value: 1.0e-6'));
    const b = createAlertEngine({ store: createFileAlertStateStore({ path }), now: () => R }, changed);
    await b.start();
    expect(b.stats().restored_series).toBe(6); // all but the mix series
    await b.stop();
    writeFileSync(join(dir, 'alerts-detectors.json'), '{"version":1,"rules":[{"name":"decline_mix_shift"');
    const c = createAlertEngine({ store: createFileAlertStateStore({ path }), now: () => R }, cfg);
    await c.start();
    expect(c.stats().restored_series).toBe(0);
    feed(c, after);
    c.finish();
    expect(c.stats().late_events).toBe(0);
    await c.stop();
  });
});
