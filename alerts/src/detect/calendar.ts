import { z } from 'zod';

/**
 * Business calendar: holidays, paydays and campaigns. On a configured date the seasonal and
 * silence detectors widen their band (×`widen`) and/or shift the expected level (×`shift`)
 * instead of paging on a day that is known to be different.
 */
export const CalendarEventSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(['holiday', 'payday', 'campaign', 'other']).default('other'),
  /** Whole days, YYYY-MM-DD, in the calendar's UTC offset. */
  dates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')).default([]),
  /** Day of month (1–31) repeating every month, e.g. paydays. */
  monthly_days: z.array(z.number().int().min(1).max(31)).default([]),
  widen: z.number().min(1).max(20).default(2),
  shift: z.number().min(0).max(20).default(1),
});
export const CalendarSchema = z.object({
  utc_offset_minutes: z.number().int().min(-840).max(840).default(0),
  events: z.array(CalendarEventSchema).default([]),
});
export type Calendar = z.infer<typeof CalendarSchema>;

/** Adjustment in force at `t`: the product of matching events' factors. */
export interface CalendarAdjustment {
  widen: number;
  shift: number;
  names: string[];
}

const NONE: CalendarAdjustment = { widen: 1, shift: 1, names: [] };

/** Returns the calendar adjustment at event time `t` (epoch ms). */
export function calendarAt(cal: Calendar | undefined, t: number): CalendarAdjustment {
  if (!cal || cal.events.length === 0) return NONE;
  const local = new Date(t + cal.utc_offset_minutes * 60_000);
  const day = local.toISOString().slice(0, 10);
  const dom = local.getUTCDate();
  let widen = 1;
  let shift = 1;
  const names: string[] = [];
  for (const e of cal.events) {
    if (e.dates.includes(day) || e.monthly_days.includes(dom)) {
      widen *= e.widen;
      shift *= e.shift;
      names.push(e.name);
    }
  }
  return names.length ? { widen, shift, names } : NONE;
}
