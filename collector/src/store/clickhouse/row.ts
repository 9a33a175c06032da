import { wellFormed, type PaymentEvent } from '@paywatch/contracts';
import { DIMENSION_COLUMNS, eventFromColumns, flattenEvent, type FlatEvent } from '../flat-event.js';

/** The ClickHouse table's row: the shared flat event with `has_card` as UInt8 (0/1). */
export type ClickHouseRow = Omit<FlatEvent, 'has_card'> & { has_card: number };

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

export { DIMENSION_COLUMNS };

/** Flattens a normalized event into a row. */
export function toRow(e: PaymentEvent): ClickHouseRow {
  // The flat event is ours: retype `has_card` in place (no copy; ingest serializes every event).
  const f: Omit<FlatEvent, 'has_card'> & { has_card: boolean | number } = flattenEvent(e);
  f.has_card = f.has_card ? 1 : 0;
  return f as ClickHouseRow;
}

// JSON.stringify writes a lone UTF-16 surrogate as a `\udXXX` escape (a pair is written as
// itself), and ClickHouse refuses the whole INSERT that carries one (18.16: Code 25), which the
// spool would retry forever. A line without this substring is clean; one with it (a lone
// surrogate, or an escaped backslash before "ud", or one inside the metadata JSON text) is
// rewritten with every text column well formed — U+FFFD, as the embedded store keeps them.
const ESCAPED_SURROGATE = '\\ud';
const wellFormedColumns = (_key: string, v: unknown): unknown => (typeof v === 'string' ? wellFormed(v) : v);

/** One JSONEachRow line of a row, never with a lone surrogate in a text column. */
function rowLine(row: ClickHouseRow | Record<string, unknown>): string {
  const line = JSON.stringify(row);
  return line.indexOf(ESCAPED_SURROGATE) === -1 ? line : JSON.stringify(row, wellFormedColumns);
}

/**
 * JSONEachRow lines of the events (one per event, each ending in `\n`): what an INSERT sends.
 * Text columns are well formed (a lone surrogate becomes U+FFFD); `metadata` is JSON text, where
 * one stays a plain-ASCII escape (as in the embedded store).
 */
export function toRowLines(events: readonly PaymentEvent[]): Buffer {
  const lines = new Array<string>(events.length);
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    const line = rowLine(toRow(events[i]!));
    lines[i] = line;
    bytes += Buffer.byteLength(line) + 1;
  }
  // One allocation for the whole record (no joined intermediate string).
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const line of lines) {
    at += out.write(line, at);
    out[at++] = 10;
  }
  return out;
}

/**
 * Spooled lines (`toRowLines` output) with the same guarantee: lines written by a collector
 * before text columns were made well formed may carry `"\ud800"`, which ClickHouse refuses.
 * Returns `chunks` itself when no line needs a change (one byte search per chunk); a line that is
 * not JSON is left as it is (ClickHouse refuses it, and the spool dead-letters the batch).
 */
export function wellFormedLines(chunks: readonly Buffer[]): readonly Buffer[] {
  if (!chunks.some((c) => c.includes(ESCAPED_SURROGATE))) return chunks;
  const out: string[] = [];
  for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
    if (line === '' || !line.includes(ESCAPED_SURROGATE)) {
      out.push(line);
      continue;
    }
    try {
      out.push(rowLine(JSON.parse(line) as Record<string, unknown>));
    } catch {
      out.push(line);
    }
  }
  return [Buffer.from(out.join('\n'), 'utf8')];
}

/** The events of `toRowLines` output, validated (the spool's crash replay and dead letters). */
export function fromRowLines(lines: Buffer): PaymentEvent[] {
  const out: PaymentEvent[] = [];
  for (const line of lines.toString('utf8').split('\n')) {
    // Our own serialization: floats are exact here (no 18.16 text-parser rounding to undo).
    if (line !== '')
      out.push(
        eventFromColumns(JSON.parse(line) as Record<string, unknown>, {
          num,
          float: num,
          str,
          hasCard: (v) => num(v) === 1,
        }),
      );
  }
  return out;
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

/** Rebuilds and validates the event from a row read back as JSON. */
export function fromRow(r: Readonly<Record<string, unknown>>): PaymentEvent {
  return eventFromColumns(r, { num, float, str, hasCard: (v) => num(v) === 1 });
}
