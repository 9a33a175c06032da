import { z } from 'zod';
import { fieldsOf, floatsFromJson, floatsToJson, num } from './snapshot.js';
import { sliceCalendar } from './calendar.js';
import type { Calendar } from './calendar.js';
import { quiet } from './common.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import { MINUTE_MS, median, metricValue } from './types.js';
import { say } from './summary.js';

/**
 * End-of-day projection: "end-of-day GMV will miss forecast by 18%". The forecast for today
 * is the median full-day total of past days; today's projection scales what has been observed
 * so far by how much of a day's total usually arrives by this time of day (median over past
 * days, at `slot_minutes` resolution). Judged once `min_day_fraction` of the usual volume is in.
 */
export const EodSpecSchema = z.object({
  type: z.literal('eod'),
  metric: z.enum(['gmv', 'attempts', 'succeeded']).default('gmv'),
  /** Relative shortfall that alerts (0.15 = projected 15 % below forecast). */
  max_shortfall: z.number().gt(0).lt(1).default(0.15),
  history_days: z.number().int().min(2).max(28).default(8),
  min_days: z.number().int().min(1).default(3),
  slot_minutes: z.number().int().min(5).max(120).default(15),
  min_day_fraction: z.number().min(0).max(1).default(0.25),
  utc_offset_minutes: z.number().int().min(-840).max(840).default(0),
});
export type EodSpec = z.infer<typeof EodSpecSchema>;

/** `labels`: the slice's labels, which scope the calendar's entries (see calendar.ts `match`). */
export function createEodDetector(
  spec: EodSpec,
  calendar?: Calendar,
  labels?: Readonly<Record<string, string>>,
): SeriesDetector {
  const cal = sliceCalendar(calendar, labels);
  const slots = Math.ceil(1440 / spec.slot_minutes);
  // cum[d][s] = cumulative value at the end of slot s of past day d (ring of days).
  const cum = new Float64Array(slots * spec.history_days).fill(NaN);
  const totals = new Float64Array(spec.history_days).fill(NaN);
  const offset = spec.utc_offset_minutes * MINUTE_MS;
  let day = -1;
  let sofar = 0;
  let lastSlot = -1;
  const ring = (d: number) => ((d % spec.history_days) + spec.history_days) % spec.history_days;

  return {
    kind: 'series',
    type: 'eod',
    snapshot() {
      return { type: 'eod', cum: floatsToJson(cum), totals: floatsToJson(totals), day, sofar, lastSlot };
    },
    restore(state: unknown) {
      const s = fieldsOf(state, 'eod');
      floatsFromJson(cum, s['cum']);
      floatsFromJson(totals, s['totals']);
      day = num(s['day']);
      sofar = num(s['sofar']);
      lastSlot = num(s['lastSlot']);
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      const at = minute.t + MINUTE_MS;
      const local = minute.t + offset;
      const d = Math.floor(local / 86_400_000);
      if (d !== day) {
        if (day >= 0) {
          for (let s = lastSlot + 1; s < slots; s++) cum[ring(day) * slots + s] = sofar;
          totals[ring(day)] = sofar;
        }
        day = d;
        sofar = 0;
        lastSlot = -1;
        for (let s = 0; s < slots; s++) cum[ring(d) * slots + s] = NaN;
        totals[ring(d)] = NaN;
      }
      sofar += metricValue(minute, spec.metric) ?? 0;
      const slot = Math.floor((local % 86_400_000) / (spec.slot_minutes * MINUTE_MS));
      for (let s = lastSlot + 1; s <= slot; s++) cum[ring(d) * slots + s] = sofar;
      lastSlot = slot;
      const pastTotals: number[] = [];
      const fractions: number[] = [];
      for (let k = 1; k < spec.history_days; k++) {
        const r = ring(d - k);
        const tot = totals[r] ?? NaN;
        const c = cum[r * slots + slot] ?? NaN;
        if (Number.isFinite(tot) && tot > 0 && Number.isFinite(c)) {
          pastTotals.push(tot);
          fractions.push(c / tot);
        }
      }
      if (pastTotals.length < spec.min_days)
        return quiet(at, 'insufficient', sofar, { key: 'learning', params: { what: 'daily_totals' } });
      const shift = cal.at(minute.t).shift;
      const forecast = median(pastTotals) * shift;
      const frac = median(fractions);
      if (!(frac >= spec.min_day_fraction)) return { ...quiet(at, 'normal', sofar), expected: forecast };
      const projected = sofar / frac;
      const shortfall = forecast > 0 ? 1 - projected / forecast : 0;
      const bad = shortfall >= spec.max_shortfall;
      const pct = Math.round(shortfall * 100);
      return {
        at,
        verdict: bad ? 'anomalous' : 'normal',
        value: projected,
        expected: forecast,
        lower: forecast * (1 - spec.max_shortfall),
        upper: null,
        score: Math.max(0, Math.min(1, shortfall / (2 * spec.max_shortfall))),
        revenue_at_risk: 0,
        ...say({
          key: 'eod',
          params: { metric: spec.metric, bad, shortfall_pct: pct, projected, forecast },
        }),
      };
    },
  };
}
