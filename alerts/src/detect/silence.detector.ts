import { z } from 'zod';
import { arr, fieldsOf, num, windowFromJson, windowToJson } from './snapshot.js';
import { SlotBaseline } from './baseline.js';
import { sliceCalendar } from './calendar.js';
import type { Calendar } from './calendar.js';
import { quiet } from './common.js';
import { poissonCdf } from './stats.js';
import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import { MINUTE_MS, MinuteWindow, avgTicket } from './types.js';
import { say } from './summary.js';

/**
 * Expected silence: a slice that normally has traffic goes quiet. The expected count over the
 * window comes from the same hour in past days (median), or, until a day of history exists,
 * from the recent normal minutes; the alert fires when P(X ≤ observed | Poisson(expected)) is
 * below `p_value` — a statistical test, not a "no data" error.
 *
 * Calendar days: the expectation is multiplied by the shift of the minute judged, so the recent
 * rate (the fallback until a past day exists) is learned *without* it (counts divided by the
 * shift of their minutes): learned raw it already held the day's level, and a campaign's ×3
 * was applied twice (×9) once its traffic was there. Past days' slots are recorded raw: their
 * median is robust to one calendar day, and an entry describes a slice's traffic only roughly
 * (a UTC entry for a provider spanning markets) — divided by it, a day's normal slots were
 * recorded 2.5× too high and made the next day's evening "silent". Slots shifted up are not
 * recorded at all (left empty): a multi-day campaign's days were the median of a short history
 * by its third day, and the shift applied on top (×4 on a slice already at ×4).
 */
export const SilenceSpecSchema = z.object({
  type: z.literal('silence'),
  window_minutes: z.number().int().min(1).max(240).default(10),
  p_value: z.number().gt(0).lt(1).default(1e-6),
  /** Expected attempts in the window below which silence is not unusual. */
  min_expected: z.number().positive().default(15),
  slot_minutes: z.number().int().min(5).max(240).default(60),
  history_days: z.number().int().min(2).max(28).default(8),
  recent_minutes: z.number().int().min(10).max(1440).default(60),
  /** Silence means *quiet*: the observed count must also be at most this fraction of the expected one. */
  max_ratio: z.number().min(0).max(1).default(0.3),
});
export type SilenceSpec = z.infer<typeof SilenceSpecSchema>;

/**
 * A silence no late attempt explains yet: a stop and the first minutes of a delivery backlog
 * look the same (nothing arrives), so the finding says what is known instead of a stop — the
 * slice's last attempt and its source, and whether its provider's other events still arrive in
 * time (then delivery works and the slice did stop).
 */
function whatIsKnown(
  minute: MinuteAggregate,
  labels: Readonly<Record<string, string>> | undefined,
): { last_at: number; via?: string; provider?: string; provider_live?: boolean } {
  const last = minute.last_attempt_at ?? NaN;
  const provider = labels?.['provider'];
  const seen = minute.provider_seen_at;
  return {
    last_at: last,
    ...(minute.last_source !== undefined ? { via: minute.last_source } : {}),
    ...(provider !== undefined ? { provider } : {}),
    ...(seen !== undefined ? { provider_live: seen >= minute.t && seen > last } : {}),
  };
}

/** `labels`: the slice's labels, which scope the calendar's entries (see calendar.ts `match`). */
export function createSilenceDetector(
  spec: SilenceSpec,
  calendar?: Calendar,
  labels?: Readonly<Record<string, string>>,
): SeriesDetector {
  const sliceCal = sliceCalendar(calendar, labels);
  const base = new SlotBaseline(spec.slot_minutes * MINUTE_MS, 1440 * MINUTE_MS, spec.history_days);
  const win = new MinuteWindow(spec.window_minutes);
  let slot = -1;
  let slotCount = 0;
  let slotMinutes = 0;
  // The current slot has a minute whose calendar shift is above 1 (a campaign's or payday's slot).
  let slotShifted = false;
  // The slot's attempts with a shift above 1 divided out (recorded when it may not be left out).
  let slotNorm = 0;
  let recentRate = NaN;
  let ticket = 0;
  const recentCounts: number[] = [];
  return {
    kind: 'series',
    type: 'silence',
    snapshot() {
      return {
        type: 'silence',
        base: base.toJson(),
        win: windowToJson(win),
        slot,
        slotCount,
        slotMinutes,
        slotShifted,
        slotNorm,
        recentRate: Number.isFinite(recentRate) ? recentRate : null,
        ticket,
        recentCounts: [...recentCounts],
      };
    },
    restore(state: unknown) {
      const s = fieldsOf(state, 'silence');
      base.fromJson(s['base']);
      windowFromJson(win, s['win']);
      slot = num(s['slot']);
      slotCount = num(s['slotCount']);
      slotMinutes = num(s['slotMinutes']);
      slotShifted = s['slotShifted'] === true;
      // Snapshots from before slotNorm: the raw count.
      slotNorm = s['slotNorm'] === undefined ? slotCount : num(s['slotNorm']);
      recentRate = num(s['recentRate']);
      ticket = num(s['ticket']);
      recentCounts.push(...arr(s['recentCounts']).map(num));
    },
    evaluate(minute: MinuteAggregate): Evaluation {
      const s = base.slotOf(minute.t);
      const cal = sliceCal.at(minute.t);
      if (s !== slot) {
        // A slot shifted up by the calendar is not a normal day's: left out of the history (NaN),
        // so a multi-day campaign's second and third days are not expected at the first one's
        // level times the shift again — while the slot's history holds another day. Otherwise
        // it is recorded with the shift divided out: a campaign as long as the history emptied
        // it, and the next day was judged on the recent rate alone (its evening fall paged).
        if (slot >= 0 && slotMinutes > 0)
          base.record(
            slot,
            !slotShifted
              ? slotCount / slotMinutes
              : base.expected(slot).n >= 2
                ? NaN
                : slotNorm / slotMinutes,
          );
        slot = s;
        slotCount = 0;
        slotNorm = 0;
        slotMinutes = 0;
        slotShifted = false;
      }
      // Only shifts up (campaigns, paydays): a holiday's low slots stay in the history as before
      // (a median robust to them; removing them made the next night's slots of markets still on
      // holiday read as silence in the per-market holiday replay).
      if (cal.shift > 1) slotShifted = true;
      slotCount += minute.attempts;
      slotNorm += cal.shift > 1 ? minute.attempts / cal.shift : minute.attempts;
      slotMinutes++;
      win.push(minute);
      recentCounts.push(minute.attempts);
      if (recentCounts.length > spec.window_minutes) recentCounts.shift();
      const at = minute.t + MINUTE_MS;
      const w = win.sum();
      const e = base.expected(s);
      const perMinute = (e.n >= 1 ? e.median : recentRate) * cal.shift;
      const expected = Number.isFinite(perMinute) ? perMinute * win.length : NaN;
      let out: Evaluation;
      if (!Number.isFinite(expected))
        out = quiet(at, 'insufficient', w.attempts, { key: 'learning', params: { what: 'expected_volume' } });
      else if (expected < spec.min_expected) out = { ...quiet(at, 'normal', w.attempts), expected };
      else {
        // Widening the band on calendar days = demanding a smaller p-value. Every suffix of the
        // window (last 1, 2, … minutes) with enough expected volume is tested, so a hard stop
        // is seen within a minute or two and a thinning within the whole window.
        const alpha = spec.p_value / cal.widen;
        let p = w.attempts <= spec.max_ratio * expected ? poissonCdf(w.attempts, expected) : 1;
        let observed = w.attempts;
        let expectedK = expected;
        let minutesK = win.length;
        let cnt = 0;
        for (let k = 1; k <= recentCounts.length && p >= alpha; k++) {
          cnt += recentCounts[recentCounts.length - k] ?? 0;
          const ek = perMinute * k;
          // Only a quiet suffix can be silence: skip the (costly) tail probability otherwise.
          if (ek < spec.min_expected || cnt > spec.max_ratio * ek) continue;
          const pk = poissonCdf(cnt, ek);
          if (pk < alpha) {
            p = pk;
            observed = cnt;
            expectedK = ek;
            minutesK = k;
          }
        }
        const bad = p < alpha && observed <= spec.max_ratio * expectedK;
        const lost = Math.max(0, expected / win.length - minute.attempts);
        out = {
          at,
          verdict: bad ? 'anomalous' : 'normal',
          value: observed,
          expected: expectedK,
          lower: 0,
          upper: null,
          score: Math.min(1, -Math.log10(Math.max(p, 1e-300)) / (2 * -Math.log10(spec.p_value))),
          // Late arrivals that make up the shortfall are delayed money, not lost money.
          revenue_at_risk:
            bad && !(w.late > 0 && w.attempts + w.late > spec.max_ratio * expected) ? lost * ticket : 0,
          // Attempts of the slice that arrived after their minutes were judged: the data is late.
          ...say({
            key: 'silence',
            params: {
              observed,
              minutes: minutesK,
              expected: expectedK,
              p,
              ...(bad && w.late > 0
                ? { late: w.late, late_minutes: Math.ceil(w.late_lag_max / MINUTE_MS) }
                : bad && minute.last_attempt_at !== undefined && Number.isFinite(minute.last_attempt_at)
                  ? whatIsKnown(minute, labels)
                  : {}),
            },
          }),
          samples: bad ? win.full().samples : [],
        };
      }
      // Learn the recent rate and ticket from normal minutes only.
      if (out.verdict !== 'anomalous') {
        // A shift of 0 (no traffic expected) teaches nothing about the normal rate.
        if (cal.shift > 0) {
          const attempts = minute.attempts / cal.shift;
          recentRate = Number.isNaN(recentRate)
            ? attempts
            : recentRate + (attempts - recentRate) / spec.recent_minutes;
        }
        if (minute.attempts > 0)
          ticket = ticket === 0 ? avgTicket(minute) : ticket + 0.05 * (avgTicket(minute) - ticket);
      }
      return out;
    },
  };
}
