import { TECHNICAL_FAILURE_CATEGORIES, outcomeOf, toMajorUnits } from '@paywatch/contracts';
import type { PaymentEvent } from '@paywatch/contracts';
import {
  MAX_CONTRIB,
  MAX_SAMPLES,
  notePayment,
  OUTCOME_FAILED,
  OUTCOME_SUCCESS,
  OUTCOME_TECHNICAL,
} from '../detect/types.js';
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

/**
 * The `dimension=value` keys of an event for "top contributing dimensions", computed once per
 * event and shared by every rule (index 0 is the failure category, null for a success).
 */
export function contribKeys(e: PaymentEvent): (string | null)[] {
  return [
    e.failure ? `failure_category=${e.failure.category}` : null,
    `method=${e.method}`,
    e.country ? `country=${e.country}` : null,
    e.card?.bin ? `bin=${e.card.bin}` : null,
    e.card?.issuer_country ? `issuer_country=${e.card.issuer_country}` : null,
    `provider=${e.provider}`,
  ];
}

/**
 * Adds one event to a minute aggregate. Only outcome events (succeeded/captured/failed) are
 * attempts; lifecycle statuses are ignored. Returns false for ignored events. `keys` comes
 * from `contribKeys(e)`; `maskedId` from `maskId(e.payment_id)` (both computed once per event).
 */
export function addEvent(
  agg: MinuteAggregate,
  e: PaymentEvent,
  amountReporting: number,
  keys: (string | null)[] = contribKeys(e),
  maskedId?: string,
): boolean {
  const outcome = outcomeOf(e.status);
  if (outcome === null) return false;
  agg.attempts++;
  agg.attempted_amount += amountReporting;
  if (e.latency_ms !== null) {
    agg.latency_sum += e.latency_ms;
    agg.latency_n++;
    agg.latency_log_sum += Math.log(Math.max(e.latency_ms, 1));
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    if (k != null && (agg.contrib_attempts.size < MAX_CONTRIB * 2 || agg.contrib_attempts.has(k)))
      agg.contrib_attempts.set(k, (agg.contrib_attempts.get(k) ?? 0) + 1);
  }
  if (outcome === 'success') {
    agg.succeeded++;
    agg.gmv += amountReporting;
    // A first attempt's success supersedes nothing: only a retry's is recorded (most attempts
    // are first attempts that succeed, and this runs for every series rule of every event).
    if (e.attempt > 1) notePayment(agg, e.payment_id, OUTCOME_SUCCESS);
  } else {
    agg.failed++;
    const cat = e.failure?.category ?? 'other';
    agg.failures[cat] = (agg.failures[cat] ?? 0) + 1;
    const tech = TECH.has(cat);
    if (tech) agg.technical_failed++;
    notePayment(agg, e.payment_id, tech ? OUTCOME_TECHNICAL : OUTCOME_FAILED);
    for (const k of keys) {
      if (k != null && (agg.contrib.size < MAX_CONTRIB || agg.contrib.has(k)))
        agg.contrib.set(k, (agg.contrib.get(k) ?? 0) + 1);
    }
  }
  // Samples: failed attempts first (they explain an incident), else any.
  if (agg.samples.length < MAX_SAMPLES && (outcome === 'failure' || agg.samples.length < 2)) {
    const id = maskedId ?? maskId(e.payment_id);
    if (!agg.samples.includes(id)) agg.samples.push(id);
  }
  return true;
}

/**
 * Takes back an event `addEvent` added to `agg` with the same `amountReporting`, `keys` and
 * `maskedId` (the engine retracts the first attempts of a card-testing burst, seen before it
 * qualified, from minutes not yet judged). Counts and sums are restored exactly; the event's
 * contributor counts are taken off, and its sample id removed. Returns false for a non-attempt.
 */
export function removeEvent(
  agg: MinuteAggregate,
  e: PaymentEvent,
  amountReporting: number,
  keys: (string | null)[] = contribKeys(e),
  maskedId?: string,
): boolean {
  const outcome = outcomeOf(e.status);
  if (outcome === null) return false;
  agg.attempts--;
  agg.attempted_amount -= amountReporting;
  if (e.latency_ms !== null) {
    agg.latency_sum -= e.latency_ms;
    agg.latency_n--;
    agg.latency_log_sum -= Math.log(Math.max(e.latency_ms, 1));
  }
  const dec = (m: Map<string, number>, k: string | null): void => {
    if (k == null) return;
    const v = m.get(k);
    if (v === undefined) return;
    if (v <= 1) m.delete(k);
    else m.set(k, v - 1);
  };
  for (let i = 1; i < keys.length; i++) dec(agg.contrib_attempts, keys[i] ?? null);
  // Its payment entry: the latest one of that payment with the same outcome.
  const code =
    outcome === 'success'
      ? OUTCOME_SUCCESS
      : TECH.has(e.failure?.category ?? 'other')
        ? OUTCOME_TECHNICAL
        : OUTCOME_FAILED;
  for (let i = outcome === 'success' && e.attempt <= 1 ? -1 : agg.payments.length - 1; i >= 0; i--)
    if (agg.payments[i] === e.payment_id && agg.payment_outcomes[i] === code) {
      agg.payments.splice(i, 1);
      agg.payment_outcomes.splice(i, 1);
      break;
    }
  if (outcome === 'success') {
    agg.succeeded--;
    agg.gmv -= amountReporting;
  } else {
    agg.failed--;
    const cat = e.failure?.category ?? 'other';
    const n = (agg.failures[cat] ?? 0) - 1;
    if (n > 0) agg.failures[cat] = n;
    else delete agg.failures[cat];
    if (TECH.has(cat)) agg.technical_failed--;
    for (const k of keys) dec(agg.contrib, k);
  }
  const id = maskedId ?? maskId(e.payment_id);
  const at = agg.samples.indexOf(id);
  if (at >= 0) agg.samples.splice(at, 1);
  return true;
}
