// Guards the simulated payment stream: determinism, contract validity, realism (seasonality, market mixes, cards, currencies, declines, retries, refunds) and each incident's effect in its window only.
import { describe, expect, it } from 'vitest';
import {
  currencyExponent,
  outcomeOf,
  parseTimestamp,
  PaymentEventInputSchema,
  type PaymentEventInput,
  type Status,
} from '@paywatch/contracts';
import { countEvents } from './counts.js';
import { createGenerator, eventsPerPayment, type GeneratorConfig } from './generator.js';
import { parseIncident, type Incident } from './incidents.js';
import { binMatchesBrand, COUNTRIES, localTime, type KnownBrand } from './model.js';

const MON = Date.UTC(2026, 10, 23); // Monday 2026-11-23 00:00 UTC
const H = 3_600_000;

function run(config: Partial<GeneratorConfig> & { end: number }): PaymentEventInput[] {
  return [...createGenerator({ seed: 7, start: MON, rate: 5, ...config })];
}
const tsOf = (e: PaymentEventInput): number => parseTimestamp(e.ts);
const outcome = (e: PaymentEventInput) => outcomeOf(e.status as Status);
const failRate = (evs: PaymentEventInput[]): number => {
  const att = evs.filter((e) => outcome(e) !== null);
  return att.filter((e) => outcome(e) === 'failure').length / att.length;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

// One shared baseline: 6 hours at 5 events/s (~100k events).
const base = run({ end: MON + 6 * H });

describe('determinism', { timeout: 60_000 }, () => {
  it('gives byte-identical output for the same seed and different output for another seed', () => {
    const a = run({ end: MON + H }).map((e) => JSON.stringify(e));
    const b = run({ end: MON + H }).map((e) => JSON.stringify(e));
    const c = [...createGenerator({ seed: 8, start: MON, end: MON + H, rate: 5 })].map((e) =>
      JSON.stringify(e),
    );
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(c.slice(0, 100).filter((line, i) => line === a[i])).toHaveLength(0);
  });

  it('emits unique event ids and time-ordered events', () => {
    const ids = new Set(base.map((e) => e.event_id));
    expect(ids.size).toBe(base.length);
    const times = base.map(tsOf);
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as number))).toBe(true);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(MON);
    expect(Math.max(...times)).toBeLessThan(MON + 6 * H);
  });

  it('writes epoch ms timestamps on request', () => {
    const evs = [
      ...createGenerator({ seed: 1, start: MON, end: MON + 60_000, rate: 20, tsFormat: 'epoch_ms' }),
    ];
    expect(evs.length).toBeGreaterThan(100);
    expect(evs.every((e) => typeof e.ts === 'number' && Number.isInteger(e.ts))).toBe(true);
    // The same stream in RFC 3339 differs only in how ts is written.
    const iso = [...createGenerator({ seed: 1, start: MON, end: MON + 60_000, rate: 20 })];
    expect(iso.map((e) => ({ ...e, ts: Date.parse(e.ts as string) }))).toEqual(evs);
    expect(iso.every((e, i) => e.ts === new Date(evs[i]?.ts as number).toISOString())).toBe(true);
  });
});

describe('contract', { timeout: 60_000 }, () => {
  it('every generated event, incidents included, passes PaymentEventInputSchema', () => {
    const incidents: Incident[] = [
      parseIncident('provider-outage:adyen@+10m/10m', MON),
      parseIncident('latency-spike@+20m/10m', MON),
      parseIncident('card-testing@+30m/10m', MON),
      parseIncident('decline-shift@+40m/10m', MON),
    ];
    const evs = run({ end: MON + H, incidents, rate: 10 });
    const bad = evs.flatMap((e) => {
      const r = PaymentEventInputSchema.safeParse(e);
      return r.success ? [] : [{ e, issues: r.error.issues }];
    });
    expect(bad.slice(0, 3)).toEqual([]);
    expect(evs.length).toBeGreaterThan(30_000);
  });
});

describe('volume', { timeout: 60_000 }, () => {
  it('produces --rate events per second on average (flat)', () => {
    const evs = [...createGenerator({ seed: 3, start: MON, end: MON + H, rate: 20, seasonality: false })];
    expect(evs.length / 3600).toBeGreaterThan(19);
    expect(evs.length / 3600).toBeLessThan(21);
    expect(eventsPerPayment()).toBeGreaterThan(1.2);
  });

  it('has more payments at the evening peak than in the night trough, in local time, over a week', () => {
    const week = [...createGenerator({ seed: 11, start: MON, end: MON + 7 * 24 * H, rate: 0.25 })];
    const byHour = new Array<number>(24).fill(0);
    const byDay = new Array<number>(8).fill(0);
    for (const e of week) {
      if (e.attempt !== 1 || outcome(e) === null) continue;
      const c = COUNTRIES.find((x) => x.code === e.country);
      if (!c) throw new Error(`unknown country ${e.country}`);
      const { hour, weekday } = localTime(tsOf(e), c.utcOffsetH);
      byHour[hour] = (byHour[hour] as number) + 1;
      byDay[weekday] = (byDay[weekday] as number) + 1;
    }
    const peak = (byHour[19] as number) + (byHour[20] as number) + (byHour[21] as number);
    const trough = (byHour[2] as number) + (byHour[3] as number) + (byHour[4] as number);
    expect(trough).toBeGreaterThan(0);
    expect(peak / trough).toBeGreaterThan(4);
    // Saturday is busier than Monday (local weekdays, partial days at the edges aside).
    expect(byDay[6] as number).toBeGreaterThan(byDay[2] as number);
  });
});

describe('markets', { timeout: 60_000 }, () => {
  const methodsOf = (country: string) =>
    new Set(base.filter((e) => e.country === country).map((e) => e.method));

  it('CN pays with Alipay, WeChat Pay and UnionPay cards, not Apple Pay', () => {
    const cn = methodsOf('CN');
    expect(cn.has('alipay')).toBe(true);
    expect(cn.has('wechat_pay')).toBe(true);
    expect(cn.has('apple_pay')).toBe(false);
    expect(cn.has('crypto')).toBe(false);
    const cnCards = base.filter((e) => e.country === 'CN' && e.method === 'card');
    expect(cnCards.filter((e) => e.card?.brand === 'unionpay').length / cnCards.length).toBeGreaterThan(0.6);
    const providers = new Set(base.filter((e) => e.country === 'CN').map((e) => e.provider));
    expect([...providers].sort()).toEqual(expect.arrayContaining(['alipay', 'unionpay', 'wechatpay']));
    expect(base.some((e) => e.method === 'wechat_pay' && e.channel === 'mini_program')).toBe(true);
  });

  it('US/EU pay with cards, Apple Pay, Google Pay, contactless at POS and some crypto, not Alipay', () => {
    for (const cc of ['US', 'DE']) {
      const m = methodsOf(cc);
      for (const method of ['card', 'apple_pay', 'google_pay', 'crypto', 'nfc'])
        expect(m.has(method as never), `${cc} ${method}`).toBe(true);
      expect(m.has('alipay')).toBe(false);
      expect(m.has('wechat_pay')).toBe(false);
    }
    expect(base.filter((e) => e.method === 'nfc').every((e) => e.channel === 'pos')).toBe(true);
    expect(
      base
        .filter((e) => e.method === 'crypto')
        .every((e) => e.provider === 'coinbase' || e.provider === 'bitpay'),
    ).toBe(true);
    const usProviders = new Set(
      base.filter((e) => e.country === 'US' && e.method === 'card').map((e) => e.provider),
    );
    expect([...usProviders].sort()).toEqual(['adyen', 'paypal', 'stripe']);
  });

  it('has JCB (mostly in JP) and UnionPay cards, with brand-consistent 6-digit BINs and last4', () => {
    const cards = base.flatMap((e) => (e.card ? [{ e, card: e.card }] : []));
    const brands = new Set(cards.map((c) => c.card.brand));
    for (const b of ['visa', 'mastercard', 'amex', 'discover', 'jcb', 'unionpay'])
      expect(brands.has(b), b).toBe(true);
    const bad = cards.filter(
      ({ card }) =>
        !/^\d{6}$/.test(card.bin ?? '') ||
        !/^\d{4}$/.test(card.last4 ?? '') ||
        !binMatchesBrand(card.bin as string, card.brand as KnownBrand),
    );
    expect(bad.map((c) => c.card).slice(0, 5)).toEqual([]);
    const jcb = cards.filter((c) => c.card.brand === 'jcb');
    expect(jcb.filter((c) => c.e.country === 'JP').length / jcb.length).toBeGreaterThan(0.8);
  });

  it('uses each market currency with amounts consistent with its exponent', () => {
    for (const c of COUNTRIES) {
      const evs = base.filter((e) => e.country === c.code && outcome(e) !== null);
      expect(evs.length, c.code).toBeGreaterThan(50);
      expect(new Set(evs.map((e) => e.currency))).toEqual(new Set([c.currency]));
      const major = evs.map((e) => e.amount_minor / 10 ** currencyExponent(c.currency));
      const m = median(major);
      expect(m, c.code).toBeGreaterThan(c.ticketMedian / 2);
      expect(m, c.code).toBeLessThan(c.ticketMedian * 2);
      expect(evs.every((e) => Number.isInteger(e.amount_minor) && e.amount_minor > 0)).toBe(true);
    }
    // JPY has no minor unit (amounts are whole yen, rounded to 10); KWD has three decimals.
    const jpy = base.filter((e) => e.currency === 'JPY' && e.status === 'succeeded');
    expect(jpy.every((e) => e.amount_minor % 10 === 0)).toBe(true);
    const kwd = base.filter((e) => e.currency === 'KWD' && outcome(e) !== null);
    expect(median(kwd.map((e) => e.amount_minor))).toBeGreaterThan(5000);
  });
});

describe('outcomes', { timeout: 60_000 }, () => {
  it('succeeds 92–96% of attempts, with insufficient_funds and do_not_honor the most common declines', () => {
    const rate = 1 - failRate(base);
    expect(rate).toBeGreaterThan(0.92);
    expect(rate).toBeLessThan(0.96);
    const cats = countEvents(base).by_failure_category;
    const top = Object.entries(cats)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 3)
      .map(([k]) => k);
    expect(top).toEqual(expect.arrayContaining(['insufficient_funds', 'do_not_honor']));
    const codes = new Set(
      base.filter((e) => e.provider === 'stripe' && e.failure).map((e) => e.failure?.code),
    );
    expect(codes.has('insufficient_funds')).toBe(true);
    expect(codes.has('do_not_honor') || codes.has('generic_decline')).toBe(true);
    const adyen = new Set(
      base.filter((e) => e.provider === 'adyen' && e.failure).map((e) => e.failure?.code),
    );
    expect(adyen.has('Not enough balance')).toBe(true);
    expect(adyen.has('Refused')).toBe(true);
  });

  it('gives each provider its own log-normal latency', () => {
    const lat = (p: string) =>
      median(base.filter((e) => e.provider === p && e.status !== 'failed').map((e) => e.latency_ms ?? NaN));
    expect(lat('paypal')).toBeGreaterThan(lat('adyen') * 1.4);
    expect(lat('wechatpay')).toBeLessThan(lat('stripe'));
  });

  it('asks for 3-D Secure on some card attempts, followed by the outcome of the same attempt', () => {
    const ra = base.filter((e) => e.status === 'requires_action');
    expect(ra.length).toBeGreaterThan(100);
    expect(ra.every((e) => e.method === 'card')).toBe(true);
    const outcomeAfter = new Map(
      base.filter((e) => outcome(e) !== null).map((e) => [`${e.payment_id}/${e.attempt}`, e]),
    );
    const withOutcome = ra.filter((e) => {
      const o = outcomeAfter.get(`${e.payment_id}/${e.attempt}`);
      return o !== undefined && tsOf(o) > tsOf(e);
    });
    // The window can cut off a challenge still in progress at the end.
    expect(withOutcome.length / ra.length).toBeGreaterThan(0.99);
  });

  it('retries failed payments as new, later attempts of the same payment_id; exactly one outcome per attempt', () => {
    const byPayment = new Map<string, PaymentEventInput[]>();
    for (const e of base) {
      const list = byPayment.get(e.payment_id);
      if (list) list.push(e);
      else byPayment.set(e.payment_id, [e]);
    }
    let retried = 0;
    const violations: string[] = [];
    for (const [id, evs] of byPayment) {
      const outcomes = evs.filter((e) => outcome(e) !== null);
      outcomes.forEach((o, i) => {
        if ((o.attempt ?? 1) !== i + 1) violations.push(`${id}: outcome ${i} has attempt ${o.attempt}`);
        if (i < outcomes.length - 1 && o.status !== 'failed')
          violations.push(`${id}: attempt ${o.attempt} ${o.status} was retried`);
        const next = outcomes[i + 1];
        const firstOfNext = next && evs.find((e) => e.attempt === next.attempt);
        if (firstOfNext && tsOf(firstOfNext) <= tsOf(o))
          violations.push(`${id}: attempt ${next?.attempt} starts before ${o.attempt} ended`);
      });
      if (outcomes.length > 1) retried++;
    }
    expect(violations.slice(0, 5)).toEqual([]);
    expect(retried).toBeGreaterThan(100);
    expect(base.some((e) => (e.attempt ?? 1) === 3)).toBe(true);
  });

  it('refunds some successful payments later, for at most the paid amount', () => {
    const refunds = base.filter((e) => e.status === 'refunded' || e.status === 'partially_refunded');
    expect(refunds.length).toBeGreaterThan(50);
    const paid = new Map(base.filter((e) => outcome(e) === 'success').map((e) => [e.payment_id, e]));
    for (const r of refunds) {
      const p = paid.get(r.payment_id);
      expect(p, r.payment_id).toBeDefined();
      expect(tsOf(r)).toBeGreaterThan(tsOf(p as PaymentEventInput));
      expect(r.amount_minor).toBeLessThanOrEqual((p as PaymentEventInput).amount_minor);
    }
  });
});

describe('incidents', { timeout: 60_000 }, () => {
  const start = MON + 2 * H;
  const end = MON + 3 * H;
  const inWindow = (e: PaymentEventInput) => tsOf(e) >= start && tsOf(e) < end;
  // Outside = before the window, or well after it (retries of window attempts have settled).
  const outside = (e: PaymentEventInput) => tsOf(e) < start || tsOf(e) >= end + 10 * 60_000;
  const memo = new Map<string, PaymentEventInput[]>();
  const withIncident = (spec: string): PaymentEventInput[] => {
    let evs = memo.get(spec);
    if (!evs) memo.set(spec, (evs = run({ end: MON + 6 * H, incidents: [parseIncident(spec, MON)] })));
    return evs;
  };

  it('provider-outage makes most attempts on that provider fail in the window only', () => {
    const evs = withIncident('provider-outage:stripe@+2h/1h');
    const stripe = evs.filter((e) => e.provider === 'stripe');
    expect(failRate(stripe.filter(inWindow))).toBeGreaterThan(0.5);
    expect(failRate(stripe.filter(outside))).toBeLessThan(0.15);
    expect(failRate(evs.filter((e) => e.provider === 'adyen' && inWindow(e)))).toBeLessThan(0.15);
    const cats = countEvents(stripe.filter(inWindow)).by_failure_category;
    expect((cats.provider_error ?? 0) + (cats.timeout ?? 0)).toBeGreaterThan(
      0.8 * Object.values(cats).reduce((a, b) => a + b, 0),
    );
  });

  it('two overlapping outages of one type each fail their own provider (not only the first given)', () => {
    const evs = run({
      end: MON + 4 * H,
      incidents: [
        parseIncident('provider-outage:adyen@+2h/1h', MON),
        parseIncident('provider-outage:stripe@+2h/1h', MON),
      ],
    });
    for (const provider of ['adyen', 'stripe'])
      expect(failRate(evs.filter((e) => e.provider === provider && inWindow(e))), provider).toBeGreaterThan(
        0.5,
      );
    expect(failRate(evs.filter((e) => e.provider === 'paypal' && inWindow(e)))).toBeLessThan(0.15);
  });

  it('latency-spike raises that provider latency in the window only', () => {
    const evs = withIncident('latency-spike:adyen@+2h/1h');
    const lat = (xs: PaymentEventInput[]) =>
      median(xs.filter((e) => e.provider === 'adyen').map((e) => e.latency_ms ?? NaN));
    expect(lat(evs.filter(inWindow))).toBeGreaterThan(4 * lat(evs.filter(outside)));
    expect(lat(evs.filter(outside))).toBeLessThan(1.3 * lat(base.filter(outside)));
  });

  it('card-testing adds a burst of small, mostly declined attempts on one BIN from one device and IP', () => {
    const evs = withIncident('card-testing:411234@+2h/1h');
    const burst = evs.filter((e) => e.card?.bin === '411234');
    expect(burst.length).toBeGreaterThan(5000);
    // Attempts start in the window; the last ones complete a provider round trip after it.
    expect(burst.every((e) => tsOf(e) >= start && tsOf(e) < end + 60_000)).toBe(true);
    expect(new Set(burst.map((e) => e.device_ref)).size).toBe(1);
    expect(new Set(burst.map((e) => e.ip_ref)).size).toBe(1);
    expect(burst.every((e) => e.amount_minor <= 300 && e.card?.brand === 'visa')).toBe(true);
    expect(failRate(burst)).toBeGreaterThan(0.8);
    const attacker = burst[0]?.device_ref;
    expect(
      evs.filter((e) => e.device_ref === attacker && (tsOf(e) < start || tsOf(e) >= end + 60_000)),
    ).toHaveLength(0);
  });

  it('decline-shift moves do_not_honor to fraud_suspected in the window without changing the decline rate much', () => {
    const evs = withIncident('decline-shift@+2h/1h');
    const cats = (xs: PaymentEventInput[]) => countEvents(xs).by_failure_category;
    const w = cats(evs.filter(inWindow));
    const o = cats(evs.filter(outside));
    expect(w.fraud_suspected ?? 0).toBeGreaterThan(2 * (w.do_not_honor ?? 0));
    expect(o.do_not_honor ?? 0).toBeGreaterThan(2 * (o.fraud_suspected ?? 0));
    expect(Math.abs(failRate(evs.filter(inWindow)) - failRate(base.filter(inWindow)))).toBeLessThan(0.005);
  });

  it('leaves the stream before the window byte-identical and only touches payments that overlap it', () => {
    for (const spec of [
      'provider-outage:stripe@+2h/1h',
      'card-testing:411234@+2h/1h',
      'decline-shift@+2h/1h',
      'latency-spike:adyen@+2h/1h',
    ]) {
      const evs = withIncident(spec);
      const before = (xs: PaymentEventInput[]) =>
        xs
          .filter((e) => tsOf(e) < start)
          .map((e) => JSON.stringify(e))
          .join('\n');
      const b = before(evs);
      expect(b.length, spec).toBeGreaterThan(1_000_000);
      expect(b === before(base), spec).toBe(true);
      // Payments that start after the window (and its spill-over) are exactly the same.
      const late = (xs: PaymentEventInput[]) => {
        const firstTs = new Map<string, number>();
        for (const e of xs) if (!firstTs.has(e.payment_id)) firstTs.set(e.payment_id, tsOf(e));
        return xs
          .filter((e) => (firstTs.get(e.payment_id) as number) >= end + 10 * 60_000)
          .map((e) => JSON.stringify(e))
          .join('\n');
      };
      const l = late(evs);
      expect(l.length, spec).toBeGreaterThan(1_000_000);
      expect(l === late(base), spec).toBe(true);
    }
  });
});
