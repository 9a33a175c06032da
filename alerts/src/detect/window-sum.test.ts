// Guards the running window sums of the amount rules: velocity, structuring and limit judge a long random stream (bursts, expiry, out-of-order events, ties at the limit, odd amounts) exactly as the old re-sum of the whole window did — same findings, values, messages and samples, same snapshot — and restore the old snapshots.
import { describe, expect, it } from 'vitest';
import { outcomeOf, toMajorUnits } from '@paywatch/contracts';
import type { PaymentEvent } from '@paywatch/contracts';
import { maskId } from '../lib/mask.js';
import { thresholdFor } from './amounts.js';
import { KeyedWindows } from './keyed.js';
import { LimitSpecSchema, createLimitDetector } from './limit.detector.js';
import type { LimitSpec } from './limit.detector.js';
import { StructuringSpecSchema, createStructuringDetector } from './structuring.detector.js';
import type { StructuringSpec } from './structuring.detector.js';
import { makeEvent, rng } from './synthetic.js';
import { summaryText } from './summary.js';
import type { Evaluation, EventDetector, EventFinding } from './types.js';
import { VelocitySpecSchema, createVelocityDetector } from './velocity.detector.js';
import type { VelocitySpec } from './velocity.detector.js';
import { WindowSum } from './window-sum.js';
import type { AmountSum } from './window-sum.js';

// ---- The old behaviour, as it was written before the running sums (reference only). ----

/** The old per-entity window: push, then cut the expired prefix (arrival order), no eviction. */
class RefWindows<T> {
  readonly map = new Map<string, { ts: number[]; items: T[]; last: number }>();
  constructor(readonly windowMs: number) {}
  add(key: string, ts: number, item: T): { ts: number[]; items: T[] } {
    let e = this.map.get(key);
    if (!e) this.map.set(key, (e = { ts: [], items: [], last: ts }));
    e.ts.push(ts);
    e.items.push(item);
    if (ts > e.last) e.last = ts;
    let drop = 0;
    while (drop < e.ts.length && (e.ts[drop] ?? 0) <= ts - this.windowMs) drop++;
    e.ts.splice(0, drop);
    e.items.splice(0, drop);
    return e;
  }
  toJson(): [string, number[], T[]][] {
    return [...this.map].sort((a, b) => a[1].last - b[1].last).map(([k, e]) => [k, [...e.ts], [...e.items]]);
  }
}

/** A finding as the old code wrote it: an English summary, no message data. */
type OldFinding = Omit<EventFinding, 'evaluation'> & { evaluation: Omit<Evaluation, 'message'> };
type Ref = { observe(e: PaymentEvent, amount: number): OldFinding[]; snapshot(): unknown };

function refVelocity(spec: VelocitySpec): Ref {
  const windows = new RefWindows<{ amount: number; id: string }>(spec.window_minutes * 60_000);
  return {
    snapshot: () => ({ type: 'velocity', windows: windows.toJson() }),
    observe(e, amountReporting) {
      if (e.customer_ref === null || outcomeOf(e.status) === null) return [];
      const level = e.user_level ?? 'default';
      const w = windows.add(e.customer_ref, e.ts, { amount: amountReporting, id: e.payment_id });
      const n = w.items.length;
      const amount = w.items.reduce((s, i) => s + i.amount, 0);
      const maxN = spec.max_attempts[level] ?? spec.max_attempts['default'];
      const maxA = spec.max_amount[level] ?? spec.max_amount['default'];
      const overN = maxN !== undefined && n > maxN;
      const overA = maxA !== undefined && amount > maxA;
      if (!overN && !overA) return [];
      return [
        {
          labels: { customer_ref: e.customer_ref, user_level: level },
          evaluation: {
            at: e.ts,
            verdict: 'anomalous',
            value: overN ? n : amount,
            expected: overN ? (maxN ?? null) : (maxA ?? null),
            lower: null,
            upper: overN ? (maxN ?? null) : (maxA ?? null),
            score: 1,
            revenue_at_risk: 0,
            summary: overN
              ? `Customer ${maskId(e.customer_ref)} made ${n} attempts in ${spec.window_minutes} min (limit ${maxN} for ${level})`
              : `Customer ${maskId(e.customer_ref)} moved ${amount.toFixed(2)} in ${spec.window_minutes} min (limit ${maxA} for ${level})`,
            samples: w.items.slice(-3).map((i) => maskId(i.id)),
          },
        },
      ];
    },
  };
}

function refStructuring(spec: StructuringSpec): Ref {
  const windows = new RefWindows<{ amount: number; id: string }>(spec.window_hours * 3_600_000);
  return {
    snapshot: () => ({ type: 'structuring', windows: windows.toJson() }),
    observe(e, amountReporting) {
      if (e.customer_ref === null || outcomeOf(e.status) !== 'success') return [];
      const t = thresholdFor(
        spec.thresholds,
        e.currency,
        e.user_level,
        toMajorUnits(e.amount_minor, e.currency),
        amountReporting,
      );
      if (!t || t.amount >= t.threshold || t.amount < t.threshold * (1 - spec.band)) return [];
      const w = windows.add(`${e.customer_ref}\u0000${t.currency}`, e.ts, {
        amount: t.amount,
        id: e.payment_id,
      });
      if (w.items.length < spec.min_count) return [];
      const total = w.items.reduce((s, i) => s + i.amount, 0);
      return [
        {
          labels: {
            customer_ref: e.customer_ref,
            currency: e.currency,
            user_level: e.user_level ?? 'default',
          },
          evaluation: {
            at: e.ts,
            verdict: 'anomalous',
            value: w.items.length,
            expected: spec.min_count - 1,
            lower: null,
            upper: t.threshold,
            score: 1,
            revenue_at_risk: 0,
            summary: `Customer ${maskId(e.customer_ref)} made ${w.items.length} transactions just below the ${t.threshold} threshold in ${spec.window_hours} h (total ${total.toFixed(2)})`,
            samples: w.items.slice(-3).map((i) => maskId(i.id)),
          },
        },
      ];
    },
  };
}

function refLimit(spec: LimitSpec): Ref {
  const days = new RefWindows<number>(86_400_000);
  return {
    snapshot: () => ({ type: 'limit', windows: days.toJson() }),
    observe(e, amountReporting) {
      if (outcomeOf(e.status) !== 'success') return [];
      const level = e.user_level ?? 'default';
      const lim = spec.limits[level] ?? spec.limits['default'];
      if (!lim) return [];
      const who = e.customer_ref ?? 'unknown';
      const day =
        e.customer_ref !== null
          ? days.add(`${who}\u0000${level}`, e.ts, amountReporting).items.reduce((s, x) => s + x, 0)
          : amountReporting;
      const overTx = lim.per_transaction !== undefined && amountReporting > lim.per_transaction;
      const overDay = lim.daily !== undefined && day > lim.daily;
      if (!overTx && !overDay) return [];
      const limit = overTx ? lim.per_transaction : lim.daily;
      const value = overTx ? amountReporting : day;
      return [
        {
          labels: { customer_ref: who, user_level: level, limit: overTx ? 'per_transaction' : 'daily' },
          evaluation: {
            at: e.ts,
            verdict: 'anomalous',
            value,
            expected: limit ?? null,
            lower: null,
            upper: limit ?? null,
            score: 1,
            revenue_at_risk: 0,
            summary: `${overTx ? 'Transaction' : '24 h total'} ${value.toFixed(2)} exceeds the ${overTx ? 'per-transaction' : 'daily'} limit ${limit} for level ${level}`,
            samples: [maskId(e.payment_id)],
          },
        },
      ];
    },
  };
}

// ---- A long random stream. ----

/** Amounts whose decimal sums land exactly on decimal limits (where float sums round either way). */
const TIES = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 1.1, 2.35, 0.05];

interface StreamOptions {
  seed: number;
  events: number;
  /** Mean gap between events outside bursts. */
  gapMs: number;
  /** Gap between a burst's events. */
  burstGapMs: number;
  /** Occasional idle gap (every entity's window empties). */
  idleMs: number;
  /** Events stamped up to this much earlier than the latest (out of order). */
  lateMs: number;
  /** Only decimal-tie amounts (window totals hover around small decimal limits). */
  ties?: boolean;
}

function stream(o: StreamOptions): { e: PaymentEvent; amount: number }[] {
  const r = rng(o.seed);
  const customers: { ref: string | null; level: string | null }[] = [
    { ref: 'cus_a', level: null },
    { ref: 'cus_b', level: null },
    { ref: 'cus_c', level: 'vip' },
    { ref: 'cus_d', level: 'vip' },
    { ref: 'cus_e', level: 'gold' },
    { ref: null, level: null },
  ];
  const out: { e: PaymentEvent; amount: number }[] = [];
  let clock = 1_700_000_000_000;
  let burst = 0;
  let burstWho = customers[0]!;
  for (let i = 0; i < o.events; i++) {
    if (burst === 0 && r() < 0.01) {
      burst = 20 + Math.floor(r() * 300);
      burstWho = customers[Math.floor(r() * 5)]!;
    }
    const who = burst > 0 ? burstWho : customers[Math.floor(r() * customers.length)]!;
    clock += burst > 0 ? Math.floor(r() * 2 * o.burstGapMs) : Math.floor(-Math.log(1 - r()) * o.gapMs);
    if (burst > 0) burst--;
    if (r() < 0.002) clock += o.idleMs;
    const ts = r() < 0.2 ? clock - Math.floor(r() * o.lateMs) : clock;
    // Amounts: cents, decimal ties, just below the AML threshold, a few negative or not finite.
    const u = r();
    let minor: number;
    if (o.ties) minor = Math.round(TIES[Math.floor(r() * TIES.length)]! * 100);
    else if (u < 0.4) minor = Math.floor(r() * 50_000);
    else if (u < 0.75) minor = Math.round(TIES[Math.floor(r() * TIES.length)]! * 100);
    else if (u < 0.97) minor = 900_000 + Math.floor(r() * 100_000);
    else minor = -Math.floor(r() * 5_000);
    const currency = r() < 0.8 ? 'EUR' : 'GBP';
    const major = minor / 100;
    const amount = r() < 0.001 ? NaN : currency === 'EUR' || o.ties ? major : major * 1.17;
    const s = r();
    const status = s < 0.75 ? 'succeeded' : s < 0.95 ? 'failed' : 'refunded';
    out.push({
      e: makeEvent({
        ts,
        event_id: `evt_${i}`,
        payment_id: `pay_${i}`,
        customer_ref: who.ref,
        user_level: who.level,
        status,
        failure: status === 'failed' ? { category: 'do_not_honor', code: null, message: null } : null,
        amount_minor: minor,
        currency,
      }),
      amount,
    });
  }
  return out;
}

/**
 * Feeds the stream through the reference and the detector; at `cut` the detector is replaced by
 * a fresh one restored from the reference's (old-format) snapshot. Returns the findings count.
 */
function compare(ref: Ref, make: () => EventDetector, events: { e: PaymentEvent; amount: number }[]): number {
  let d = make();
  let findings = 0;
  const cut = Math.floor(events.length / 2);
  for (let i = 0; i < events.length; i++) {
    const { e, amount } = events[i]!;
    if (i === cut) {
      // The detector writes the snapshot the old code wrote, and restores the old code's.
      const old = JSON.parse(JSON.stringify(ref.snapshot())) as unknown;
      expect(JSON.parse(JSON.stringify(d.snapshot?.()))).toEqual(old);
      d = make();
      d.restore?.(old);
    }
    const want = ref.observe(e, amount);
    const found = d.observe(e, amount);
    // The message data renders the old English summary; the rest is compared as it was.
    const got = found.map(({ evaluation: { message, ...evaluation }, ...f }) => {
      expect(message && summaryText(message, 'en')).toBe(evaluation.summary);
      return { ...f, evaluation };
    });
    // Object.is per value: NaN, -0 and every bit of a float compared.
    expect(got, `event ${i} at ${e.ts}`).toStrictEqual(want);
    findings += want.length;
  }
  return findings;
}

describe('amount rules on running window sums, against the old re-sum', () => {
  const N = 30_000;

  it.each([
    [
      {
        type: 'velocity',
        window_minutes: 5,
        max_attempts: { default: 12, vip: 40 },
        max_amount: { default: 3, vip: 250.5, gold: 0.6 },
      },
    ],
    [
      {
        type: 'velocity',
        window_minutes: 60,
        max_attempts: { default: 100_000 },
        max_amount: { default: 5000 },
      },
    ],
  ])('velocity %j', (raw) => {
    const spec = VelocitySpecSchema.parse(raw);
    const events = stream({
      seed: 1,
      events: N,
      gapMs: 20_000,
      burstGapMs: 800,
      idleMs: 7_200_000,
      lateMs: 120_000,
    });
    const n = compare(refVelocity(spec), () => createVelocityDetector(spec), events);
    expect(n).toBeGreaterThan(500);
  });

  it('velocity: volume totals hovering on decimal limits (ties the float sum rounds either way)', () => {
    const spec = VelocitySpecSchema.parse({
      type: 'velocity',
      window_minutes: 5,
      max_attempts: { default: 100_000 },
      max_amount: { default: 9, vip: 4.5, gold: 12.3 },
    });
    const events = stream({
      seed: 11,
      events: N,
      gapMs: 20_000,
      burstGapMs: 20_000,
      idleMs: 7_200_000,
      lateMs: 120_000,
      ties: true,
    });
    const n = compare(refVelocity(spec), () => createVelocityDetector(spec), events);
    expect(n).toBeGreaterThan(500);
  });

  it.each([
    [{ type: 'structuring', window_hours: 0.5, min_count: 3 }],
    [{ type: 'structuring', thresholds: { '*': { default: 10000, vip: 10500 } }, band: 0.2, min_count: 2 }],
  ])('structuring %j', (raw) => {
    const spec = StructuringSpecSchema.parse(raw);
    const events = stream({
      seed: 2,
      events: N,
      gapMs: 30_000,
      burstGapMs: 2_000,
      idleMs: 2 * 86_400_000,
      lateMs: 300_000,
    });
    const n = compare(refStructuring(spec), () => createStructuringDetector(spec), events);
    expect(n).toBeGreaterThan(500);
  });

  it.each([
    [
      {
        type: 'limit',
        limits: { default: { per_transaction: 400, daily: 3 }, vip: { daily: 2500 }, gold: { daily: 0.6 } },
      },
    ],
    [{ type: 'limit', limits: { default: { daily: 250_000 } } }],
  ])('limit %j', (raw) => {
    const spec = LimitSpecSchema.parse(raw);
    // Events every ~5 min outside bursts: the 24 h windows hold hundreds of items and turn over.
    const events = stream({
      seed: 3,
      events: N,
      gapMs: 300_000,
      burstGapMs: 5_000,
      idleMs: 2 * 86_400_000,
      lateMs: 600_000,
    });
    const n = compare(refLimit(spec), () => createLimitDetector(spec), events);
    expect(n).toBeGreaterThan(500);
  });

  it('limit: daily totals hovering on decimal limits', () => {
    const spec = LimitSpecSchema.parse({
      type: 'limit',
      limits: { default: { daily: 30 }, vip: { daily: 20.5 }, gold: { daily: 41.1 } },
    });
    const events = stream({
      seed: 13,
      events: N,
      gapMs: 1_800_000,
      burstGapMs: 1_800_000,
      idleMs: 3 * 86_400_000,
      lateMs: 600_000,
      ties: true,
    });
    const n = compare(refLimit(spec), () => createLimitDetector(spec), events);
    expect(n).toBeGreaterThan(500);
  });
});

describe('WindowSum', () => {
  const sums = new WindowSum<number>((a) => a);

  it('decides at the limit as the left-to-right sum does, though the exact sum says otherwise', () => {
    // 0.1 + 0.2 + 0.3 sums left to right to 0.6000000000000001 (> 0.6), 0.3 + 0.2 + 0.1 to 0.6:
    // the same exact sum, so the decision depends on the order, which only the pass knows.
    const judge = (a: number, b: number, c: number) => {
      const w = new KeyedWindows<number, AmountSum>(1000, undefined, sums);
      w.add('k', 0, 5);
      w.add('k', 100, 7);
      // The 5 leaves; judging the window takes a pass and starts the exact sum.
      expect(sums.exceeds(w.add('k', 1050, a), 100)).toBe(false);
      w.add('k', 1150, b); // the 7 leaves: the fold is no longer known
      const v = w.add('k', 1200, c);
      expect(v.tally?.clean).toBe(false);
      expect(v.tally?.exact).toBeDefined();
      return [sums.exceeds(v, 0.6), sums.total(v)];
    };
    expect(judge(0.1, 0.2, 0.3)).toEqual([0.1 + 0.2 + 0.3 > 0.6, 0.1 + 0.2 + 0.3]);
    expect(judge(0.3, 0.2, 0.1)).toEqual([0.3 + 0.2 + 0.1 > 0.6, 0.3 + 0.2 + 0.1]);
    expect(0.1 + 0.2 + 0.3 > 0.6).not.toBe(0.3 + 0.2 + 0.1 > 0.6);
  });

  it('judges a sustained window far from its limit without a pass once the exact sum is kept (a million add/drop pairs), and keeps none for a window never judged', () => {
    const w = new KeyedWindows<number, AmountSum>(1000, undefined, sums);
    const r = rng(5);
    const amount = () => Math.floor(r() * 100_000) / 100;
    let v = w.add('k', 0, 1);
    for (let i = 1; i <= 2000; i++) v = w.add('k', i, amount());
    const t = v.tally!;
    expect(t.clean).toBe(false);
    expect(t.exact).toBeUndefined(); // nothing judged yet: only the fold is kept
    // The first judgement after an expiry takes one pass and starts the exact sum.
    expect(sums.exceeds(v, 1e9)).toBe(false);
    expect(t.clean).toBe(true);
    expect(t.exact).toBeDefined();
    for (let i = 2001; i <= 1_000_000; i++) v = w.add('k', i, amount());
    expect(t.clean).toBe(false);
    // Far from the limit: decided from the exact sum, the fold stays unknown (no pass taken).
    expect(sums.exceeds(v, 1e9)).toBe(false);
    expect(sums.exceeds(v, 1)).toBe(true);
    expect(t.clean).toBe(false);
    const exact = t.exact!.parts.reduce((a, b) => a + b, 0);
    const fold = sums.total(v);
    expect(fold).toBe(v.reduce((s, x) => s + x, 0));
    expect(Math.abs(exact - fold)).toBeLessThanOrEqual(1000 * 2 ** -52 * fold);
    // A naive running sum (+ new, − expired) of the same stream drifts away from it.
    const naive = new KeyedWindows<number, { s: number }>(1000, undefined, {
      init: () => ({ s: 0 }),
      add: (s, x) => void (s.s += x),
      drop: (s, x) => void (s.s -= x),
    });
    const r2 = rng(5);
    let nv = naive.add('k', 0, 1);
    for (let i = 1; i <= 1_000_000; i++) nv = naive.add('k', i, Math.floor(r2() * 100_000) / 100);
    expect(nv.tally!.s).not.toBe(fold);
  });
});
