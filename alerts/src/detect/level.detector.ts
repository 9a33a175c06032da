import { say } from './summary.js';
import { z } from 'zod';
import {
  arr,
  fieldsOf,
  floatsFromJson,
  floatsToJson,
  num,
  windowFromJson,
  windowToJson,
} from './snapshot.js';
import { DirectionSchema, SeriesBaseSchema, outside, quiet } from './common.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import {
  MINUTE_MS,
  MinuteWindow,
  details,
  isIntensiveMetric,
  mad,
  median,
  metricValue,
  revenueAtRisk,
} from './types.js';

/**
 * Level shift against the recent past: the window's value is compared with the median and MAD
 * of the per-minute values of the last `baseline_minutes` *normal* minutes (so it needs no
 * days of history, unlike the seasonal baseline). A change must be both improbable (`k` robust
 * deviations) and material (`min_relative_change`). Good for latency spikes.
 */
export const LevelSpecSchema = SeriesBaseSchema.extend({
  type: z.literal('level'),
  baseline_minutes: z.number().int().min(10).max(1440).default(60),
  k: z.number().positive().default(6),
  min_relative_change: z.number().min(0).default(0.5),
  direction: DirectionSchema.default('spike'),
  /** Attempts needed in the window (latency and rates are noisy on a handful of payments). */
  min_attempts: z.number().int().min(0).default(20),
});
export type LevelSpec = z.infer<typeof LevelSpecSchema>;

export function createLevelDetector(spec: LevelSpec): SeriesDetector {
  const win = new MinuteWindow(spec.window_minutes);
  const hist = new Float64Array(spec.baseline_minutes).fill(NaN);
  let head = 0;
  let filled = 0;
  const lagged: (number | null)[] = [];
  const perMinute = !isIntensiveMetric(spec.metric);
  return {
    kind: 'series',
    type: 'level',
    snapshot() {
      return {
        type: 'level',
        win: windowToJson(win),
        hist: floatsToJson(hist),
        head,
        filled,
        lagged: lagged.map((x) => (x === null || !Number.isFinite(x) ? null : x)),
      };
    },
    restore(state: unknown) {
      const s = fieldsOf(state, 'level');
      windowFromJson(win, s['win']);
      floatsFromJson(hist, s['hist']);
      head = num(s['head']) % spec.baseline_minutes;
      filled = num(s['filled']);
      lagged.push(...arr(s['lagged']).map((x) => (x === null ? null : num(x))));
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      win.push(minute);
      const at = minute.t + MINUTE_MS;
      const w = win.sum();
      const raw = metricValue(w, spec.metric);
      let out: Evaluation;
      if (raw === null) out = quiet(at, 'no_data', null);
      else if (w.attempts < spec.min_attempts) out = quiet(at, 'insufficient', raw);
      else if (filled < Math.min(30, spec.baseline_minutes))
        out = quiet(at, 'insufficient', raw, { key: 'learning', params: { what: 'recent_level' } });
      else {
        const m = median(hist);
        const spread = Math.max(1.4826 * mad(hist, m), Math.abs(m) * 0.02, 1e-9);
        const half = Math.max(spec.k * spread, Math.abs(m) * spec.min_relative_change);
        let v = perMinute ? raw / win.length : raw;
        let side = outside(v, m - half, m + half, spec.direction);
        // The band is built from single minutes, so the latest minute alone may be judged too:
        // a sharp jump is then seen one or two minutes sooner. Only with three times the
        // minimum volume, so a few slow outliers in a thin minute cannot move it.
        const last = metricValue(minute, spec.metric);
        if (!side && last !== null && minute.attempts >= 3 * spec.min_attempts) {
          const lastSide = outside(last, m - half, m + half, spec.direction);
          if (lastSide) {
            v = last;
            side = lastSide;
          }
        }
        out = {
          at,
          verdict: side ? 'anomalous' : 'normal',
          value: v,
          expected: m,
          lower: m - half,
          upper: m + half,
          score: Math.min(1, Math.abs(v - m) / (2 * half)),
          revenue_at_risk: side ? revenueAtRisk(spec.metric, minute, m) : 0,
          ...say({
            key: 'level',
            params: {
              metric: spec.metric,
              value: v,
              mean: m,
              baseline_minutes: spec.baseline_minutes,
              side,
              edge: side === 'above' ? m + half : m - half,
            },
          }),
          ...(side ? details(win) : {}),
        };
      }
      // Learn per-minute values once they leave the window, and only from normal windows.
      lagged.push(metricValue(minute, spec.metric));
      if (lagged.length > spec.window_minutes) {
        const old = lagged.shift();
        if (
          old !== null &&
          old !== undefined &&
          out.verdict !== 'anomalous' &&
          (minute.attempts > 0 || perMinute)
        ) {
          hist[head] = old;
          head = (head + 1) % spec.baseline_minutes;
          if (filled < spec.baseline_minutes) filled++;
        }
      }
      return out;
    },
  };
}
