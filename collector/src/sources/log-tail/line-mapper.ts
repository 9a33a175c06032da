import { createHash } from 'node:crypto';
import { isCurrency } from '@paywatch/contracts';
import { maskPanNumber } from '../../lib/pan.js';
import { isSensitiveField } from '../../lib/sensitive-keys.js';
import { decimalToMinor } from '../webhooks/webhook-util.js';
import type { PaymentMapping, PaymentField, TailFile } from './log-tail.config.js';
import { fieldAt, type LineFields } from './line-parser.js';

/** A non-payment log line kept as a searchable record (masked, bounded). */
export interface LogRecord {
  /** Deterministic from file identity and byte offset: re-reading a line yields the same id. */
  id: string;
  ts: number;
  file: string;
  offset: number;
  level: string | null;
  message: string;
  fields: Record<string, unknown>;
}

/** Where log records go (a logs table in the store; the composition root provides it). */
export interface LogRecordWriter {
  /** Resolves once stored; records with an id already stored are ignored. */
  writeLogs(records: readonly LogRecord[]): Promise<void>;
}

export function lineId(fileKey: string, offset: number): string {
  return createHash('sha256').update(`${fileKey}:${offset}`).digest('hex').slice(0, 32);
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

/** Epoch ms from a number (seconds or ms) or an ISO/RFC 3339 string. */
export function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e12 ? Math.round(v * 1000) : Math.round(v);
  if (typeof v === 'string') {
    if (/^\d+(\.\d+)?$/.test(v)) return timeOf(Number(v));
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** `ms` when it is a time a Date can hold (|ms| ≤ 8.64e15), else undefined: stores refuse absurd times (1e300). */
export function datable(ms: number | undefined): number | undefined {
  return ms !== undefined && Math.abs(ms) <= 8.64e15 ? ms : undefined;
}

function valueOf(fields: LineFields, m: PaymentMapping, f: PaymentField): unknown {
  const path = m.fields[f];
  const v = path === undefined ? undefined : fieldAt(fields, path);
  return v === undefined || v === null || v === '' ? m.defaults[f] : v;
}

/** True when the line is a payment under this mapping. */
export function isPaymentLine(fields: LineFields, m: PaymentMapping): boolean {
  if (m.when) {
    const v = fieldAt(fields, m.when.field);
    return m.when.equals === undefined ? v !== undefined && v !== null : text(v) === m.when.equals;
  }
  return valueOf(fields, m, 'payment_id') !== undefined && valueOf(fields, m, 'status') !== undefined;
}

/**
 * Builds a payment-event input from a line. Fields that are absent stay absent; the pipeline
 * validates the result (a line mapped to an invalid event is rejected there, with the reason).
 */
export function mapPaymentLine(
  fields: LineFields,
  m: PaymentMapping,
  id: string,
  receivedAt: number,
): Record<string, unknown> {
  const get = (f: PaymentField): string | undefined => text(valueOf(fields, m, f));
  const currency = get('currency')?.toUpperCase();
  const rawAmount = valueOf(fields, m, 'amount');
  let amount: number | undefined;
  if (m.amount_unit === 'major' && currency !== undefined && isCurrency(currency)) {
    amount = decimalToMinor(typeof rawAmount === 'number' ? rawAmount : text(rawAmount), currency);
  } else if (rawAmount !== undefined) {
    const n = Number(rawAmount);
    amount = Number.isFinite(n) ? n : undefined;
  }
  const out: Record<string, unknown> = {
    event_id: get('event_id') ?? `log:${id}`,
    ts: timeOf(valueOf(fields, m, 'ts')) ?? receivedAt,
    payment_id: get('payment_id'),
    merchant_id: get('merchant_id') ?? 'default',
    provider: get('provider') ?? 'other',
    method: get('method') ?? 'other',
    status: get('status'),
    amount_minor: amount,
    currency,
  };
  const attempt = Number(get('attempt'));
  if (Number.isInteger(attempt) && attempt > 0) out['attempt'] = attempt;
  for (const f of ['channel', 'country', 'customer_ref'] as const) {
    const v = get(f);
    if (v !== undefined) out[f] = v;
  }
  const latency = Number(get('latency_ms'));
  if (get('latency_ms') !== undefined && Number.isFinite(latency)) out['latency_ms'] = latency;
  const failure = {
    category: get('failure_category'),
    code: get('failure_code'),
    message: get('failure_message'),
  };
  if (Object.values(failure).some((v) => v !== undefined))
    out['failure'] = Object.fromEntries(Object.entries(failure).filter(([, v]) => v !== undefined));
  const card = {
    brand: get('card_brand'),
    bin: get('card_bin'),
    last4: get('card_last4'),
    wallet: get('card_wallet'),
  };
  if (Object.values(card).some((v) => v !== undefined))
    out['card'] = Object.fromEntries(Object.entries(card).filter(([, v]) => v !== undefined));
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

function maskDeep(v: unknown, maskText: (s: string) => string, depth: number): unknown {
  if (typeof v === 'string') return maskText(v);
  if (typeof v === 'number') return maskPanNumber(v);
  if (typeof v !== 'object' || v === null || depth > 4)
    return typeof v === 'object' && v !== null ? '[nested]' : v;
  if (Array.isArray(v)) return v.slice(0, 50).map((x) => maskDeep(x, maskText, depth + 1));
  const out: Record<string, unknown> = {};
  // Keys are masked like values: a logfmt or JSON key is free text written by the application.
  for (const [k, x] of Object.entries(v))
    if (!isSensitiveField(k, x)) out[maskText(k)] = maskDeep(x, maskText, depth + 1);
  return out;
}

/**
 * A masked, bounded log record: card numbers masked by the pipeline's masker, sensitive keys
 * dropped, message ≤ 2 KiB, fields ≤ `maxBytes` of JSON (largest values cut first).
 */
export function toLogRecord(
  fields: LineFields | undefined,
  rawLine: string,
  file: TailFile,
  at: { path: string; fileKey: string; offset: number; receivedAt: number },
  maskText: (s: string) => string,
  maxBytes: number,
): LogRecord {
  const masked = (fields ? maskDeep(fields, maskText, 0) : {}) as Record<string, unknown>;
  const message = maskText(text(fields ? fieldAt(fields, file.message_field) : undefined) ?? rawLine).slice(
    0,
    2048,
  );
  let bounded = masked;
  if (Buffer.byteLength(JSON.stringify(masked)) > maxBytes) {
    bounded = {};
    let size = 2;
    for (const [k, v] of Object.entries(masked).sort(
      (a, b) => JSON.stringify(a[1]).length - JSON.stringify(b[1]).length,
    )) {
      const piece = Buffer.byteLength(JSON.stringify({ [k]: v }));
      if (size + piece > maxBytes - 32) {
        bounded['_truncated'] = true;
        break;
      }
      bounded[k] = v;
      size += piece;
    }
  }
  return {
    id: lineId(at.fileKey, at.offset),
    ts: datable(timeOf(fields ? fieldAt(fields, file.time_field) : undefined)) ?? at.receivedAt,
    file: at.path,
    offset: at.offset,
    level: text(fields ? fieldAt(fields, file.level_field) : undefined) ?? null,
    message,
    fields: bounded,
  };
}
