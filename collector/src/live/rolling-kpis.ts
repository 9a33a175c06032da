import { outcomeOf, type LiveKpis, type PaymentEvent } from '@paywatch/contracts';
import type { Fx } from '../lib/fx.js';

/** Latencies kept per one-second slot for quantiles (a uniform sample beyond this). */
const MAX_LATENCIES_PER_SLOT = 500;

/**
 * Counts of accepted events in the reporting currency, with a uniform latency sample: what one
 * collector sends its peers (through the socket.io adapter) so every collector's KPIs cover the
 * whole cluster.
 */
export interface KpiDelta {
  attempts: number;
  succeeded: number;
  failed: number;
  gmv: number;
  /** A uniform sample (at most MAX_LATENCIES_PER_SLOT) of the `seen` latencies. */
  latencies: number[];
  seen: number;
}

interface Slot extends KpiDelta {
  second: number;
}

/** An empty delta. */
export function emptyKpiDelta(): KpiDelta {
  return { attempts: 0, succeeded: 0, failed: 0, gmv: 0, latencies: [], seen: 0 };
}

/** Adds the KPI contribution of `events` to `into` (reservoir-sampled latencies). */
export function accumulateKpis(
  into: KpiDelta,
  events: readonly Pick<PaymentEvent, 'status' | 'amount_minor' | 'currency' | 'latency_ms'>[],
  fx: Fx,
  random: () => number = Math.random,
): void {
  for (const e of events) {
    const o = outcomeOf(e.status);
    if (o === null) continue;
    into.attempts++;
    if (o === 'success') {
      into.succeeded++;
      into.gmv += fx.convertMinor(e.amount_minor, e.currency) ?? 0;
    } else into.failed++;
    if (e.latency_ms !== null) addLatency(into, e.latency_ms, random);
  }
}

function addLatency(into: KpiDelta, latency: number, random: () => number): void {
  into.seen++;
  if (into.latencies.length < MAX_LATENCIES_PER_SLOT) into.latencies.push(latency);
  else {
    const j = Math.floor(random() * into.seen); // reservoir sampling
    if (j < MAX_LATENCIES_PER_SLOT) into.latencies[j] = latency;
  }
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
 * In the first `windowS` seconds after construction (a collector start) the window is the time
 * since then: dividing those seconds' counts by the full window would show a rate climbing from 0
 * to its real value over a minute — a ramp, or a drop after a restart, that never happened.
 */
export class RollingKpis {
  private readonly slots: Slot[];
  /** The second this instance started counting. */
  private readonly since: number;
  constructor(
    private readonly fx: Fx,
    private readonly windowS = 60,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.since = Math.floor(now() / 1000);
    this.slots = Array.from({ length: windowS }, () => ({
      second: -1,
      attempts: 0,
      succeeded: 0,
      failed: 0,
      gmv: 0,
      latencies: [],
      seen: 0,
    }));
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
    accumulateKpis(this.slot(Math.floor(this.now() / 1000)), events, this.fx, this.random);
  }

  /** Adds a peer collector's delta to the current second (its latency sample joins this slot's). */
  addDelta(d: KpiDelta): void {
    const s = this.slot(Math.floor(this.now() / 1000));
    s.attempts += d.attempts;
    s.succeeded += d.succeeded;
    s.failed += d.failed;
    s.gmv += d.gmv;
    for (const l of d.latencies) addLatency(s, l, this.random);
  }

  snapshot(): LiveKpis {
    const nowMs = this.now();
    const current = Math.floor(nowMs / 1000);
    let attempts = 0,
      succeeded = 0,
      failed = 0,
      gmv = 0;
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
    // Seconds the window covers: the whole window, or the seconds since the start (current one included).
    const span = Math.max(1, Math.min(this.windowS, current - this.since + 1));
    return {
      at: nowMs,
      window_s: span,
      payments_per_s: Math.round((attempts / span) * 100) / 100,
      attempts,
      succeeded,
      failed,
      success_rate: attempts === 0 ? null : succeeded / attempts,
      reporting_currency: this.fx.reportingCurrency,
      gmv_per_min: Math.round(((gmv * 60) / span) * 100) / 100,
      latency_ms: { p50: quantile(lat, 0.5), p95: quantile(lat, 0.95), p99: quantile(lat, 0.99) },
    };
  }
}
