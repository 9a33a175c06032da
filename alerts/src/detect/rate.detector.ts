import { z } from 'zod';
import {
  arr,
  fieldsOf,
  floatsFromJson,
  floatsToJson,
  minuteFromJson,
  minuteToJson,
  num,
  SnapshotError,
  windowFromJson,
  windowToJson,
} from './snapshot.js';
import { quiet } from './common.js';
import { wilson } from './stats.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import {
  MINUTE_MS,
  MinuteWindow,
  notePayment,
  OUTCOME_SUCCESS,
  OUTCOME_TECHNICAL,
  details,
  revenueAtRisk,
} from './types.js';
import { say } from './summary.js';

/**
 * Success/decline-rate test for proportions, over **payments**: a payment (`payment_id`) counts
 * once per window, with the outcome of its latest attempt in the window (a retry of a declined
 * payment replaces its failure; a payment that succeeds on a retry is a success), so one shopper
 * retrying 36 times is one failed payment, not 36 failed shoppers. Attempts stay reported
 * beside the payments. The current window's rate gets a Wilson
 * interval (with the sample size deflated by a beta-binomial over-dispersion factor, so
 * correlated failures do not look more certain than they are); it is compared with the
 * baseline rate of the recent *normal* minutes. Below `min_attempts` the slice is not judged
 * (verdict `insufficient`): the engine pools such slices into their parent (BIN → issuer
 * country → country) instead.
 */
export const RateSpecSchema = z.object({
  type: z.literal('rate'),
  metric: z.enum(['success_rate', 'technical_success_rate', 'decline_rate']).default('success_rate'),
  window_minutes: z.number().int().min(1).max(240).default(5),
  baseline_minutes: z.number().int().min(10).max(10080).default(120),
  /**
   * Attempts in the window (or a suffix) needed to judge it: a volume gate, on attempts as the
   * name says (the rate itself and its interval are over payments).
   */
  min_attempts: z.number().int().min(1).default(30),
  /** Normal quantile of the interval (3.29 ≈ 99.9 % two-sided). */
  z: z.number().positive().default(3.29),
  /** Smallest absolute change worth a page (0.05 = five percentage points). */
  min_effect: z.number().min(0).max(1).default(0.05),
  /** Beta-binomial intra-class correlation ρ: n_eff = n / (1 + (n − 1)ρ). */
  overdispersion: z.number().min(0).max(1).default(0.002),
  /** Baseline minutes needed before judging. */
  min_baseline_attempts: z.number().int().min(1).default(100),
  /**
   * Recovery, only while the window holds minutes judged anomalous: when the shortest suffix of
   * at most `recover_minutes` minutes with `recover_min_attempts` attempts has its rate back
   * within `min_effect` of the baseline (hysteresis: a drop needs the whole interval beyond
   * `min_effect`, a recovery only the point estimate within it), suffixes reaching further back
   * are not tested. Without it, the minutes of an ended outage kept the whole window anomalous
   * for `window_minutes` after the end. 0 disables.
   */
  recover_minutes: z.number().int().min(0).max(60).default(3),
  recover_min_attempts: z.number().int().min(1).default(15),
  /**
   * A drop held this long is anomalous even when no window's interval clears `min_effect`:
   * the window's rate has been beyond `min_effect` of the baseline (point estimate) at every one
   * of the last `sustain_minutes` evaluations, and the interval of those minutes together clears
   * half of it. A slide the baseline partly learns (94 % → 80 % in 40 minutes, then held) never
   * shows a window's whole interval 8 points below it, though it loses what a step to 80 %
   * loses. 0 disables.
   */
  sustain_minutes: z.number().int().min(0).max(240).default(15),
  /**
   * A held drop (see `sustain_minutes`) that has fired this long is adopted: the baseline becomes
   * the rate of its minutes, the slice is normal again (the alert resolves) and does not re-fire
   * on the same level. Until then it ends only on a *confirmed* recovery: a suffix of the window
   * back within half of `min_effect` whose interval lies above the drop's own rate (one good
   * minute at 20 attempts is no recovery). Two hours, as the decline-mix detector's
   * `adapt_after_minutes`: long enough for an on-call to have taken the page, acknowledged and
   * worked the incident; after it the alert says nothing new, and a further drop pages again
   * against the adopted level. 0: never adopted (fires until the rate comes back). A drop deeper
   * than 3 × `min_effect` below the baseline (an outage: 90 % → 60 %, a provider down) is never
   * adopted: it fires until the rate comes back.
   */
  adapt_after_minutes: z.number().int().min(0).max(10080).default(120),
});
export type RateSpec = z.infer<typeof RateSpecSchema>;

/** What a payment outcome (`OUTCOME_*`) adds to `hits` for a metric. */
function hitOf(code: number, metric: RateSpec['metric']): number {
  if (metric === 'success_rate') return code === OUTCOME_SUCCESS ? 1 : 0;
  if (metric === 'technical_success_rate') return code === OUTCOME_TECHNICAL ? 0 : 1;
  return code === OUTCOME_SUCCESS ? 0 : 1;
}

/** A minute's counts in the window: payments (`n`) and their hits, and its attempts (`a`). */
interface MinuteCounts {
  hits: number;
  n: number;
  a: number;
}

/** A minute's counts before `dedupe` (every attempt a payment). */
function counts(m: MinuteAggregate, metric: RateSpec['metric']): MinuteCounts {
  const a = m.attempts;
  if (metric === 'success_rate') return { hits: m.succeeded, n: a, a };
  if (metric === 'technical_success_rate') return { hits: a - m.technical_failed, n: a, a };
  return { hits: m.failed, n: a, a };
}

/**
 * The snapshot's layout: 2 added the window's failed payments (`paid`). A snapshot of 1 (none
 * written) still loads, without them; a newer one is refused (the detector starts afresh).
 */
const SNAPSHOT_VERSION = 2;
/**
 * At most this many failed payments are kept in a snapshot (the newest): the map holds the
 * window's failures only, but an outage on a busy provider fails thousands a minute.
 */
export const SNAPSHOT_MAX_PAYMENTS = 20_000;

export function createRateDetector(spec: RateSpec): SeriesDetector {
  const win = new MinuteWindow(spec.window_minutes);
  // Baseline: per-minute hits/n of recent minutes judged normal, in a ring with running sums.
  const bh = new Float64Array(spec.baseline_minutes);
  const bn = new Float64Array(spec.baseline_minutes);
  let bHead = 0;
  let bHits = 0;
  let bN = 0;
  const lagged: MinuteAggregate[] = [];
  // Parallel to `lagged`: the minute was part of a suffix judged anomalous (never learned).
  const tainted: boolean[] = [];
  // Per minute of the window (oldest first): payments and hits, each payment counted in the
  // minute of its latest attempt only (see `dedupe`). `lagged` shares these objects (`laggedC`),
  // so the baseline learns payments too.
  const recent: MinuteCounts[] = [];
  const laggedC: MinuteCounts[] = [];
  // Payment id → (minute number × 4 + outcome) of its latest attempt in the window, when failed.
  const lastSeen = new Map<string, number>();
  // Minutes evaluated (numbers the minutes for `lastSeen`).
  let seq = 0;
  // Minutes since the last recovered tail began (suffixes reach no further back); saturates at
  // window_minutes (= no fence).
  let fence = spec.window_minutes;
  // Consecutive evaluations whose window was beyond min_effect of the baseline (point estimate),
  // and the counts of the last `sustain_minutes` minutes (the objects of `recent`).
  let streak = 0;
  const held: MinuteCounts[] = [];
  // The last verdict was a held drop, or anomalous after `sustain_minutes` of streak: its
  // hysteresis is half of min_effect (a recovered tail must come back within it, the streak
  // holds while the window stays beyond it): at the held level (~12 points below), one minute of
  // 210 attempts came within min_effect about once in 12 and ended the alert, which then needed
  // `sustain_minutes` again.
  let heldFiring = false;
  // The last verdict was anomalous (either test): with `sustain_minutes`, a verdict stays
  // anomalous while the window's rate stays beyond the margin and no recovered tail shows.
  let lastBad = false;
  // The window's rate was beyond min_effect (the streak's test): its leaving minute is not
  // learned either, so a slide is not learned as it goes.
  let beyond = false;
  // Minutes the current held drop has fired (`heldFiring` without a break), and the counts of its
  // minutes that have left the window meanwhile (the level adopted after `adapt_after_minutes`).
  let heldFor = 0;
  const ep = { hits: 0, n: 0, m: 0 };
  const resetEpisode = (): void => {
    ep.hits = 0;
    ep.n = 0;
    ep.m = 0;
  };
  const higherIsWorse = spec.metric === 'decline_rate';
  /**
   * The last `sustain_minutes` (else the window) are worse than the held drop's minutes so far
   * (`ep`) by half of min_effect: the drop deepened, and their mean mixes two levels.
   */
  const deepened = (): boolean => {
    let wh = 0;
    let wn = 0;
    for (const r of held.length > 0 ? held : recent) {
      wh += r.hits;
      wn += r.n;
    }
    const lvl = ep.hits / ep.n;
    if (wn === 0) return false;
    return higherIsWorse ? wh / wn > lvl + spec.min_effect / 2 : wh / wn < lvl - spec.min_effect / 2;
  };

  /**
   * Counts each payment of the newest minute (`seq`) once in the window: an earlier *failed*
   * attempt of the same payment still in the window is taken out of its minute's counts (a
   * success ends a payment: it is never superseded). Only failed attempts are remembered, so the
   * map holds the window's failures, not its traffic: one lookup per attempt, one insert per
   * failure (and one to forget it when its minute leaves the window).
   */
  function dedupe(m: MinuteAggregate): void {
    const ids = m.payments;
    const codes = m.payment_outcomes;
    // Payments of this minute that succeeded on a retry: a failure of theirs listed after it
    // (webhooks are not ordered; the minute's list is in arrival order) is an earlier attempt.
    let won: Set<string> | null = null;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      const code = codes[i] ?? OUTCOME_SUCCESS;
      if (code === OUTCOME_SUCCESS) (won ??= new Set()).add(id);
      else if (won?.has(id)) {
        const r = recent[recent.length - 1];
        if (r) {
          r.n--;
          r.hits -= hitOf(code, spec.metric);
        }
        continue;
      }
      const prev = lastSeen.size > 0 ? lastSeen.get(id) : undefined;
      if (prev !== undefined) {
        const pos = recent.length - 1 - (seq - Math.floor(prev / 4));
        const r = pos >= 0 ? recent[pos] : undefined;
        if (r) {
          r.n--;
          r.hits -= hitOf(prev % 4, spec.metric);
        }
        if (code === OUTCOME_SUCCESS) lastSeen.delete(id);
      }
      if (code !== OUTCOME_SUCCESS) lastSeen.set(id, seq * 4 + code);
    }
  }

  /** Forgets the failed payments whose latest attempt was in a minute (number `at`) leaving the window. */
  function forget(m: MinuteAggregate | undefined, at: number): void {
    if (!m || lastSeen.size === 0) return;
    const codes = m.payment_outcomes;
    for (let i = 0; i < m.payments.length; i++) {
      if (codes[i] === OUTCOME_SUCCESS) continue;
      const id = m.payments[i] as string;
      const v = lastSeen.get(id);
      if (v !== undefined && Math.floor(v / 4) === at) lastSeen.delete(id);
    }
  }

  function absorb(c: { hits: number; n: number }): void {
    bHits += c.hits - (bh[bHead] ?? 0);
    bN += c.n - (bn[bHead] ?? 0);
    bh[bHead] = c.hits;
    bn[bHead] = c.n;
    bHead = (bHead + 1) % spec.baseline_minutes;
  }

  return {
    kind: 'series',
    type: 'rate',
    snapshot() {
      return {
        type: 'rate',
        win: windowToJson(win),
        bh: floatsToJson(bh),
        bn: floatsToJson(bn),
        bHead,
        bHits,
        bN,
        lagged: lagged.map(minuteToJson),
        tainted: [...tainted],
        recent: recent.map((r) => [r.hits, r.n, r.a]),
        fence,
        v: SNAPSHOT_VERSION,
        streak,
        heldFiring,
        lastBad,
        held: held.map((r) => [r.hits, r.n, r.a]),
        heldFor,
        ep: [ep.hits, ep.n, ep.m],
        // The window's failed payments, [payment id, minutes before the newest, outcome], newest
        // first: without them a retry after a restart of a payment that failed before it counted
        // as a second payment.
        paid: [...lastSeen]
          .sort((x, y) => y[1] - x[1])
          .slice(0, SNAPSHOT_MAX_PAYMENTS)
          .map(([id, v]) => [id, seq - Math.floor(v / 4), v % 4]),
      };
    },
    restore(state: unknown) {
      const s = fieldsOf(state, 'rate');
      const version = s['v'] === undefined ? 1 : num(s['v']);
      if (version > SNAPSHOT_VERSION)
        throw new SnapshotError(`rate snapshot v${version}, expected ≤ ${SNAPSHOT_VERSION}`);
      windowFromJson(win, s['win']);
      floatsFromJson(bh, s['bh']);
      floatsFromJson(bn, s['bn']);
      bHead = num(s['bHead']) % spec.baseline_minutes;
      bHits = num(s['bHits']);
      bN = num(s['bN']);
      lagged.push(...arr(s['lagged']).map(minuteFromJson));
      // Snapshots from before `tainted` existed: nothing known to be anomalous.
      const t = s['tainted'] === undefined ? [] : arr(s['tainted']);
      tainted.push(...lagged.map((_, i) => t[i] === true));
      recent.length = 0;
      recent.push(
        ...arr(s['recent']).map((r) => {
          const x = arr(r);
          // Snapshots from before payments were counted: attempts = payments.
          return { hits: num(x[0]), n: num(x[1]), a: x[2] === undefined ? num(x[1]) : num(x[2]) };
        }),
      );
      lastSeen.clear();
      // The window's failed payments (version 2; none in 1): numbered from the newest restored
      // minute (`seq` = the window's length) and listed on their lagged minute again, so that
      // `forget` drops them as it leaves the window (a restored minute has no payment ids).
      seq = spec.window_minutes;
      for (const e of version >= 2 ? arr(s['paid']) : []) {
        const [id, ago, code] = arr(e);
        const back = num(ago);
        const m = lagged[lagged.length - 1 - back];
        if (typeof id !== 'string' || !m || back < 0) continue;
        const c = num(code);
        lastSeen.set(id, (seq - back) * 4 + c);
        notePayment(m, id, c);
      }
      // The lagged minutes share the counts of the window's minutes (aligned at the newest).
      laggedC.length = 0;
      for (let i = 0; i < lagged.length; i++) {
        const r = recent[recent.length - lagged.length + i];
        const m = lagged[i];
        laggedC.push(r ?? (m ? counts(m, spec.metric) : { hits: 0, n: 0, a: 0 }));
      }
      // Snapshots from before held drops were judged: no streak. The held minutes still in the
      // window are the window's own counts (`dedupe` updates them).
      streak = s['streak'] === undefined ? 0 : num(s['streak']);
      heldFiring = s['heldFiring'] === true;
      lastBad = s['lastBad'] === true;
      held.length = 0;
      for (const r of s['held'] === undefined ? [] : arr(s['held'])) {
        const x = arr(r);
        held.push({ hits: num(x[0]), n: num(x[1]), a: num(x[2]) });
      }
      for (let i = 1; i <= Math.min(held.length, recent.length); i++)
        held[held.length - i] = recent[recent.length - i] as MinuteCounts;
      // Snapshots from before held drops were adopted: the drop's clock starts now.
      heldFor = s['heldFor'] === undefined ? 0 : num(s['heldFor']);
      const e = s['ep'] === undefined ? [0, 0, 0] : arr(s['ep']);
      ep.hits = num(e[0]);
      ep.n = num(e[1]);
      ep.m = num(e[2]);
      // Snapshots from before the fence existed: no fence.
      fence = s['fence'] === undefined ? spec.window_minutes : Math.min(num(s['fence']), spec.window_minutes);
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      win.push(minute);
      const at = minute.t + MINUTE_MS;
      seq++;
      // One object literal (an object spread here made the whole evaluation ~2.5× slower).
      const cur = counts(minute, spec.metric);
      recent.push(cur);
      if (recent.length > spec.window_minutes) recent.shift();
      if (spec.sustain_minutes > 0) {
        held.push(cur);
        if (held.length > spec.sustain_minutes) held.shift();
      }
      dedupe(minute);
      // The window's payments (each once) and attempts.
      const whole = { hits: 0, n: 0, a: 0 };
      for (const r of recent) {
        whole.hits += r.hits;
        whole.n += r.n;
        whole.a += r.a;
      }
      let c = whole;
      let p = c.n > 0 ? c.hits / c.n : null;
      let out: Evaluation;
      // Minutes at the end of the window that the verdict found anomalous (0: none).
      let anomalousMinutes = 0;
      if (fence < spec.window_minutes) fence++;
      // Recovered tail: the shortest suffix (at most `recover_minutes`) with
      // `recover_min_attempts`, when its rate is back near the baseline (hysteresis: a drop
      // needs the whole interval beyond `min_effect`, a recovery only the point estimate within
      // it). Suffixes older than it are not tested, now or later (the fence): they only still
      // hold the failures of an ended incident, which kept the whole window anomalous for
      // `window_minutes` after the end, and re-fired a resolved slice when one noisy minute
      // hid the recovery. It also judges a slice whose window is below `min_attempts` normal
      // (an ended outage kept a low-volume slice "insufficient", hence firing, for long).
      let recoveredFrom = -1;
      let tail = { hits: 0, n: 0, a: 0 };
      // Only while the window still holds minutes some verdict found anomalous: in normal
      // traffic every suffix is tested as before (a mild drop needs the whole window).
      if (bN >= spec.min_baseline_attempts && spec.recover_minutes > 0 && tainted.includes(true)) {
        const p0 = bHits / bN;
        let ra = 0;
        for (let k = recent.length - 1; k >= Math.max(0, recent.length - spec.recover_minutes); k--)
          ra += recent[k]?.a ?? 0;
        // Busy enough for a tail's interval to say something (see the confirmation below).
        const busy = ra >= 3 * spec.recover_min_attempts;
        let th = 0;
        let tn = 0;
        let ta = 0;
        for (let k = recent.length - 1; k >= Math.max(0, recent.length - spec.recover_minutes); k--) {
          th += recent[k]?.hits ?? 0;
          tn += recent[k]?.n ?? 0;
          ta += recent[k]?.a ?? 0;
          if (ta < spec.recover_min_attempts) continue;
          const margin = heldFiring ? spec.min_effect / 2 : spec.min_effect;
          const healthy = higherIsWorse ? th / tn <= p0 + margin : th / tn >= p0 - margin;
          if (!healthy) break;
          // Confirmed, on a busy slice (3 × `recover_min_attempts` in the last `recover_minutes`)
          // after a mild drop (the window's minutes before the tail within 3 × min_effect of the
          // baseline): the tail's interval lies beyond the rate of those minutes, or a longer tail
          // is tried. One good minute of 30 attempts at 87 % inside a drop to 80 % that goes on is
          // noise: it ended the page, which fired again minutes later (40–80 attempts a minute,
          // several times a day). After a deep drop (an outage) a healthy tail is no such noise,
          // and a sparse slice's tail is too small for an interval to clear anything in time
          // (bank transfers after an outage resolved 10–13 minutes late): both recover as before.
          let bh0 = 0;
          let bn0 = 0;
          let ba0 = 0;
          for (let j = 0; j < k; j++) {
            bh0 += recent[j]?.hits ?? 0;
            bn0 += recent[j]?.n ?? 0;
            ba0 += recent[j]?.a ?? 0;
          }
          const lvl = bn0 > 0 ? bh0 / bn0 : p0;
          const mild = higherIsWorse ? lvl - p0 < 3 * spec.min_effect : p0 - lvl < 3 * spec.min_effect;
          if (ba0 >= spec.recover_min_attempts && bn0 > 0 && mild && busy) {
            const nEff = tn / (1 + (tn - 1) * spec.overdispersion);
            const ct = wilson((th / tn) * nEff, nEff, spec.z);
            if (higherIsWorse ? ct.upper >= lvl : ct.lower <= lvl) continue;
          }
          recoveredFrom = k;
          tail = { hits: th, n: tn, a: ta };
          fence = Math.min(fence, recent.length - k);
          break;
        }
      }
      // Oldest index of `recent` a suffix may reach.
      const oldest = Math.max(0, recent.length - fence);
      // A held drop's streak goes on only through judged evaluations.
      const prevStreak = streak;
      streak = 0;
      beyond = false;
      if (c.n === 0) out = quiet(at, 'no_data', null);
      else if (c.a < spec.min_attempts && recoveredFrom < 0)
        out = quiet(at, 'insufficient', p, {
          key: 'too_few_attempts',
          params: { attempts: c.a, min: spec.min_attempts },
        });
      else if (bN < spec.min_baseline_attempts)
        out = quiet(at, 'insufficient', p, { key: 'learning', params: { what: 'baseline' } });
      else {
        const p0 = bHits / bN;
        // Test every suffix of the window that has enough volume (last 1, 2, … minutes): a
        // sharp drop is caught by the short suffix within a minute or two, a mild one by the
        // whole window. Reported numbers are those of the most significant suffix (of the
        // recovered tail when nothing is anomalous after a recovery).
        let ci = { lower: 0, upper: 1, p: NaN };
        let bad = false;
        let hits = 0;
        let n = 0;
        let a = 0;
        if (recoveredFrom >= 0) {
          c = tail;
          p = tail.hits / tail.n;
        }
        let judged = false;
        for (let k = recent.length - 1; k >= Math.max(oldest, recoveredFrom); k--) {
          hits += recent[k]?.hits ?? 0;
          n += recent[k]?.n ?? 0;
          a += recent[k]?.a ?? 0;
          if (a < spec.min_attempts && k !== recoveredFrom) continue;
          const nEff = n / (1 + (n - 1) * spec.overdispersion);
          const ck = wilson((hits / n) * nEff, nEff, spec.z);
          const badK = higherIsWorse ? ck.lower > p0 + spec.min_effect : ck.upper < p0 - spec.min_effect;
          if (badK || k === oldest || k === recoveredFrom) {
            judged = true;
            ci = ck;
            c = { hits, n, a };
            p = hits / n;
            bad = badK;
            if (badK) {
              anomalousMinutes = recent.length - k;
              break;
            }
          }
        }
        if (!judged && n > 0) {
          // Behind the fence too few attempts to judge: normal, reported over the fenced minutes.
          c = { hits, n, a };
          p = hits / n;
          const nEff = n / (1 + (n - 1) * spec.overdispersion);
          ci = wilson((hits / n) * nEff, nEff, spec.z);
        }
        // Held drop: see `sustain_minutes`. Not once a recovered tail shows (the held minutes
        // still hold an ended incident's failures).
        const pw = whole.n > 0 ? whole.hits / whole.n : p0;
        // After an anomalous verdict the window must come back within half of min_effect on a
        // slice busy enough to show a recovered tail (`recover_min_attempts` in the last
        // `recover_minutes`), which then ends it: at 40 attempts a minute a step to 80 % fired,
        // was normal again on a window at 87 % and paged a second time once held. A sparser
        // slice recovers on its window, as before (its ended outage would otherwise fire on).
        let tailA = 0;
        for (let k = recent.length - 1; k >= Math.max(0, recent.length - spec.recover_minutes); k--)
          tailA += recent[k]?.a ?? 0;
        const margin =
          heldFiring || (lastBad && tailA >= spec.recover_min_attempts)
            ? spec.min_effect / 2
            : spec.min_effect;
        beyond =
          spec.sustain_minutes > 0 &&
          recoveredFrom < 0 &&
          whole.a >= spec.min_attempts &&
          (higherIsWorse ? pw > p0 + margin : pw < p0 - margin);
        streak = beyond ? prevStreak + 1 : 0;
        let sustained = 0;
        const wasHeld = heldFiring;
        heldFiring = false;
        if (!bad && spec.sustain_minutes > 0 && streak >= spec.sustain_minutes) {
          let hh = 0;
          let hn = 0;
          let ha = 0;
          for (const r of held) {
            hh += r.hits;
            hn += r.n;
            ha += r.a;
          }
          const nEff = hn / (1 + (hn - 1) * spec.overdispersion);
          const ch = wilson((hh / hn) * nEff, nEff, spec.z);
          if (higherIsWorse ? ch.lower > p0 + spec.min_effect / 2 : ch.upper < p0 - spec.min_effect / 2) {
            bad = true;
            ci = ch;
            c = { hits: hh, n: hn, a: ha };
            p = hh / hn;
            sustained = held.length;
            heldFiring = true;
            anomalousMinutes = recent.length;
          }
        }
        // Hysteresis of the verdict itself: a drop the interval test found on a short suffix
        // (a slide's first low minutes) is not over while the window is still beyond the
        // margin, only once a recovered tail shows or the window comes back. Without it the
        // provider page of adyen sliding to 75 % fired at +25, resolved at +28 and fired again.
        // A held drop ends only on a confirmed recovery (see `adapt_after_minutes`): a suffix of
        // the window with `recover_min_attempts`, back within half of min_effect, whose interval
        // lies above the drop's rate. The recovered tail alone (one minute of 20 attempts at
        // 90 % while the slice runs at 80 %) ended it several times an hour at low volume, and
        // each time it paged again `sustain_minutes` later.
        let confirmed = false;
        if (wasHeld && spec.adapt_after_minutes > 0) {
          let lh = ep.hits;
          let ln = ep.n;
          if (ln === 0)
            for (const r of held) {
              lh += r.hits;
              ln += r.n;
            }
          const level = ln > 0 ? lh / ln : p0;
          let sh = 0;
          let sn = 0;
          let sa = 0;
          for (let k = recent.length - 1; k >= 0 && !confirmed; k--) {
            sh += recent[k]?.hits ?? 0;
            sn += recent[k]?.n ?? 0;
            sa += recent[k]?.a ?? 0;
            if (sa < spec.recover_min_attempts || sn === 0) continue;
            const nEff = sn / (1 + (sn - 1) * spec.overdispersion);
            const cs = wilson((sh / sn) * nEff, nEff, spec.z);
            const back = higherIsWorse
              ? sh / sn <= p0 + spec.min_effect / 2
              : sh / sn >= p0 - spec.min_effect / 2;
            confirmed = back && (higherIsWorse ? cs.upper < level : cs.lower > level);
          }
          if (!confirmed) {
            if (!bad) anomalousMinutes = recent.length;
            bad = true;
            heldFiring = true;
          }
        }
        if (!bad && lastBad && beyond && !confirmed) {
          bad = true;
          heldFiring = wasHeld;
          anomalousMinutes = recent.length;
        }
        // A drop held `sustain_minutes` keeps the held hysteresis whichever test found it this
        // minute: a suffix's verdict on it used to take it away, and one noisy good minute then
        // ended a drop that lasted (a permanent step to 80 % paged again 6-13 times a day).
        if (bad && spec.sustain_minutes > 0 && streak >= spec.sustain_minutes) heldFiring = true;
        const gap = higherIsWorse ? (p ?? 0) - p0 : p0 - (p ?? 0);
        out = {
          at,
          verdict: bad ? 'anomalous' : 'normal',
          value: p,
          expected: p0,
          lower: higherIsWorse ? 0 : p0 - spec.min_effect,
          upper: higherIsWorse ? p0 + spec.min_effect : 1,
          score: Math.max(0, Math.min(1, gap / Math.max(spec.min_effect * 4, 1e-9))),
          revenue_at_risk: bad ? revenueAtRisk(spec.metric, minute, p0) : 0,
          ...say({
            key: 'rate',
            params: {
              metric: spec.metric,
              value: p,
              // Attempts, and the payments behind them when retries made them fewer.
              attempts: c.a,
              ...(c.n < c.a ? { payments: c.n } : {}),
              lower: ci.lower,
              upper: ci.upper,
              baseline: p0,
              ...(sustained > 0 ? { held_minutes: sustained } : {}),
            },
          }),
          ...(bad ? details(win) : {}),
        };
      }
      // The baseline only learns minutes that have left the window, and only those no verdict
      // found anomalous (each anomalous verdict taints the minutes of its suffix), while the
      // window is normal: an outage is never learned as normal, nor are the last minutes of a
      // burst that leave the window just as it turns normal again (they used to be absorbed,
      // dragging the baseline down for hours: a later real drop was missed, and a recovered
      // slice read far above its baseline).
      lastBad = out.verdict === 'anomalous';
      lagged.push(minute);
      laggedC.push(cur);
      tainted.push(false);
      for (let i = tainted.length - anomalousMinutes; i < tainted.length; i++) tainted[i] = true;
      if (lagged.length > spec.window_minutes) {
        const old = lagged.shift();
        const wasAnomalous = tainted.shift() === true;
        const oldC = laggedC.shift();
        // Its failed payments leave the window (a restored minute has no payment ids).
        forget(old, seq - spec.window_minutes);
        if (old && oldC && !wasAnomalous && out.verdict !== 'anomalous' && !beyond) absorb(oldC);
        else if (oldC && heldFiring) {
          ep.hits += oldC.hits;
          ep.n += oldC.n;
          ep.m++;
        }
      }
      // Adoption (see `adapt_after_minutes`): the held drop's minutes are the baseline now, as
      // many of them as the baseline holds, at their mean; the window's minutes are learnt as
      // they leave it. The next evaluation is judged against the adopted level.
      heldFor = heldFiring ? heldFor + 1 : 0;
      const adoptionDue = spec.adapt_after_minutes > 0 && heldFor >= spec.adapt_after_minutes && ep.n > 0;
      if (!heldFiring) {
        resetEpisode();
      } else if (adoptionDue && deepened()) {
        // The drop deepened meanwhile: its mean mixes two levels (94 → 80 %, 70 % an hour later:
        // adopted at 76 %, the slice at 70 % was normal). The episode starts over at the new
        // level, still firing.
        heldFor = 0;
        resetEpisode();
      } else if (
        adoptionDue &&
        // Only a mild drop is a new normal: one deeper than 3 × min_effect below the baseline
        // (90 % → 60 %, a provider down) is an outage, and fires until the rate comes back.
        bN > 0 &&
        bHits / bN - ep.hits / ep.n <= 3 * spec.min_effect
      ) {
        const k = Math.min(ep.m, spec.baseline_minutes);
        bh.fill(0);
        bn.fill(0);
        for (let i = 0; i < k; i++) {
          bh[i] = ep.hits / ep.m;
          bn[i] = ep.n / ep.m;
        }
        bHead = k % spec.baseline_minutes;
        bHits = (ep.hits / ep.m) * k;
        bN = (ep.n / ep.m) * k;
        tainted.fill(false);
        fence = spec.window_minutes;
        streak = 0;
        heldFiring = false;
        lastBad = false;
        heldFor = 0;
        resetEpisode();
      }
      return out;
    },
  };
}
