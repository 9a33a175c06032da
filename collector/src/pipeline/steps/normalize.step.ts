import {
  CARD_BRANDS,
  CARD_FUNDING,
  CARD_WALLETS,
  CHANNELS,
  ENUM_ALIASES,
  EVENT_LIMITS,
  EVENT_VERSION,
  FAILURE_CATEGORIES,
  METHODS,
  PROVIDERS,
  STATUSES,
  canonicalEnum,
  parseTimestamp,
  type PaymentEvent,
  type PaymentEventInput,
  type Source,
} from '@paywatch/contracts';
import { ok, reject, type StepOutcome } from '../outcome.js';

const must = <T>(v: T | undefined, what: string): T => {
  // validateStep guarantees every enum spelling resolves; reaching this is a programming error.
  if (v === undefined) throw new Error(`normalize: ${what} did not resolve after validation`);
  return v;
};

/**
 * Step 2: canonical form. Enum aliases → canonical values, currency and countries upper-case,
 * timestamps → UTC epoch ms (range-checked), absent optional data → null. A failed payment
 * without a failure category gets `other` (the raw code, if any, is kept).
 */
export function normalizeStep(
  e: PaymentEventInput,
  ctx: { source: Source; receivedAt: number },
): StepOutcome<PaymentEvent> {
  const ts = parseTimestamp(e.ts);
  if (!Number.isFinite(ts)) return reject('ts', 'not a valid date-time');
  if (ts < EVENT_LIMITS.minTs)
    // A number in the range of epoch seconds since 2000 is almost surely seconds, not ms.
    return reject(
      'ts',
      typeof e.ts === 'number' && e.ts >= EVENT_LIMITS.minTs / 1000
        ? 'before 2000-01-01 as epoch milliseconds (this looks like epoch seconds: multiply by 1000)'
        : 'before 2000-01-01',
    );
  if (ts > ctx.receivedAt + EVENT_LIMITS.maxFutureMs) return reject('ts', 'more than 24 h in the future');

  const status = must(canonicalEnum(STATUSES, ENUM_ALIASES.status, e.status), 'status');
  let failure: PaymentEvent['failure'] = null;
  if (e.failure || status === 'failed') {
    const f = e.failure ?? {};
    failure = {
      category:
        f.category === undefined
          ? 'other'
          : must(canonicalEnum(FAILURE_CATEGORIES, {}, f.category), 'failure.category'),
      code: f.code === undefined ? null : String(f.code),
      message: f.message ?? null,
    };
  }
  const c = e.card;
  const card: PaymentEvent['card'] = c
    ? {
        brand:
          c.brand === undefined
            ? null
            : must(canonicalEnum(CARD_BRANDS, ENUM_ALIASES.card_brand, c.brand), 'card.brand'),
        bin: c.bin ?? null,
        last4: c.last4 ?? null,
        issuer_country: c.issuer_country?.trim().toUpperCase() ?? null,
        funding:
          c.funding === undefined ? null : must(canonicalEnum(CARD_FUNDING, {}, c.funding), 'card.funding'),
        wallet:
          c.wallet === undefined
            ? null
            : must(
                canonicalEnum(CARD_WALLETS, { applepay: 'apple_pay', googlepay: 'google_pay' }, c.wallet),
                'card.wallet',
              ),
      }
    : null;

  return ok({
    v: EVENT_VERSION,
    event_id: e.event_id.trim(),
    ts: Math.trunc(ts),
    received_at: ctx.receivedAt,
    source: ctx.source,
    payment_id: e.payment_id.trim(),
    attempt: e.attempt ?? 1,
    merchant_id: e.merchant_id.trim(),
    provider: must(canonicalEnum(PROVIDERS, ENUM_ALIASES.provider, e.provider), 'provider'),
    method: must(canonicalEnum(METHODS, ENUM_ALIASES.method, e.method), 'method'),
    channel:
      e.channel === undefined
        ? null
        : must(canonicalEnum(CHANNELS, ENUM_ALIASES.channel, e.channel), 'channel'),
    status,
    amount_minor: e.amount_minor,
    currency: e.currency.trim().toUpperCase(),
    failure,
    card,
    country: e.country?.trim().toUpperCase() ?? null,
    latency_ms: e.latency_ms ?? null,
    customer_ref: e.customer_ref ?? null,
    device_ref: e.device_ref ?? null,
    ip_ref: e.ip_ref ?? null,
    user_level: e.user_level ?? null,
    risk_score: e.risk_score ?? null,
    metadata: e.metadata ?? null,
  });
}
