import { PaymentEventSchema, type Dimension, type PaymentEvent } from '@paywatch/contracts';

/**
 * The one row shape of the embedded (DuckDB) table `payment_events`: the payment event with
 * its nested `failure` and `card` objects flattened into columns and `metadata` as JSON text.
 * `toRow` / `fromRow` are the only places that know how an event maps onto a row.
 */
export interface PaymentEventRow {
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
  /** `JSON.stringify(metadata)`, or null. */
  metadata: string | null;
}

/** How a column is stored and appended. */
export type ColumnKind = 'text' | 'bigint' | 'int' | 'double' | 'bool';

/**
 * Every column of the row, in table order, with its kind and whether it may be null. Typed
 * against `PaymentEventRow`, so adding a field without a column (or the reverse) fails to compile.
 */
export const ROW_COLUMNS = {
  event_id: { kind: 'text', nullable: false },
  v: { kind: 'int', nullable: false },
  ts: { kind: 'bigint', nullable: false },
  received_at: { kind: 'bigint', nullable: false },
  source: { kind: 'text', nullable: false },
  payment_id: { kind: 'text', nullable: false },
  attempt: { kind: 'int', nullable: false },
  merchant_id: { kind: 'text', nullable: false },
  provider: { kind: 'text', nullable: false },
  method: { kind: 'text', nullable: false },
  channel: { kind: 'text', nullable: true },
  status: { kind: 'text', nullable: false },
  amount_minor: { kind: 'bigint', nullable: false },
  currency: { kind: 'text', nullable: false },
  failure_category: { kind: 'text', nullable: true },
  failure_code: { kind: 'text', nullable: true },
  failure_message: { kind: 'text', nullable: true },
  has_card: { kind: 'bool', nullable: false },
  card_brand: { kind: 'text', nullable: true },
  card_bin: { kind: 'text', nullable: true },
  card_last4: { kind: 'text', nullable: true },
  card_issuer_country: { kind: 'text', nullable: true },
  card_funding: { kind: 'text', nullable: true },
  card_wallet: { kind: 'text', nullable: true },
  country: { kind: 'text', nullable: true },
  latency_ms: { kind: 'double', nullable: true },
  customer_ref: { kind: 'text', nullable: true },
  device_ref: { kind: 'text', nullable: true },
  ip_ref: { kind: 'text', nullable: true },
  user_level: { kind: 'text', nullable: true },
  risk_score: { kind: 'double', nullable: true },
  metadata: { kind: 'text', nullable: true },
} as const satisfies Record<keyof PaymentEventRow, { kind: ColumnKind; nullable: boolean }>;

export type ColumnName = keyof PaymentEventRow;

/** Column names in table order (the order of `ROW_COLUMNS`). */
export const COLUMN_NAMES = Object.keys(ROW_COLUMNS) as ColumnName[];

/**
 * The column behind each read-API dimension. Query builders take identifiers only from this
 * map, never from input.
 */
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
export function toRow(e: PaymentEvent): PaymentEventRow {
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

/** A value as DuckDB hands it back (BIGINT arrives as `bigint`). */
function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  throw new TypeError(`expected a number, got ${typeof v}`);
}

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  throw new TypeError(`expected a string, got ${typeof v}`);
}

/**
 * Rebuilds the event from a row read back from the table (values as the DuckDB JS converter
 * returns them) and validates it with the contract schema: a row that does not make a valid
 * event is an error, not something to pass on.
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
      r.has_card === true
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
    latency_ms: num(r.latency_ms),
    customer_ref: str(r.customer_ref),
    device_ref: str(r.device_ref),
    ip_ref: str(r.ip_ref),
    user_level: str(r.user_level),
    risk_score: num(r.risk_score),
    metadata: metadata === null ? null : (JSON.parse(metadata) as unknown),
  });
}
