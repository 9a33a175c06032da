import { SimulatorOptionError } from './incidents.js';

/**
 * A public holiday the simulator models, and the `--holiday` syntax:
 *
 *   DATE[:LEVEL][:CC,CC…]
 *
 *   DATE    YYYY-MM-DD, the day in each market's *local* time
 *   LEVEL   volume on that day relative to a normal one (default 0.4; above 1 for a shopping
 *           day such as Singles' Day)
 *   CC,…    the markets that observe it (ISO country codes; default: every market)
 *
 * On a holiday a market's day looks like a Sunday (slow morning, busy afternoon and evening)
 * scaled by LEVEL. A holiday in some markets only also changes the traffic *mix* (countries,
 * so methods, providers, currencies and decline vocabularies), as real national holidays do.
 *
 * Examples: `2026-03-05:0.4`, `2026-12-25:0.3:US,GB,DE`, `2026-11-11:2.5:CN`.
 */
export interface Holiday {
  /** YYYY-MM-DD, local to each market. */
  date: string;
  /** Volume relative to a normal day (> 0). */
  level: number;
  /** Markets observing it (upper-case codes); empty = all. */
  countries: readonly string[];
}

const DEFAULT_LEVEL = 0.4;

/** Parses one `--holiday` value; `known` lists the simulator's market codes. */
export function parseHoliday(spec: string, known: readonly string[]): Holiday {
  const bad = (msg: string) =>
    new SimulatorOptionError('--holiday', `${msg} in "${spec}" (expected DATE[:LEVEL][:CC,CC…])`);
  const [date = '', levelRaw, ccRaw, ...rest] = spec.trim().split(':');
  if (rest.length > 0) throw bad('too many ":" parts');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
    throw bad(`bad date "${date}"`);
  const level = levelRaw === undefined || levelRaw === '' ? DEFAULT_LEVEL : Number(levelRaw);
  if (!(level > 0) || level > 20) throw bad(`LEVEL must be a number in (0, 20], got "${levelRaw}"`);
  const countries =
    ccRaw === undefined || ccRaw === '' ? [] : ccRaw.split(',').map((c) => c.trim().toUpperCase());
  for (const c of countries)
    if (!known.includes(c)) throw bad(`unknown market "${c}" (one of ${known.join(', ')})`);
  return { date, level, countries };
}

/** Human description (for logs and `--json`). */
export function describeHoliday(h: Holiday): string {
  return `holiday ${h.date} ×${h.level}${h.countries.length ? ` in ${h.countries.join(',')}` : ''}`;
}

/**
 * Per-market lookup of the holidays in force, built once per stream: `at(t, market)` is the
 * volume level on that market's local day (1 on a normal day) — the product when several
 * holidays fall on the same day — and `max` the largest level (to thin a Poisson process).
 */
export interface HolidayCalendar {
  at(t: number, country: string, utcOffsetH: number): number;
  readonly max: number;
}

const DAY_MS = 86_400_000;

export function holidayCalendar(holidays: readonly Holiday[]): HolidayCalendar {
  // Local day number (days since the epoch) → the holidays on it.
  const byDay = new Map<number, Holiday[]>();
  for (const h of holidays) {
    const day = Date.parse(`${h.date}T00:00:00Z`) / DAY_MS;
    byDay.set(day, [...(byDay.get(day) ?? []), h]);
  }
  // An upper bound of any day's level: the product of every level above 1.
  let max = 1;
  for (const h of holidays) if (h.level > 1) max *= h.level;
  return {
    max,
    at(t, country, utcOffsetH) {
      if (byDay.size === 0) return 1;
      const hs = byDay.get(Math.floor((t + utcOffsetH * 3_600_000) / DAY_MS));
      if (hs === undefined) return 1;
      let l = 1;
      for (const h of hs) if (h.countries.length === 0 || h.countries.includes(country)) l *= h.level;
      return l;
    },
  };
}
