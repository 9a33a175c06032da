import { outcomeOf, type LiveKpis, type PaymentEvent } from '@paywatch/contracts';
import type { Fx } from '../lib/fx.js';

/** Latencies kept per one-second slot for quantiles (a uniform sample beyond this). */
const MAX_LATENCIES_PER_SLOT = 500;

interface Slot {
  second: number;
  attempts: number;
  succeeded: number;
  failed: number;
  gmv: number;
  latencies: number[];
  seen: number;
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return Math.round((sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)) * 10) / 10;
}

/**
 * Rolling KPIs over the last `windowS` seconds of accepted events, in processing time (what an
 * on-call screen shows "now"). Memory is bounded: one slot per second, capped latency samples.
 */
export class RollingKpis {
  private readonly slots: Slot[];
  constructor(
    private readonly fx: Fx,
    private readonly windowS = 60,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.slots = Array.from({ length: windowS }, () => ({ second: -1, attempts: 0, succeeded: 0, failed: 0, gmv: 0, latencies: [], seen: 0 }));
  }

  private slot(second: number): Slot {
    const s = this.slots[second % this.windowS]!;
    if (s.second !== second) {
      s.second = second;
      s.attempts = s.succeeded = s.failed = s.gmv = s.seen = 0;
      s.latencies = [];
    }
    return s;
  }

  add(events: readonly PaymentEvent[]): void {
    const s = this.slot(Math.floor(this.now() / 1000));
    for (const e of events) {
      const o = outcomeOf(e.status);
      if (o === null) continue;
      s.attempts++;
      if (o === 'success') {
        s.succeeded++;
        s.gmv += this.fx.convertMinor(e.amount_minor, e.currency) ?? 0;
      } else s.failed++;
      if (e.latency_ms !== null) {
        s.seen++;
        if (s.latencies.length < MAX_LATENCIES_PER_SLOT) s.latencies.push(e.latency_ms);
        else {
          const j = Math.floor(this.random() * s.seen); // reservoir sampling
          if (j < MAX_LATENCIES_PER_SLOT) s.latencies[j] = e.latency_ms;
        }
      }
    }
  }

  snapshot(): LiveKpis {
    const nowMs = this.now();
    const current = Math.floor(nowMs / 1000);
    let attempts = 0, succeeded = 0, failed = 0, gmv = 0;
    const lat: number[] = [];
    for (const s of this.slots) {
      if (s.second < 0 || s.second <= current - this.windowS || s.second > current) continue;
      attempts += s.attempts;
      succeeded += s.succeeded;
      failed += s.failed;
      gmv += s.gmv;
      for (const l of s.latencies) lat.push(l);
    }
    lat.sort((a, b) => a - b);
    return {
      at: nowMs,
      window_s: this.windowS,
      payments_per_s: Math.round((attempts / this.windowS) * 100) / 100,
      attempts,
      succeeded,
      failed,
      success_rate: attempts === 0 ? null : succeeded / attempts,
      reporting_currency: this.fx.reportingCurrency,
      gmv_per_min: Math.round(((gmv * 60) / this.windowS) * 100) / 100,
      latency_ms: { p50: quantile(lat, 0.5), p95: quantile(lat, 0.95), p99: quantile(lat, 0.99) },
    };
  }
}
