// Guards the live KPIs: a 60 s window in processing time (the seconds since the start in the first minute), success rate, GMV per minute, quantiles.
import type { PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { createFx } from '../lib/fx.js';
import { RollingKpis, accumulateKpis, emptyKpiDelta } from './rolling-kpis.js';

const ev = (status: PaymentEvent['status'], amount: number, latency: number) =>
  ({ status, amount_minor: amount, currency: 'USD', latency_ms: latency }) as PaymentEvent;

describe('RollingKpis', () => {
  it('aggregates the window and forgets older seconds', () => {
    let now = 1_000_000 - 60_000; // started a minute ago: a full window
    const k = new RollingKpis(createFx('USD'), 60, () => now);
    now = 1_000_000;
    k.add([
      ev('succeeded', 1000, 100),
      ev('succeeded', 500, 200),
      ev('failed', 700, 300),
      ev('created', 900, 5000),
    ]);
    now += 30_000;
    k.add([ev('captured', 2500, 400)]);
    let s = k.snapshot();
    expect(s).toMatchObject({
      attempts: 4,
      succeeded: 3,
      failed: 1,
      success_rate: 0.75,
      gmv_per_min: 40,
      payments_per_s: 0.07,
    });
    expect(s.latency_ms).toEqual({ p50: 250, p95: 385, p99: 397 });
    now += 31_000; // the first second left the window
    s = k.snapshot();
    expect(s).toMatchObject({ attempts: 1, succeeded: 1, gmv_per_min: 25 });
    now += 60_000;
    expect(k.snapshot()).toMatchObject({
      attempts: 0,
      success_rate: null,
      latency_ms: { p50: null, p95: null, p99: null },
    });
  });
});

describe('RollingKpis in the first minute after a start', () => {
  it('rates cover the seconds since the start, not a full window (a fresh collector at 20/s shows 20/s, not a ramp)', () => {
    let now = 2_000_000;
    const k = new RollingKpis(createFx('USD'), 60, () => now);
    for (let s = 0; s < 30; s++) {
      k.add(Array.from({ length: 20 }, () => ev('succeeded', 100, 100))); // 20 attempts/s of $1
      if (s < 29) now += 1000;
    }
    expect(k.snapshot()).toMatchObject({
      window_s: 30,
      attempts: 600,
      payments_per_s: 20,
      gmv_per_min: 1200,
    });
    now += 70_000; // later, with the first seconds out of the window, the rates are over 60 s again
    k.add([ev('succeeded', 100, 100)]);
    expect(k.snapshot()).toMatchObject({ window_s: 60, attempts: 1, payments_per_s: 0.02, gmv_per_min: 1 });
  });
});

describe('KPI deltas between collectors', () => {
  it('a peer delta counts like the same events added locally', () => {
    const fx = createFx('USD');
    const events = [
      ev('succeeded', 1000, 100),
      ev('failed', 700, 300),
      ev('created', 900, 5000),
      ev('captured', 2500, 200),
    ];
    const local = new RollingKpis(fx, 60, () => 5_000_000);
    local.add(events);
    const delta = emptyKpiDelta();
    accumulateKpis(delta, events, fx);
    expect(delta).toMatchObject({ attempts: 3, succeeded: 2, failed: 1, gmv: 35, seen: 3 });
    const peer = new RollingKpis(fx, 60, () => 5_000_000);
    peer.addDelta(JSON.parse(JSON.stringify(delta)));
    expect(peer.snapshot()).toEqual(local.snapshot());
  });
});
