import { say } from './summary.js';
import type { SummaryMessage } from './summary.js';
import { z } from 'zod';
import {
  arr,
  fieldsOf,
  floatsFromJson,
  floatsToJson,
  minuteFromJson,
  minuteToJson,
  num,
} from './snapshot.js';
import { quiet } from './common.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import {
  MINUTE_MS,
  isIntensiveMetric,
  emptyMinute,
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
 * ~12 min"), and of course while the smoothed level is past it.
 *
 * Volume-aware: a rate step with fewer than `min_attempts` attempts is not dropped but carried
 * into the next one until it has enough (as the rate detector's window suffixes do), and the
 * model takes the elapsed steps into account. The sampling noise of each observation
 * (binomial for rates, with the rate detector's over-dispersion; Poisson for counts) is
 * propagated through the smoothing, and a crossing (or a breach of the level) counts only when
 * it lies `noise_z` standard errors of that noise past the threshold: a trend that a few
 * noisy low-volume minutes could have made is not a prediction.
 *
 * Recovery: after the smoothed level has been past the threshold, the first observation back
 * on the good side by `noise_z` standard errors of its own sampling noise re-anchors the model
 * there (level = the observation, trend 0, its noise as the level's only uncertainty).
 * Otherwise the level climbs back at `alpha` a step while the trend learned from the breach
 * keeps extrapolating it down, and an ended outage was "forecast" for ~5 more steps.
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
  /** Attempts a rate observation needs; smaller steps are merged into the next one. */
  min_attempts: z.number().int().min(0).default(20),
  /** Steps observed before forecasting. */
  warmup_steps: z.number().int().min(2).default(10),
  /**
   * Standard errors of the sampling noise (propagated through the smoothing) by which a
   * predicted crossing or a breached level must clear the threshold; 0 turns the gate off.
   */
  noise_z: z.number().min(0).default(1.64),
  /** Beta-binomial intra-class correlation ρ of a rate observation: n_eff = n / (1 + (n − 1)ρ). */
  overdispersion: z.number().min(0).max(1).default(0.002),
  /** Steps a low-volume observation may accumulate before it is dropped (gaps in traffic). */
  max_merge_steps: z.number().int().min(1).default(60),
  /**
   * Re-anchor after a breached level (see above); false keeps the smoothing alone. (Added with
   * a default: state saved before keeps its rule identity, see engine/rule-identity.ts.)
   */
  reanchor: z.boolean().default(true),
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
  // Covariance of (level, trend) due to the observations' sampling noise alone.
  let p11 = 0;
  let p12 = 0;
  let p22 = 0;
  // Absolute step number (end of step / step length) of the last observation; NaN before it.
  let lastStep = NaN;
  let acc = emptyMinute(0);
  let accMinutes = 0;
  // Completed steps merged into `acc` because they had too few attempts.
  let accSteps = 0;
  const rate = isRateMetric(spec.metric);
  const counts = spec.metric === 'attempts' || spec.metric === 'succeeded' || spec.metric === 'failed';
  const stepMs = spec.step_minutes * MINUTE_MS;
  const hSteps = Math.max(1, Math.round(spec.horizon_minutes / spec.step_minutes));
  let last: Evaluation | null = null;
  // The smoothed level was past the threshold, and the model has not been re-anchored since.
  let armed = false;
  // The last step predicted a crossing: the next one keeps it while the forecast *mean* still
  // crosses within the horizon (hysteresis, as the rate detector's recovery: starting a
  // prediction needs the noise margin, keeping it does not).
  let predicting = false;

  const seasonAt = (step: number): number => (m > 0 ? (season[((step % m) + m) % m] ?? 0) : 0);

  /** Sampling variance of an observation `y` of `agg` over `minutes` minutes (0: no model). */
  function noiseVariance(y: number, agg: MinuteAggregate, minutes: number): number {
    const ref = Number.isFinite(level) ? level : y;
    if (rate) {
      const n = agg.attempts;
      const nEff = n / (1 + Math.max(0, n - 1) * spec.overdispersion);
      const p = Math.min(1, Math.max(0, ref));
      return Math.max(p * (1 - p), 1e-4) / Math.max(1, nEff);
    }
    // Counts are per minute over the step: Poisson.
    return counts ? Math.max(ref, 1) / Math.max(1, minutes) : 0;
  }

  function observe(y: number, step: number, r: number): void {
    // Steps since the last observation (merged low-volume steps, gaps in traffic): the trend
    // is per step; across a gap it is not extrapolated further than the horizon (the model is
    // only trusted that far).
    const dt = Number.isNaN(lastStep) ? 1 : Math.max(1, step - lastStep);
    const dx = Math.min(dt, hSteps);
    const s = seasonAt(step);
    if (Number.isNaN(level)) {
      level = y;
      p11 = r;
    } else {
      const pred = level + dx * trend + s;
      const err = y - pred;
      sse += err * err;
      errN++;
      const prevLevel = level;
      const { alpha: a, beta: b } = spec;
      level = a * (y - s) + (1 - a) * (level + dx * trend);
      trend = (b * (level - prevLevel)) / dt + (1 - b) * trend;
      if (m > 0) season[((step % m) + m) % m] = spec.gamma * (y - level) + (1 - spec.gamma) * s;
      // (level, trend) ← A (level, trend) + g y: propagate P ← A P Aᵀ + r g gᵀ.
      const a11 = 1 - a;
      const a12 = (1 - a) * dx;
      const a21 = (-a * b) / dt;
      const a22 = 1 - b + (b * (1 - a) * dx) / dt;
      const g1 = a;
      const g2 = (a * b) / dt;
      const q11 = a11 * p11 + a12 * p12;
      const q12 = a11 * p12 + a12 * p22;
      const q21 = a21 * p11 + a22 * p12;
      const q22 = a21 * p12 + a22 * p22;
      p11 = q11 * a11 + q12 * a12 + r * g1 * g1;
      p12 = q11 * a21 + q12 * a22 + r * g1 * g2;
      p22 = q21 * a21 + q22 * a22 + r * g2 * g2;
    }
    lastStep = step;
    steps++;
  }

  const clamp = (raw: number): number => (rate ? Math.min(1, Math.max(0, raw)) : Math.max(0, raw));

  /** Forecast mean `h` steps after the last observation and its sampling standard error. */
  function forecastMean(h: number): { mean: number; se: number } {
    const raw = level + h * trend + seasonAt(lastStep + h);
    return { mean: clamp(raw), se: Math.sqrt(Math.max(0, p11 + 2 * h * p12 + h * h * p22)) };
  }

  function forecast(h: number): { mean: number; half: number } {
    const sigma2 = errN > 1 ? sse / errN : 0;
    let sum = 1;
    for (let j = 1; j < h; j++) sum += (spec.alpha * (1 + j * spec.beta)) ** 2;
    // Rates live in [0,1]; counts and latencies are never negative.
    return { mean: forecastMean(h).mean, half: spec.z * Math.sqrt(sigma2 * sum) };
  }

  /** Past the threshold by more than `noise_z` standard errors of sampling noise. */
  const breached = (v: number, se: number): boolean =>
    spec.breach === 'below' ? v + spec.noise_z * se < spec.threshold : v - spec.noise_z * se > spec.threshold;
  /** On the good side of the threshold by at least `noise_z` standard errors. */
  const clearOf = (v: number, se: number): boolean =>
    spec.breach === 'below'
      ? v - spec.noise_z * se >= spec.threshold
      : v + spec.noise_z * se <= spec.threshold;

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
        p: [p11, p12, p22],
        lastStep: Number.isFinite(lastStep) ? lastStep : null,
        acc: minuteToJson(acc),
        accMinutes,
        accSteps,
        armed,
        predicting,
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
      // Snapshots from before the noise gate: no propagated noise yet (it builds up within
      // ~1/alpha steps), previous observation one step before the next.
      const p = s['p'] === undefined ? [0, 0, 0] : arr(s['p']).map(num);
      [p11, p12, p22] = [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];
      lastStep = s['lastStep'] === undefined ? NaN : num(s['lastStep']);
      acc = minuteFromJson(s['acc']);
      accMinutes = num(s['accMinutes']);
      accSteps = s['accSteps'] === undefined ? 0 : num(s['accSteps']);
      // Snapshots from before the re-anchoring: not armed (the smoothing alone recovers).
      armed = s['armed'] === true;
      // Snapshots from before the hysteresis: no prediction under way.
      predicting = s['predicting'] === true;
      last = (s['last'] ?? null) as Evaluation | null;
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      const at = minute.t + MINUTE_MS;
      mergeMinute(acc, minute, true);
      accMinutes++;
      // Evaluate once per completed step; between steps repeat the last judgement.
      if (at % stepMs !== 0)
        return last ? { ...last, at, revenue_at_risk: 0 } : quiet(at, 'insufficient', null);
      const step = at / stepMs;
      if (Number.isNaN(lastStep) && steps > 0) lastStep = step - 1; // restored from an old snapshot
      const stepAgg = acc;
      const raw = metricValue(stepAgg, spec.metric);
      const minutes = accMinutes;
      if (
        raw !== null &&
        rate &&
        stepAgg.attempts < spec.min_attempts &&
        accSteps + 1 < spec.max_merge_steps
      ) {
        // Too few attempts to say anything: carry them into the next step (a low-volume slice
        // is observed over longer steps instead of only in its rare busy minutes).
        accSteps++;
        return (last = quiet(at, 'insufficient', raw, {
          key: 'too_few_attempts',
          params: { attempts: stepAgg.attempts, min: spec.min_attempts, merged: true },
        }));
      }
      acc = emptyMinute(0);
      accMinutes = 0;
      accSteps = 0;
      if (raw === null) return (last = quiet(at, 'no_data', null));
      if (rate && stepAgg.attempts < spec.min_attempts) return (last = quiet(at, 'insufficient', raw));
      const y = isIntensiveMetric(spec.metric) ? raw : raw / minutes;
      const r = noiseVariance(y, stepAgg, minutes);
      observe(y, step, r);
      if (armed && clearOf(y, Math.sqrt(r))) {
        // Back on the good side by noise_z standard errors after a breach: the incident is over
        // for the model too (no trend learned from it extrapolated any further).
        level = y - seasonAt(step);
        trend = 0;
        [p11, p12, p22] = [r, 0, 0];
        armed = false;
      }
      if (steps < spec.warmup_steps)
        return (last = quiet(at, 'insufficient', y, { key: 'learning', params: { what: 'forecast' } }));
      let crossAt: number | null = null;
      for (let h = 1; h <= hSteps; h++) {
        const f = forecastMean(h);
        // A prediction under way holds while the mean crosses: on a slow slide one noisy good
        // step ended it (the margin no longer cleared), and the rule's `for` restarted each time
        // (scenario replay: 94 % → 75 % in 40 min predicted at +17, paged only at +29, at the
        // crossing itself).
        if (breached(f.mean, predicting ? 0 : f.se)) {
          crossAt = h;
          break;
        }
      }
      // Judge "already breached" on the smoothed level: one noisy minute is not a breach.
      const now = breached(level, Math.sqrt(Math.max(0, p11)));
      const f1 = forecast(1);
      const bad = now || crossAt !== null;
      predicting = crossAt !== null;
      // Armed by a breached level until a verdict is normal again (a later predicted crossing
      // from healthy observations must not be re-anchored away).
      if (now && spec.reanchor) armed = true;
      else if (!bad) armed = false;
      const eta = crossAt === null ? null : crossAt * spec.step_minutes;
      const m = spec.metric;
      const message: SummaryMessage = now
        ? {
            key: 'forecast_breach',
            params: { metric: m, level, breach: spec.breach, threshold: spec.threshold },
          }
        : eta !== null
          ? {
              key: 'forecast_cross',
              params: { metric: m, threshold: spec.threshold, eta_minutes: eta, now: y, trend },
            }
          : { key: 'forecast', params: { metric: m, value: y, mean: f1.mean, half: f1.half } };
      return (last = {
        at,
        verdict: bad ? 'anomalous' : 'normal',
        value: y,
        expected: f1.mean,
        lower: f1.mean - f1.half,
        upper: f1.mean + f1.half,
        score: now ? 1 : eta !== null ? Math.max(0.5, 1 - eta / (2 * spec.horizon_minutes)) : 0,
        revenue_at_risk: now ? revenueAtRisk(spec.metric, minute, spec.threshold) : 0,
        ...say(message),
        samples: stepAgg.samples,
        contributors: topContributors(stepAgg),
      });
    },
  };
}
