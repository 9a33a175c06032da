import { DELIVERY_REASONS, SummaryMessageSchema } from '@paywatch/contracts';
import { z } from 'zod';

// What the alerts HTTP API answers, as schemas: the collector's OpenAPI description is built from
// them, and the router's tests check real answers against them (strict: a field added or renamed
// in the engine fails there until it is described here).

const epochMs = (what: string) => z.number().int().describe(`${what} (epoch milliseconds, UTC)`);
const epochMsOrNull = (what: string) => epochMs(what).nullable();

/** `GET /alerts` query (strict: an unknown parameter is a 400 naming it). */
export const AlertListQuerySchema = z.strictObject({
  status: z
    .enum(['inactive', 'pending', 'firing', 'resolved', 'active'])
    .optional()
    .describe('`active` = pending or firing; omitted: every alert the engine holds'),
  rule: z.string().optional().describe('Rule name (the `alertname` label)'),
  severity: z.string().optional().describe('e.g. `page`, `warning`'),
  limit: z.coerce.number().int().min(1).max(5000).optional().describe('At most this many (default 500)'),
  filter: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe(
      'Label matchers as in silences (`provider="adyen"`, `country=~"DE|NL"`; repeat for several, all must match), on the labels and finding labels',
    ),
  cursor: z
    .string()
    .optional()
    .describe("The previous page's `next_cursor`: the alerts after its last one, in the same order"),
});

/** `GET /alerts-deliveries` query. */
export const DeliveryListQuerySchema = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(5000)
    .optional()
    .describe('Newest first, at most this many (default 100)'),
  receiver: z.string().optional(),
  status: z.enum(['sent', 'failed']).optional(),
  /** One alert's deliveries (documented in the OpenAPI, refused as unknown until 26 Nov). */
  alert: z.string().min(1).optional().describe("One alert's deliveries (its id)"),
});

const MuteInfoSchema = z.strictObject({
  silenced_by: z.array(z.string()).describe('Ids of the active silences muting it'),
  inhibited_by: z.string().nullable().describe('Id of the alert inhibiting it'),
  flapping: z.boolean(),
});

/** One alert as `GET /alerts`, `GET /alerts/{id}`, `POST /alerts/{id}/ack` and `DELETE /alerts/{id}/ack` return it. */
export const AlertViewSchema = z.strictObject({
  id: z.string().describe('Stable across restarts and episodes: a hash of the rule name and its labels'),
  rule: z.string(),
  labels: z.record(z.string(), z.string()),
  status: z.enum(['inactive', 'pending', 'firing', 'resolved']),
  severity: z.string(),
  active_since: epochMsOrNull('Start of the current pending/firing episode, event time'),
  fired_at: epochMsOrNull('Event time it fired'),
  resolved_at: epochMsOrNull('Event time it resolved'),
  last_eval_at: epochMs('Latest evaluation, event time'),
  last_anomalous_at: epochMsOrNull('Latest anomalous evaluation, event time'),
  last_normal_at: epochMsOrNull('Latest normal evaluation, event time').optional(),
  value: z.number().nullable().describe('Observed value (a rate as a fraction 0–1)'),
  expected: z.number().nullable(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  score: z.number(),
  summary: z.string().describe('English sentence of the latest evaluation'),
  message: SummaryMessageSchema.nullable()
    .optional()
    .describe('`summary` as data (absent for alerts saved before it)'),
  revenue_at_risk: z
    .number()
    .describe('Accumulated over the episode, in `revenue_at_risk_currency` (major units)'),
  revenue_at_risk_currency: z.string().describe('ISO 4217 code: the reporting currency'),
  samples: z.array(z.string()).describe('Masked sample payment ids'),
  contributors: z.array(z.strictObject({ key: z.string(), value: z.number() })),
  finding_labels: z.record(z.string(), z.string()).optional(),
  transitions: z.array(z.number().int()).describe('Recent firing/resolved transition times (epoch ms)'),
  flapping: z.boolean(),
  no_data: z.boolean(),
  acknowledged_by: z.string().nullable(),
  acknowledged_at: epochMsOrNull('Wall-clock time it was acknowledged'),
  acknowledged_reason: z
    .string()
    .nullable()
    .optional()
    .describe('Why it was acknowledged, as given with the acknowledgement (null without one)'),
  unacknowledged_at: epochMsOrNull(
    'Wall-clock time its acknowledgement was last withdrawn this episode: escalation counts its steps from there',
  ).optional(),
  dashboard_url: z.string().describe("Deep link to the alert's page on the dashboard"),
  muted: MuteInfoSchema,
});

export const AlertListSchema = z.strictObject({
  items: z.array(AlertViewSchema),
  next_cursor: z
    .string()
    .nullable()
    .describe('Pass as `cursor` for the next page (same filters); null when this page holds the rest'),
});

const MatcherSchema = z.strictObject({
  name: z.string(),
  op: z.enum(['=', '!=', '=~', '!~']),
  value: z.string(),
});

export const SilenceSchema = z.strictObject({
  id: z.string(),
  matchers: z.array(MatcherSchema),
  starts_at: epochMs('Start'),
  ends_at: epochMs('End (set to the time it was expired)'),
  created_by: z.string(),
  comment: z.string(),
  created_at: epochMs('Creation'),
  state: z.enum(['pending', 'active', 'expired']).describe('At the time of the answer (server clock)'),
});

export const SilenceListSchema = z.strictObject({ items: z.array(SilenceSchema) });

export const DeliveryRecordSchema = z.strictObject({
  id: z.number().int(),
  at: epochMs('When the final outcome was known, wall clock'),
  receiver: z.string(),
  channel: z.string(),
  target: z.string().describe('Host only (URLs hold tokens)'),
  group_key: z.string(),
  reason: z.string().describe(DELIVERY_REASONS.join(', ')),
  alert_ids: z.array(z.string()),
  status: z.enum(['sent', 'failed']),
  attempts: z.number().int(),
  error: z.string().nullable(),
  duration_ms: z.number(),
  fallback_for: z.string().nullable(),
});

export const DeliveryListSchema = z.strictObject({ items: z.array(DeliveryRecordSchema) });

export const ReceiverListSchema = z.strictObject({ items: z.array(z.string()) });

/** `POST /receivers/{name}/test`: 200 when a channel of the receiver took it, else 502 with the same body. */
export const TestOutcomeSchema = z.strictObject({
  ok: z.boolean().describe('A channel of the receiver itself accepted it'),
  sent: z.number().int(),
  failed: z.number().int(),
  fallback: z.string().nullable().describe('The fallback receiver tried, if every channel failed'),
  delivered: z.boolean().describe('The receiver or its fallback got it'),
});
