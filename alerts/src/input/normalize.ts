import {
  CARD_BRANDS,
  CARD_FUNDING,
  CARD_WALLETS,
  CHANNELS,
  ENUM_ALIASES,
  EVENT_VERSION,
  FAILURE_CATEGORIES,
  METHODS,
  PROVIDERS,
  PaymentEventInputSchema,
  PaymentEventSchema,
  STATUSES,
  canonicalEnum,
  parseTimestamp,
} from '@paywatch/contracts';
import type { PaymentEvent } from '@paywatch/contracts';

/**
 * Turns one line of a replay file into a normalized event: either an already-normalized
 * `PaymentEvent` (as the store exports) or a client `PaymentEventInput` (as the simulator
 * writes), canonicalised the way the collector's normalize step does (aliases, upper-case
 * codes, nulls for absent data). Returns an error message for an invalid record. The
 * collector's own pipeline can be injected instead (see replayCommand).
 */
export function normalizeReplayRecord(raw: unknown, receivedAt: number): PaymentEvent | string {
  // An exported normalized event has epoch-ms ts and received_at; only then try that schema
  // (a failed zod parse is expensive, and most replay files hold client inputs).
  if (
    raw !== null &&
    typeof raw === 'object' &&
    'received_at' in raw &&
    typeof (raw as { ts?: unknown }).ts === 'number'
  ) {
    const asEvent = PaymentEventSchema.safeParse(raw);
    if (asEvent.success) return asEvent.data;
  }
  const p = PaymentEventInputSchema.safeParse(raw);
  if (!p.success)
    return p.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  const e = p.data;
  const ts = parseTimestamp(e.ts);
  if (!Number.isFinite(ts)) return 'ts: not a valid date-time';
  const en = <T extends string>(
    vals: readonly T[],
    aliases: Readonly<Record<string, string>>,
    v: string,
  ): T => canonicalEnum(vals, aliases, v) as T;
  const status = en(STATUSES, ENUM_ALIASES.status, e.status);
  const c = e.card;
  return {
    v: EVENT_VERSION,
    event_id: e.event_id,
    ts,
    received_at: receivedAt,
    source: 'replay',
    payment_id: e.payment_id,
    attempt: e.attempt ?? 1,
    merchant_id: e.merchant_id,
    provider: en(PROVIDERS, ENUM_ALIASES.provider, e.provider),
    method: en(METHODS, ENUM_ALIASES.method, e.method),
    channel: e.channel === undefined ? null : en(CHANNELS, ENUM_ALIASES.channel, e.channel),
    status,
    amount_minor: e.amount_minor,
    currency: e.currency.trim().toUpperCase(),
    failure:
      e.failure || status === 'failed'
        ? {
            category:
              e.failure?.category === undefined ? 'other' : en(FAILURE_CATEGORIES, {}, e.failure.category),
            code: e.failure?.code === undefined ? null : String(e.failure.code),
            message: e.failure?.message ?? null,
          }
        : null,
    card: c
      ? {
          brand: c.brand === undefined ? null : en(CARD_BRANDS, ENUM_ALIASES.card_brand, c.brand),
          bin: c.bin ?? null,
          last4: c.last4 ?? null,
          issuer_country: c.issuer_country?.trim().toUpperCase() ?? null,
          funding: c.funding === undefined ? null : en(CARD_FUNDING, {}, c.funding),
          wallet:
            c.wallet === undefined
              ? null
              : en(CARD_WALLETS, { applepay: 'apple_pay', googlepay: 'google_pay' }, c.wallet),
        }
      : null,
    country: e.country?.trim().toUpperCase() ?? null,
    latency_ms: e.latency_ms ?? null,
    customer_ref: e.customer_ref ?? null,
    device_ref: e.device_ref ?? null,
    ip_ref: e.ip_ref ?? null,
    user_level: e.user_level ?? null,
    risk_score: e.risk_score ?? null,
    metadata: null,
  };
}
