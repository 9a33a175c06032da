import { z } from 'zod';
import { fieldsOf, windowFromJson, windowToJson } from './snapshot.js';
import { SeriesBaseSchema, quiet } from './common.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import { MinuteWindow, details, isRateMetric, metricValue, revenueAtRisk } from './types.js';
import { say } from './summary.js';

/** Static threshold on any metric over a sliding window. */
export const ThresholdSpecSchema = SeriesBaseSchema.extend({
  type: z.literal('threshold'),
  op: z.enum(['above', 'below']),
  threshold: z.number(),
  /** Rates are only judged with at least this many attempts in the window. */
  min_attempts: z.number().int().min(0).default(20),
});
export type ThresholdSpec = z.infer<typeof ThresholdSpecSchema>;

export function createThresholdDetector(spec: ThresholdSpec): SeriesDetector {
  const win = new MinuteWindow(spec.window_minutes);
  return {
    kind: 'series',
    type: 'threshold',
    snapshot() {
      return { type: 'threshold', win: windowToJson(win) };
    },
    restore(state: unknown) {
      windowFromJson(win, fieldsOf(state, 'threshold')['win']);
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      win.push(minute);
      const at = minute.t + 60_000;
      const w = win.sum();
      const v = metricValue(w, spec.metric);
      if (v === null) return quiet(at, 'no_data', null);
      if (isRateMetric(spec.metric) && w.attempts < spec.min_attempts) return quiet(at, 'insufficient', v);
      const bad = spec.op === 'above' ? v > spec.threshold : v < spec.threshold;
      const dist = Math.abs(v - spec.threshold) / Math.max(Math.abs(spec.threshold), 1e-9);
      return {
        at,
        verdict: bad ? 'anomalous' : 'normal',
        value: v,
        expected: spec.threshold,
        lower: spec.op === 'below' ? spec.threshold : null,
        upper: spec.op === 'above' ? spec.threshold : null,
        score: bad ? Math.min(1, 0.5 + dist) : 0,
        revenue_at_risk: bad ? revenueAtRisk(spec.metric, minute, spec.threshold) : 0,
        ...say({
          key: 'threshold',
          params: {
            metric: spec.metric,
            value: v,
            bad,
            op: spec.op,
            threshold: spec.threshold,
            window_minutes: spec.window_minutes,
          },
        }),
        ...(bad ? details(win) : {}),
      };
    },
  };
}
