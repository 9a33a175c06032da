import { z } from 'zod';
import { fieldsOf, floatsFromJson, floatsToJson, minuteFromJson, minuteToJson, num } from './snapshot.js';
import { quiet } from './common.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import {
  MINUTE_MS,
  isIntensiveMetric,
  emptyMinute,
  formatMetric,
  isRateMetric,
  mergeMinute,
  metricValue,
  revenueAtRisk,
  topContributors,
  SERIES_METRICS,
} from './types.js';

/**
 * Predictive alert: additive Holt-Winters (ETS(A,A,A); without a season, Holt's linear trend)
 * over `step_minutes` steps, with prediction intervals. It fires *before* a breach when the
 * forecast crosses `threshold` within `horizon_minutes` ("success rate will cross 85% in
 * ~12 min"), and of course while the observed value is past it.
 */
export const ForecastSpecSchema = z.object({
  type: z.literal('forecast'),
  metric: z.enum(SERIES_METRICS).default('success_rate'),
  threshold: z.number(),
  /** Which side is bad: a success rate breaches `below`, latency `above`. */
  breach: z.enum(['below', 'above']).default('below'),
  step_minutes: z.number().int().min(1).max(60).default(1),
  horizon_minutes: z.number().int().min(1).max(1440).default(15),
  /** Season length in minutes (1440 = daily); 0 for none. */
  season_minutes: z.number().int().min(0).max(10080).default(0),
  alpha: z.number().gt(0).lt(1).default(0.3),
  beta: z.number().gt(0).lt(1).default(0.1),
  gamma: z.number().gt(0).lt(1).default(0.1),
  /** Prediction interval quantile. */
  z: z.number().positive().default(1.96),
  min_attempts: z.number().int().min(0).default(20),
  /** Steps observed before forecasting. */
  warmup_steps: z.number().int().min(2).default(10),
});
export type ForecastSpec = z.infer<typeof ForecastSpecSchema>;

export function createForecastDetector(spec: ForecastSpec): SeriesDetector {
  const m = spec.season_minutes > 0 ? Math.max(2, Math.round(spec.season_minutes / spec.step_minutes)) : 0;
  const season = new Float64Array(Math.max(m, 1));
  let level = NaN;
  let trend = 0;
  let steps = 0;
  let sse = 0;
  let errN = 0;
  let acc = emptyMinute(0);
  let accMinutes = 0;
  const rate = isRateMetric(spec.metric);
  const stepMs = spec.step_minutes * MINUTE_MS;
  let last: Evaluation | null = null;

  function observe(y: number): void {
    const s = m > 0 ? (season[steps % m] ?? 0) : 0;
    if (Number.isNaN(level)) {
      level = y;
    } else {
      const pred = level + trend + s;
      const err = y - pred;
      sse += err * err;
      errN++;
      const prevLevel = level;
      level = spec.alpha * (y - s) + (1 - spec.alpha) * (level + trend);
      trend = spec.beta * (level - prevLevel) + (1 - spec.beta) * trend;
      if (m > 0) season[steps % m] = spec.gamma * (y - level) + (1 - spec.gamma) * s;
    }
    steps++;
  }

  function forecastMean(h: number): number {
    const raw = level + h * trend + (m > 0 ? (season[(steps + h - 1) % m] ?? 0) : 0);
    return rate ? Math.min(1, Math.max(0, raw)) : Math.max(0, raw);
  }

  function forecast(h: number): { mean: number; half: number } {
    const s = m > 0 ? (season[(steps + h - 1) % m] ?? 0) : 0;
    const sigma2 = errN > 1 ? sse / errN : 0;
    let sum = 1;
    for (let j = 1; j < h; j++) sum += (spec.alpha * (1 + j * spec.beta)) ** 2;
    const raw = level + h * trend + s;
    // Rates live in [0,1]; counts and latencies are never negative.
    const mean = rate ? Math.min(1, Math.max(0, raw)) : Math.max(0, raw);
    return { mean, half: spec.z * Math.sqrt(sigma2 * sum) };
  }

  const breached = (v: number) => (spec.breach === 'below' ? v < spec.threshold : v > spec.threshold);

  return {
    kind: 'series',
    type: 'forecast',
    snapshot() {
      return {
        type: 'forecast',
        season: floatsToJson(season),
        level: Number.isFinite(level) ? level : null,
        trend,
        steps,
        sse,
        errN,
        acc: minuteToJson(acc),
        accMinutes,
        // The last judgement is repeated between steps: keep it (JSON-safe, NaN → null).
        last: last ? (JSON.parse(JSON.stringify(last)) as unknown) : null,
      };
    },
    restore(state: unknown) {
      const s = fieldsOf(state, 'forecast');
      floatsFromJson(season, s['season']);
      level = num(s['level']);
      trend = num(s['trend']);
      steps = num(s['steps']);
      sse = num(s['sse']);
      errN = num(s['errN']);
      acc = minuteFromJson(s['acc']);
      accMinutes = num(s['accMinutes']);
      last = (s['last'] ?? null) as Evaluation | null;
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      const at = minute.t + MINUTE_MS;
      mergeMinute(acc, minute, true);
      accMinutes++;
      // Evaluate once per completed step; between steps repeat the last judgement.
      if ((minute.t + MINUTE_MS) % stepMs !== 0)
        return last ? { ...last, at, revenue_at_risk: 0 } : quiet(at, 'insufficient', null);
      const stepAgg = acc;
      acc = emptyMinute(0);
      const raw = metricValue(stepAgg, spec.metric);
      const minutes = accMinutes;
      accMinutes = 0;
      if (raw === null) return (last = quiet(at, 'no_data', null));
      if (rate && stepAgg.attempts < spec.min_attempts) return (last = quiet(at, 'insufficient', raw));
      const y = isIntensiveMetric(spec.metric) ? raw : raw / minutes;
      observe(y);
      if (steps < spec.warmup_steps) return (last = quiet(at, 'insufficient', y, 'learning the forecast'));
      const hSteps = Math.max(1, Math.round(spec.horizon_minutes / spec.step_minutes));
      let crossAt: number | null = null;
      for (let h = 1; h <= hSteps; h++) {
        if (breached(forecastMean(h))) {
          crossAt = h;
          break;
        }
      }
      // Judge "already breached" on the smoothed level: one noisy minute is not a breach.
      const now = breached(level);
      const f1 = forecast(1);
      const fmt = (v: number) => formatMetric(spec.metric, v);
      const bad = now || crossAt !== null;
      const eta = crossAt === null ? null : crossAt * spec.step_minutes;
      const summary = now
        ? `${spec.metric} ${fmt(level)} (smoothed) is ${spec.breach} ${fmt(spec.threshold)}`
        : eta !== null
          ? `${spec.metric} will cross ${fmt(spec.threshold)} in ~${eta} min (now ${fmt(y)}, trend ${fmt(trend * (rate ? 1 : 1))}/step)`
          : `${spec.metric} ${fmt(y)}, forecast ${fmt(f1.mean)} ± ${fmt(f1.half)}`;
      return (last = {
        at,
        verdict: bad ? 'anomalous' : 'normal',
        value: y,
        expected: f1.mean,
        lower: f1.mean - f1.half,
        upper: f1.mean + f1.half,
        score: now ? 1 : eta !== null ? Math.max(0.5, 1 - eta / (2 * spec.horizon_minutes)) : 0,
        revenue_at_risk: now ? revenueAtRisk(spec.metric, minute, spec.threshold) : 0,
        summary,
        samples: stepAgg.samples,
        contributors: topContributors(stepAgg),
      });
    },
  };
}
