import { z } from 'zod';
import {
  arr,
  fieldsOf,
  floatsFromJson,
  floatsToJson,
  minuteFromJson,
  minuteToJson,
  num,
  obj,
  windowFromJson,
  windowToJson,
} from './snapshot.js';
import { FAILURE_CATEGORIES } from '@paywatch/contracts';
import { quiet } from './common.js';
import { chiSquareHomogeneity, jensenShannon, transferTest } from './stats.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import { MINUTE_MS, MinuteWindow } from './types.js';
import { say } from './summary.js';

/**
 * Decline-mix shift: the distribution of failure categories in the window moves away from the
 * baseline (exponentially decayed counts of normal minutes), even when the total failure rate
 * does not. Needs both a p-value below `p_value` and a Jensen–Shannon divergence of at least
 * `min_jsd` (significance *and* size). The p-value is the smaller of two tests, Bonferroni
 * corrected (×2, and the transfer test also × the number of category pairs): the χ²
 * homogeneity test (any shape of shift) and an exact test for a transfer between two
 * categories (`transferTest`: the common case, one decline code re-labelled as another, whose
 * evidence sits in two cells and is diluted by the omnibus test's K − 1 degrees of freedom).
 *
 * Seasonal when history allows: a mix that normally moves with the time of day (more
 * insufficient_funds in the evening, another market's vocabulary at night) is compared with
 * the same time of day on the previous `season_days` days (per-category counts of normal
 * minutes in `season_slot_minutes` slots, interpolated between the two nearest slot centres),
 * and a finding needs a shift against that *and* against the recent decayed baseline. Until
 * `min_season_days` past days have enough failures at that time, the recent baseline alone
 * judges.
 *
 * Level-shift adaptation: neither baseline learns the minutes of a shift (an incident must not
 * become normal), so a *permanent* change (a provider that starts classifying failures
 * differently) would fire for ever. The minutes of an ongoing shift are collected apart, as a
 * candidate baseline; once the new mix has held for `adapt_after_minutes` since it began (the
 * window never shifted again against the candidate, and the candidate has
 * `min_baseline_failures`), the candidate becomes the recent baseline and the finding ends. The
 * same-time-of-day history then learns the new mix day by day (until then it cannot page on its
 * own: a finding needs both). A shift that reverts first, or keeps moving, starts afresh.
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
  /** Past days of same-time-of-day history (0: recent baseline only). */
  season_days: z.number().int().min(0).max(28).default(7),
  /** Time-of-day slot of the seasonal history, in minutes (a divisor of 1440). */
  season_slot_minutes: z
    .number()
    .int()
    .min(5)
    .max(240)
    .refine((m) => 1440 % m === 0, 'must divide 1440')
    .default(60),
  /** Past days with history at this time of day before the seasonal baseline judges. */
  min_season_days: z.number().int().min(1).default(1),
  /**
   * Minutes a new mix must hold before it becomes the baseline (the finding then ends); 0:
   * never. No default in the schema, so that existing rules keep their fingerprint (and their
   * saved history) across the upgrade: `ADAPT_AFTER_MINUTES` applies.
   */
  adapt_after_minutes: z.number().int().min(0).max(10080).optional(),
  /**
   * Recovery, only while the window holds minutes of a finding: when the shortest suffix of at
   * most `recover_minutes` minutes with `recover_min_failures` failures is back to the baseline
   * *and* no longer the incident's mix — no shift from the baseline (size below `min_jsd`, or
   * p-value at least `recover_p_value`) while shifted from the mix of the window's shifted
   * minutes as a finding would be (p-value below `p_value`) — suffixes reaching further back are not tested,
   * now or later (the fence). Without it, an ended incident's failures kept the whole window
   * shifted for `window_minutes` after the end. `recover_minutes: 0` disables; 3 minutes as
   * the rate detector's. (Added with defaults: state saved before keeps its rule identity, see
   * engine/rule-identity.ts.)
   */
  recover_minutes: z.number().int().min(0).max(60).default(3),
  recover_min_failures: z.number().int().min(1).default(20),
  recover_p_value: z.number().gt(0).lt(1).default(0.01),
});
export type MixSpec = z.infer<typeof MixSpecSchema>;

const DAY_MS = 1440 * MINUTE_MS;
/** Default of `adapt_after_minutes`: two hours, as the seasonal detector's 8 × 15-minute slots. */
export const ADAPT_AFTER_MINUTES = 120;

/**
 * Per-category failure counts of normal minutes per time-of-day slot for the last days, in a
 * ring of days (bounded memory; allocated with the first recorded failure).
 */
class SeasonalMix {
  private counts: Float32Array | null = null;
  /** Day number (epoch day) held by each ring row; NaN when empty. */
  readonly days: Float64Array;
  readonly slotsPerDay: number;
  private cache: { slot: number; sum: Float64Array; seen: number }[] = [];
  constructor(
    readonly k: number,
    readonly slotMs: number,
    readonly ringDays: number,
  ) {
    this.slotsPerDay = Math.round(DAY_MS / slotMs);
    this.days = new Float64Array(ringDays).fill(NaN);
  }
  record(t: number, row: readonly number[]): void {
    const day = Math.floor(t / DAY_MS);
    const r = day % this.ringDays;
    this.counts ??= new Float32Array(this.ringDays * this.slotsPerDay * this.k);
    const rowLen = this.slotsPerDay * this.k;
    if (this.days[r] !== day) {
      this.counts.fill(0, r * rowLen, (r + 1) * rowLen);
      this.days[r] = day;
      this.cache.length = 0; // a day left the ring
    }
    const pos = Math.floor((t - day * DAY_MS) / this.slotMs);
    // A record into a slot that is an earlier day of a cached slot (minutes recorded late,
    // out of order) makes that cache stale.
    for (const c of this.cache)
      if (c.slot > day * this.slotsPerDay + pos && (c.slot - pos) % this.slotsPerDay === 0)
        this.cache.length = 0;
    const off = r * rowLen + pos * this.k;
    for (let i = 0; i < this.k; i++) this.counts[off + i] = (this.counts[off + i] ?? 0) + (row[i] ?? 0);
  }
  /**
   * Expected counts at time `t` from the previous days (the current day excluded), linearly
   * interpolated between the two nearest slot centres; `days` is how many past days had
   * history. Writes into `out`.
   */
  expected(t: number, out: number[]): { days: number; total: number } {
    out.fill(0);
    if (!this.counts) return { days: 0, total: 0 };
    const u = t / this.slotMs - 0.5;
    const s0 = Math.floor(u);
    const f = u - s0;
    const a = this.slotSum(s0);
    const b = this.slotSum(s0 + 1);
    let total = 0;
    for (let i = 0; i < this.k; i++) {
      const v = (1 - f) * (a.sum[i] ?? 0) + f * (b.sum[i] ?? 0);
      out[i] = v;
      total += v;
    }
    let seen = a.seen | b.seen;
    let days = 0;
    for (; seen !== 0; seen &= seen - 1) days++;
    return { days, total };
  }
  /**
   * Counts of absolute slot `abs` summed over the previous days in the ring, with a bit per
   * day that had history. Cached: the window asks for the same two slots for an hour, and
   * records go to the current day's slots, which are no earlier day of a cached slot.
   */
  private slotSum(abs: number): { slot: number; sum: Float64Array; seen: number } {
    for (const c of this.cache) if (c.slot === abs) return c;
    const sum = new Float64Array(this.k);
    let seen = 0;
    const rowLen = this.slotsPerDay * this.k;
    for (let back = 1; back < this.ringDays; back++) {
      const s = abs - back * this.slotsPerDay;
      const day = Math.floor(s / this.slotsPerDay);
      const r = ((day % this.ringDays) + this.ringDays) % this.ringDays;
      if (this.days[r] !== day || !this.counts) continue;
      seen |= 1 << back;
      const off = r * rowLen + (s - day * this.slotsPerDay) * this.k;
      for (let i = 0; i < this.k; i++) sum[i] = (sum[i] ?? 0) + (this.counts[off + i] ?? 0);
    }
    const c = { slot: abs, sum, seen };
    this.cache.push(c);
    if (this.cache.length > 4) this.cache.shift();
    return c;
  }
  toJson(): { counts: (number | null)[] | null; days: (number | null)[] } {
    return { counts: this.counts ? floatsToJson(this.counts) : null, days: floatsToJson(this.days) };
  }
  fromJson(x: unknown): void {
    const o = obj(x);
    this.cache.length = 0;
    floatsFromJson(this.days, o['days']);
    if (o['counts'] === null) this.counts = null;
    else {
      this.counts = new Float32Array(this.ringDays * this.slotsPerDay * this.k);
      floatsFromJson(this.counts, o['counts']);
    }
  }
}

/** The strongest finding among a window's suffixes against one baseline. */
interface MixJudgement {
  bad: boolean;
  js: number;
  p: number;
  obs: number[];
  n: number;
  from: number;
  to: number;
  /** Minutes of the suffix reported (the last `minutes` of the window). */
  minutes: number;
}

export function createMixDetector(spec: MixSpec): SeriesDetector {
  const win = new MinuteWindow(spec.window_minutes);
  const baseline = new Float64Array(FAILURE_CATEGORIES.length);
  const decay = Math.pow(0.5, 1 / spec.half_life_minutes);
  const lagged: MinuteAggregate[] = [];
  const recent: number[][] = [];
  const recentTotals: number[] = [];
  const K = FAILURE_CATEGORIES.length;
  // Ring of season_days past days plus the current one (which is never compared with itself).
  const seasonal =
    spec.season_days > 0
      ? new SeasonalMix(K, spec.season_slot_minutes * MINUTE_MS, spec.season_days + 1)
      : null;
  const seasonBase: number[] = new Array<number>(K).fill(0);
  const oldRow: number[] = new Array<number>(K).fill(0);
  let total = 0;
  const adaptAfterMs = (spec.adapt_after_minutes ?? ADAPT_AFTER_MINUTES) * MINUTE_MS;
  // Parallel to `lagged`: the minute was in a suffix judged shifted (never learned as normal).
  const tainted: boolean[] = [];
  // Candidate baseline: failure counts of the current shift's minutes (those that left the
  // window), since `candSince` (minute start; NaN when empty). `quietRun`: normal verdicts in a row.
  const cand: number[] = new Array<number>(K).fill(0);
  let candTotal = 0;
  let candSince = NaN;
  let quietRun = 0;
  // End of the minute a candidate was adopted, until the next finding (for the summary of the
  // normal verdicts after it, which the alert resolves on `keep_firing_for` later; NaN: none).
  let adoptedAt = NaN;
  // Minutes since the last recovered tail began (suffixes reach no further back); saturates at
  // window_minutes (= no fence).
  let fence = spec.window_minutes;

  /** Jensen–Shannon divergence of `obs` (n failures) from `base`, minus its small-sample bias. */
  function shiftSize(obs: readonly number[], n: number, base: readonly number[]): number {
    let nonZero = 0;
    for (let i = 0; i < K; i++) if ((obs[i] ?? 0) > 0) nonZero++;
    // Plug-in JSD of an n-sample distribution vs a known one is biased by ≈ (k − 1) / (8 n ln 2) bits.
    return Math.max(0, jensenShannon(obs, base) - Math.max(0, nonZero - 1) / (8 * n * Math.LN2));
  }

  /**
   * Recovered tail: the shortest suffix of at most `recover_minutes` with `recover_min_failures`
   * failures that shows no shift from `base` (size below `min_jsd`, or p-value at least
   * `recover_p_value`: at ~50 failures the size alone is too noisy to tell, normal minutes
   * measure up to ≈ 0.045) and is shifted from the window's shifted minutes before it as a
   * finding would be (p-value below `p_value`: a lasting shift, whose minutes at ~60 failures
   * are often not significant alone, is not a recovery); its length in minutes (0: none; a
   * suffix still shifted from `base` ends the search). `now`: start of the current minute.
   */
  function recoveredTail(base: readonly number[], now: number): number {
    const obs: number[] = new Array<number>(K).fill(0);
    let n = 0;
    for (let k = recent.length - 1; k >= Math.max(0, recent.length - spec.recover_minutes); k--) {
      const r = recent[k] ?? [];
      for (let i = 0; i < K; i++) obs[i] = (obs[i] ?? 0) + (r[i] ?? 0);
      n += recentTotals[k] ?? 0;
      if (n < spec.recover_min_failures) continue;
      const minutes = recent.length - k;
      if (shiftSize(obs, n, base) >= spec.min_jsd && combinedP(obs, base).p < spec.recover_p_value) return 0;
      // The incident's mix: the shifted minutes of the window before the tail.
      const shifted: number[] = new Array<number>(K).fill(0);
      let shiftedTotal = 0;
      for (let j = 0; j < lagged.length; j++) {
        const m = lagged[j];
        if (!tainted[j] || !m || m.t > now - minutes * MINUTE_MS) continue;
        for (let i = 0; i < K; i++) {
          const v = m.failures[FAILURE_CATEGORIES[i] ?? 'other'] ?? 0;
          shifted[i] = (shifted[i] ?? 0) + v;
          shiftedTotal += v;
        }
      }
      if (shiftedTotal > 0 && combinedP(obs, shifted).p < spec.p_value) return minutes;
    }
    return 0;
  }

  /**
   * Tests every suffix of the window (last 1, 2, … minutes) with enough failures against
   * `base`, back to index `oldest` of `recent` (the fence): a sharp shift is seen in a minute
   * or two, a gradual one over the whole window. The size of the shift is the Jensen–Shannon
   * divergence minus its small-sample bias.
   */
  function judge(base: readonly number[], oldest: number): MixJudgement {
    let best: MixJudgement | null = null;
    const obs: number[] = new Array<number>(K).fill(0);
    let n = 0;
    let lastTested = 0;
    for (let k = recent.length - 1; k >= oldest; k--) {
      const r = recent[k] ?? [];
      for (let i = 0; i < K; i++) obs[i] = (obs[i] ?? 0) + (r[i] ?? 0);
      n += recentTotals[k] ?? 0;
      // Test every suffix of the last three minutes (a sharp shift must be seen while it is
      // fresh: skipping the 2-minute suffix cost a minute of detection), then suffixes whose
      // failure count at least doubled since the last test (and the whole window):
      // log-many tests instead of one per minute.
      const fresh = k >= recent.length - 3;
      if (n < spec.min_failures || (!fresh && k > oldest && n < 2 * lastTested)) continue;
      lastTested = n;
      const js = shiftSize(obs, n, base);
      // Both size and significance are required: skip the costly p-value for small shifts.
      const p = js >= spec.min_jsd ? combinedP(obs, base) : { p: 1, from: -1, to: -1 };
      const bad = p.p < spec.p_value && js >= spec.min_jsd;
      if (bad || best === null || (best.p >= spec.p_value && k === oldest))
        best = { bad, js, p: p.p, obs: [...obs], n, from: p.from, to: p.to, minutes: recent.length - k };
      if (bad) break;
    }
    return best ?? { bad: false, js: 0, p: 1, obs, n, from: -1, to: -1, minutes: 0 };
  }

  /** Empties the candidate baseline (the shift ended, or moved again). */
  function resetCandidate(): void {
    cand.fill(0);
    candTotal = 0;
    candSince = NaN;
  }

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
        season: seasonal ? seasonal.toJson() : null,
        tainted: [...tainted],
        cand: [...cand],
        candSince: Number.isNaN(candSince) ? null : candSince,
        adoptedAt: Number.isNaN(adoptedAt) ? null : adoptedAt,
        quietRun,
        fence,
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
      // Snapshots from before the seasonal history (or with it turned off) restore without
      // one: the recent baseline judges until the days are learned again.
      const season = s['season'];
      if (seasonal && season !== undefined && season !== null) seasonal.fromJson(season);
      // Snapshots from before the adaptation: nothing known to be shifted, no candidate.
      const t = s['tainted'] === undefined ? [] : arr(s['tainted']);
      tainted.push(...lagged.map((_, i) => t[i] === true));
      if (s['cand'] !== undefined) {
        const c = arr(s['cand']).map(num);
        for (let i = 0; i < K; i++) cand[i] = c[i] ?? 0;
        candTotal = cand.reduce((a, b) => a + b, 0);
        candSince = s['candSince'] === null ? NaN : num(s['candSince']);
        quietRun = num(s['quietRun']);
        adoptedAt = s['adoptedAt'] === undefined || s['adoptedAt'] === null ? NaN : num(s['adoptedAt']);
      }
      // Snapshots from before the fence existed: no fence.
      fence = s['fence'] === undefined ? spec.window_minutes : Math.min(num(s['fence']), spec.window_minutes);
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
      const recentReady = baseTotal >= spec.min_baseline_failures;
      const season = seasonal?.expected(minute.t, seasonBase) ?? { days: 0, total: 0 };
      const seasonReady = season.days >= spec.min_season_days && season.total >= spec.min_baseline_failures;
      let out: Evaluation;
      // Minutes at the end of the window the finding covers (0: no finding).
      let shiftMinutes = 0;
      const recentBase = Array.from(baseline);
      // The mix judged against: the same time on past days when known, else the last hours.
      const base = seasonReady ? seasonBase : recentBase;
      if (fence < spec.window_minutes) fence++;
      // Recovered tail, only while the window still holds minutes of a finding (in normal
      // traffic every suffix is tested as before: a gradual shift needs the whole window).
      // Suffixes older than it are not tested, now or later (the fence): they only still hold
      // the failures of an ended incident, which kept the window shifted for window_minutes
      // after the end, and would fire again when one noisy minute hid the recovery.
      if (spec.recover_minutes > 0 && (recentReady || seasonReady) && tainted.includes(true)) {
        const tail = recoveredTail(base, minute.t);
        if (tail > 0) fence = Math.min(fence, tail);
      }
      // Oldest index of `recent` a suffix may reach.
      const oldest = Math.max(0, recent.length - fence);
      if (total < spec.min_failures)
        out = quiet(at, 'insufficient', null, {
          key: 'too_few_failures',
          params: { failures: total, min: spec.min_failures },
        });
      else if (!recentReady && !seasonReady)
        out = quiet(at, 'insufficient', null, { key: 'learning', params: { what: 'decline_mix' } });
      else {
        // Against the same time on past days first; a finding there must also be a shift
        // against the last hours (so neither a daily swing nor a slow drift since then pages).
        const b = judge(base, oldest);
        if (b.bad && seasonReady && recentReady && !judge(recentBase, oldest).bad) b.bad = false;
        const bTotal = seasonReady ? season.total : baseTotal;
        const seasonDays = seasonReady ? season.days : null;
        const bad = b.bad;
        if (bad) shiftMinutes = b.minutes;
        // Per-category shifts (and the long summary) only for a finding: normal minutes stay cheap.
        const shifts = bad
          ? FAILURE_CATEGORIES.map((c, i) => ({
              key: `failure_category=${c}`,
              value: Math.round(((b.obs[i] ?? 0) / b.n - (base[i] ?? 0) / bTotal) * 1000) / 1000,
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
          ...say(
            !bad
              ? {
                  key: 'mix_stable',
                  params: {
                    jsd: b.js,
                    season_days: seasonDays,
                    adopted_minutes: Number.isNaN(adoptedAt) ? null : Math.round(adaptAfterMs / MINUTE_MS),
                  },
                }
              : {
                  key: 'mix_shifted',
                  params: {
                    jsd: b.js,
                    failures: b.n,
                    season_days: seasonDays,
                    p: b.p,
                    from: b.from >= 0 ? (FAILURE_CATEGORIES[b.from] ?? '?') : null,
                    to: b.from >= 0 ? (FAILURE_CATEGORIES[b.to] ?? '?') : null,
                    shifts: shifts.map((x) => ({ category: x.key.split('=')[1] ?? x.key, value: x.value })),
                  },
                },
          ),
          samples: bad ? win.full().samples : [],
          contributors: shifts,
        };
      }
      // The minutes of the reported suffix are the shift's: never learned as normal (nor the
      // last minutes of a shift leaving the window just as it turns normal again).
      const anomalous = out.verdict === 'anomalous';
      if (anomalous) adoptedAt = NaN;
      lagged.push(minute);
      tainted.push(false);
      if (anomalous)
        for (let i = Math.max(0, tainted.length - shiftMinutes); i < tainted.length; i++) tainted[i] = true;
      quietRun = anomalous ? 0 : quietRun + 1;
      // Normal for three windows in a row: the shift is over (it reverted) before it was adopted.
      // (Not one window: at low volume a lasting shift is significant only now and then.)
      if (quietRun >= 3 * spec.window_minutes && candTotal > 0) resetCandidate();
      if (lagged.length > spec.window_minutes) {
        const old = lagged.shift();
        const wasShifted = tainted.shift() === true;
        if (old) {
          let oldTotal = 0;
          for (let i = 0; i < K; i++) {
            const v = old.failures[FAILURE_CATEGORIES[i] ?? 'other'] ?? 0;
            oldRow[i] = v;
            oldTotal += v;
          }
          if (!wasShifted && !anomalous) {
            for (let i = 0; i < K; i++) baseline[i] = (baseline[i] ?? 0) * decay + (oldRow[i] ?? 0);
            if (seasonal && oldTotal > 0) seasonal.record(old.t, oldRow);
          } else if (wasShifted && adaptAfterMs > 0) {
            // A minute of the shift: the candidate's. (One that was never in a shifted suffix,
            // leaving a window judged shifted, is neither's: the minutes before an onset.)
            if (candTotal === 0) candSince = old.t;
            for (let i = 0; i < K; i++) cand[i] = (cand[i] ?? 0) + (oldRow[i] ?? 0);
            candTotal += oldTotal;
          }
        }
      }
      if (anomalous && adaptAfterMs > 0 && candTotal >= spec.min_baseline_failures) {
        if (judge(cand, oldest).bad) {
          // The mix moved again against the candidate: the new mix is not settled yet.
          resetCandidate();
        } else if (at - candSince >= adaptAfterMs) {
          // Held for adapt_after_minutes: the new mix is the baseline now. Its minutes still in
          // the window are learned as they leave it (no longer tainted).
          for (let i = 0; i < K; i++) baseline[i] = cand[i] ?? 0;
          tainted.fill(false);
          resetCandidate();
          adoptedAt = at;
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
