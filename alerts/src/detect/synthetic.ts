import type { PaymentEvent } from '@paywatch/contracts';
import type { FailureCategory } from '@paywatch/contracts';
import type { MinuteAggregate } from './types.js';
import { MINUTE_MS, emptyMinute } from './types.js';

/** Deterministic PRNG (mulberry32) so synthetic series are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson sample (Knuth below 30, normal approximation above). */
export function poisson(lambda: number, r: () => number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) {
    const u = Math.max(r(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
  }
  const L = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > L);
  return k - 1;
}

/** Shape of one synthetic minute: attempts per minute and outcome probabilities. */
export interface MinuteShape {
  attempts: number;
  successRate: number;
  /** Distribution of failure categories (weights). */
  failureMix?: Partial<Record<FailureCategory, number>>;
  ticket?: number;
}

/** Daily seasonal traffic: `base` attempts/min at the daily mean, ±`amplitude` (fraction). */
export function dailyShape(t: number, base: number, amplitude = 0.5): number {
  const dayFrac = (t % 86_400_000) / 86_400_000;
  return base * (1 + amplitude * Math.sin(2 * Math.PI * (dayFrac - 0.25)));
}

/** Builds minute aggregates from `start` for `minutes`, with `shape(t)` deciding each minute. */
export function synthMinutes(
  start: number,
  minutes: number,
  shape: (t: number) => MinuteShape,
  seed = 7,
): MinuteAggregate[] {
  const r = rng(seed);
  const out: MinuteAggregate[] = [];
  for (let i = 0; i < minutes; i++) {
    const t = start + i * MINUTE_MS;
    const s = shape(t);
    const m = emptyMinute(t);
    const n = poisson(s.attempts, r);
    const mix = Object.entries(
      s.failureMix ?? { do_not_honor: 0.5, insufficient_funds: 0.3, provider_error: 0.1, timeout: 0.1 },
    ) as [FailureCategory, number][];
    const total = mix.reduce((x, [, w]) => x + w, 0);
    for (let j = 0; j < n; j++) {
      m.attempts++;
      m.attempted_amount += s.ticket ?? 50;
      if (r() < s.successRate) {
        m.succeeded++;
        m.gmv += s.ticket ?? 50;
      } else {
        m.failed++;
        let u = r() * total;
        let cat: FailureCategory = 'other';
        for (const [c, w] of mix) {
          if ((u -= w) <= 0) {
            cat = c;
            break;
          }
        }
        m.failures[cat] = (m.failures[cat] ?? 0) + 1;
        if (
          cat === 'provider_error' ||
          cat === 'timeout' ||
          cat === 'network_error' ||
          cat === 'issuer_unavailable'
        )
          m.technical_failed++;
      }
    }
    out.push(m);
  }
  return out;
}

/** Index of the first anomalous verdict at or after `from`, -1 if none. */
export function firstAnomalous(verdicts: { verdict: string }[], from = 0): number {
  for (let i = from; i < verdicts.length; i++) if (verdicts[i]?.verdict === 'anomalous') return i;
  return -1;
}

/** A normalized payment event with sensible defaults, for tests and benches. */
export function makeEvent(over: Partial<PaymentEvent> & { ts: number }): PaymentEvent {
  const id = over.event_id ?? `evt_${over.ts}_${Math.floor(over.ts % 9973)}`;
  return {
    v: 1,
    event_id: id,
    received_at: over.ts,
    source: 'api',
    payment_id: `pay_${id.slice(4)}`,
    attempt: 1,
    merchant_id: 'm_1',
    provider: 'adyen',
    method: 'card',
    channel: 'web',
    status: 'succeeded',
    amount_minor: 5000,
    currency: 'EUR',
    failure: null,
    card: {
      brand: 'visa',
      bin: '411111',
      last4: '1111',
      issuer_country: 'DE',
      funding: 'credit',
      wallet: null,
    },
    country: 'DE',
    latency_ms: 300,
    customer_ref: 'cus_1',
    device_ref: 'dev_1',
    ip_ref: 'ip_1',
    user_level: null,
    risk_score: null,
    metadata: null,
    ...over,
  };
}

/** Options of the synthetic payment-event stream. */
export interface EventStreamOptions {
  from: number;
  minutes: number;
  /** Attempts per minute per provider. */
  perMinute: number;
  providers: readonly PaymentEvent['provider'][];
  /** Success probability of an attempt at `t` on `provider`. */
  successRate?: (t: number, provider: string) => number;
  /** Failure category of a failed attempt. */
  failure?: (t: number, provider: string) => FailureCategory;
  seed?: number;
}

/** A deterministic stream of normalized payment events, sorted by ts. */
export function eventStream(o: EventStreamOptions): PaymentEvent[] {
  const r = rng(o.seed ?? 11);
  const out: PaymentEvent[] = [];
  let n = 0;
  for (let m = 0; m < o.minutes; m++) {
    for (const p of o.providers) {
      const k = poisson(o.perMinute, r);
      for (let j = 0; j < k; j++) {
        const ts = o.from + m * 60_000 + Math.floor(r() * 60_000);
        const ok = r() < (o.successRate?.(ts, p) ?? 0.92);
        n++;
        out.push(
          makeEvent({
            ts,
            event_id: `evt_${n.toString(36).padStart(8, '0')}`,
            // Unique across streams (the rate tests count a payment id once per window).
            payment_id: `pay_${(o.seed ?? 11).toString(36)}_${o.from.toString(36)}_${n.toString(36)}`,
            provider: p,
            status: ok ? 'succeeded' : 'failed',
            failure: ok
              ? null
              : {
                  category: o.failure?.(ts, p) ?? (r() < 0.6 ? 'do_not_honor' : 'insufficient_funds'),
                  code: null,
                  message: null,
                },
            amount_minor: 1000 + Math.floor(r() * 9000),
            customer_ref: `cus_${Math.floor(r() * 100000)}`,
            device_ref: `dev_${Math.floor(r() * 100000)}`,
            ip_ref: `ip_${Math.floor(r() * 100000)}`,
            card: {
              brand: 'visa',
              bin: String(400000 + Math.floor(r() * 50)),
              last4: '4242',
              issuer_country: 'DE',
              funding: 'credit',
              wallet: null,
            },
          }),
        );
      }
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}
