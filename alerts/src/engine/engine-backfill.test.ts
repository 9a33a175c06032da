// Guards history sent to a live engine: a back-fill is judged in event time (it feeds the baselines, its incidents are recorded but never paged, the unknown time after it raises no silence alert), history older than the watermark is counted as late, and events within the allowed lateness are still judged.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AlertEngine } from './engine.js';
import { eventStream } from '../detect/synthetic.js';
import { providerDropPack, startLiveEngine } from './testing/live-engine.js';
import type { PaymentEvent } from '@paywatch/contracts';

const MIN = 60_000;
const W = Date.UTC(2026, 2, 2, 12, 0); // the wall clock when the back-fill starts

const yaml = (url: string) =>
  providerDropPack(url, {
    minAttempts: 30,
    allowedLateness: '1m',
    extraRules: `  - name: expected_silence
    detector: { type: silence, window_minutes: 10, p_value: 1.0e-10, min_expected: 40, max_ratio: 0.2 }
    group_by: [provider]
    severity: page
`,
  });

const outage =
  (from: number, to: number) =>
  (t: number, p: string): number =>
    p === 'stripe' && t >= from && t < to ? 0.35 : 0.92;
const outageFailure =
  (from: number, to: number) =>
  (t: number, p: string): 'provider_error' | 'do_not_honor' =>
    p === 'stripe' && t >= from && t < to ? 'provider_error' : 'do_not_honor';

afterEach(() => vi.useRealTimers());

const setup = () => startLiveEngine(yaml, W);

/** Sends events as an unpaced client would: batches of 1000, 100 ms of wall time apart. */
async function sendFast(engine: AlertEngine, clock: { wall: number }, evs: PaymentEvent[]) {
  for (let i = 0; i < evs.length; i += 1000) {
    engine.onEvents(evs.slice(i, i + 1000));
    clock.wall += 100;
    await vi.advanceTimersByTimeAsync(100);
  }
}

describe('history sent to a live engine', () => {
  it('judges a back-fill in event time without paging, then pages a live outage on the baselines it built', async () => {
    const { rx, engine, clock, seen, pages, pass } = await setup();
    // Six hours of yesterday-like history ending 15 minutes ago, with an outage in the middle.
    const hFrom = W - 6 * 60 * MIN;
    const history = eventStream({
      from: hFrom,
      minutes: 345,
      perMinute: 25,
      providers: ['adyen', 'stripe'],
      successRate: outage(hFrom + 120 * MIN, hFrom + 140 * MIN),
      failure: outageFailure(hFrom + 120 * MIN, hFrom + 140 * MIN),
      seed: 5,
    });
    await sendFast(engine, clock, history);
    // Live traffic follows at once; stripe goes down 3 minutes in. Its baseline comes from the
    // back-fill (a rate baseline needs ~8 minutes of its own otherwise).
    const onset = clock.wall + 3 * MIN;
    const live = eventStream({
      from: clock.wall,
      minutes: 12,
      perMinute: 25,
      providers: ['adyen', 'stripe'],
      successRate: outage(onset, onset + 30 * MIN),
      failure: outageFailure(onset, onset + 30 * MIN),
      seed: 6,
    });
    const liveFrom = clock.wall;
    for (let m = 0; m < 12; m++) {
      engine.onEvents(live.filter((e) => e.ts >= liveFrom + m * MIN && e.ts < liveFrom + (m + 1) * MIN));
      await pass(MIN);
    }
    const st = engine.stats();
    expect(st.late_events).toBe(0);
    expect(st.history_events).toBe(history.length);
    expect(st.events).toBe(history.length + live.length);
    // The back-filled outage is recorded (in event time) but was not paged.
    const histFiring = seen.filter((t) => t.state === 'firing' && t.at < liveFrom);
    expect(histFiring.map((t) => `${t.rule} ${t.labels['provider']}`)).toEqual([
      'provider_success_rate_drop stripe',
    ]);
    expect(histFiring[0]!.at).toBeLessThan(hFrom + 125 * MIN);
    expect(st.history_notifications_withheld).toBeGreaterThan(0);
    // The 15 minutes between the history and the live traffic had no events at all: skipped as
    // unknown, not judged silent.
    expect(st.skipped_minutes).toBeGreaterThanOrEqual(13);
    expect(seen.filter((t) => t.rule === 'expected_silence')).toEqual([]);
    const fired = seen.find((t) => t.state === 'firing' && t.at >= onset);
    expect(fired?.rule).toBe('provider_success_rate_drop');
    expect(fired!.at - onset).toBeLessThanOrEqual(2 * MIN);
    await vi.waitFor(() => expect(pages()).toEqual(['firing provider_success_rate_drop stripe']), {
      timeout: 5000,
    });
    expect(engine.stats().late_events).toBe(0);
    await engine.stop();
    await rx.close();
  }, 60_000);

  it('counts history older than the watermark as late (no page), and still judges events within the allowed lateness', async () => {
    const { rx, engine, clock, seen, pages, pass } = await setup();
    // An hour of live traffic up to now.
    const live = eventStream({
      from: W - 60 * MIN,
      minutes: 60,
      perMinute: 25,
      providers: ['adyen', 'stripe'],
    });
    await sendFast(engine, clock, live);
    await pass(5000);
    expect(engine.stats().late_events).toBe(0);
    // Yesterday's batch, with an outage in it: too late to judge.
    const yesterday = eventStream({
      from: W - 1440 * MIN,
      minutes: 30,
      perMinute: 25,
      providers: ['adyen', 'stripe'],
      successRate: () => 0.1,
      failure: () => 'provider_error',
      seed: 9,
    });
    engine.onEvents(yesterday);
    expect(engine.stats().late_events).toBe(yesterday.length);
    // Events 40 s old (within allowed_lateness: 1m): still judged — a delayed outage alerts.
    const onset = clock.wall;
    const before = engine.stats().events;
    for (let s = 0; s < 5 * 60; s++) {
      const t = clock.wall - 40_000;
      engine.onEvents(
        eventStream({
          from: t,
          minutes: 1,
          perMinute: 1,
          providers: ['adyen', 'stripe'],
          successRate: (_t, p) => (p === 'stripe' ? 0.2 : 0.92),
          failure: (_t, p) => (p === 'stripe' ? 'provider_error' : 'do_not_honor'),
          seed: s,
        }).map((e, i) => ({ ...e, ts: t, event_id: `evt_late_${s}_${i}` })),
      );
      await pass(1000);
    }
    expect(engine.stats().events).toBeGreaterThan(before);
    expect(engine.stats().late_events).toBe(yesterday.length);
    const fired = seen.find((t) => t.state === 'firing');
    expect(fired?.labels['provider']).toBe('stripe');
    expect(fired!.at).toBeGreaterThanOrEqual(onset - MIN);
    await vi.waitFor(() => expect(pages()).toContain('firing provider_success_rate_drop stripe'), {
      timeout: 5000,
    });
    expect(pages().every((p) => !p.includes('adyen'))).toBe(true);
    await engine.stop();
    await rx.close();
  }, 60_000);
});
