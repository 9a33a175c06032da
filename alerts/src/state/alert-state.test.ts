// Guards the pure alert state machine with a fake clock: for, keep_firing_for, episodes, no-data policies, flapping suppression, revenue accumulation.
import { describe, expect, it } from 'vitest';
import type { Evaluation, Verdict } from '../detect/types.js';
import { DEFAULT_LIFECYCLE, alertId, initialState, step } from './alert-state.js';
import type { AlertState, Lifecycle } from './alert-state.js';

const MIN = 60_000;
function ev(verdict: Verdict, at: number, rar = 0): Evaluation {
  return {
    at,
    verdict,
    value: 0.7,
    expected: 0.9,
    lower: 0.85,
    upper: 1,
    score: 0.8,
    revenue_at_risk: rar,
    summary: 's',
    message: null,
  };
}
/** Drives the machine minute by minute from a fake clock; returns the statuses and transitions. */
function drive(verdicts: Verdict[], lc: Partial<Lifecycle> = {}, rar = 0) {
  const rule = { lifecycle: { ...DEFAULT_LIFECYCLE, ...lc }, severity: 'warning' };
  let s: AlertState = initialState('r', { provider: 'adyen' }, 'warning', 0);
  const log: { t: number; status: string; transition: string | null; notify: boolean }[] = [];
  verdicts.forEach((v, i) => {
    const now = i * MIN; // fake clock
    const r = step(s, ev(v, now, rar), rule, now);
    s = r.next;
    log.push({ t: i, status: s.status, transition: r.transition, notify: r.notify });
  });
  return { s, log };
}
const A = 'anomalous' as const;
const N = 'normal' as const;

describe('alert state machine', () => {
  it('is pure: never mutates the previous state', () => {
    const prev = initialState('r', {}, 'w', 0);
    const copy = structuredClone(prev);
    step(prev, ev(A, 0), { lifecycle: DEFAULT_LIFECYCLE, severity: 'w' }, 0);
    expect(prev).toEqual(copy);
  });

  it('pending for `for`, then firing; notifies only on firing', () => {
    const { log } = drive([N, A, A, A, A, N], { for_ms: 2 * MIN, keep_firing_for_ms: 0 });
    expect(log.map((l) => l.status)).toEqual([
      'inactive',
      'pending',
      'pending',
      'firing',
      'firing',
      'resolved',
    ]);
    expect(log.filter((l) => l.notify).map((l) => l.transition)).toEqual(['firing', 'resolved']);
  });

  it('a pending alert that recovers goes back to inactive without notifying', () => {
    const { log } = drive([A, N, N], { for_ms: 5 * MIN });
    expect(log.map((l) => l.status)).toEqual(['pending', 'inactive', 'inactive']);
    expect(log.some((l) => l.notify)).toBe(false);
  });

  it('keep_firing_for absorbs a short recovery', () => {
    const { log } = drive([A, N, N, A, N, N, N, N], { keep_firing_for_ms: 3 * MIN });
    expect(log.map((l) => l.status)).toEqual([
      'firing',
      'firing',
      'firing',
      'firing',
      'firing',
      'firing',
      'resolved',
      'resolved',
    ]);
  });

  it('accumulates revenue at risk over the episode and restarts it on a new one', () => {
    const { s } = drive([A, A, A], { keep_firing_for_ms: 0 }, 10);
    expect(s.revenue_at_risk).toBe(30);
    const again = drive([A, A, N, N, A], { keep_firing_for_ms: 0 }, 10);
    expect(again.s.revenue_at_risk).toBe(10);
    expect(again.s.status).toBe('firing');
  });

  it('no-data policies: ok resolves, keep_last holds, alerting and no_data fire', () => {
    expect(drive([A, 'no_data'], { no_data: 'ok', keep_firing_for_ms: 0 }).s.status).toBe('resolved');
    expect(drive([A, 'no_data', 'no_data'], { no_data: 'keep_last', keep_firing_for_ms: 0 }).s.status).toBe(
      'firing',
    );
    expect(drive(['no_data'], { no_data: 'alerting' }).s.status).toBe('firing');
    const nd = drive(['no_data'], { no_data: 'no_data' }).s;
    expect(nd.status).toBe('firing');
    expect(nd.no_data).toBe(true);
    expect(drive(['no_data', 'no_data'], { no_data: 'keep_last' }).s.status).toBe('inactive');
  });

  it('insufficient volume never fires and never resolves', () => {
    expect(drive(['insufficient', 'insufficient']).s.status).toBe('inactive');
    expect(
      drive([A, 'insufficient', 'insufficient', 'insufficient'], { keep_firing_for_ms: 0 }).s.status,
    ).toBe('firing');
  });

  it('records the latest normal evaluation: held firing after it (recovering), not after no data or too few attempts', () => {
    const held = drive([A, A, N, N], { keep_firing_for_ms: 5 * MIN }).s;
    expect([held.status, held.last_anomalous_at, held.last_normal_at]).toEqual(['firing', MIN, 3 * MIN]);
    // Traffic gone after the last anomalous minute: evaluated, but nothing known to be normal.
    const gone = drive([N, A, 'insufficient', 'no_data'], { keep_firing_for_ms: 5 * MIN }).s;
    expect([gone.status, gone.last_eval_at, gone.last_anomalous_at, gone.last_normal_at]).toEqual([
      'firing',
      3 * MIN,
      MIN,
      0,
    ]);
  });

  it('suppresses notifications while flapping and reports the settled status afterwards', () => {
    const flappy: Verdict[] = [];
    for (let i = 0; i < 10; i++) flappy.push(A, N);
    const quiet: Verdict[] = Array.from({ length: 70 }, () => N);
    const { log, s } = drive([...flappy, ...quiet], {
      keep_firing_for_ms: 0,
      flap_threshold: 4,
      flap_window_ms: 60 * MIN,
    });
    const notified = log.filter((l) => l.notify);
    // The first 3 transitions notify; then flapping mutes; one notification when it settles.
    expect(notified.length).toBe(4);
    expect(notified.at(-1)?.status).toBe('resolved');
    expect(notified.at(-1)?.t).toBeGreaterThan(60);
    expect(s.flapping).toBe(false);
  });

  it('alert ids are stable and label-order independent', () => {
    expect(alertId('r', { a: '1', b: '2' })).toBe(alertId('r', { b: '2', a: '1' }));
    expect(alertId('r', { a: '1' })).not.toBe(alertId('r2', { a: '1' }));
  });

  it('alert ids are the ones saved by earlier releases (persisted state and links keep them)', () => {
    // Values from the string-building implementation before the hash was fed piece by piece.
    expect(alertId('card_testing', { alertname: 'card_testing', team: 'fraud', bin: '424242' })).toBe(
      '9a03ed6f8286a80d',
    );
    expect(alertId('r', {})).toBe('fd53e60fa939eb99');
    expect(alertId('r', { b: 'x\u0001a=y', a: '' })).toBe('e1c5d47f3c5a6dfb');
    expect(alertId('支付', { provider: 'adyen', 国家: '中国', z: '\u0000' })).toBe('145973ee8dbe6362');
  });
});
