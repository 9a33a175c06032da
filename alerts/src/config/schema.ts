import { z } from 'zod';
import { CalendarSchema } from '../detect/calendar.js';
import { DetectorSpecSchema } from '../detect/registry.js';
import { parseDuration } from '../lib/duration.js';
import { parseMatcher } from '../mute/matchers.js';
import { ChannelSpecSchema } from '../notify/channels/registry.js';

/** Labels a rule can group or filter by, named like the payment event's fields. */
export const EVENT_LABELS = [
  'provider',
  'method',
  'channel',
  'country',
  'currency',
  'merchant_id',
  'bin',
  'issuer_country',
  'card_brand',
  'wallet',
  'user_level',
  'status',
] as const;
export type EventLabel = (typeof EVENT_LABELS)[number];

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    const ms = parseDuration(v);
    if (ms < 0) throw new RangeError(`invalid duration ${v} (negative)`);
    return ms;
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const matcher = z.string().transform((v, ctx) => {
  try {
    return parseMatcher(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

export const RuleSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'rule names are identifiers (letters, digits, _)'),
  description: z.string().optional(),
  detector: DetectorSpecSchema,
  /** Slice dimensions (series rules); one series per distinct combination. */
  group_by: z.array(z.enum(EVENT_LABELS)).default([]),
  /** Only events whose labels match all of these count. */
  filter: z.array(matcher).default([]),
  /** Dimensions pooled away, finest first, when a slice is too sparse (e.g. [bin, issuer_country]). */
  pool: z.array(z.enum(EVENT_LABELS)).default([]),
  /** Attempts per hour below which a slice is pooled into its parent. */
  pool_min_per_hour: z.number().int().min(1).default(120),
  severity: z.string().default('warning'),
  for: duration.default(0),
  keep_firing_for: duration.default(5 * 60_000),
  no_data: z.enum(['ok', 'keep_last', 'alerting', 'no_data']).default('keep_last'),
  flap_window: duration.default(60 * 60_000),
  flap_threshold: z.number().int().min(2).default(6),
  labels: z.record(z.string(), z.string()).default({}),
  enabled: z.boolean().default(true),
});
export type RuleConfig = z.infer<typeof RuleSchema>;

interface RouteIn {
  receiver?: string | undefined;
  matchers?: string[] | undefined;
  group_by?: string[] | undefined;
  group_wait?: string | number | undefined;
  group_interval?: string | number | undefined;
  repeat_interval?: string | number | undefined;
  continue?: boolean | undefined;
  escalate?: { after: string | number; receiver: string }[] | undefined;
  routes?: RouteIn[] | undefined;
}
export const RouteSchema: z.ZodType<RouteIn> = z.lazy(() =>
  z.strictObject({
    receiver: z.string().optional(),
    matchers: z.array(z.string()).optional(),
    group_by: z.array(z.string()).optional(),
    group_wait: z.union([z.string(), z.number()]).optional(),
    group_interval: z.union([z.string(), z.number()]).optional(),
    repeat_interval: z.union([z.string(), z.number()]).optional(),
    continue: z.boolean().optional(),
    escalate: z
      .array(z.strictObject({ after: z.union([z.string(), z.number()]), receiver: z.string() }))
      .optional(),
    routes: z.array(RouteSchema).optional(),
  }),
);

export const ReceiverSchema = z.strictObject({
  name: z.string().min(1),
  locale: z.enum(['en', 'zh']).default('en'),
  fallback: z.string().optional(),
  channels: z.array(ChannelSpecSchema).default([]),
});

export const InhibitRuleSchema = z.strictObject({
  source_matchers: z.array(matcher).min(1),
  target_matchers: z.array(matcher).min(1),
  equal: z.array(z.string()).default([]),
  /** False: the target is muted only while the source fires, not through its own episode after (docs/alerts.md). */
  hold_consequences: z.boolean().default(true),
});

export const AlertsConfigSchema = z.strictObject({
  reporting_currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('USD'),
  /** Value of one major unit of each currency in the reporting currency. */
  fx: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().positive()).default({}),
  /**
   * Base URL of the dashboard for alert deep links (`<dashboard_url>/alerts/<id>?…`). Unset: the
   * host's default (the collector's public address: `PAYWATCH_PUBLIC_URL`, else where it listens),
   * else `DEFAULT_DASHBOARD_URL`. Set here, it wins over both.
   */
  dashboard_url: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'expected an http(s) URL')
    .optional(),
  /**
   * `externalURL` of Alertmanager-format payloads (webhook receivers, forwarding to Alertmanager):
   * where the notification comes from. Unset: the dashboard base URL, as deep links use it.
   */
  external_url: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'expected an http(s) URL')
    .optional(),
  /** Events later than this behind the newest event time are dropped. */
  allowed_lateness: duration.default(60_000),
  /** Series without events for this long are forgotten (unless an alert is active). */
  idle_ttl: duration.default(24 * 3_600_000),
  /** Business calendar; `match` names rule labels (EVENT_LABELS), checked here. */
  calendar: CalendarSchema.superRefine((cal, ctx) => {
    cal.events.forEach((e, i) => {
      for (const name of Object.keys(e.match ?? {}))
        if (!(EVENT_LABELS as readonly string[]).includes(name))
          ctx.addIssue({
            code: 'custom',
            path: ['events', i, 'match', name],
            message: `unknown label "${name}" (one of ${EVENT_LABELS.join(', ')})`,
          });
    });
  }).default({ utc_offset_minutes: 0, events: [] }),
  rules: z.array(RuleSchema).default([]),
  route: RouteSchema.optional(),
  receivers: z.array(ReceiverSchema).default([]),
  inhibit_rules: z.array(InhibitRuleSchema).default([]),
  retry: z
    .strictObject({
      max_attempts: z.number().int().min(1).max(20).default(4),
      base_delay: duration.default(500),
      max_delay: duration.default(30_000),
    })
    .default({ max_attempts: 4, base_delay: 500, max_delay: 30_000 }),
});
export type AlertsConfig = z.infer<typeof AlertsConfigSchema>;
