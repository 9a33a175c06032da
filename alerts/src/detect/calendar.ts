import { zoneOffsetMs } from '@paywatch/contracts';
import { z } from 'zod';

/**
 * Business calendar: holidays, paydays and campaigns. On a configured date the seasonal,
 * silence and end-of-day detectors widen their band (×`widen`) and/or shift the expected level
 * (×`shift`) instead of paging on a day that is known to be different.
 *
 * Each entry's dates are whole days in *its* local time: its own `timezone` (IANA, DST-aware)
 * or `utc_offset_minutes`, else the calendar's `utc_offset_minutes`. An entry with `match`
 * applies only to the slices whose labels match (Singles' Day to CN slices, Thanksgiving to US
 * ones), so a holiday in one market does not widen another market's band. An entry with
 * neither field behaves exactly as before they existed: the calendar's offset, every slice.
 */

/** An IANA time zone name this runtime's `Intl` knows (e.g. Asia/Shanghai). */
function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const offsetMinutes = z.number().int().min(-840).max(840);

export const CalendarEventSchema = z
  .strictObject({
    name: z.string().min(1),
    kind: z.enum(['holiday', 'payday', 'campaign', 'other']).default('other'),
    /** Whole days, YYYY-MM-DD, in the entry's local time (see `timezone`, `utc_offset_minutes`). */
    dates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')).default([]),
    /** Day of month (1–31) repeating every month, e.g. paydays. */
    monthly_days: z.array(z.number().int().min(1).max(31)).default([]),
    widen: z.number().min(1).max(20).default(2),
    shift: z.number().min(0).max(20).default(1),
    /** This entry's days are in UTC + this many minutes (overrides the calendar's offset). */
    utc_offset_minutes: offsetMinutes.optional(),
    /** This entry's days are in this IANA time zone, daylight-saving changes included. */
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'unknown IANA time zone (e.g. Asia/Shanghai, America/New_York)' })
      .optional(),
    /**
     * Slices the entry applies to: for every label named here, the slice's value must be one of
     * the listed values. `""` stands for "the slice does not carry this label" (its rule does not
     * group by it), as an empty value matches a missing label in Prometheus matchers. Label names
     * are checked against the rule labels where the rules file is parsed (config/schema.ts).
     */
    match: z.record(z.string(), z.array(z.string()).min(1, 'list at least one value')).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.timezone !== undefined && e.utc_offset_minutes !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['timezone'],
        message: 'give either timezone or utc_offset_minutes, not both',
      });
  });
export type CalendarEvent = z.infer<typeof CalendarEventSchema>;

export const CalendarSchema = z.strictObject({
  /** Default local time of the entries (those without their own timezone/offset). */
  utc_offset_minutes: offsetMinutes.default(0),
  events: z.array(CalendarEventSchema).default([]),
});
export type Calendar = z.infer<typeof CalendarSchema>;

/** Adjustment in force at `t`: the product of matching events' factors. */
export interface CalendarAdjustment {
  widen: number;
  shift: number;
  names: string[];
}

/**
 * A calendar resolved for one slice: only the entries whose `match` the slice's labels satisfy.
 * Built once per series (cheap: the compiled entries are shared per calendar); `at` is pure.
 */
export interface SliceCalendar {
  /** True when at least one entry applies to this slice (false: `at` is always neutral). */
  readonly active: boolean;
  /** The adjustment at event time `t` (epoch ms). */
  at(t: number): CalendarAdjustment;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const NONE: CalendarAdjustment = { widen: 1, shift: 1, names: [] };
const INACTIVE: SliceCalendar = { active: false, at: () => NONE };

/** UTC offset (minutes) of IANA zone `tz` at instant `t`, from the wall clock `Intl` shows there. */
export function zoneOffsetMinutes(tz: string, t: number): number {
  return Math.round(zoneOffsetMs(t, tz) / MINUTE_MS);
}

/** One entry, compiled: its local day of an instant, its dates as day numbers. */
interface CompiledEntry {
  event: CalendarEvent;
  dayOf(t: number): number;
  days: Set<number>;
  monthly: Set<number>;
}

function compileEntry(e: CalendarEvent, calendarOffset: number): CompiledEntry {
  const days = new Set<number>();
  for (const d of e.dates) {
    const ms = Date.parse(`${d}T00:00:00Z`);
    if (Number.isFinite(ms)) days.add(ms / DAY_MS);
  }
  let dayOf: (t: number) => number;
  if (e.timezone !== undefined) {
    const tz = e.timezone;
    // Local day per UTC minute, memoised: every slice of the engine asks about the same few
    // minutes in turn. Offsets change only at whole minutes, so a minute never straddles one.
    const memo = new Map<number, number>();
    dayOf = (t) => {
      const m = Math.floor(t / MINUTE_MS);
      let d = memo.get(m);
      if (d === undefined) {
        d = Math.floor((t + zoneOffsetMinutes(tz, t) * MINUTE_MS) / DAY_MS);
        if (memo.size >= 8192) memo.clear();
        memo.set(m, d);
      }
      return d;
    };
  } else {
    const off = (e.utc_offset_minutes ?? calendarOffset) * MINUTE_MS;
    dayOf = (t) => Math.floor((t + off) / DAY_MS);
  }
  return { event: e, dayOf, days, monthly: new Set(e.monthly_days) };
}

function entryAt(c: CompiledEntry, t: number): boolean {
  const day = c.dayOf(t);
  if (c.days.has(day)) return true;
  return c.monthly.size > 0 && c.monthly.has(new Date(day * DAY_MS).getUTCDate());
}

/** Whether an entry's `match` admits a slice with these labels (no `match`: every slice). */
export function entryMatches(e: CalendarEvent, labels: Readonly<Record<string, string>>): boolean {
  if (!e.match) return true;
  for (const [name, values] of Object.entries(e.match)) {
    const v = labels[name];
    if (!values.includes(v === undefined ? '' : v)) return false;
  }
  return true;
}

// Compiled once per calendar object (the engine's config is parsed once and never mutated).
const compiled = new WeakMap<Calendar, CompiledEntry[]>();
function compile(cal: Calendar): CompiledEntry[] {
  let c = compiled.get(cal);
  if (!c) {
    c = cal.events.map((e) => compileEntry(e, cal.utc_offset_minutes));
    compiled.set(cal, c);
  }
  return c;
}

/**
 * The calendar as it applies to the slice with `labels` (its rule's group-by labels, pooled
 * values included). No calendar, or no entry for this slice: an inactive, neutral calendar.
 */
export function sliceCalendar(
  cal: Calendar | undefined,
  labels: Readonly<Record<string, string>> = {},
): SliceCalendar {
  if (!cal || cal.events.length === 0) return INACTIVE;
  const entries = compile(cal).filter((c) => entryMatches(c.event, labels));
  if (entries.length === 0) return INACTIVE;
  // Detectors ask about the same recent minutes again and again (the seasonal detector averages
  // the shift over its window every minute): a small per-slice cache of the last 16 minutes.
  const keys = new Float64Array(16).fill(NaN);
  const vals = new Array<CalendarAdjustment>(16).fill(NONE);
  return {
    active: true,
    at(t) {
      const slot = Math.floor(t / MINUTE_MS) & 15;
      if (keys[slot] === t) return vals[slot] ?? NONE;
      let widen = 1;
      let shift = 1;
      let names: string[] | null = null;
      for (const c of entries) {
        if (!entryAt(c, t)) continue;
        widen *= c.event.widen;
        shift *= c.event.shift;
        (names ??= []).push(c.event.name);
      }
      const adj = names ? { widen, shift, names } : NONE;
      keys[slot] = t;
      vals[slot] = adj;
      return adj;
    },
  };
}

/** The adjustment at event time `t` (epoch ms) for a slice with `labels` (default: none). */
export function calendarAt(
  cal: Calendar | undefined,
  t: number,
  labels: Readonly<Record<string, string>> = {},
): CalendarAdjustment {
  return sliceCalendar(cal, labels).at(t);
}
