// Guards /metrics cardinality: 100k random events (random ids, countries, amounts) keep the series count bounded.
import {
  CURRENCY_EXPONENTS,
  FAILURE_CATEGORIES,
  METHODS,
  PROVIDERS,
  STATUSES,
  type PaymentEvent,
} from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_COUNTRIES } from '../config.js';
import { createMetrics } from './metrics.js';

function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

async function seriesCount(text: string, name: string): Promise<number> {
  return text.split('\n').filter((l) => l.startsWith(name + '{')).length;
}

describe('metrics', () => {
  it('keeps label values bounded under 100k random events', async () => {
    const m = createMetrics({ countries: new Set(DEFAULT_METRICS_COUNTRIES), defaultMetrics: false });
    const r = rng(7);
    const currencies = Object.keys(CURRENCY_EXPONENTS);
    const events: PaymentEvent[] = [];
    for (let i = 0; i < 100_000; i++) {
      const status = pick(r, STATUSES);
      events.push({
        v: 1,
        event_id: `e${i}-${r()}`,
        ts: i,
        received_at: i,
        source: 'api',
        payment_id: `p${r()}`,
        attempt: 1,
        merchant_id: `m${Math.floor(r() * 1e9)}`,
        provider: pick(r, PROVIDERS),
        method: pick(r, METHODS),
        channel: null,
        status,
        amount_minor: Math.floor(r() * 1e6),
        currency: pick(r, currencies),
        failure:
          status === 'failed'
            ? { category: pick(r, FAILURE_CATEGORIES), code: String(r()), message: null }
            : null,
        card: null,
        country: String.fromCharCode(65 + Math.floor(r() * 26), 65 + Math.floor(r() * 26)),
        latency_ms: r() * 5000,
        customer_ref: null,
        device_ref: null,
        ip_ref: null,
        user_level: null,
        risk_score: null,
        metadata: null,
      });
    }
    for (let i = 0; i < events.length; i += 1000) m.sink.consume(events.slice(i, i + 1000));
    const text = await m.registry.metrics();
    const payments = await seriesCount(text, 'paywatch_payments_total');
    const bound =
      PROVIDERS.length * METHODS.length * STATUSES.length * (DEFAULT_METRICS_COUNTRIES.length + 1);
    expect(payments).toBeGreaterThan(1000);
    expect(payments).toBeLessThanOrEqual(bound);
    // Country labels are only the configured ones plus "other"; ids never appear.
    const countries = new Set([...text.matchAll(/country="([^"]+)"/g)].map((x) => x[1]));
    for (const c of countries) expect([...DEFAULT_METRICS_COUNTRIES, 'other']).toContain(c);
    expect(text).not.toMatch(/merchant|payment_id|event_id/);
    const failures = await seriesCount(text, 'paywatch_payment_failures_total');
    expect(failures).toBeLessThanOrEqual(PROVIDERS.length * METHODS.length * FAILURE_CATEGORIES.length);
    const buckets = await seriesCount(text, 'paywatch_payment_latency_seconds_bucket');
    expect(buckets).toBeLessThanOrEqual(PROVIDERS.length * METHODS.length * 17);
  });

  it('counts amounts in major units and failures by category', async () => {
    const m = createMetrics({ countries: new Set(['JP']), defaultMetrics: false });
    const base = {
      v: 1,
      ts: 0,
      received_at: 0,
      source: 'api',
      payment_id: 'p',
      attempt: 1,
      merchant_id: 'm',
      provider: 'stripe',
      method: 'card',
      channel: null,
      card: null,
      country: 'JP',
      latency_ms: 250,
      customer_ref: null,
      device_ref: null,
      ip_ref: null,
      user_level: null,
      risk_score: null,
      metadata: null,
    } as const;
    m.sink.consume([
      { ...base, event_id: 'a', status: 'succeeded', amount_minor: 500, currency: 'JPY', failure: null },
      { ...base, event_id: 'b', status: 'succeeded', amount_minor: 1999, currency: 'USD', failure: null },
      {
        ...base,
        event_id: 'c',
        status: 'failed',
        amount_minor: 100,
        currency: 'USD',
        failure: { category: 'timeout', code: null, message: null },
      },
    ]);
    const text = await m.registry.metrics();
    expect(text).toContain(
      'paywatch_payment_amount_total{provider="stripe",method="card",currency="JPY"} 500',
    );
    expect(text).toContain(
      'paywatch_payment_amount_total{provider="stripe",method="card",currency="USD"} 19.99',
    );
    expect(text).toContain(
      'paywatch_payment_failures_total{provider="stripe",method="card",category="timeout"} 1',
    );
    expect(text).toContain(
      'paywatch_payments_total{provider="stripe",method="card",status="succeeded",country="JP"} 2',
    );
    expect(text).toContain('paywatch_payment_latency_seconds_count{provider="stripe",method="card"} 3');
  });
  it('gives the same series whether a batch is consumed at once or one event at a time', async () => {
    const r = rng(11);
    const events: PaymentEvent[] = Array.from({ length: 5_000 }, (_, i) => {
      const status = pick(r, STATUSES);
      return {
        v: 1,
        event_id: `e${i}`,
        ts: i,
        received_at: i,
        source: 'api',
        payment_id: `p${i}`,
        attempt: 1,
        merchant_id: 'm',
        provider: pick(r, PROVIDERS.slice(0, 3)),
        method: pick(r, METHODS.slice(0, 2)),
        channel: null,
        status,
        amount_minor: Math.floor(r() * 1e5),
        currency: pick(r, ['USD', 'JPY', 'EUR']),
        failure:
          status === 'failed' ? { category: pick(r, FAILURE_CATEGORIES), code: null, message: null } : null,
        card: null,
        country: pick(r, ['JP', 'US', 'DE', null]),
        latency_ms: r() < 0.1 ? null : r() * 5000,
        customer_ref: null,
        device_ref: null,
        ip_ref: null,
        user_level: null,
        risk_score: null,
        metadata: null,
      };
    });
    const batched = createMetrics({ countries: new Set(['JP', 'US']), defaultMetrics: false });
    const single = createMetrics({ countries: new Set(['JP', 'US']), defaultMetrics: false });
    batched.sink.consume(events);
    for (const e of events) single.sink.consume([e]);
    const samples = async (m: ReturnType<typeof createMetrics>) =>
      new Map(
        (await m.registry.metrics())
          .split('\n')
          .filter((l) => l.startsWith('paywatch_'))
          .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))] as const),
      );
    const a = await samples(batched);
    const b = await samples(single);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(a.size).toBeGreaterThan(50);
    // Amount sums may differ in the last floating-point digit (summation order); counts are exact.
    for (const [k, v] of a) expect(v, k).toBeCloseTo(b.get(k)!, 6);
  });
});
