import { say } from './summary.js';
import { z } from 'zod';
import { quiet } from './common.js';
import { createUnivariateDetector, DEFAULT_UNIVARIATE_CONFIG } from './univariate.detector.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import { MINUTE_MS, SERIES_METRICS, metricValue, revenueAtRisk, topContributors } from './types.js';

/**
 * The NAB-scored univariate detector applied to one metric of a slice, one point per minute
 * (the minute's start time feeds its weekly profile).
 */
export const UnivariateSpecSchema = z.object({
  type: z.literal('univariate'),
  metric: z.enum(SERIES_METRICS).default('attempts'),
  /** Score at or above which the minute is anomalous. */
  threshold: z.number().min(0).max(1).default(0.5),
});
export type UnivariateSpec = z.infer<typeof UnivariateSpecSchema>;

export function createUnivariateSeriesDetector(spec: UnivariateSpec): SeriesDetector {
  const d = createUnivariateDetector(DEFAULT_UNIVARIATE_CONFIG);
  return {
    kind: 'series',
    type: 'univariate',
    snapshot() {
      return d.snapshot();
    },
    restore(state: unknown) {
      d.restore(state);
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      const at = minute.t + MINUTE_MS;
      const v = metricValue(minute, spec.metric);
      if (v === null) return quiet(at, 'no_data', null);
      const s = d.update(v, minute.t);
      const bad = s.score >= spec.threshold;
      return {
        at,
        verdict: bad ? 'anomalous' : 'normal',
        value: v,
        expected: s.expected,
        lower: s.lower,
        upper: s.upper,
        score: s.score,
        revenue_at_risk: bad ? revenueAtRisk(spec.metric, minute, s.expected) : 0,
        ...say({
          key: 'univariate',
          params: { metric: spec.metric, value: v, score: s.score, expected: s.expected },
        }),
        samples: minute.samples,
        contributors: topContributors(minute),
      };
    },
  };
}
