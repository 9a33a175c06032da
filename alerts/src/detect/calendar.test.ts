// Guards the business calendar: each entry's local day (its own offset or IANA zone, DST changes, local-midnight boundaries), `match` scoping per slice, old entries unchanged, and config errors that name the path.
import { describe, expect, it } from 'vitest';
import { AlertsConfigError, parseAlertsConfig } from '../config/load.js';
import { CalendarSchema, calendarAt, sliceCalendar, zoneOffsetMinutes } from './calendar.js';

const at = (iso: string) => Date.parse(iso);
const MS = 1;

function issues(yaml: string) {
  try {
    parseAlertsConfig(yaml, { source: 'test.yaml' });
  } catch (e) {
    if (e instanceof AlertsConfigError)
      return e.issues.map((i) => ({ path: i.path, line: i.line, message: i.message }));
    throw e;
  }
  return [];
}

describe('calendar day resolution per entry', () => {
  it('an entry without its own offset keeps the calendar offset (as before): the day runs local midnight to midnight', () => {
    const cal = CalendarSchema.parse({
      utc_offset_minutes: 480,
      events: [{ name: 'CN holiday', dates: ['2026-03-05'], widen: 2, shift: 0.4 }],
    });
    // 2026-03-05 in UTC+8 = 2026-03-04T16:00Z .. 2026-03-05T16:00Z.
    expect(calendarAt(cal, at('2026-03-04T16:00:00Z') - MS).names).toEqual([]);
    expect(calendarAt(cal, at('2026-03-04T16:00:00Z'))).toEqual({
      widen: 2,
      shift: 0.4,
      names: ['CN holiday'],
    });
    expect(calendarAt(cal, at('2026-03-05T15:59:59.999Z')).shift).toBe(0.4);
    expect(calendarAt(cal, at('2026-03-05T16:00:00Z'))).toEqual({ widen: 1, shift: 1, names: [] });
    // A slice's labels do not matter to an entry without `match`.
    expect(calendarAt(cal, at('2026-03-05T03:00:00Z'), { country: 'DE' }).shift).toBe(0.4);
  });

  it("an entry's utc_offset_minutes overrides the calendar's; entries keep their own days", () => {
    const cal = CalendarSchema.parse({
      utc_offset_minutes: 480,
      events: [
        { name: 'Black Friday', dates: ['2026-11-27'], utc_offset_minutes: -300, widen: 3, shift: 1.5 },
        { name: "Singles' Day", dates: ['2026-11-11'], widen: 3, shift: 2.5 },
      ],
    });
    // Black Friday in UTC−5: 2026-11-27T05:00Z .. 2026-11-28T05:00Z (not the calendar's UTC+8 day).
    expect(calendarAt(cal, at('2026-11-27T04:59:00Z')).names).toEqual([]);
    expect(calendarAt(cal, at('2026-11-27T05:00:00Z')).names).toEqual(['Black Friday']);
    expect(calendarAt(cal, at('2026-11-28T04:59:00Z')).names).toEqual(['Black Friday']);
    expect(calendarAt(cal, at('2026-11-28T05:00:00Z')).names).toEqual([]);
    // Singles' Day still in the calendar's UTC+8.
    expect(calendarAt(cal, at('2026-11-10T15:59:00Z')).names).toEqual([]);
    expect(calendarAt(cal, at('2026-11-10T16:00:00Z')).names).toEqual(["Singles' Day"]);
  });

  it('overlapping entries multiply, in configuration order', () => {
    const cal = CalendarSchema.parse({
      events: [
        { name: 'payday', monthly_days: [5], widen: 1.5, shift: 1.2 },
        { name: 'holiday', dates: ['2026-03-05'], widen: 2, shift: 0.5 },
      ],
    });
    expect(calendarAt(cal, at('2026-03-05T12:00:00Z'))).toEqual({
      widen: 3,
      shift: 0.6,
      names: ['payday', 'holiday'],
    });
    expect(calendarAt(cal, at('2026-04-05T12:00:00Z')).names).toEqual(['payday']);
  });

  it('monthly days follow the entry offset too', () => {
    const cal = CalendarSchema.parse({
      events: [{ name: 'JP payday', monthly_days: [25], utc_offset_minutes: 540, shift: 1.3 }],
    });
    expect(calendarAt(cal, at('2026-05-24T14:59:00Z')).names).toEqual([]);
    expect(calendarAt(cal, at('2026-05-24T15:00:00Z')).names).toEqual(['JP payday']);
    expect(calendarAt(cal, at('2026-05-25T14:59:00Z')).names).toEqual(['JP payday']);
    expect(calendarAt(cal, at('2026-05-25T15:00:00Z')).names).toEqual([]);
  });
});

describe('calendar entries in an IANA time zone', () => {
  it('reads the zone offset from Intl, across a DST change', () => {
    expect(zoneOffsetMinutes('Asia/Shanghai', at('2026-03-05T00:00:00Z'))).toBe(480);
    // Europe/Berlin: CET → CEST at 2026-03-29T01:00Z, back at 2026-10-25T01:00Z.
    expect(zoneOffsetMinutes('Europe/Berlin', at('2026-03-29T00:59:59Z'))).toBe(60);
    expect(zoneOffsetMinutes('Europe/Berlin', at('2026-03-29T01:00:00Z'))).toBe(120);
    expect(zoneOffsetMinutes('Europe/Berlin', at('2026-10-25T00:59:59Z'))).toBe(120);
    expect(zoneOffsetMinutes('Europe/Berlin', at('2026-10-25T01:00:00Z'))).toBe(60);
    expect(zoneOffsetMinutes('America/St_Johns', at('2026-07-01T00:00:00Z'))).toBe(-150);
    expect(zoneOffsetMinutes('Asia/Kathmandu', at('2026-07-01T00:00:00Z'))).toBe(345);
  });

  it('a day with a spring-forward change is 23 hours long, one with a fall-back change 25', () => {
    const cal = CalendarSchema.parse({
      utc_offset_minutes: 480, // ignored by zone entries
      events: [
        { name: 'spring', dates: ['2026-03-29'], timezone: 'Europe/Berlin' },
        { name: 'autumn', dates: ['2026-10-25'], timezone: 'Europe/Berlin' },
      ],
    });
    const names = (iso: string) => calendarAt(cal, at(iso)).names;
    // 2026-03-29 in Berlin: 2026-03-28T23:00Z (00:00 CET) .. 2026-03-29T22:00Z (00:00 CEST).
    expect(names('2026-03-28T22:59:59Z')).toEqual([]);
    expect(names('2026-03-28T23:00:00Z')).toEqual(['spring']);
    expect(names('2026-03-29T21:59:59Z')).toEqual(['spring']);
    expect(names('2026-03-29T22:00:00Z')).toEqual([]);
    // 2026-10-25 in Berlin: 2026-10-24T22:00Z (00:00 CEST) .. 2026-10-25T23:00Z (00:00 CET).
    expect(names('2026-10-24T21:59:59Z')).toEqual([]);
    expect(names('2026-10-24T22:00:00Z')).toEqual(['autumn']);
    expect(names('2026-10-25T22:59:59Z')).toEqual(['autumn']);
    expect(names('2026-10-25T23:00:00Z')).toEqual([]);
  });

  it('US holidays around the US DST change (America/New_York)', () => {
    const cal = CalendarSchema.parse({
      events: [
        { name: 'Sunday of the change', dates: ['2026-03-08'], timezone: 'America/New_York' },
        { name: 'Black Friday', dates: ['2026-11-27'], timezone: 'America/New_York' },
      ],
    });
    const names = (iso: string) => calendarAt(cal, at(iso)).names;
    // EST (−5) at the start of 2026-03-08, EDT (−4) at its end: 05:00Z .. next 04:00Z.
    expect(names('2026-03-08T04:59:00Z')).toEqual([]);
    expect(names('2026-03-08T05:00:00Z')).toEqual(['Sunday of the change']);
    expect(names('2026-03-09T03:59:00Z')).toEqual(['Sunday of the change']);
    expect(names('2026-03-09T04:00:00Z')).toEqual([]);
    // Black Friday after the fall-back change: EST, 05:00Z .. 05:00Z.
    expect(names('2026-11-27T04:59:00Z')).toEqual([]);
    expect(names('2026-11-27T05:00:00Z')).toEqual(['Black Friday']);
    expect(names('2026-11-28T04:59:00Z')).toEqual(['Black Friday']);
    expect(names('2026-11-28T05:00:00Z')).toEqual([]);
  });
});

describe('calendar scoping by slice labels (match)', () => {
  const cal = CalendarSchema.parse({
    events: [
      {
        name: "Singles' Day",
        dates: ['2026-11-11'],
        timezone: 'Asia/Shanghai',
        match: { country: ['CN'] },
        shift: 2.5,
      },
      {
        name: 'Thanksgiving',
        dates: ['2026-11-26'],
        timezone: 'America/New_York',
        match: { country: ['US'] },
        shift: 0.5,
      },
      {
        name: 'CN wallets, provider-wide',
        dates: ['2026-10-01'],
        utc_offset_minutes: 480,
        match: { provider: ['alipay', 'wechatpay'], country: [''] },
        shift: 0.4,
      },
      { name: 'Christmas', dates: ['2026-12-25'], match: { country: ['DE', 'FR', 'GB'] }, shift: 0.6 },
    ],
  });
  const singles = at('2026-11-11T04:00:00Z');

  it('a CN holiday widens CN slices and not DE, US or country-less ones', () => {
    expect(sliceCalendar(cal, { provider: 'alipay', country: 'CN' }).at(singles).names).toEqual([
      "Singles' Day",
    ]);
    expect(sliceCalendar(cal, { provider: 'stripe', method: 'card', country: 'CN' }).at(singles).shift).toBe(
      2.5,
    );
    expect(sliceCalendar(cal, { provider: 'stripe', country: 'DE' }).at(singles).names).toEqual([]);
    expect(sliceCalendar(cal, { provider: 'stripe', country: 'US' }).at(singles).names).toEqual([]);
    // A provider-wide slice carries no country: a country-scoped entry does not reach it.
    expect(sliceCalendar(cal, { provider: 'alipay', method: 'alipay' }).at(singles).names).toEqual([]);
    // A pooled country is not CN either.
    expect(sliceCalendar(cal, { provider: 'stripe', country: '_pooled' }).at(singles).names).toEqual([]);
  });

  it('US Thanksgiving applies to US slices only, on the US day', () => {
    const us = sliceCalendar(cal, { provider: 'stripe', country: 'US' });
    expect(us.at(at('2026-11-26T04:59:00Z')).names).toEqual([]);
    expect(us.at(at('2026-11-26T05:00:00Z')).names).toEqual(['Thanksgiving']);
    expect(sliceCalendar(cal, { country: 'CN' }).at(at('2026-11-26T12:00:00Z')).names).toEqual([]);
  });

  it('"" matches a slice without the label; several labels must all match', () => {
    const day = at('2026-10-01T02:00:00Z');
    expect(sliceCalendar(cal, { provider: 'alipay', method: 'alipay' }).at(day).names).toEqual([
      'CN wallets, provider-wide',
    ]);
    // The same provider in a country-grouped rule carries a country: not this entry.
    expect(sliceCalendar(cal, { provider: 'alipay', country: 'CN' }).at(day).names).toEqual([]);
    expect(sliceCalendar(cal, { provider: 'stripe', method: 'card' }).at(day).names).toEqual([]);
  });

  it('a slice no entry reaches is inactive; one listed value of several is enough', () => {
    expect(sliceCalendar(cal, { country: 'JP' }).active).toBe(false);
    expect(sliceCalendar(cal, { country: 'FR' }).active).toBe(true);
    expect(sliceCalendar(cal, { country: 'FR' }).at(at('2026-12-25T10:00:00Z')).shift).toBe(0.6);
    expect(sliceCalendar(undefined, { country: 'FR' }).active).toBe(false);
  });
});

describe('calendar configuration', () => {
  it('an entry without the new fields parses as before (no timezone, no match)', () => {
    const e = CalendarSchema.parse({ events: [{ name: 'Christmas', dates: ['2026-12-25'] }] }).events[0];
    expect(e).toEqual({
      name: 'Christmas',
      kind: 'other',
      dates: ['2026-12-25'],
      monthly_days: [],
      widen: 2,
      shift: 1,
    });
  });

  it('names the path and line of a bad time zone, a zone with an offset, an unknown label and an empty value list', () => {
    expect(
      issues(
        [
          'calendar:',
          '  events:',
          '    - name: x',
          '      dates: ["2026-01-01"]',
          '      timezone: Asia/Shangai',
        ].join('\n'),
      ),
    ).toEqual([
      {
        path: 'calendar.events.0.timezone',
        line: 5,
        message: 'unknown IANA time zone (e.g. Asia/Shanghai, America/New_York)',
      },
    ]);
    expect(
      issues(
        ['calendar:', '  events:', '    - { name: x, timezone: UTC, utc_offset_minutes: 60 }'].join('\n'),
      ).map((i) => [i.path, i.message]),
    ).toEqual([['calendar.events.0.timezone', 'give either timezone or utc_offset_minutes, not both']]);
    expect(
      issues(['calendar:', '  events:', '    - name: x', '      match:', '        countyr: [CN]'].join('\n')),
    ).toEqual([
      {
        path: 'calendar.events.0.match.countyr',
        line: 5,
        message: expect.stringMatching(/^unknown label "countyr" \(one of provider, method, .*country/),
      },
    ]);
    expect(
      issues(['calendar:', '  events:', '    - { name: x, match: { country: [] } }'].join('\n')),
    ).toMatchObject([{ path: 'calendar.events.0.match.country', message: 'list at least one value' }]);
    expect(
      issues(['calendar:', '  events:', '    - { name: x, utc_offset_minutes: 900 }'].join('\n')).map(
        (i) => i.path,
      ),
    ).toEqual(['calendar.events.0.utc_offset_minutes']);
  });

  it('a misspelt field is an error, not a calendar that silently applies everywhere', () => {
    expect(
      issues(['calendar:', '  events:', '    - { name: x, time_zone: Asia/Shanghai }'].join('\n')).map(
        (i) => i.path,
      ),
    ).toEqual(['calendar.events.0.time_zone']);
  });
});
