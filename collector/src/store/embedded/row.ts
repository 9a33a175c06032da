import type { PaymentEvent } from '@paywatch/contracts';
import { DIMENSION_COLUMNS, eventFromColumns, flattenEvent, type FlatEvent } from '../flat-event.js';

/** The embedded table's row: the shared flat event (DuckDB stores `has_card` as BOOLEAN). */
export type PaymentEventRow = FlatEvent;

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

export { DIMENSION_COLUMNS };

/** Flattens a normalized event into a row. */
export const toRow: (e: PaymentEvent) => PaymentEventRow = flattenEvent;

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

/** Rebuilds and validates the event from a row as the DuckDB JS converter returns it. */
export function fromRow(r: Readonly<Record<string, unknown>>): PaymentEvent {
  return eventFromColumns(r, { num, float: num, str, hasCard: (v) => v === true });
}
