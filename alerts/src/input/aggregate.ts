import { TECHNICAL_FAILURE_CATEGORIES, outcomeOf, toMajorUnits } from '@paywatch/contracts';
import type { PaymentEvent } from '@paywatch/contracts';
import { MAX_CONTRIB, MAX_SAMPLES } from '../detect/types.js';
import type { MinuteAggregate } from '../detect/types.js';
import { maskId } from '../lib/mask.js';

/** Converts amounts into the reporting currency with a fixed rate table (1 for the reporting currency itself). */
export interface FxConverter {
  toReporting(amountMinor: number, currency: string): number;
  /** Currencies seen without a rate (amounts counted as 0). */
  missing(): string[];
}

export function createFx(reporting: string, rates: Readonly<Record<string, number>>): FxConverter {
  const missing = new Set<string>();
  return {
    toReporting(amountMinor, currency) {
      let major: number;
      try {
        major = toMajorUnits(amountMinor, currency);
      } catch {
        missing.add(currency);
        return 0;
      }
      if (currency === reporting) return major;
      const r = rates[currency];
      if (r === undefined) {
        missing.add(currency);
        return 0;
      }
      return major * r;
    },
    missing: () => [...missing],
  };
}

const TECH = new Set<string>(TECHNICAL_FAILURE_CATEGORIES);
/** Dimensions recorded for "top contributing dimensions" of failed attempts. */
const CONTRIB_DIMS: ((e: PaymentEvent) => string | null)[] = [
  (e) => (e.failure ? `failure_category=${e.failure.category}` : null),
  (e) => `method=${e.method}`,
  (e) => (e.country ? `country=${e.country}` : null),
  (e) => (e.card?.bin ? `bin=${e.card.bin}` : null),
  (e) => (e.card?.issuer_country ? `issuer_country=${e.card.issuer_country}` : null),
  (e) => `provider=${e.provider}`,
];

/**
 * Adds one event to a minute aggregate. Only outcome events (succeeded/captured/failed) are
 * attempts; lifecycle statuses are ignored. Returns false for ignored events.
 */
export function addEvent(agg: MinuteAggregate, e: PaymentEvent, amountReporting: number): boolean {
  const outcome = outcomeOf(e.status);
  if (outcome === null) return false;
  agg.attempts++;
  agg.attempted_amount += amountReporting;
  if (e.latency_ms !== null) {
    agg.latency_sum += e.latency_ms;
    agg.latency_n++;
  }
  for (let i = 1; i < CONTRIB_DIMS.length; i++) {
    const k = CONTRIB_DIMS[i]?.(e);
    if (k != null && (k in agg.contrib_attempts || Object.keys(agg.contrib_attempts).length < MAX_CONTRIB * 2)) agg.contrib_attempts[k] = (agg.contrib_attempts[k] ?? 0) + 1;
  }
  if (outcome === 'success') {
    agg.succeeded++;
    agg.gmv += amountReporting;
  } else {
    agg.failed++;
    const cat = e.failure?.category ?? 'other';
    agg.failures[cat] = (agg.failures[cat] ?? 0) + 1;
    if (TECH.has(cat)) agg.technical_failed++;
    for (const f of CONTRIB_DIMS) {
      const k = f(e);
      if (k !== null && (k in agg.contrib || Object.keys(agg.contrib).length < MAX_CONTRIB)) agg.contrib[k] = (agg.contrib[k] ?? 0) + 1;
    }
  }
  // Samples: failed attempts first (they explain an incident), else any.
  if (agg.samples.length < MAX_SAMPLES && (outcome === 'failure' || agg.samples.length < 2)) {
    const id = maskId(e.payment_id);
    if (!agg.samples.includes(id)) agg.samples.push(id);
  }
  return true;
}
