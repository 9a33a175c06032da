import { z } from 'zod';
import {
  arr,
  fieldsOf,
  floatsFromJson,
  floatsToJson,
  minuteFromJson,
  minuteToJson,
  num,
  windowFromJson,
  windowToJson,
} from './snapshot.js';
import { FAILURE_CATEGORIES } from '@paywatch/contracts';
import { quiet } from './common.js';
import { chiSquareHomogeneity, jensenShannon, transferTest } from './stats.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import { MINUTE_MS, MinuteWindow } from './types.js';

/**
 * Decline-mix shift: the distribution of failure categories in the window moves away from the
 * baseline (exponentially decayed counts of normal minutes), even when the total failure rate
 * does not. Needs both a p-value below `p_value` and a Jensen–Shannon divergence of at least
 * `min_jsd` (significance *and* size). The p-value is the smaller of two tests, Bonferroni
 * corrected (×2, and the transfer test also × the number of category pairs): the χ²
 * homogeneity test (any shape of shift) and an exact test for a transfer between two
 * categories (`transferTest`: the common case, one decline code re-labelled as another, whose
 * evidence sits in two cells and is diluted by the omnibus test's K − 1 degrees of freedom).
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
  const recent: number[][] = [];
  const recentTotals: number[] = [];
  const K = FAILURE_CATEGORIES.length;
  let total = 0;
  return {
    kind: 'series',
    type: 'mix',
    snapshot() {
      return {
        type: 'mix',
        win: windowToJson(win),
        baseline: floatsToJson(baseline),
        lagged: lagged.map(minuteToJson),
        recent: recent.map((r) => [...r]),
        recentTotals: [...recentTotals],
        total,
      };
    },
    restore(state: unknown) {
      const s = fieldsOf(state, 'mix');
      windowFromJson(win, s['win']);
      floatsFromJson(baseline, s['baseline']);
      lagged.push(...arr(s['lagged']).map(minuteFromJson));
      recent.push(...arr(s['recent']).map((r) => arr(r).map(num)));
      recentTotals.push(...arr(s['recentTotals']).map(num));
      total = num(s['total']);
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      win.push(minute);
      // Hot path (every slice, every minute): plain loops, running totals, no closures.
      const row = new Array<number>(K);
      let rowTotal = 0;
      for (let i = 0; i < K; i++) {
        const v = minute.failures[FAILURE_CATEGORIES[i] ?? 'other'] ?? 0;
        row[i] = v;
        rowTotal += v;
      }
      recent.push(row);
      recentTotals.push(rowTotal);
      total += rowTotal;
      if (recent.length > spec.window_minutes) {
        recent.shift();
        total -= recentTotals.shift() ?? 0;
      }
      const at = minute.t + MINUTE_MS;
      let baseTotal = 0;
      for (let i = 0; i < K; i++) baseTotal += baseline[i] ?? 0;
      let out: Evaluation;
      if (total < spec.min_failures)
        out = quiet(at, 'insufficient', null, `${total} failures < ${spec.min_failures}`);
      else if (baseTotal < spec.min_baseline_failures)
        out = quiet(at, 'insufficient', null, 'learning the decline mix');
      else {
        // Test every suffix of the window (last 1, 2, … minutes) with enough failures: a sharp
        // shift is seen in a minute or two, a gradual one over the whole window. The size of
        // the shift is the Jensen–Shannon divergence minus its small-sample bias.
        const base = Array.from(baseline);
        let best: { js: number; p: number; obs: number[]; n: number; from: number; to: number } | null = null;
        const obs: number[] = FAILURE_CATEGORIES.map(() => 0);
        let n = 0;
        let lastTested = 0;
        for (let k = recent.length - 1; k >= 0; k--) {
          const r = recent[k] ?? [];
          for (let i = 0; i < obs.length; i++) obs[i] = (obs[i] ?? 0) + (r[i] ?? 0);
          n += recentTotals[k] ?? 0;
          // Test every suffix of the last three minutes (a sharp shift must be seen while it is
          // fresh: skipping the 2-minute suffix cost a minute of detection), then suffixes whose
          // failure count at least doubled since the last test (and the whole window):
          // log-many tests instead of one per minute.
          const fresh = k >= recent.length - 3;
          if (n < spec.min_failures || (!fresh && k > 0 && n < 2 * lastTested)) continue;
          lastTested = n;
          const nonZero = obs.filter((x) => x > 0).length;
          // Plug-in JSD of an n-sample distribution vs a known one is biased by ≈ (k − 1) / (8 n ln 2) bits.
          const js = Math.max(0, jensenShannon(obs, base) - Math.max(0, nonZero - 1) / (8 * n * Math.LN2));
          // Both size and significance are required: skip the costly p-value for small shifts.
          const p = js >= spec.min_jsd ? combinedP(obs, base) : { p: 1, from: -1, to: -1 };
          const cand = { js, p: p.p, obs: [...obs], n, from: p.from, to: p.to };
          const bad = p.p < spec.p_value && js >= spec.min_jsd;
          if (bad || best === null || (best.p >= spec.p_value && k === 0)) best = cand;
          if (bad) break;
        }
        const b = best ?? { js: 0, p: 1, obs, n, from: -1, to: -1 };
        const transfer =
          b.from >= 0 ? ` (${FAILURE_CATEGORIES[b.from] ?? '?'} → ${FAILURE_CATEGORIES[b.to] ?? '?'})` : '';
        const bad = b.p < spec.p_value && b.js >= spec.min_jsd;
        // Per-category shifts (and the long summary) only for a finding: normal minutes stay cheap.
        const shifts = bad
          ? FAILURE_CATEGORIES.map((c, i) => ({
              key: `failure_category=${c}`,
              value: Math.round(((b.obs[i] ?? 0) / b.n - (base[i] ?? 0) / baseTotal) * 1000) / 1000,
            }))
              .filter((x) => x.value > 0)
              .sort((x, y) => y.value - x.value)
              .slice(0, 3)
          : [];
        out = {
          at,
          verdict: bad ? 'anomalous' : 'normal',
          value: b.js,
          expected: 0,
          lower: 0,
          upper: spec.min_jsd,
          score: Math.min(1, b.js / (2 * spec.min_jsd)),
          revenue_at_risk: 0,
          summary: !bad
            ? `decline mix stable (JSD ${b.js.toFixed(3)})`
            : `decline mix shifted (JSD ${b.js.toFixed(3)} over ${b.n} failures, p=${b.p.toExponential(1)}${transfer})${shifts.length ? `: ${shifts.map((x) => `${x.key.split('=')[1]} +${(x.value * 100).toFixed(0)} pp`).join(', ')}` : ''}`,
          samples: bad ? win.full().samples : [],
          contributors: shifts,
        };
      }
      lagged.push(minute);
      if (lagged.length > spec.window_minutes) {
        const old = lagged.shift();
        if (old && out.verdict !== 'anomalous') {
          for (let i = 0; i < baseline.length; i++)
            baseline[i] = (baseline[i] ?? 0) * decay + (old.failures[FAILURE_CATEGORIES[i] ?? 'other'] ?? 0);
        }
      }
      return out;
    },
  };
}

/**
 * Family-wise p-value of the two tests (χ² omnibus, exact pairwise transfer), with the pair
 * that decided it when the transfer test was the stronger (from/to = −1 otherwise).
 */
function combinedP(obs: readonly number[], base: readonly number[]): { p: number; from: number; to: number } {
  const chi = chiSquareHomogeneity(obs, base).p;
  const tr = transferTest(obs, base);
  const trP = Math.min(1, tr.p * tr.pairs);
  return trP < chi
    ? { p: Math.min(1, 2 * trP), from: tr.from, to: tr.to }
    : { p: Math.min(1, 2 * chi), from: -1, to: -1 };
}
