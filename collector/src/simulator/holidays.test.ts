// Guards the simulator's public holidays: the `--holiday` syntax, a holiday's volume level and Sunday shape on its local day only, and the mix change of a holiday observed by some markets.
import { describe, expect, it } from 'vitest';
import { parseTimestamp, type PaymentEventInput } from '@paywatch/contracts';
import { createGenerator, type GeneratorConfig } from './generator.js';
import { holidayCalendar, parseHoliday } from './holidays.js';
import { COUNTRY_CODES, localTime } from './model.js';

const WED = Date.UTC(2026, 2, 4); // Wednesday 2026-03-04 00:00 UTC
const DAY = 86_400_000;
const H = 3_600_000;

function run(config: Partial<GeneratorConfig>): PaymentEventInput[] {
  return [...createGenerator({ seed: 11, start: WED, end: WED + 2 * DAY, rate: 2, ...config })];
}
const onThursday = (evs: PaymentEventInput[]) => evs.filter((e) => parseTimestamp(e.ts) >= WED + DAY);
const onWednesday = (evs: PaymentEventInput[]) => evs.filter((e) => parseTimestamp(e.ts) < WED + DAY);
const share = (evs: PaymentEventInput[], country: string) =>
  evs.filter((e) => e.country === country).length / evs.length;

describe('--holiday syntax', () => {
  it('parses DATE, DATE:LEVEL and DATE:LEVEL:CC,CC', () => {
    expect(parseHoliday('2026-03-05', COUNTRY_CODES)).toEqual({
      date: '2026-03-05',
      level: 0.4,
      countries: [],
    });
    expect(parseHoliday('2026-03-05:0.25', COUNTRY_CODES)).toEqual({
      date: '2026-03-05',
      level: 0.25,
      countries: [],
    });
    expect(parseHoliday('2026-11-11:2.5:cn', COUNTRY_CODES).countries).toEqual(['CN']);
  });
  it.each([
    ['2026-3-5', /bad date/],
    ['2026-03-05:0', /LEVEL/],
    ['2026-03-05:x', /LEVEL/],
    ['2026-03-05:0.4:XX', /unknown market "XX"/],
    ['2026-03-05:0.4:US:extra', /too many/],
  ])('rejects %s naming the bad part', (spec, msg) => {
    expect(() => parseHoliday(spec, COUNTRY_CODES)).toThrow(msg);
  });
});

describe('holiday traffic', { timeout: 60_000 }, () => {
  const normal = run({});
  const holiday = run({ holidays: [parseHoliday('2026-03-05:0.4', COUNTRY_CODES)] });

  it('lowers the holiday (local day) to about LEVEL × its normal volume and leaves the day before alone', () => {
    // The same stream up to the first market's midnight (AU, UTC+11 in March).
    const before = (evs: PaymentEventInput[]) => evs.filter((e) => parseTimestamp(e.ts) < WED + DAY - 11 * H);
    expect(before(holiday).length).toBe(before(normal).length);
    const ratio = onThursday(holiday).length / onThursday(normal).length;
    // 0.4 × (a Sunday's volume / a Thursday's), and Sunday's curve (model.ts) carries ~1.2× a
    // Thursday's volume: about 0.5, far below a normal day.
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.6);
  });

  it('shapes the holiday like a Sunday: a slow morning (08–10 local) against the afternoon', () => {
    const us = (evs: PaymentEventInput[], from: number, to: number) =>
      evs.filter((e) => {
        if (e.country !== 'US') return false;
        const { hour } = localTime(parseTimestamp(e.ts), -5);
        return hour >= from && hour < to;
      }).length;
    const morningShare = (evs: PaymentEventInput[]) => us(evs, 8, 10) / us(evs, 13, 17);
    // model.ts: weekday 08–10 ≈ 0.6–0.8 against 13–17 ≈ 1.05–1.15; weekend 0.3–0.5 against ≈ 1.3.
    expect(morningShare(onThursday(holiday))).toBeLessThan(0.7 * morningShare(onThursday(normal)));
  });

  it('changes the market mix when only some markets observe it', () => {
    const cnOnly = run({ holidays: [parseHoliday('2026-03-05:0.3:CN', COUNTRY_CODES)] });
    const cnNormal = share(onThursday(normal), 'CN');
    expect(share(onThursday(cnOnly), 'CN')).toBeLessThan(cnNormal * 0.5);
    // The other markets keep their volume (the same payments, drawn from the same stream).
    const others = (evs: PaymentEventInput[]) => onThursday(evs).filter((e) => e.country !== 'CN').length;
    expect(Math.abs(others(cnOnly) / others(normal) - 1)).toBeLessThan(0.05);
    expect(share(onWednesday(cnOnly), 'US')).toBeCloseTo(share(onWednesday(normal), 'US'), 2);
  });

  it('holidayCalendar multiplies levels of holidays on the same day and bounds the maximum', () => {
    const cal = holidayCalendar([
      parseHoliday('2026-03-05:0.5', COUNTRY_CODES),
      parseHoliday('2026-03-05:3:CN', COUNTRY_CODES),
    ]);
    expect(cal.max).toBe(3);
    expect(cal.at(WED + DAY + 12 * H, 'CN', 8)).toBe(1.5);
    expect(cal.at(WED + DAY + 12 * H, 'US', -5)).toBe(0.5);
    expect(cal.at(WED + 12 * H, 'US', -5)).toBe(1);
    // 2026-03-05 16:30 UTC is already 2026-03-06 in JP (UTC+9): not the holiday there.
    expect(cal.at(WED + DAY + 16.5 * H, 'JP', 9)).toBe(1);
  });
});
