import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { currencyExponent, EVENT_LIMITS, isCurrency, type Provider } from '@paywatch/contracts';
import { cutText } from '../../lib/pan.js';

/** A parsed JSON object (the only top-level shape providers send). */
export type JsonObject = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `o[k]` when it is an object, else undefined. */
export function obj(o: unknown, k: string): JsonObject | undefined {
  if (!isRecord(o)) return undefined;
  const v = o[k];
  return isRecord(v) ? v : undefined;
}

/** `o[k]` as a non-empty string (numbers are stringified), else undefined. */
export function str(o: unknown, k: string): string | undefined {
  if (!isRecord(o)) return undefined;
  const v = o[k];
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** `o[k]` as a finite number (numeric strings accepted), else undefined. */
export function num(o: unknown, k: string): number | undefined {
  if (!isRecord(o)) return undefined;
  const v = o[k];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

/** Parses a JSON body that must be an object; undefined when it is not. */
export function parseJsonObject(raw: Buffer | string): JsonObject | undefined {
  try {
    const v: unknown = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Constant-time equality of two byte strings (false, without comparing, when lengths differ). */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function hmacSha256(key: Buffer | string, data: Buffer | string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Upper-cased ISO 4217 code when paywatch knows its exponent, else undefined (the event would be
 * rejected at ingest anyway: without the exponent an amount is meaningless).
 */
export function currencyOf(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  const c = code.trim().toUpperCase();
  return isCurrency(c) ? c : undefined;
}

/**
 * Converts a decimal amount in major units (`"0.10"`, `"6.01"`, `10`, `"1e3"` is refused) into
 * integer minor units with string arithmetic, never floats: `"0.10" CNY → 10`, `"500" JPY → 500`.
 * Undefined when the text is not a plain non-negative decimal or has more digits than the
 * currency's exponent allows (except trailing zeros).
 */
export function decimalToMinor(value: string | number | undefined, currency: string): number | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'number' ? numberToPlain(value) : value.trim();
  if (text === undefined) return undefined;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  const exp = currencyExponent(currency);
  const whole = m[1] ?? '0';
  let frac = m[2] ?? '';
  frac = frac.replace(/0+$/, '');
  if (frac.length > exp) return undefined;
  const minorText = whole + frac.padEnd(exp, '0');
  const n = Number(minorText);
  return Number.isSafeInteger(n) ? n : undefined;
}

function numberToPlain(n: number): string | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  const s = String(n);
  return /e/i.test(s) ? undefined : s;
}

/**
 * A deterministic event id from the provider and a provider-side key, so a redelivered webhook
 * maps to the same `event_id` and the pipeline's dedupe drops it. Readable when short, hashed
 * when the key would exceed the id limit.
 */
export function webhookEventId(provider: Provider, ...key: string[]): string {
  const id = `${provider}:${key.join(':')}`;
  if (id.length <= EVENT_LIMITS.idMaxLength && /^[\x21-\x7e]+$/.test(id)) return id;
  return `${provider}:sha256:${sha256Hex(id).slice(0, 48)}`;
}

/**
 * Fits free text into the event's text limit. The pipeline masks after this cut, so the cut
 * itself must not split a card number or an e-mail (`cutText`: masks PANs first).
 */
export function clip(text: string | undefined, max: number = EVENT_LIMITS.textMaxLength): string | undefined {
  if (text === undefined || text.length === 0) return undefined;
  return text.length <= max ? text : cutText(text, max) || undefined;
}

/** Fits an id into the id limit (hashing the tail when it is too long; the kept head cut as `clip`). */
export function clipId(id: string): string {
  if (id.length <= EVENT_LIMITS.idMaxLength) return id;
  return `${cutText(id, 60)}~${sha256Hex(id).slice(0, 32)}`;
}

/**
 * Parses `yyyy-MM-dd HH:mm:ss` wall-clock time at a fixed UTC offset (Alipay sends Asia/Shanghai,
 * +08:00) into epoch ms; undefined when malformed.
 */
export function wallClockToMs(text: string | undefined, offset: string): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${offset}`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** RFC 3339 / ISO text to epoch ms; undefined when unparseable. */
export function isoToMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Header lookup (names are lower-case in `WebhookHeaders`). */
export function header(
  headers: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const v = headers[name.toLowerCase()];
  return v === undefined || v.length === 0 ? undefined : v;
}

/** An amount already in minor units: a non-negative safe integer (numeric strings accepted), else undefined. */
export function minorUnits(o: unknown, k: string): number | undefined {
  const n = num(o, k);
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The event time to record: the provider's time when it is a plausible epoch-ms value (after
 * 2000-01-01, not more than a day ahead of the receive time), else the receive time — an odd
 * provider clock must not get a genuine payment rejected.
 */
export function eventTime(candidate: number | undefined, receivedAt: number | undefined): number {
  const at = receivedAt ?? Date.now();
  if (candidate === undefined || !Number.isFinite(candidate)) return at;
  const ms = Math.round(candidate);
  return ms >= EVENT_LIMITS.minTs && ms <= at + EVENT_LIMITS.maxFutureMs ? ms : at;
}
