import { z } from 'zod';
import { isCountry } from './country.js';
import { isCurrency } from './currency.js';
import {
  CARD_BRANDS,
  CARD_FUNDING,
  CARD_WALLETS,
  CHANNELS,
  ENUM_ALIASES,
  FAILURE_CATEGORIES,
  METHODS,
  PROVIDERS,
  SOURCES,
  STATUSES,
} from './enums.js';
import { isWellFormed, LONE_SURROGATE_MESSAGE, loneSurrogatePath } from './text.js';

/** Version of the payment event contract. Bump with a migration note in docs/event.md. */
export const EVENT_VERSION = 1 as const;

/** Hard limits on one event; the ingest API documents them. */
export const EVENT_LIMITS = {
  idMaxLength: 128,
  textMaxLength: 512,
  metadataMaxBytes: 8 * 1024,
  metadataMaxDepth: 5,
  /** Timestamps outside [2000-01-01, now + 1 day] are rejected. */
  minTs: Date.UTC(2000, 0, 1),
  maxFutureMs: 24 * 3600 * 1000,
} as const;

/**
 * Resolves a case-insensitive spelling (canonical value or a documented alias) to the canonical
 * enum value; `undefined` when the spelling is unknown.
 */
export function canonicalEnum<T extends string>(
  values: readonly T[],
  aliases: Readonly<Record<string, string>>,
  raw: string,
): T | undefined {
  if ((values as readonly string[]).includes(raw)) return raw as T; // the common, canonical case
  const k = raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if ((values as readonly string[]).includes(k)) return k as T;
  const a = aliases[k];
  return a !== undefined && (values as readonly string[]).includes(a) ? (a as T) : undefined;
}

const enumLike = <T extends string>(values: readonly T[], aliases: Readonly<Record<string, string>> = {}) =>
  z.string().refine((v) => canonicalEnum(values, aliases, v) !== undefined, {
    message: `expected one of: ${values.join(', ')}`,
  });

/** Free text: refused when it holds a lone UTF-16 surrogate (no UTF-8 form; see text.ts). */
const wellFormedText = { message: LONE_SURROGATE_MESSAGE };
const id = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(EVENT_LIMITS.idMaxLength)
  .refine(isWellFormed, wellFormedText);
const text = z.string().max(EVENT_LIMITS.textMaxLength).refine(isWellFormed, wellFormedText);
const ref = z.string().min(1).max(256).refine(isWellFormed, wellFormedText);

/**
 * Nesting depth of a JSON value (a scalar 0, `{}` or `[]` 1), counted to just past `limit`: past
 * the limit the answer is "too deep" already and the walk stops (a 20 KB body can nest 10 000
 * levels, past the call stack), so the recursion stays within `limit + 2` calls.
 */
export function jsonDepth(v: unknown, limit: number, depth = 0): number {
  if (v === null || typeof v !== 'object') return depth;
  if (depth > limit) return depth + 1;
  let max = depth + 1;
  for (const child of Object.values(v as Record<string, unknown>))
    max = Math.max(max, jsonDepth(child, limit, depth + 1));
  return max;
}

/** Free-form metadata: a JSON object of bounded size and depth. */
export const MetadataSchema = z
  .record(z.string(), z.unknown())
  .refine((m) => jsonDepth(m, EVENT_LIMITS.metadataMaxDepth) <= EVENT_LIMITS.metadataMaxDepth, {
    message: `nested deeper than ${EVENT_LIMITS.metadataMaxDepth} levels`,
    // The checks below stringify and walk the value: past the call stack for a deep one.
    abort: true,
  })
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= EVENT_LIMITS.metadataMaxBytes, {
    message: `larger than ${EVENT_LIMITS.metadataMaxBytes} bytes as JSON`,
  })
  .superRefine((m, ctx) => {
    // Keys and string values at any depth; the issue names the first offending one.
    const path = loneSurrogatePath(m);
    if (path !== null) ctx.addIssue({ code: 'custom', message: LONE_SURROGATE_MESSAGE, path });
  });

/** RFC 3339 date-time with a zone (Z or ±hh:mm): what `ts` and the read API's `from`/`to` accept besides epoch ms. */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
export const TimestampSchema = z.union(
  [
    z.number().int('epoch milliseconds must be an integer').nonnegative(),
    z.string().regex(RFC3339, 'expected an RFC 3339 date-time with a time zone, or epoch milliseconds'),
  ],
  // Neither branch's type (missing, null, a fraction): zod would say only "Invalid input".
  { error: 'expected an RFC 3339 date-time with a time zone, or epoch milliseconds' },
);

const DATE_TIME_FIELDS = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})/;

/**
 * Parses an accepted timestamp into epoch ms (UTC); NaN when unparseable or when its date or
 * time does not exist (`2026-02-30`, `24:00`), which `Date.parse` would roll into the next
 * month or day and so store an event on a day it never happened.
 */
export function parseTimestamp(ts: string | number): number {
  if (typeof ts === 'number') return ts;
  const f = DATE_TIME_FIELDS.exec(ts);
  if (f !== null) {
    const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = f.slice(1, 7).map(Number);
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59)
      return Number.NaN;
  }
  return Date.parse(ts);
}

/**
 * What a client may send (`POST /v1/events`). Enum fields accept the canonical value or a
 * documented alias, case-insensitively. Unknown top-level fields are **rejected** (put custom
 * data in `metadata`): a typo must not silently lose a field, and nothing unvetted reaches
 * storage.
 */
export const PaymentEventInputSchema = z.strictObject({
  v: z.literal(EVENT_VERSION).optional(),
  event_id: id,
  ts: TimestampSchema,
  payment_id: id,
  attempt: z.number().int().min(1).max(1000).optional(),
  merchant_id: id,
  provider: enumLike(PROVIDERS, ENUM_ALIASES.provider),
  method: enumLike(METHODS, ENUM_ALIASES.method),
  channel: enumLike(CHANNELS, ENUM_ALIASES.channel).optional(),
  status: enumLike(STATUSES, ENUM_ALIASES.status),
  amount_minor: z
    .number()
    .int('must be an integer number of minor units')
    .min(0)
    .max(Number.MAX_SAFE_INTEGER),
  currency: z
    .string()
    .refine((c) => isCurrency(c.trim().toUpperCase()), { message: 'expected an ISO 4217 currency code' }),
  failure: z
    .strictObject({
      category: enumLike(FAILURE_CATEGORIES).optional(),
      code: z.union([text, z.number()]).optional(),
      message: text.optional(),
    })
    .optional(),
  card: z
    .strictObject({
      brand: enumLike(CARD_BRANDS, ENUM_ALIASES.card_brand).optional(),
      bin: z
        .string()
        .regex(/^\d{6,8}$/, 'expected 6 to 8 digits')
        .optional(),
      last4: z
        .string()
        .regex(/^\d{4}$/, 'expected 4 digits')
        .optional(),
      issuer_country: z
        .string()
        .refine((c) => isCountry(c.trim().toUpperCase()), { message: 'expected an ISO 3166-1 alpha-2 code' })
        .optional(),
      funding: enumLike(CARD_FUNDING).optional(),
      wallet: enumLike(CARD_WALLETS, { applepay: 'apple_pay', googlepay: 'google_pay' }).optional(),
    })
    .optional(),
  country: z
    .string()
    .refine((c) => isCountry(c.trim().toUpperCase()), { message: 'expected an ISO 3166-1 alpha-2 code' })
    .optional(),
  latency_ms: z.number().min(0).max(3_600_000).optional(),
  customer_ref: ref.optional(),
  device_ref: ref.optional(),
  ip_ref: ref.optional(),
  user_level: z.string().trim().min(1).max(32).refine(isWellFormed, wellFormedText).optional(),
  risk_score: z.number().min(0).max(100).optional(),
  metadata: MetadataSchema.optional(),
});
export type PaymentEventInput = z.infer<typeof PaymentEventInputSchema>;

/**
 * The normalized, masked payment event: what the pipeline emits and every sink, store, detector
 * and dashboard consumes. Absent optional data is `null`, never guessed.
 */
export const PaymentEventSchema = z.object({
  v: z.literal(EVENT_VERSION),
  event_id: z.string(),
  /** Event time, epoch ms UTC. */
  ts: z.number().int(),
  /** When the collector accepted it, epoch ms UTC. */
  received_at: z.number().int(),
  source: z.enum(SOURCES),
  payment_id: z.string(),
  attempt: z.number().int().min(1),
  merchant_id: z.string(),
  provider: z.enum(PROVIDERS),
  method: z.enum(METHODS),
  channel: z.enum(CHANNELS).nullable(),
  status: z.enum(STATUSES),
  amount_minor: z.number().int(),
  currency: z.string().length(3),
  failure: z
    .object({
      category: z.enum(FAILURE_CATEGORIES),
      code: z.string().nullable(),
      message: z.string().nullable(),
    })
    .nullable(),
  card: z
    .object({
      brand: z.enum(CARD_BRANDS).nullable(),
      bin: z.string().nullable(),
      last4: z.string().nullable(),
      issuer_country: z.string().nullable(),
      funding: z.enum(CARD_FUNDING).nullable(),
      wallet: z.enum(CARD_WALLETS).nullable(),
    })
    .nullable(),
  country: z.string().nullable(),
  latency_ms: z.number().nullable(),
  customer_ref: z.string().nullable(),
  device_ref: z.string().nullable(),
  ip_ref: z.string().nullable(),
  user_level: z.string().nullable(),
  risk_score: z.number().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});
export type PaymentEvent = z.infer<typeof PaymentEventSchema>;
