import { PaymentEventSchema, type Dimension, type PaymentEvent } from '@paywatch/contracts';

/**
 * The one row shape of the ClickHouse table `payment_events`: the event with `failure` and
 * `card` flattened into columns and `metadata` as JSON text. `toRow` / `fromRow` are the only
 * places that know how an event maps onto a row; the column list for DDL and SELECT comes from
 * `ROW_COLUMNS`.
 */
export interface ClickHouseRow {
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
  /** 1 when the event carried a `card` object (its fields may all be null). */
  has_card: number;
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

/**
 * Every column with its ClickHouse type, in table order. Typed against `ClickHouseRow`, so a
 * field without a column (or the reverse) fails to compile. Types valid on 18.16 and 24.x+.
 */
export const ROW_COLUMNS = {
  event_id: 'String',
  v: 'UInt8',
  ts: 'Int64',
  received_at: 'Int64',
  source: 'String',
  payment_id: 'String',
  attempt: 'UInt16',
  merchant_id: 'String',
  provider: 'String',
  method: 'String',
  channel: 'Nullable(String)',
  status: 'String',
  amount_minor: 'Int64',
  currency: 'String',
  failure_category: 'Nullable(String)',
  failure_code: 'Nullable(String)',
  failure_message: 'Nullable(String)',
  has_card: 'UInt8',
  card_brand: 'Nullable(String)',
  card_bin: 'Nullable(String)',
  card_last4: 'Nullable(String)',
  card_issuer_country: 'Nullable(String)',
  card_funding: 'Nullable(String)',
  card_wallet: 'Nullable(String)',
  country: 'Nullable(String)',
  latency_ms: 'Nullable(Float64)',
  customer_ref: 'Nullable(String)',
  device_ref: 'Nullable(String)',
  ip_ref: 'Nullable(String)',
  user_level: 'Nullable(String)',
  risk_score: 'Nullable(Float64)',
  metadata: 'Nullable(String)',
} as const satisfies Record<keyof ClickHouseRow, string>;

export type ColumnName = keyof ClickHouseRow;
export const COLUMN_NAMES = Object.keys(ROW_COLUMNS) as ColumnName[];

/** The column behind each read-API dimension (identifiers come only from here). */
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
} as const satisfies Record<Dimension, ColumnName>;

/** Flattens a normalized event into a row. */
export function toRow(e: PaymentEvent): ClickHouseRow {
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
    has_card: c === null ? 0 : 1,
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

/** A number as ClickHouse JSON returns it: 64-bit integers arrive as strings. */
export function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  throw new TypeError(`expected a number, got ${JSON.stringify(v)}`);
}

/**
 * A Float64 column read back. ClickHouse 18.16's text parser is not correctly rounded (1.64 is
 * stored as 1.6400000000000001), so a value within a few ulps of its 15-significant-digit form
 * is returned in that form: what a client sent with ≤ 15 significant digits comes back exactly.
 */
export function float(v: unknown): number | null {
  const n = num(v);
  if (n === null || n === 0) return n;
  const short = Number(n.toPrecision(15));
  const ulp = Math.abs(n) * Number.EPSILON;
  return Math.abs(short - n) <= 4 * ulp ? short : n;
}

export function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  throw new TypeError(`expected a string, got ${typeof v}`);
}

/**
 * Rebuilds the event from a row read back as JSON and validates it with the contract schema:
 * a row that does not make a valid event is an error, not something to pass on.
 */
export function fromRow(r: Readonly<Record<string, unknown>>): PaymentEvent {
  const failureCategory = str(r.failure_category);
  const metadata = str(r.metadata);
  return PaymentEventSchema.parse({
    v: num(r.v),
    event_id: str(r.event_id),
    ts: num(r.ts),
    received_at: num(r.received_at),
    source: str(r.source),
    payment_id: str(r.payment_id),
    attempt: num(r.attempt),
    merchant_id: str(r.merchant_id),
    provider: str(r.provider),
    method: str(r.method),
    channel: str(r.channel),
    status: str(r.status),
    amount_minor: num(r.amount_minor),
    currency: str(r.currency),
    failure:
      failureCategory === null
        ? null
        : { category: failureCategory, code: str(r.failure_code), message: str(r.failure_message) },
    card:
      num(r.has_card) === 1
        ? {
            brand: str(r.card_brand),
            bin: str(r.card_bin),
            last4: str(r.card_last4),
            issuer_country: str(r.card_issuer_country),
            funding: str(r.card_funding),
            wallet: str(r.card_wallet),
          }
        : null,
    country: str(r.country),
    latency_ms: float(r.latency_ms),
    customer_ref: str(r.customer_ref),
    device_ref: str(r.device_ref),
    ip_ref: str(r.ip_ref),
    user_level: str(r.user_level),
    risk_score: float(r.risk_score),
    metadata: metadata === null ? null : (JSON.parse(metadata) as unknown),
  });
}
