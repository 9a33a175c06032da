import { z } from 'zod';
import { FAILURE_CATEGORIES } from '@paywatch/contracts';
import { quiet } from './common.js';
import { chiSquareGof, jensenShannon } from './stats.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import { MINUTE_MS, MinuteWindow } from './types.js';

/**
 * Decline-mix shift: the distribution of failure categories in the window moves away from the
 * baseline (exponentially decayed counts of normal minutes), even when the total failure rate
 * does not. Needs both a chi-square p-value below `p_value` and a Jensen–Shannon divergence of
 * at least `min_jsd` (significance *and* size).
 */
export const MixSpecSchema = z.object({
  type: z.literal('mix'),
  window_minutes: z.number().int().min(1).max(240).default(15),
  min_failures: z.number().int().min(1).default(40),
  p_value: z.number().gt(0).lt(1).default(1e-4),
  min_jsd: z.number().min(0).max(1).default(0.08),
  /** Baseline half-life in minutes. */
  half_life_minutes: z.number().positive().default(360),
  min_baseline_failures: z.number().positive().default(100),
});
export type MixSpec = z.infer<typeof MixSpecSchema>;

export function createMixDetector(spec: MixSpec): SeriesDetector {
  const win = new MinuteWindow(spec.window_minutes);
  const baseline = new Float64Array(FAILURE_CATEGORIES.length);
  const decay = Math.pow(0.5, 1 / spec.half_life_minutes);
  const lagged: MinuteAggregate[] = [];
  return {
    kind: 'series',
    type: 'mix',
    evaluate(minute: MinuteAggregate): Evaluation {
      win.push(minute);
      const at = minute.t + MINUTE_MS;
      const w = win.sum();
      const obs = FAILURE_CATEGORIES.map((c) => w.failures[c] ?? 0);
      const total = obs.reduce((s, x) => s + x, 0);
      const base = Array.from(baseline);
      const baseTotal = base.reduce((s, x) => s + x, 0);
      let out: Evaluation;
      if (total < spec.min_failures) out = quiet(at, 'insufficient', null, `${total} failures < ${spec.min_failures}`);
      else if (baseTotal < spec.min_baseline_failures) out = quiet(at, 'insufficient', null, 'learning the decline mix');
      else {
        const js = jensenShannon(obs, base);
        const chi = chiSquareGof(obs, base);
        const bad = chi.p < spec.p_value && js >= spec.min_jsd;
        const shifts = FAILURE_CATEGORIES.map((c, i) => ({ key: `failure_category=${c}`, value: (obs[i] ?? 0) / total - (base[i] ?? 0) / baseTotal }))
          .filter((x) => x.value > 0)
          .sort((a, b) => b.value - a.value)
          .slice(0, 3);
        out = {
          at,
          verdict: bad ? 'anomalous' : 'normal',
          value: js,
          expected: 0,
          lower: 0,
          upper: spec.min_jsd,
          score: Math.min(1, js / (2 * spec.min_jsd)),
          revenue_at_risk: 0,
          summary: `decline mix shifted (JSD ${js.toFixed(3)}, χ² p=${chi.p.toExponential(1)})${shifts.length ? `: ${shifts.map((s) => `${s.key.split('=')[1]} +${(s.value * 100).toFixed(0)} pp`).join(', ')}` : ''}`,
          samples: bad ? win.full().samples : [],
          contributors: shifts,
        };
      }
      lagged.push(minute);
      if (lagged.length > spec.window_minutes) {
        const old = lagged.shift();
        if (old && out.verdict !== 'anomalous') {
          for (let i = 0; i < baseline.length; i++) baseline[i] = (baseline[i] ?? 0) * decay + (old.failures[FAILURE_CATEGORIES[i] ?? 'other'] ?? 0);
        }
      }
      return out;
    },
  };
}
