// Guards the simulator's own totals: they must equal an independent recount of the emitted events, since the end-to-end test compares them with /api/v1/overview exactly.
import { describe, expect, it } from 'vitest';
import { currencyExponent, type PaymentEventInput } from '@paywatch/contracts';
import { countEvents, createCounter, gmvMajor, successRate } from './counts.js';
import { createGenerator } from './generator.js';
import { parseIncident } from './incidents.js';

const START = Date.UTC(2026, 10, 20, 6);
const events: PaymentEventInput[] = [
  ...createGenerator({
    seed: 99,
    start: START,
    end: START + 3_600_000,
    rate: 10,
    incidents: [parseIncident('provider-outage@+10m/10m', START)],
  }),
];

describe('counts', () => {
  it('match an independent recount of the emitted events', () => {
    const c = countEvents(events);
    const succ = events.filter((e) => e.status === 'succeeded' || e.status === 'captured');
    const fail = events.filter((e) => e.status === 'failed');
    expect(c.events).toBe(events.length);
    expect(c.succeeded).toBe(succ.length);
    expect(c.failed).toBe(fail.length);
    expect(c.attempts).toBe(succ.length + fail.length);
    expect(c.attempts).toBeLessThan(c.events);
    const gmv: Record<string, number> = {};
    for (const e of succ) gmv[e.currency] = (gmv[e.currency] ?? 0) + e.amount_minor;
    expect(c.gmv_minor).toEqual(gmv);
    for (const p of ['stripe', 'adyen', 'alipay']) {
      const mine = events.filter((e) => e.provider === p);
      expect(c.by_provider[p]).toEqual({
        events: mine.length,
        attempts: mine.filter((e) => ['succeeded', 'captured', 'failed'].includes(e.status)).length,
        succeeded: mine.filter((e) => ['succeeded', 'captured'].includes(e.status)).length,
        failed: mine.filter((e) => e.status === 'failed').length,
      });
    }
    const times = events.map((e) => Date.parse(e.ts as string));
    expect(c.first_ts).toBe(Math.min(...times));
    expect(c.last_ts).toBe(Math.max(...times));
    expect(successRate(c)).toBeCloseTo(succ.length / (succ.length + fail.length), 12);
    expect(gmvMajor(c, currencyExponent).JPY).toBe(gmv.JPY);
    expect(gmvMajor(c, currencyExponent).USD).toBeCloseTo((gmv.USD ?? NaN) / 100, 6);
  });

  it('merges partial counts into the same total', () => {
    const half = Math.floor(events.length / 2);
    const whole = countEvents(events);
    const merged = createCounter();
    merged.merge(countEvents(events.slice(0, half)));
    merged.merge(countEvents(events.slice(half)));
    expect(merged.snapshot()).toEqual(whole);
  });

  it('normalizes aliases and case the way the collector does', () => {
    const ev = events.find(
      (e) => e.status === 'succeeded' && e.provider === 'wechatpay',
    ) as PaymentEventInput;
    const c = countEvents([{ ...ev, status: 'Paid', provider: 'WeChat', currency: ' cny ' }]);
    expect(c.succeeded).toBe(1);
    expect(c.by_provider.wechatpay?.succeeded).toBe(1);
    expect(c.gmv_minor).toEqual({ CNY: ev.amount_minor });
  });

  it('snapshots are copies', () => {
    const counter = createCounter();
    counter.add(events[0] as PaymentEventInput);
    const snap = counter.snapshot();
    counter.add(events[1] as PaymentEventInput);
    expect(snap.events).toBe(1);
    expect(counter.snapshot().events).toBe(2);
  });
});
