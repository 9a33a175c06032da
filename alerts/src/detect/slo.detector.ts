import { z } from 'zod';
import { SnapshotError, arr, fieldsOf, floatsFromJson, floatsToJson, num } from './snapshot.js';
import { quiet } from './common.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import { MINUTE_MS, failedTicket, topContributors } from './types.js';
import { say } from './summary.js';

/**
 * SLO multi-window, multi-burn-rate alert on the *technical* success rate: only failures the
 * payment stack caused (provider_error, timeout, network_error, issuer_unavailable) burn the
 * budget; issuer declines do not. A pair fires when both its long and its short window burn
 * faster than its factor (Google SRE workbook, ch. 5); the first firing pair sets severity.
 */
export const SloSpecSchema = z.object({
  type: z.literal('slo'),
  /** Target technical success ratio, e.g. 0.995. */
  objective: z.number().gt(0).lt(1).default(0.995),
  windows: z
    .array(
      z.object({
        long_minutes: z.number().int().min(1).max(43200),
        short_minutes: z.number().int().min(1).max(43200),
        burn_rate: z.number().positive(),
        severity: z.string().default('page'),
      }),
    )
    .min(1)
    .default([
      { long_minutes: 60, short_minutes: 5, burn_rate: 14.4, severity: 'page' },
      { long_minutes: 360, short_minutes: 30, burn_rate: 6, severity: 'page' },
      { long_minutes: 4320, short_minutes: 360, burn_rate: 1, severity: 'ticket' },
    ]),
  /** Attempts the short window needs before a pair can fire. */
  min_attempts: z.number().int().min(0).default(10),
});
export type SloSpec = z.infer<typeof SloSpecSchema>;

/**
 * Rolling sums over several window lengths. Windows up to `FINE_MAX` minutes are exact
 * (per-minute ring); longer ones (the 3-day window) use 10-minute buckets, so a series keeps
 * ~7 KB instead of ~35 KB and a window edge is exact to 10 minutes.
 */
const FINE_MAX = 360;
const BUCKET = 10;

export function createSloDetector(spec: SloSpec): SeriesDetector {
  const lengths = [...new Set(spec.windows.flatMap((w) => [w.long_minutes, w.short_minutes]))];
  const fineLens = lengths.filter((l) => l <= FINE_MAX);
  const coarseLens = lengths.filter((l) => l > FINE_MAX);
  const cap = Math.max(1, ...fineLens);
  const bad = new Float32Array(cap);
  const tot = new Float32Array(cap);
  const ccap = coarseLens.length ? Math.ceil(Math.max(...coarseLens) / BUCKET) : 1;
  const cbad = new Float32Array(ccap);
  const ctot = new Float32Array(ccap);
  let chead = 0;
  let cseen = 0;
  let curBad = 0;
  let curTot = 0;
  let curMin = 0;
  let head = 0;
  let seen = 0;
  const sums = new Map<number, { bad: number; tot: number }>(lengths.map((l) => [l, { bad: 0, tot: 0 }]));
  const budget = 1 - spec.objective;

  return {
    kind: 'series',
    type: 'slo',
    snapshot() {
      return {
        type: 'slo',
        bad: floatsToJson(bad),
        tot: floatsToJson(tot),
        cbad: floatsToJson(cbad),
        ctot: floatsToJson(ctot),
        chead,
        cseen,
        curBad,
        curTot,
        curMin,
        head,
        seen,
        sums: [...sums].map(([len, v]) => [len, v.bad, v.tot]),
      };
    },
    restore(state: unknown) {
      const s = fieldsOf(state, 'slo');
      floatsFromJson(bad, s['bad']);
      floatsFromJson(tot, s['tot']);
      floatsFromJson(cbad, s['cbad']);
      floatsFromJson(ctot, s['ctot']);
      chead = num(s['chead']) % ccap;
      cseen = num(s['cseen']);
      curBad = num(s['curBad']);
      curTot = num(s['curTot']);
      curMin = num(s['curMin']);
      head = num(s['head']) % cap;
      seen = num(s['seen']);
      for (const e of arr(s['sums'])) {
        const [len, b, t] = arr(e).map(num);
        const cur = sums.get(len ?? NaN);
        if (!cur) throw new SnapshotError(`no window of ${len} minutes`);
        cur.bad = b ?? 0;
        cur.tot = t ?? 0;
      }
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      const at = minute.t + MINUTE_MS;
      for (const len of fineLens) {
        const s = sums.get(len);
        if (!s) continue;
        if (seen >= len) {
          const idx = (head - len + cap * 2) % cap;
          s.bad -= bad[idx] ?? 0;
          s.tot -= tot[idx] ?? 0;
        }
        s.bad += minute.technical_failed;
        s.tot += minute.attempts;
      }
      bad[head] = minute.technical_failed;
      tot[head] = minute.attempts;
      head = (head + 1) % cap;
      seen++;
      if (coarseLens.length) {
        curBad += minute.technical_failed;
        curTot += minute.attempts;
        curMin++;
        if (curMin === BUCKET) {
          cbad[chead] = curBad;
          ctot[chead] = curTot;
          chead = (chead + 1) % ccap;
          if (cseen < ccap) cseen++;
          curBad = curTot = curMin = 0;
        }
        for (const len of coarseLens) {
          const s = sums.get(len);
          if (!s) continue;
          const buckets = Math.min(cseen, Math.floor((len - curMin) / BUCKET));
          let b = curBad;
          let t = curTot;
          for (let i = 1; i <= buckets; i++) {
            const idx = (chead - i + ccap * 2) % ccap;
            b += cbad[idx] ?? 0;
            t += ctot[idx] ?? 0;
          }
          s.bad = b;
          s.tot = t;
        }
      }
      const burn = (len: number): number => {
        const s = sums.get(len);
        return s && s.tot > 0 ? s.bad / s.tot / budget : 0;
      };
      const first = spec.windows[0];
      if (!first) return quiet(at, 'no_data', null);
      const shortTot = sums.get(first.short_minutes)?.tot ?? 0;
      if ((sums.get(first.long_minutes)?.tot ?? 0) === 0) return quiet(at, 'no_data', null);
      // A pair is judged only once its short window has filled: minutes of history are not a 3-day burn.
      const firing = spec.windows.find(
        (w) =>
          seen >= w.short_minutes &&
          (sums.get(w.short_minutes)?.tot ?? 0) >= spec.min_attempts &&
          burn(w.long_minutes) >= w.burn_rate &&
          burn(w.short_minutes) >= w.burn_rate,
      );
      const shown = firing ?? first;
      const longBurn = burn(shown.long_minutes);
      const shortBurn = burn(shown.short_minutes);
      const sLong = sums.get(shown.long_minutes) ?? { bad: 0, tot: 0 };
      const value = sLong.tot > 0 ? 1 - sLong.bad / sLong.tot : null;
      const ev: Evaluation = {
        at,
        verdict: firing ? 'anomalous' : shortTot < spec.min_attempts ? 'insufficient' : 'normal',
        value,
        expected: spec.objective,
        lower: 1 - budget * shown.burn_rate,
        upper: 1,
        score: Math.min(1, Math.min(longBurn, shortBurn) / (2 * shown.burn_rate)),
        revenue_at_risk: firing
          ? Math.max(0, minute.technical_failed - minute.attempts * budget) * failedTicket(minute)
          : 0,
        ...say({
          key: 'slo',
          params: {
            value,
            long_minutes: shown.long_minutes,
            short_minutes: shown.short_minutes,
            long_burn: longBurn,
            short_burn: shortBurn,
            burn_rate: shown.burn_rate,
            objective: spec.objective,
          },
        }),
        samples: minute.samples,
        contributors: topContributors(minute),
      };
      if (firing) ev.severity = firing.severity;
      return ev;
    },
  };
}
