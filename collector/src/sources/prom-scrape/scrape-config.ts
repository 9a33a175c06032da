import { z } from 'zod';

const name = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a Prometheus-style name ([a-zA-Z_][a-zA-Z0-9_]*)');

/**
 * Turns chosen scraped metrics into paywatch series. `metric` is the sample name as exposed
 * (histograms expand to `<name>_bucket`, `_sum`, `_count`); `series` is the stored name.
 * `labels` keeps only those labels (source name → stored name); `match` keeps only samples whose
 * labels equal the given values.
 */
export const ScrapeMappingSchema = z.strictObject({
  metric: name,
  series: name.optional(),
  labels: z.record(name, name).optional(),
  match: z.record(name, z.string()).optional(),
});
export type ScrapeMapping = z.output<typeof ScrapeMappingSchema>;

/** One scrape target. */
export const ScrapeTargetSchema = z
  .strictObject({
    /** Stored as the `target` of every sample (bounded: you configure it). */
    name,
    url: z.url({ protocol: /^https?$/ }),
    interval_s: z.number().min(1).max(3600).default(15),
    timeout_s: z.number().min(0.1).max(300).default(10),
    /** A scrape with more samples than this is dropped whole (up = 0), as Prometheus does. */
    sample_limit: z.number().int().min(1).max(1_000_000).default(10_000),
    /** Bodies beyond this are aborted while downloading (never buffered whole). */
    max_body_bytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024)
      .default(16 * 1024 * 1024),
    /**
     * A scrape whose stored samples carry a label value longer than this (characters) is dropped
     * whole (up = 0), like Prometheus' option of the same name; default 1024 — unbounded, a
     * broken or hostile target filled the store with 100 000-character values.
     */
    label_value_length_limit: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024)
      .default(1024),
    bearer_token: z.string().min(1).optional(),
    basic_auth: z.strictObject({ username: z.string(), password: z.string() }).optional(),
    /** Without mappings nothing but the target health series is stored. */
    mappings: z.array(ScrapeMappingSchema).default([]),
  })
  .refine((t) => t.timeout_s <= t.interval_s, {
    message: 'timeout_s must not exceed interval_s',
    path: ['timeout_s'],
  })
  .refine((t) => !(t.bearer_token && t.basic_auth), {
    message: 'use either bearer_token or basic_auth',
    path: ['basic_auth'],
  });
export type ScrapeTarget = z.output<typeof ScrapeTargetSchema>;

export const ScrapeConfigSchema = z
  .strictObject({ targets: z.array(ScrapeTargetSchema).default([]) })
  .refine((c) => new Set(c.targets.map((t) => t.name)).size === c.targets.length, {
    message: 'target names must be unique',
    path: ['targets'],
  });
export type ScrapeConfig = z.output<typeof ScrapeConfigSchema>;
