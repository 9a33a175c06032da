// Guards the live KPIs: a 60 s window in processing time, success rate, GMV per minute, quantiles.
import type { PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { createFx } from '../lib/fx.js';
import { RollingKpis } from './rolling-kpis.js';

const ev = (status: PaymentEvent['status'], amount: number, latency: number) =>
  ({ status, amount_minor: amount, currency: 'USD', latency_ms: latency }) as PaymentEvent;

describe('RollingKpis', () => {
  it('aggregates the window and forgets older seconds', () => {
    let now = 1_000_000;
    const k = new RollingKpis(createFx('USD'), 60, () => now);
    k.add([ev('succeeded', 1000, 100), ev('succeeded', 500, 200), ev('failed', 700, 300), ev('created', 900, 5000)]);
    now += 30_000;
    k.add([ev('captured', 2500, 400)]);
    let s = k.snapshot();
    expect(s).toMatchObject({ attempts: 4, succeeded: 3, failed: 1, success_rate: 0.75, gmv_per_min: 40, payments_per_s: 0.07 });
    expect(s.latency_ms).toEqual({ p50: 250, p95: 385, p99: 397 });
    now += 31_000; // the first second left the window
    s = k.snapshot();
    expect(s).toMatchObject({ attempts: 1, succeeded: 1, gmv_per_min: 25 });
    now += 60_000;
    expect(k.snapshot()).toMatchObject({ attempts: 0, success_rate: null, latency_ms: { p50: null, p95: null, p99: null } });
  });
});
