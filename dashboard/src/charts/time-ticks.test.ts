// Guards the trend chart's time-axis ticks: round intervals on the chosen zone's clock (hours, local midnights, Mondays), never every Nth bucket.
import { describe, expect, it } from 'vitest';
import { roundTimeTicks } from './time-ticks.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const every = (from: number, n: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step);
const hhmm = (t: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    t,
  );

describe('roundTimeTicks', () => {
  it('labels a 6 h chart of minute buckets on whole hours, not every 19th minute', () => {
    const times = every(Date.UTC(2026, 10, 26, 12, 27), 360, MIN);
    const ticks = roundTimeTicks(times, 'UTC');
    expect(ticks?.map((t) => hhmm(t, 'UTC'))).toEqual(['13:00', '14:00', '15:00', '16:00', '17:00', '18:00']);
    // In Kathmandu (+05:45) the whole hours are at :15 UTC.
    const ktm = roundTimeTicks(times, 'Asia/Kathmandu');
    expect(ktm?.length).toBe(6);
    for (const t of ktm ?? []) expect(hhmm(t, 'Asia/Kathmandu')).toMatch(/:00$/);
    expect(ktm?.every((t) => new Date(t).getUTCMinutes() === 15)).toBe(true);
  });

  it('picks the finest round interval that fits: 10 min, 3 h, 2 h', () => {
    const hour = roundTimeTicks(every(Date.UTC(2026, 0, 1, 9, 3), 60, MIN), 'UTC');
    expect(hour?.map((t) => hhmm(t, 'UTC'))).toEqual(['09:10', '09:20', '09:30', '09:40', '09:50', '10:00']);
    const day = roundTimeTicks(every(Date.UTC(2026, 0, 1, 0, 0), 96, 15 * MIN), 'Asia/Kolkata');
    expect(day?.map((t) => hhmm(t, 'Asia/Kolkata'))).toEqual([
      '06:00',
      '09:00',
      '12:00',
      '15:00',
      '18:00',
      '21:00',
      '00:00',
      '03:00',
    ]);
    const twelve = roundTimeTicks(every(Date.UTC(2026, 0, 1, 0, 0), 12 * 12, 5 * MIN), 'UTC');
    expect(twelve?.map((t) => hhmm(t, 'UTC'))).toEqual([
      '00:00',
      '02:00',
      '04:00',
      '06:00',
      '08:00',
      '10:00',
    ]);
  });

  it('puts a week of hourly buckets on local midnights across a DST change', () => {
    // Berlin springs forward on 2026-03-29: midnight is 23:00 UTC before, 22:00 UTC after.
    const times = every(Date.UTC(2026, 2, 25, 7), 7 * 24, HOUR);
    const ticks = roundTimeTicks(times, 'Europe/Berlin') ?? [];
    expect(ticks.map((t) => hhmm(t, 'Europe/Berlin'))).toEqual(Array(7).fill('00:00'));
    expect(ticks.map((t) => new Date(t).getUTCHours())).toEqual([23, 23, 23, 23, 22, 22, 22]);
  });

  it('labels Mondays on a quarter of daily buckets', () => {
    const times = every(Date.UTC(2026, 0, 1), 90, DAY);
    const ticks = roundTimeTicks(times, 'UTC') ?? [];
    expect(ticks.length).toBeGreaterThanOrEqual(6);
    expect(ticks.length).toBeLessThanOrEqual(8);
    for (const t of ticks) expect(new Date(t).getUTCDay()).toBe(1);
    expect((ticks[1] as number) - (ticks[0] as number)).toBe(14 * DAY);
  });

  it('leaves short series and unaligned times to the chart', () => {
    expect(roundTimeTicks(every(Date.UTC(2026, 0, 1, 9, 3), 8, HOUR), 'UTC')).toBeUndefined();
    // Buckets 7 min apart starting off the grid meet no round interval twice.
    expect(roundTimeTicks(every(Date.UTC(2026, 0, 1, 9, 3, 7), 40, 7 * MIN + 1), 'UTC')).toBeUndefined();
  });
});
