import { z } from 'zod';

/** Payment-event fields a log line can fill (values are dotted paths into the parsed line). */
export const PAYMENT_FIELDS = [
  'event_id',
  'ts',
  'payment_id',
  'attempt',
  'merchant_id',
  'provider',
  'method',
  'channel',
  'status',
  'amount',
  'currency',
  'failure_code',
  'failure_category',
  'failure_message',
  'country',
  'card_brand',
  'card_bin',
  'card_last4',
  'card_wallet',
  'latency_ms',
  'customer_ref',
] as const;
export type PaymentField = (typeof PAYMENT_FIELDS)[number];

const fieldMap = z.partialRecord(z.enum(PAYMENT_FIELDS), z.string().min(1));

/**
 * Which lines are payments and how their fields map. A line is a payment when `when` matches
 * (field equals a value, or exists) — or, without `when`, when the mapped `payment_id` and
 * `status` fields are present. Everything else becomes a log record.
 */
export const PaymentMappingSchema = z.strictObject({
  when: z.strictObject({ field: z.string().min(1), equals: z.string().optional() }).optional(),
  fields: fieldMap,
  defaults: z.partialRecord(z.enum(PAYMENT_FIELDS), z.union([z.string(), z.number()])).default({}),
  /** `minor`: the amount field is already in minor units; `major`: a decimal in major units. */
  amount_unit: z.enum(['minor', 'major']).default('minor'),
});
export type PaymentMapping = z.output<typeof PaymentMappingSchema>;

export const TailFileSchema = z.strictObject({
  /** A path, or a glob with `*`/`?` in the file name part (directories are literal). */
  path: z.string().min(1),
  format: z.enum(['auto', 'json', 'logfmt']).default('auto'),
  payment: PaymentMappingSchema.optional(),
  /** Field paths holding the record time, level and message of non-payment lines. */
  time_field: z.string().default('ts'),
  level_field: z.string().default('level'),
  message_field: z.string().default('msg'),
});
export type TailFile = z.output<typeof TailFileSchema>;

export const LogTailConfigSchema = z.strictObject({
  files: z.array(TailFileSchema).default([]),
  /** Where read offsets are kept (atomically rewritten after each durable batch). */
  offsets_path: z.string().min(1),
  poll_ms: z.number().int().min(10).max(60_000).default(500),
  /** Longer lines are cut to this many bytes (the rest of the line is skipped). */
  max_line_bytes: z
    .number()
    .int()
    .min(256)
    .max(1024 * 1024)
    .default(16 * 1024),
  /** Bytes read per file per poll (bounds memory and batch size). */
  max_read_bytes: z
    .number()
    .int()
    .min(4096)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** A stored log record's fields are cut to this JSON size. */
  max_record_bytes: z
    .number()
    .int()
    .min(256)
    .max(64 * 1024)
    .default(8 * 1024),
});
export type LogTailConfig = z.output<typeof LogTailConfigSchema>;
