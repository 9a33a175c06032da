import { z } from 'zod';
import { QueryTimeSchema, RangeQuerySchema } from './api.js';
import { STATUSES } from './enums.js';

// ---------------------------------------------------------------------------------------------
// Read API of the other signals: scraped Prometheus samples, tailed log records, browser RUM
// (checkout funnel, web vitals) and "pending longer than N". Used by the collector (validation,
// OpenAPI) and the dashboard.
// ---------------------------------------------------------------------------------------------

const promName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a Prometheus-style name');

/** `name=value,name2=value2` → record (label names are Prometheus names). */
const labelMatchers = z
  .string()
  .max(2048)
  .transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const part of s.split(',').filter((p) => p.trim() !== '')) {
      const eq = part.indexOf('=');
      const k = part.slice(0, Math.max(eq, 0)).trim();
      if (eq < 1 || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) {
        ctx.addIssue({ code: 'custom', message: 'expected name=value pairs separated by commas' });
        return z.NEVER;
      }
      out[k] = part.slice(eq + 1).trim();
    }
    return out;
  });

/** `GET /api/v1/metrics/samples`: one stored series (mapped from a scrape), last hour by default. */
export const SamplesQuerySchema = z.strictObject({
  series: promName,
  from: QueryTimeSchema.optional(),
  to: QueryTimeSchema.optional(),
  /** The scrape target's configured name. */
  target: promName.optional(),
  /** Exact label values, `status=failed,provider=adyen`. */
  labels: labelMatchers.optional(),
  /** Most samples returned in all (default 5000). */
  limit: z.coerce.number().int().min(1).max(50_000).optional(),
});
export type SamplesQuery = z.output<typeof SamplesQuerySchema>;

export const SamplesSchema = z.object({
  series: z.string(),
  from: z.number(),
  to: z.number(),
  /** True when more samples matched than `limit`. */
  truncated: z.boolean(),
  /** One entry per (target, label set), points oldest first as `[ts, value]`. */
  data: z.array(
    z.object({
      target: z.string(),
      labels: z.record(z.string(), z.string()),
      points: z.array(z.tuple([z.number(), z.number()])),
    }),
  ),
});
export type Samples = z.infer<typeof SamplesSchema>;

/** `GET /api/v1/logs`: masked log records, newest first, last hour by default. */
export const LogsQuerySchema = z.strictObject({
  from: QueryTimeSchema.optional(),
  to: QueryTimeSchema.optional(),
  /** Case-insensitive literal substring of the message or the fields. */
  q: z.string().min(1).max(200).optional(),
  level: z.string().min(1).max(32).optional(),
  file: z.string().min(1).max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(512).optional(),
});
export type LogsQuery = z.output<typeof LogsQuerySchema>;

export const LogRecordSchema = z.object({
  id: z.string(),
  ts: z.number(),
  file: z.string(),
  offset: z.number(),
  level: z.string().nullable(),
  message: z.string(),
  fields: z.record(z.string(), z.unknown()),
});
export type LogRecordItem = z.infer<typeof LogRecordSchema>;

export const LogsSchema = z.object({
  items: z.array(LogRecordSchema),
  next_cursor: z.string().nullable(),
});
export type Logs = z.infer<typeof LogsSchema>;

/**
 * `GET /api/v1/funnel`: range (last 24 h by default) and the dashboard's dimension filters; a
 * session counts when, for each filtered dimension, one of its funnel events carries that
 * attribute with an allowed value (e.g. `method=card` on `payment_submitted`).
 */
export const FunnelQuerySchema = RangeQuerySchema.extend({
  /** Ordered steps, `event` or `event[attr=value]`, separated by `;` (default: the checkout funnel). */
  steps: z.string().min(1).max(1024).optional(),
  app_name: z.string().min(1).max(128).optional(),
});
export type FunnelQuery = z.output<typeof FunnelQuerySchema>;

export const FunnelSchema = z.object({
  from: z.number(),
  to: z.number(),
  /** Sessions with at least one funnel event in the range. */
  sessions: z.number(),
  /** True when the range held more funnel events than one answer reads (counts are a lower bound). */
  truncated: z.boolean(),
  steps: z.array(
    z.object({
      step: z.string(),
      sessions: z.number(),
      conversion_from_previous: z.number().nullable(),
      conversion_from_first: z.number().nullable(),
    }),
  ),
});
export type Funnel = z.infer<typeof FunnelSchema>;

/** `GET /api/v1/rum/vitals`: web vitals over a range (last 24 h by default). */
export const VitalsQuerySchema = z.strictObject({
  from: QueryTimeSchema.optional(),
  to: QueryTimeSchema.optional(),
  app_name: z.string().min(1).max(128).optional(),
});
export type VitalsQuery = z.output<typeof VitalsQuerySchema>;

export const VitalsSchema = z.object({
  from: z.number(),
  to: z.number(),
  vitals: z.array(
    z.object({
      /** lcp, inp, cls, fcp, ttfb (ms; CLS unitless). */
      name: z.string(),
      count: z.number(),
      p50: z.number().nullable(),
      p75: z.number().nullable(),
      p95: z.number().nullable(),
      good: z.number(),
      needs_improvement: z.number(),
      poor: z.number(),
      /** Rating of p75 (how web.dev rates a page), null without samples. */
      rating: z.enum(['good', 'needs_improvement', 'poor']).nullable(),
      /** [good ≤, poor >] thresholds used. */
      thresholds: z.tuple([z.number(), z.number()]),
    }),
  ),
});
export type Vitals = z.infer<typeof VitalsSchema>;

/** `GET /api/v1/rum/errors`: browser exceptions grouped by name and message (last 24 h by default). */
export const RumErrorsQuerySchema = z.strictObject({
  from: QueryTimeSchema.optional(),
  to: QueryTimeSchema.optional(),
  app_name: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
export type RumErrorsQuery = z.output<typeof RumErrorsQuerySchema>;

export const RumErrorsSchema = z.object({
  from: z.number(),
  to: z.number(),
  /** Most frequent first. Messages are masked like every stored text. */
  items: z.array(
    z.object({
      name: z.string(),
      message: z.string().nullable(),
      count: z.number(),
      sessions: z.number(),
      last_ts: z.number(),
      last_page_url: z.string().nullable(),
    }),
  ),
});
export type RumErrors = z.infer<typeof RumErrorsSchema>;

/** A duration like `90s`, `15m`, `2h`, `1d` → milliseconds. */
export const DurationSchema = z.string().transform((s, ctx) => {
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(s.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration like 90s, 15m, 2h or 1d' });
    return z.NEVER;
  }
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
});

/** `GET /api/v1/payments/pending?older_than=15m`. */
export const PendingQuerySchema = z.strictObject({
  older_than: DurationSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
export type PendingQuery = z.output<typeof PendingQuerySchema>;

export const PendingSchema = z.object({
  older_than_ms: z.number(),
  /** Look-back (epoch ms, `PAYWATCH_PENDING_LOOKBACK`): payments whose latest event is older are abandoned, not listed. */
  since: z.number(),
  /** Payments whose latest event is older than this (epoch ms). */
  before: z.number(),
  total: z.number(),
  /** The oldest first, at most `limit`. */
  items: z.array(
    z.object({
      payment_id: z.string(),
      status: z.enum(STATUSES),
      ts: z.number(),
      age_ms: z.number(),
      provider: z.string(),
      merchant_id: z.string(),
      method: z.string(),
      amount_minor: z.number(),
      currency: z.string(),
    }),
  ),
});
export type Pending = z.infer<typeof PendingSchema>;
