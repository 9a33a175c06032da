// Guards compare-period math: the comparison range and the offset that overlays it on the primary range.
import { describe, expect, it } from 'vitest';
import { compareOffset, comparisonRange } from './compare.js';

const DAY = 86_400_000;

describe('compare periods', () => {
  const from = Date.UTC(2026, 4, 11, 0, 0); // Monday 2026-05-11
  const to = Date.UTC(2026, 4, 12, 0, 0);

  it('previous period is the same length immediately before', () => {
    expect(comparisonRange('previous', from, to)).toEqual({ from: from - DAY, to: from, offset: DAY });
    const h = comparisonRange('previous', Date.UTC(2026, 4, 11, 10), Date.UTC(2026, 4, 11, 11));
    expect(h.to).toBe(Date.UTC(2026, 4, 11, 10));
    expect(h.from).toBe(Date.UTC(2026, 4, 11, 9));
  });

  it('same weekday last week is 7 days back and lands on the same weekday', () => {
    const c = comparisonRange('week', from, to);
    expect(c.offset).toBe(7 * DAY);
    expect(new Date(c.from).getUTCDay()).toBe(new Date(from).getUTCDay());
    expect(new Date(c.from).toISOString()).toBe('2026-05-04T00:00:00.000Z');
  });

  it('last year is 52 weeks back so weekdays line up', () => {
    const c = comparisonRange('year', from, to);
    expect(c.offset).toBe(364 * DAY);
    expect(new Date(c.from).getUTCDay()).toBe(1);
    expect(new Date(c.from).toISOString()).toBe('2025-05-12T00:00:00.000Z');
  });

  it('offsets are whole multiples of every bucket for aligned ranges, so points overlay exactly', () => {
    for (const b of [60_000, 300_000, 900_000, 3_600_000, 21_600_000, DAY]) {
      expect(compareOffset('week', from, to) % b).toBe(0);
      expect(compareOffset('year', from, to) % b).toBe(0);
      expect(compareOffset('previous', from, to) % b).toBe(0);
    }
  });
});
