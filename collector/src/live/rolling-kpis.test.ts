// Guards the live KPIs: a 60 s window in processing time, success rate, GMV per minute, quantiles.
import type { PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { createFx } from '../lib/fx.js';
import { RollingKpis, accumulateKpis, emptyKpiDelta } from './rolling-kpis.js';

const ev = (status: PaymentEvent['status'], amount: number, latency: number) =>
  ({ status, amount_minor: amount, currency: 'USD', latency_ms: latency }) as PaymentEvent;

describe('RollingKpis', () => {
  it('aggregates the window and forgets older seconds', () => {
    let now = 1_000_000;
    const k = new RollingKpis(createFx('USD'), 60, () => now);
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
