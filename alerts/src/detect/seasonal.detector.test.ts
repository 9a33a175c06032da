// Guards the seasonal baseline detector: quiet on normal daily seasonality, fires on a drop, calendar days shift the band (only for the slices an entry is scoped to), adapts to a lasting level shift.
import { describe, expect, it } from 'vitest';
import { createSeasonalDetector, SeasonalSpecSchema } from './seasonal.detector.js';
import { CalendarSchema } from './calendar.js';
import { dailyShape, firstAnomalous, synthMinutes } from './synthetic.js';

const DAY = 86_400_000;
const spec = SeasonalSpecSchema.parse({ type: 'seasonal', metric: 'attempts' });

describe('seasonal detector', () => {
  it('stays quiet on a normal day and flags a 60% traffic drop within 2 minutes', () => {
    const onset = 9 * DAY + 14 * 3_600_000;
    const ms = synthMinutes(0, 10 * 1440, (t) => ({
      attempts: dailyShape(t, 60) * (t >= onset && t < onset + 3_600_000 ? 0.4 : 1),
      successRate: 0.9,
    }));
    const d = createSeasonalDetector(spec);
    const ev = ms.map((m) => d.evaluate(m));
    const normalDay = ev.slice(8 * 1440, 9 * 1440);
    expect(normalDay.filter((e) => e.verdict === 'anomalous').length).toBe(0);
    const i = firstAnomalous(ev, 9 * 1440);
    expect(i - onset / 60_000).toBeGreaterThanOrEqual(0);
    expect(i - onset / 60_000).toBeLessThanOrEqual(2);
    expect(ev[i]?.expected).toBeGreaterThan(ev[i]?.value ?? Infinity);
  });

  it('a configured holiday shifts the expectation instead of paging', () => {
    const holiday = '1970-01-10';
    const ms = synthMinutes(0, 10 * 1440, (t) => ({
      attempts: dailyShape(t, 60) * (t >= 9 * DAY ? 0.5 : 1),
      successRate: 0.9,
    }));
    const cal = CalendarSchema.parse({
      events: [{ name: 'holiday', kind: 'holiday', dates: [holiday], shift: 0.5, widen: 1.5 }],
    });
    const withCal = createSeasonalDetector(spec, cal);
    const without = createSeasonalDetector(spec);
    const a = ms.map((m) => withCal.evaluate(m)).slice(9 * 1440);
    const b = ms.map((m) => without.evaluate(m)).slice(9 * 1440);
    expect(a.filter((e) => e.verdict === 'anomalous').length).toBe(0);
    expect(firstAnomalous(b)).toBeGreaterThanOrEqual(0); // without the calendar the same day pages
    expect(b.filter((e) => e.verdict === 'anomalous').length).toBeGreaterThan(30);
  });

  it("a holiday scoped to one market shifts that market's slices only", () => {
    const ms = synthMinutes(0, 10 * 1440, (t) => ({
      attempts: dailyShape(t, 60) * (t >= 9 * DAY ? 0.5 : 1),
      successRate: 0.9,
    }));
    const cal = CalendarSchema.parse({
      events: [
        { name: 'CN holiday', dates: ['1970-01-10'], match: { country: ['CN'] }, shift: 0.5, widen: 1.5 },
      ],
    });
    const cn = createSeasonalDetector(spec, cal, { provider: 'alipay', country: 'CN' });
    const de = createSeasonalDetector(spec, cal, { provider: 'adyen', country: 'DE' });
    const a = ms.map((m) => cn.evaluate(m)).slice(9 * 1440);
    const b = ms.map((m) => de.evaluate(m)).slice(9 * 1440);
    expect(a.filter((e) => e.verdict === 'anomalous').length).toBe(0);
    expect(a[600]?.summary).toMatch(/\(calendar: CN holiday\)$/);
    expect(b.filter((e) => e.verdict === 'anomalous').length).toBeGreaterThan(30);
    expect(b[600]?.summary).not.toMatch(/calendar/);
  });

  it('adapts to a lasting level shift (stops firing within a few hours)', () => {
    const ms = synthMinutes(0, 10 * 1440, (t) => ({
      attempts: dailyShape(t, 60) * (t >= 8 * DAY ? 1.6 : 1),
      successRate: 0.9,
    }));
    const d = createSeasonalDetector(spec);
    const ev = ms.map((m) => d.evaluate(m));
    expect(firstAnomalous(ev, 8 * 1440)).toBeLessThan(8 * 1440 + 5);
    const lastDay = ev.slice(9 * 1440);
    expect(lastDay.filter((e) => e.verdict === 'anomalous').length).toBeLessThan(60);
  });
});
