import { z } from 'zod';
import { ApiError, requestJson } from './http.js';
import { API_BASE } from './read-api.js';

// The alert engine's HTTP API is owned by the alerts workspace. Until its schemas land in
// `contracts/`, the dashboard reads the documented shape (docs/dashboard.md, "Alerts API")
// leniently: optional fields may be absent, unknown fields are ignored.

const LabelsSchema = z.record(z.string(), z.string());

export const AlertSchema = z.object({
  id: z.string(),
  rule: z.string(),
  state: z.enum(['pending', 'firing', 'resolved']),
  severity: z.string().default('warning'),
  labels: LabelsSchema.default({}),
  summary: z.string().nullish(),
  started_at: z.number(),
  resolved_at: z.number().nullish(),
  value: z.number().nullish(),
  expected: z.object({ low: z.number().nullish(), high: z.number().nullish(), value: z.number().nullish() }).nullish(),
  revenue_at_risk: z.number().nullish(),
  reporting_currency: z.string().nullish(),
  acknowledged: z.object({ by: z.string(), at: z.number() }).nullish(),
  silenced: z.boolean().nullish(),
  dashboard_url: z.string().nullish(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertListSchema = z.object({ items: z.array(AlertSchema) });

export const AlertDetailSchema = AlertSchema.extend({
  series: z
    .array(z.object({ t: z.number(), observed: z.number().nullable(), expected_low: z.number().nullish(), expected_high: z.number().nullish() }))
    .default([]),
  contributing: z.array(z.object({ dimension: z.string(), value: z.string(), share: z.number().nullish() })).default([]),
  sample_payment_ids: z.array(z.string()).default([]),
  deliveries: z
    .array(
      z.object({
        at: z.number(),
        channel: z.string(),
        receiver: z.string().nullish(),
        status: z.string(),
        attempts: z.number().nullish(),
        error: z.string().nullish(),
      }),
    )
    .default([]),
});
export type AlertDetail = z.infer<typeof AlertDetailSchema>;

/** What `POST /api/v1/silences` takes: label matchers (equality), reason, expiry. */
export interface SilenceRequest {
  matchers: Record<string, string>;
  reason: string;
  ends_at: number;
  created_by: string;
}

/** Raised when the collector runs without the alert engine (404 on the alerts routes). */
export class AlertEngineUnavailableError extends Error {
  constructor() {
    super('alert engine not running');
    this.name = 'AlertEngineUnavailableError';
  }
}

function engineOr404<T>(p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    // The list route exists whenever the engine is mounted, so a 404 there means no engine.
    if (e instanceof ApiError && e.status === 404) {
      throw new AlertEngineUnavailableError();
    }
    throw e;
  });
}

export interface AlertFilter {
  state?: string[];
  severity?: string[];
}

/** The alert engine's API, as mounted by the collector. */
export const alertsApi = {
  list: (f: AlertFilter = {}, signal?: AbortSignal) => {
    const q = new URLSearchParams();
    if (f.state?.length) q.set('state', f.state.join(','));
    if (f.severity?.length) q.set('severity', f.severity.join(','));
    const qs = q.toString();
    return engineOr404(requestJson(`${API_BASE}/alerts${qs ? `?${qs}` : ''}`, AlertListSchema, { signal }));
  },
  get: (id: string, signal?: AbortSignal) =>
    requestJson(`${API_BASE}/alerts/${encodeURIComponent(id)}`, AlertDetailSchema, { signal }),
  ack: (id: string, by: string) =>
    requestJson(`${API_BASE}/alerts/${encodeURIComponent(id)}/ack`, z.unknown(), { method: 'POST', body: { by } }),
  silence: (req: SilenceRequest) => requestJson(`${API_BASE}/silences`, z.unknown(), { method: 'POST', body: req }),
};
