import { say } from './summary.js';
import { z } from 'zod';
import {
  arr,
  fieldsOf,
  minuteFromJson,
  minuteToJson,
  num,
  windowFromJson,
  windowToJson,
} from './snapshot.js';
import { SlotBaseline } from './baseline.js';
import { sliceCalendar } from './calendar.js';
import type { Calendar } from './calendar.js';
import { DirectionSchema, SeriesBaseSchema, outside, quiet } from './common.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import {
  MINUTE_MS,
  isIntensiveMetric,
  MinuteWindow,
  details,
  emptyMinute,
  isRateMetric,
  median,
  mergeMinute,
  metricValue,
  revenueAtRisk,
} from './types.js';

/**
 * Seasonal baseline: the expected value is the median of the same slot in past days (or
 * weeks), the band its MAD (never narrower than the sampling noise of the window), adapted
 * to level shifts that persist, and widened/shifted on business-calendar dates.
 */
export const SeasonalSpecSchema = SeriesBaseSchema.extend({
  type: z.literal('seasonal'),
  season: z.enum(['day', 'week']).default('day'),
  slot_minutes: z.number().int().min(1).max(240).default(15),
  /** Seasons of history kept (the current one included). */
  history: z.number().int().min(2).max(12).default(8),
  /** Past seasons needed before judging. */
  min_seasons: z.number().int().min(1).default(2),
  /** Band half-width in robust standard deviations (1.4826 × MAD). */
  k: z.number().positive().default(4),
  /** Band floor relative to the expected value (counts and GMV). */
  min_relative_band: z.number().min(0).default(0.15),
  direction: DirectionSchema.default('both'),
  /** Completed slots on the same side of the band before the baseline follows a level shift. */
  adapt_after_slots: z.number().int().min(1).default(8),
  min_attempts: z.number().int().min(0).default(20),
});
export type SeasonalSpec = z.infer<typeof SeasonalSpecSchema>;

/** `labels`: the slice's labels, which scope the calendar's entries (see calendar.ts `match`). */
export function createSeasonalDetector(
  spec: SeasonalSpec,
  calendar?: Calendar,
  labels?: Readonly<Record<string, string>>,
): SeriesDetector {
  const cal = sliceCalendar(calendar, labels);
  const slotMs = spec.slot_minutes * MINUTE_MS;
  const base = new SlotBaseline(slotMs, (spec.season === 'day' ? 1440 : 10080) * MINUTE_MS, spec.history);
  const win = new MinuteWindow(spec.window_minutes);
  const rate = isRateMetric(spec.metric);
  let slot = -1;
  let slotAgg = emptyMinute(0);
  let slotMinutes = 0;
  // Level-shift adaptation: recent completed-slot residual ratios (counts) or offsets (rates).
  const recentResiduals: number[] = [];
  let level = rate ? 0 : 1;

  /** Slot value, normalised per minute for counts so partial slots compare. */
  function slotValue(a: MinuteAggregate, minutes: number): number | null {
    const v = metricValue(a, spec.metric);
    if (v === null) return null;
    return isIntensiveMetric(spec.metric) ? v : v / Math.max(1, minutes);
  }

  function closeSlot(): void {
    if (slot < 0 || slotMinutes === 0) return;
    const raw = slotValue(slotAgg, slotMinutes);
    if (raw === null) return;
    // Calendar days are recorded de-shifted, so a holiday neither skews next week's baseline
    // nor looks like a level shift.
    const shift = rate ? 1 : cal.at(slotAgg.t).shift;
    const v = shift > 0 ? raw / shift : raw;
    const e = base.expected(slot);
    base.record(slot, v);
    if (e.n >= spec.min_seasons && Number.isFinite(e.median)) {
      const r = rate ? v - e.median : e.median > 0 ? v / e.median : 1;
      recentResiduals.push(r);
      if (recentResiduals.length > spec.adapt_after_slots) recentResiduals.shift();
      const neutral = rate ? 0 : 1;
      const allSameSide =
        recentResiduals.length === spec.adapt_after_slots &&
        (recentResiduals.every((x) => x > neutral) || recentResiduals.every((x) => x < neutral));
      // Follow a persistent shift; drift back to neutral otherwise.
      level = allSameSide ? median(recentResiduals) : level + 0.1 * (neutral - level);
    }
  }

  return {
    kind: 'series',
    type: 'seasonal',
    snapshot() {
      return {
        type: 'seasonal',
        base: base.toJson(),
        win: windowToJson(win),
        slot,
        slotAgg: minuteToJson(slotAgg),
        slotMinutes,
        recentResiduals: [...recentResiduals],
        level,
      };
    },
    restore(state: unknown) {
      const s = fieldsOf(state, 'seasonal');
      base.fromJson(s['base']);
      windowFromJson(win, s['win']);
      slot = num(s['slot']);
      slotAgg = minuteFromJson(s['slotAgg']);
      slotMinutes = num(s['slotMinutes']);
      recentResiduals.push(...arr(s['recentResiduals']).map(num));
      level = num(s['level']);
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      const s = base.slotOf(minute.t);
      if (s !== slot) {
        closeSlot();
        slot = s;
        slotAgg = emptyMinute(minute.t);
        slotMinutes = 0;
      }
      mergeMinute(slotAgg, minute, false);
      slotMinutes++;
      win.push(minute);
      const at = minute.t + MINUTE_MS;
      const w = win.sum();
      const minutes = win.length;
      const raw = metricValue(w, spec.metric);
      if (raw === null) return quiet(at, 'no_data', null);
      const v = isIntensiveMetric(spec.metric) ? raw : raw / minutes;
      if (rate && w.attempts < spec.min_attempts) return quiet(at, 'insufficient', v);
      const e = base.expected(s);
      if (e.n < spec.min_seasons || !Number.isFinite(e.median))
        return quiet(at, 'insufficient', v, { key: 'learning', params: { what: 'seasonal_baseline' } });
      const adj = cal.at(minute.t);
      let expected = rate ? e.median + level : e.median * level;
      if (!rate && cal.active) {
        // Average the shift over the window so a window straddling midnight is judged fairly.
        let sh = 0;
        for (let i = 0; i < minutes; i++) sh += cal.at(minute.t - i * MINUTE_MS).shift;
        expected *= sh / minutes;
      }
      if (rate) expected = Math.min(1, Math.max(0, expected));
      // Noise floor: binomial for rates, Poisson (per minute) for counts, relative for amounts.
      const noise = rate
        ? Math.sqrt(Math.max(expected * (1 - expected), 1e-4) / Math.max(1, w.attempts))
        : Math.max(
            Math.sqrt(Math.max(expected, 1) / minutes),
            (spec.min_relative_band * Math.abs(expected)) / spec.k,
          );
      const half = spec.k * Math.max(1.4826 * e.mad, noise) * adj.widen;
      const lower = expected - half;
      const upper = expected + half;
      const side = outside(v, lower, upper, spec.direction);
      const z = Math.abs(v - expected) / Math.max(half / spec.k, 1e-12);
      return {
        at,
        verdict: side ? 'anomalous' : 'normal',
        value: v,
        expected,
        lower,
        upper,
        score: Math.min(1, z / (2 * spec.k)),
        revenue_at_risk: side ? revenueAtRisk(spec.metric, minute, rate ? expected : expected) : 0,
        ...say({
          key: 'seasonal',
          params: { metric: spec.metric, value: v, side, lower, upper, calendar: [...adj.names] },
        }),
        ...(side ? details(win) : {}),
      };
    },
  };
}
