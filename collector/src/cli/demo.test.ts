// Guards the demo history plan: contiguous, in event-time order, ending now, live-rate where baselines and the default week-over-week view look, and small enough to back-fill in seconds.
import { describe, expect, it } from 'vitest';
import {
  DEMO_HISTORY_DAYS,
  DEMO_HISTORY_MAX_RATE,
  DEMO_RECENT_HOURS,
  demoHistoryEvents,
  demoHistoryPlan,
} from './demo.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 26, 3, 0, 0);

describe('demoHistoryPlan', () => {
  const plan = demoHistoryPlan(NOW, 20);

  it('covers the history window without gaps or overlaps, in event-time order, ending now', () => {
    expect(plan[0]?.from).toBe(NOW - DEMO_HISTORY_DAYS * DAY);
    expect(plan.at(-1)?.to).toBe(NOW);
    for (let i = 1; i < plan.length; i++) expect(plan[i]?.from).toBe(plan[i - 1]?.to);
    for (const s of plan) expect(s.to).toBeGreaterThan(s.from);
  });

  it('sends the recent hours (rate baselines) and the hour a week ago (default compare) at the live rate', () => {
    const rateAt = (t: number) => plan.find((s) => s.from <= t && t < s.to)?.rate;
    expect(rateAt(NOW - 1000)).toBe(20);
    expect(rateAt(NOW - DEMO_RECENT_HOURS * HOUR + 1000)).toBe(20);
    expect(rateAt(NOW - 7 * DAY - HOUR / 4)).toBe(20);
    expect(rateAt(NOW - 7 * DAY + HOUR / 4)).toBe(20);
    // the rest is thin: affordable, and still enough for trends
    expect(rateAt(NOW - 3 * DAY)).toBeLessThan(1);
    expect(rateAt(NOW - 8 * DAY + 1000)).toBeLessThan(1);
  });

  it('stays small enough to back-fill in well under a minute (≈ 320k events at 20/s)', () => {
    const n = demoHistoryEvents(plan);
    expect(n).toBeGreaterThan(300_000);
    expect(n).toBeLessThan(350_000);
  });

  it('caps the full-rate parts at the live rate or DEMO_HISTORY_MAX_RATE, whichever is lower', () => {
    expect(Math.max(...demoHistoryPlan(NOW, 500).map((s) => s.rate))).toBe(DEMO_HISTORY_MAX_RATE);
    const slow = demoHistoryPlan(NOW, 0.1);
    expect(Math.max(...slow.map((s) => s.rate))).toBe(0.1);
    expect(demoHistoryEvents(slow)).toBe(Math.round(DEMO_HISTORY_DAYS * 86_400 * 0.1));
  });
});
