import { z } from 'zod';
import { DIMENSIONS, DimensionSchema, type Filters } from './dimensions.js';
import { FAILURE_CATEGORIES } from './enums.js';
import { PaymentEventSchema, parseTimestamp } from './payment-event.js';
import { TimeZoneSchema } from './time-zone.js';

// ---------------------------------------------------------------------------------------------
// Query parameters of the read API (`/api/v1/...`). Every schema here is used both by the
// collector (to validate, 400 naming the parameter) and by the dashboard (to build URLs).
// ---------------------------------------------------------------------------------------------

/** A time given as RFC 3339 or epoch milliseconds, in a query string. */
export const QueryTimeSchema = z.string().transform((s, ctx) => {
  const ms = /^\d+$/.test(s) ? Number(s) : parseTimestamp(s);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected RFC 3339 or epoch milliseconds' });
    return z.NEVER;
  }
  return ms;
});

const csv = z
  .string()
  .max(4096)
  .transform((s) =>
    s
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v.length > 0),
  );

const filterShape = Object.fromEntries(DIMENSIONS.map((d) => [d, csv.optional()])) as Record<
  (typeof DIMENSIONS)[number],
  z.ZodOptional<typeof csv>
>;

/** Range + filters shared by every aggregate query. Defaults: the last hour. */
export const RangeQuerySchema = z.strictObject({
  from: QueryTimeSchema.optional(),
  to: QueryTimeSchema.optional(),
  ...filterShape,
  payment_id: z.string().max(128).optional(),
  min_amount_minor: z.coerce.number().int().min(0).optional(),
  max_amount_minor: z.coerce.number().int().min(0).optional(),
});
export type RangeQuery = z.output<typeof RangeQuerySchema>;

/** Bucket sizes the time series accepts (name → milliseconds). */
export const BUCKETS = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '6h': 21_600_000,
  '1d': 86_400_000,
  /** Monday to Monday (00:00 UTC, or local midnight with `tz`). */
  '1w': 604_800_000,
} as const;
export type BucketName = keyof typeof BUCKETS;
export const BucketSchema = z.enum(Object.keys(BUCKETS) as [BucketName, ...BucketName[]]);

export const TimeseriesQuerySchema = RangeQuerySchema.extend({
  bucket: BucketSchema.optional(),
  group_by: DimensionSchema.optional(),
  /** At most this many groups (largest by attempts); the rest are folded into `__other__`. */
  limit: z.coerce.number().int().min(1).max(50).optional(),
  /**
   * IANA zone whose local days cut the `6h`, `1d` and `1w` buckets (local midnight, 23/25-hour
   * days around DST; weeks from Monday). Default UTC. Shorter buckets stay on UTC multiples.
   */
  tz: TimeZoneSchema.optional(),
});
export type TimeseriesQuery = z.output<typeof TimeseriesQuerySchema>;

export const BreakdownQuerySchema = RangeQuerySchema.extend({
  dimension: DimensionSchema,
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export type BreakdownQuery = z.output<typeof BreakdownQuerySchema>;

export const TransactionsQuerySchema = RangeQuerySchema.extend({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(512).optional(),
});
export type TransactionsQuery = z.output<typeof TransactionsQuerySchema>;

/** Turns a parsed range query into the store's filter object. */
export function filtersOf(q: RangeQuery): Filters {
  const f: Filters = {};
  for (const d of DIMENSIONS) {
    const v = q[d];
    if (v && v.length > 0) f[d] = v;
  }
  if (q.payment_id) f.payment_id = q.payment_id;
  if (q.min_amount_minor !== undefined) f.min_amount_minor = q.min_amount_minor;
  if (q.max_amount_minor !== undefined) f.max_amount_minor = q.max_amount_minor;
  return f;
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

export const LatencySchema = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});

/** GMV of successful payments: per currency in major units, and the total in the reporting currency. */
export const GmvSchema = z.object({
  reporting_currency: z.string(),
  /** Sum over currencies with a configured FX rate, in the reporting currency. */
  total: z.number(),
  by_currency: z.record(z.string(), z.number()),
  /** Currencies present in the range without an FX rate (not in `total`). */
  unconverted: z.array(z.string()),
  /**
   * Successful attempts in those currencies: left out of `total` and so of the average ticket
   * (`total / (succeeded − unconverted_succeeded)`). Always sent by this server.
   */
  unconverted_succeeded: z.number().optional(),
});

export const OverviewSchema = z.object({
  from: z.number(),
  to: z.number(),
  /** Events of any status in range. */
  events: z.number(),
  /** Attempts with an outcome (succeeded + failed). */
  attempts: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  /** succeeded / attempts, null when there were no attempts. */
  success_rate: z.number().nullable(),
  gmv: GmvSchema,
  latency_ms: LatencySchema,
});
export type Overview = z.infer<typeof OverviewSchema>;

export const MetricPointSchema = z.object({
  t: z.number(),
  attempts: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  success_rate: z.number().nullable(),
  gmv: z.number(),
  /**
   * Successful attempts whose amount is in `gmv` (currencies with an FX rate): the divisor of the
   * average ticket, `gmv / gmv_succeeded`. Always sent by this server; `succeeded` minus it were
   * left out for want of a rate.
   */
  gmv_succeeded: z.number().optional(),
  latency_p95: z.number().nullable(),
});
export type MetricPoint = z.infer<typeof MetricPointSchema>;

export const TimeseriesSchema = z.object({
  from: z.number(),
  to: z.number(),
  /** Nominal bucket size; zoned day buckets may last 23 or 25 hours (see `tz`). */
  bucket_ms: z.number(),
  /** The zone `6h` / `1d` / `1w` buckets are cut in (`UTC` unless the query named one; absent from older servers: UTC). */
  tz: z.string().optional(),
  group_by: DimensionSchema.nullable(),
  reporting_currency: z.string(),
  series: z.array(z.object({ key: z.string().nullable(), points: z.array(MetricPointSchema) })),
});
export type Timeseries = z.infer<typeof TimeseriesSchema>;

export const BreakdownRowSchema = MetricPointSchema.omit({ t: true }).extend({ key: z.string().nullable() });
export const BreakdownSchema = z.object({
  from: z.number(),
  to: z.number(),
  dimension: DimensionSchema,
  reporting_currency: z.string(),
  rows: z.array(BreakdownRowSchema),
});
export type Breakdown = z.infer<typeof BreakdownSchema>;

export const FailuresSchema = z.object({
  from: z.number(),
  to: z.number(),
  total_failed: z.number(),
  rows: z.array(
    z.object({
      category: z.enum(FAILURE_CATEGORIES),
      count: z.number(),
      share: z.number(),
      top_codes: z.array(z.object({ code: z.string(), count: z.number() })),
    }),
  ),
});
export type Failures = z.infer<typeof FailuresSchema>;

export const TransactionsSchema = z.object({
  items: z.array(PaymentEventSchema),
  next_cursor: z.string().nullable(),
});
export type Transactions = z.infer<typeof TransactionsSchema>;

export const PaymentTimelineSchema = z.object({
  payment_id: z.string(),
  events: z.array(PaymentEventSchema),
});
export type PaymentTimeline = z.infer<typeof PaymentTimelineSchema>;

// ---------------------------------------------------------------------------------------------
// Ingest
// ---------------------------------------------------------------------------------------------

export const IngestRejectionSchema = z.object({
  /** Position of the event in the request (0-based; for NDJSON, the line's event index). */
  index: z.number(),
  /** Dotted field path, e.g. `card.bin`; empty for the whole event. */
  path: z.string(),
  reason: z.string(),
  /** NDJSON only: the 1-based line of the body (blank lines count; `index` skips them). */
  line: z.number().optional(),
});
export type IngestRejection = z.infer<typeof IngestRejectionSchema>;

export const IngestResponseSchema = z.object({
  accepted: z.number(),
  duplicate: z.number(),
  rejected: z.number(),
  errors: z.array(IngestRejectionSchema),
});
export type IngestResponse = z.infer<typeof IngestResponseSchema>;

/** The error body of every non-2xx response. */
export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Limits the ingest API enforces (documented in the OpenAPI description and README). */
export const INGEST_LIMITS = { maxBodyBytes: 8 * 1024 * 1024, maxEventsPerRequest: 10_000 } as const;
