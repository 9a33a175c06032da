import { PaymentEventSchema, type Dimension, type PaymentEvent } from '@paywatch/contracts';

/**
 * The payment event flattened into columns, shared by every backend: `failure` and `card`
 * become prefixed columns (`has_card` keeps a card whose fields are all null apart from no
 * card), `metadata` is JSON text. Each backend adapts only the physical types (e.g. ClickHouse
 * stores `has_card` as 0/1) and how it decodes values read back.
 */
export interface FlatEvent {
  event_id: string;
  v: number;
  ts: number;
  received_at: number;
  source: string;
  payment_id: string;
  attempt: number;
  merchant_id: string;
  provider: string;
  method: string;
  channel: string | null;
  status: string;
  amount_minor: number;
  currency: string;
  failure_category: string | null;
  failure_code: string | null;
  failure_message: string | null;
  /** Whether the event carried a `card` object (its fields may all be null). */
  has_card: boolean;
  card_brand: string | null;
  card_bin: string | null;
  card_last4: string | null;
  card_issuer_country: string | null;
  card_funding: string | null;
  card_wallet: string | null;
  country: string | null;
  latency_ms: number | null;
  customer_ref: string | null;
  device_ref: string | null;
  ip_ref: string | null;
  user_level: string | null;
  risk_score: number | null;
  metadata: string | null;
}

/** The column behind each read-API dimension. Query builders take identifiers only from here. */
export const DIMENSION_COLUMNS = {
  provider: 'provider',
  method: 'method',
  channel: 'channel',
  status: 'status',
  country: 'country',
  currency: 'currency',
  merchant_id: 'merchant_id',
  card_brand: 'card_brand',
  card_bin: 'card_bin',
  card_issuer_country: 'card_issuer_country',
  card_wallet: 'card_wallet',
  failure_category: 'failure_category',
  user_level: 'user_level',
} as const satisfies Record<Dimension, keyof FlatEvent>;

/** Flattens a normalized event into columns. */
export function flattenEvent(e: PaymentEvent): FlatEvent {
  const f = e.failure;
  const c = e.card;
  return {
    event_id: e.event_id,
    v: e.v,
    ts: e.ts,
    received_at: e.received_at,
    source: e.source,
    payment_id: e.payment_id,
    attempt: e.attempt,
    merchant_id: e.merchant_id,
    provider: e.provider,
    method: e.method,
    channel: e.channel,
    status: e.status,
    amount_minor: e.amount_minor,
    currency: e.currency,
    failure_category: f ? f.category : null,
    failure_code: f ? f.code : null,
    failure_message: f ? f.message : null,
    has_card: c !== null,
    card_brand: c ? c.brand : null,
    card_bin: c ? c.bin : null,
    card_last4: c ? c.last4 : null,
    card_issuer_country: c ? c.issuer_country : null,
    card_funding: c ? c.funding : null,
    card_wallet: c ? c.wallet : null,
    country: e.country,
    latency_ms: e.latency_ms,
    customer_ref: e.customer_ref,
    device_ref: e.device_ref,
    ip_ref: e.ip_ref,
    user_level: e.user_level,
    risk_score: e.risk_score,
    metadata: e.metadata === null ? null : JSON.stringify(e.metadata),
  };
}

/** How a backend decodes the values its driver hands back. */
export interface ColumnDecoders {
  num(v: unknown): number | null;
  /** Float columns (a backend may need to undo imprecise text parsing). */
  float(v: unknown): number | null;
  str(v: unknown): string | null;
  /** The `has_card` column as stored. */
  hasCard(v: unknown): boolean;
}

/**
 * Rebuilds the event from a row read back and validates it with the contract schema: a row
 * that does not make a valid event is an error, not something to pass on.
 */
export function eventFromColumns(r: Readonly<Record<string, unknown>>, d: ColumnDecoders): PaymentEvent {
  const failureCategory = d.str(r.failure_category);
  const metadata = d.str(r.metadata);
  return PaymentEventSchema.parse({
    v: d.num(r.v),
    event_id: d.str(r.event_id),
    ts: d.num(r.ts),
    received_at: d.num(r.received_at),
    source: d.str(r.source),
    payment_id: d.str(r.payment_id),
    attempt: d.num(r.attempt),
    merchant_id: d.str(r.merchant_id),
    provider: d.str(r.provider),
    method: d.str(r.method),
    channel: d.str(r.channel),
    status: d.str(r.status),
    amount_minor: d.num(r.amount_minor),
    currency: d.str(r.currency),
    failure:
      failureCategory === null
        ? null
        : { category: failureCategory, code: d.str(r.failure_code), message: d.str(r.failure_message) },
    card: d.hasCard(r.has_card)
      ? {
          brand: d.str(r.card_brand),
          bin: d.str(r.card_bin),
          last4: d.str(r.card_last4),
          issuer_country: d.str(r.card_issuer_country),
          funding: d.str(r.card_funding),
          wallet: d.str(r.card_wallet),
        }
      : null,
    country: d.str(r.country),
    latency_ms: d.float(r.latency_ms),
    customer_ref: d.str(r.customer_ref),
    device_ref: d.str(r.device_ref),
    ip_ref: d.str(r.ip_ref),
    user_level: d.str(r.user_level),
    risk_score: d.float(r.risk_score),
    metadata: metadata === null ? null : (JSON.parse(metadata) as unknown),
  });
}
