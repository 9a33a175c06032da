import { SummaryMessageSchema, type SummaryMessage } from '@paywatch/contracts';
import { z } from 'zod';
import { ApiError, requestJson } from './http.js';
import { API_BASE } from './read-api.js';

// The alert engine's HTTP API (alerts/src/http/alerts.router.ts, mounted by the collector under
// /api/v1). Its shapes are not in `contracts/`, so the dashboard reads the engine's `AlertView`
// (`AlertState` + `dashboard_url` + `muted`) leniently — optional fields may be absent, unknown
// fields are ignored — and maps it onto the view below. The one exception is `message`, the
// summary as data (contracts' `SummaryMessageSchema`), which the pages render in the UI language.

const num = z.number().nullish();

/** A delivery record of the engine's notification log (alerts/src/notify/delivery-log.ts). */
const DeliverySchema = z.object({
  at: z.number(),
  alert_ids: z.array(z.string()).default([]),
  receiver: z.string().nullish(),
  channel: z.string(),
  target: z.string().nullish(),
  /** new | update | repeat (a reminder) | escalation | test. */
  reason: z.string().nullish(),
  status: z.string(),
  attempts: num,
  error: z.string().nullish(),
});

const AlertStateSchema = z.object({
  id: z.string(),
  rule: z.string(),
  labels: z.record(z.string(), z.string()).default({}),
  /** Labels the episode's findings named (a decline-mix shift's provider, a page's country). */
  finding_labels: z.record(z.string(), z.string()).nullish(),
  status: z.enum(['inactive', 'pending', 'firing', 'resolved']),
  severity: z.string().default('warning'),
  active_since: num,
  fired_at: num,
  resolved_at: num,
  last_eval_at: num,
  last_anomalous_at: num,
  last_normal_at: num,
  value: num,
  expected: num,
  lower: num,
  upper: num,
  summary: z.string().nullish(),
  // Absent in alerts persisted before messages existed; unreadable (a newer engine's key) → null,
  // and the page shows the English `summary`.
  message: SummaryMessageSchema.nullish().catch(null),
  revenue_at_risk: num,
  /** ISO 4217 code of `revenue_at_risk` (the API's name since 26 Nov). */
  revenue_at_risk_currency: z.string().nullish(),
  /** Older name, read when the API gives no `revenue_at_risk_currency`. */
  reporting_currency: z.string().nullish(),
  samples: z.array(z.string()).default([]),
  contributors: z.array(z.object({ key: z.string(), value: z.number() })).default([]),
  acknowledged_by: z.string().nullish(),
  acknowledged_at: num,
  acknowledged_reason: z.string().nullish(),
  muted: z
    .object({ silenced_by: z.array(z.string()).default([]), inhibited_by: z.string().nullish() })
    .nullish(),
  dashboard_url: z.string().nullish(),
  flapping: z.boolean().nullish(),
  no_data: z.boolean().nullish(),
});

/** The dashboard's view of one alert. */
export interface Alert {
  id: string;
  rule: string;
  state: 'inactive' | 'pending' | 'firing' | 'resolved';
  severity: string;
  /**
   * The alert's labels and its finding labels, as the engine's silences, inhibition and the API's
   * `filter=` see them: a decline-mix shift is `alertname=decline_mix_shift` plus the
   * `provider=adyen` its finding named.
   */
  labels: Record<string, string>;
  /**
   * The rule's own slice labels (without finding labels): what the chart and the sample link
   * query — the expected band is the slice's, not the narrower one a finding named. Absent: `labels`.
   */
  sliceLabels?: Record<string, string>;
  /** English sentence of the latest evaluation (the engine's `summary`). */
  summary: string | null;
  /** The same sentence as data, rendered per UI language (`alertSummary`); null for old alerts. */
  message?: SummaryMessage | null;
  started_at: number;
  resolved_at: number | null;
  value: number | null;
  expected: { low: number | null; high: number | null; value: number | null };
  revenue_at_risk: number | null;
  reporting_currency: string | null;
  /** Who acknowledged it, when, and why (`reason`: null when none was given). */
  acknowledged: { by: string; at: number | null; reason?: string | null } | null;
  silenced: boolean;
  /** Ids of the active silences muting it (the engine's `muted.silenced_by`), expired by "Expire silence". */
  silencedBy?: string[];
  /** The alert that inhibits this one (a provider outage mutes the method alerts beneath it). */
  inhibitedBy: string | null;
  flapping: boolean;
  /**
   * Firing, but its latest judged evaluation is normal again (held by the rule's
   * `keep_firing_for`): the time of its last anomalous evaluation; null otherwise — also when the
   * evaluations since were only too few attempts or no data (traffic routed away from a failing
   * provider is not a recovery). The summary then shows normal
   * figures ("915 attempts in 10 min, 770 expected"), which read as a false alert without it.
   */
  recovering: number | null;
  samples: string[];
  contributors: { key: string; value: number }[];
}

export function toAlertView(s: z.output<typeof AlertStateSchema>): Alert {
  return {
    id: s.id,
    rule: s.rule,
    state: s.status,
    severity: s.severity,
    labels: { ...s.labels, ...s.finding_labels },
    sliceLabels: s.labels,
    summary: s.summary || null,
    message: s.message ?? null,
    started_at: s.active_since ?? s.fired_at ?? s.last_eval_at ?? 0,
    resolved_at: s.resolved_at ?? null,
    value: s.value ?? null,
    expected: { low: s.lower ?? null, high: s.upper ?? null, value: s.expected ?? null },
    revenue_at_risk: s.revenue_at_risk ?? null,
    reporting_currency: s.revenue_at_risk_currency ?? s.reporting_currency ?? null,
    acknowledged: s.acknowledged_by
      ? { by: s.acknowledged_by, at: s.acknowledged_at ?? null, reason: s.acknowledged_reason || null }
      : null,
    silenced: (s.muted?.silenced_by.length ?? 0) > 0,
    silencedBy: s.muted?.silenced_by ?? [],
    inhibitedBy: s.muted?.inhibited_by ?? null,
    flapping: s.flapping ?? false,
    recovering:
      s.status === 'firing' && s.last_anomalous_at != null && (s.last_normal_at ?? 0) > s.last_anomalous_at
        ? s.last_anomalous_at
        : null,
    samples: s.samples,
    contributors: s.contributors,
  };
}

export const AlertSchema = AlertStateSchema.transform(toAlertView);

/** The list answer: a bare array or `{ items, next_cursor }` / `{ alerts }`. */
export const AlertListSchema = z
  .union([
    z.array(AlertSchema),
    z.object({ items: z.array(AlertSchema), next_cursor: z.string().nullish() }),
    z.object({ alerts: z.array(AlertSchema) }),
  ])
  .transform((v) => ({
    items: Array.isArray(v) ? v : 'items' in v ? v.items : v.alerts,
    next_cursor: !Array.isArray(v) && 'next_cursor' in v ? (v.next_cursor ?? null) : null,
  }));

/**
 * What the pages list: the alerts, and whether more match than they hold (`more`: the list is
 * the newest page only — the page says so and asks for a narrower filter).
 */
export interface AlertPage {
  items: Alert[];
  more: boolean;
}

/** GET /alerts answers at most this many per page (the API's default `limit`). */
const PAGE = 500;
/**
 * Pages followed for the active alerts (pending, firing): every one of them belongs on an on-call
 * screen, so the list follows `next_cursor` — up to this many pages (5000 alerts), past which it
 * says there are more. Other filters (every state, resolved) read one page: resolved alerts pile up.
 */
const ACTIVE_PAGES = 10;
const ACTIVE = new Set(['active', 'pending', 'firing']);

/** `GET /api/v1/alerts-deliveries`: the notification delivery log, newest first. */
export const DeliveryListSchema = z.object({ items: z.array(DeliverySchema) });
export type Delivery = z.infer<typeof DeliverySchema>;

/** Detail: the alert plus its observed-vs-expected series and its delivery log, when provided. */
export const AlertDetailSchema = AlertStateSchema.extend({
  series: z
    .array(
      z.object({
        t: z.number(),
        value: num,
        observed: num,
        lower: num,
        upper: num,
        expected_low: num,
        expected_high: num,
      }),
    )
    .default([]),
  deliveries: z.array(DeliverySchema).default([]),
}).transform((s) => ({
  ...toAlertView(s),
  series: s.series.map((p) => ({
    t: p.t,
    observed: p.observed ?? p.value ?? null,
    expected_low: p.expected_low ?? p.lower ?? null,
    expected_high: p.expected_high ?? p.upper ?? null,
  })),
  deliveries: s.deliveries,
}));
export type AlertDetail = z.output<typeof AlertDetailSchema>;

/** One silence as `GET /api/v1/silences` lists it (alerts/src/http/alerts.schemas.ts `SilenceSchema`). */
const SilenceSchema = z.object({
  id: z.string(),
  matchers: z.array(z.object({ name: z.string(), op: z.string(), value: z.string() })),
  starts_at: z.number(),
  /** Set to the time it was expired when someone ended it early. */
  ends_at: z.number(),
  created_by: z.string(),
  comment: z.string(),
  /** At the server's clock when it answered (the engine has sent it since silences were listed). */
  state: z.enum(['pending', 'active', 'expired']),
});
export type Silence = z.output<typeof SilenceSchema>;
export const SilenceListSchema = z.object({ items: z.array(SilenceSchema) });

/** A matcher as people and Alertmanager write it: `provider="adyen"`, `method=~"apple_pay|card"`. */
export function matcherText(m: { name: string; op: string; value: string }): string {
  return `${m.name}${m.op}"${m.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** What `POST /api/v1/silences` takes: Alertmanager-style matcher strings (`name="value"`). */
export interface SilenceRequest {
  matchers: string[];
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
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
    if (e instanceof ApiError && e.status === 404) throw new AlertEngineUnavailableError();
    throw e;
  });
}

/** List filter: `status` is one of pending, firing, resolved, inactive or `active` (pending + firing). */
export interface AlertFilter {
  status?: string;
  severity?: string;
}

/** A label as an equality matcher, quoted and escaped the way the engine parses it. */
export function equalityMatcher(name: string, value: string): string {
  return matcherText({ name, op: '=', value });
}

/** Silence for an alert: every label by equality (the labels include `alertname`). */
export function silenceFor(
  alert: Alert,
  comment: string,
  now: number,
  durationMs: number,
  by: string,
): SilenceRequest {
  const labels = 'alertname' in alert.labels ? alert.labels : { alertname: alert.rule, ...alert.labels };
  return {
    matchers: Object.entries(labels).map(([name, value]) => equalityMatcher(name, value)),
    starts_at: now,
    ends_at: now + durationMs,
    created_by: by,
    comment,
  };
}

/** The alert engine's API, as mounted by the collector. */
export const alertsApi = {
  /**
   * The alerts of a filter, newest episode first. Until 26 Nov only the first page was read and
   * `next_cursor` ignored: past 500 alerts the rest were silently missing.
   */
  list: (f: AlertFilter = {}, signal?: AbortSignal): Promise<AlertPage> =>
    engineOr404(
      (async () => {
        const pages = f.status && ACTIVE.has(f.status) ? ACTIVE_PAGES : 1;
        const items: Alert[] = [];
        let cursor: string | null = null;
        for (let i = 0; i < pages; i++) {
          const q = new URLSearchParams();
          if (f.status) q.set('status', f.status);
          if (f.severity) q.set('severity', f.severity);
          q.set('limit', String(PAGE));
          if (cursor) q.set('cursor', cursor);
          const res = await requestJson(`${API_BASE}/alerts?${q}`, AlertListSchema, { signal });
          items.push(...res.items);
          cursor = res.next_cursor;
          if (!cursor) break;
        }
        return { items, more: cursor !== null };
      })(),
    ),
  get: (id: string, signal?: AbortSignal) =>
    requestJson(`${API_BASE}/alerts/${encodeURIComponent(id)}`, AlertDetailSchema, { signal }),
  /** `POST /alerts/:id/ack` with why (an empty reason is sent as none); 409 when it is no longer active. */
  ack: (id: string, by: string, reason = '') =>
    requestJson(`${API_BASE}/alerts/${encodeURIComponent(id)}/ack`, z.unknown(), {
      method: 'POST',
      body: reason.trim() ? { by, reason: reason.trim() } : { by },
    }),
  /**
   * Withdraws the acknowledgement (`DELETE /alerts/:id/ack`): reminders and escalation resume.
   * 409 when it is not acknowledged (withdrawn by someone else) or no longer active. No body:
   * the collector names the caller.
   */
  unack: (id: string) =>
    requestJson(`${API_BASE}/alerts/${encodeURIComponent(id)}/ack`, z.unknown(), { method: 'DELETE' }),
  silence: (req: SilenceRequest) =>
    requestJson(`${API_BASE}/silences`, z.unknown(), { method: 'POST', body: req }),
  /** Every silence the engine holds (active, pending, expired), as `GET /silences` lists them. */
  silences: (signal?: AbortSignal): Promise<Silence[]> =>
    engineOr404(requestJson(`${API_BASE}/silences`, SilenceListSchema, { signal }).then((r) => r.items)),
  /**
   * Ends a silence now (`DELETE /silences/:id`). A 409 (it has already ended: expired by someone
   * else, or its time ran out) is what was asked for and is not an error.
   */
  expireSilence: async (id: string): Promise<void> => {
    try {
      await requestJson(`${API_BASE}/silences/${encodeURIComponent(id)}`, z.unknown(), { method: 'DELETE' });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) throw e;
    }
  },
  /**
   * The delivery log entries that concern one alert, newest first, filtered by the API (`alert=`).
   * Until 26 Nov the newest 1000 entries of every alert were fetched and filtered here: on a busy
   * system an alert's older deliveries were past them and its page read "no deliveries".
   */
  deliveriesOf: async (id: string, signal?: AbortSignal): Promise<Delivery[]> => {
    const q = new URLSearchParams({ alert: id, limit: '1000' });
    const res = await requestJson(`${API_BASE}/alerts-deliveries?${q}`, DeliveryListSchema, { signal });
    return res.items;
  },
};
