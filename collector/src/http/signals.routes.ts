import {
  DIMENSIONS,
  FunnelQuerySchema,
  FunnelSchema,
  LogsQuerySchema,
  LogsSchema,
  PendingQuerySchema,
  PendingSchema,
  RumErrorsQuerySchema,
  RumErrorsSchema,
  SamplesQuerySchema,
  SamplesSchema,
  VitalsQuerySchema,
  VitalsSchema,
  filtersOf,
  type Funnel,
  type Pending,
  type RumErrors,
  type Samples,
  type Vitals,
} from '@paywatch/contracts';
import { Router } from 'express';
import { BadRequestError } from '../lib/errors.js';
import {
  CHECKOUT_FUNNEL,
  computeFunnel,
  parseFunnelStep,
  type FunnelStep,
  type RumRecord,
} from '../sources/faro/index.js';
import { WEB_VITAL_THRESHOLDS, type PendingPaymentReader, type SignalStore } from '../store/signals.js';
import { parseQuery } from './query.js';
import type { RouteDoc } from './route-doc.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_RANGE_MS = 400 * DAY;
/** Funnel events one answer reads at most (beyond, counts are a lower bound and `truncated` says so). */
export const MAX_FUNNEL_EVENTS = 500_000;
export const DEFAULT_PENDING_OLDER_THAN_MS = 15 * 60_000;

const errors = {
  400: 'A query parameter is invalid; `error.field` names it.',
  401: 'Not signed in and no API key.',
  403: 'The role or key scope does not allow this route.',
  503: 'The store is unreachable.',
};

export const SIGNAL_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/metrics/samples',
    tag: 'signals',
    auth: 'viewer',
    summary: 'Scraped Prometheus samples of one stored series',
    description:
      'Samples stored by the Prometheus scraper (`PAYWATCH_SCRAPE_CONFIG` mappings, plus per target `up`, `scrape_duration_seconds`, `scrape_samples_scraped`) in [from, to) (default: the last hour), grouped by target and label set, oldest first.',
    query: SamplesQuerySchema,
    response: { status: 200, schema: SamplesSchema, description: 'Samples per (target, labels)' },
    errors,
  },
  {
    method: 'get',
    path: '/api/v1/logs',
    tag: 'signals',
    auth: 'analyst',
    summary: 'Search tailed log records (masked), newest first, cursor-paged',
    description:
      'Non-payment lines of the tailed log files (`PAYWATCH_LOG_TAIL_CONFIG`), masked like payment events (card numbers, e-mails, phones, IPv4 addresses, verification codes; field names too) and bounded. `q` is a case-insensitive literal substring of the masked message or fields (a raw card number or address is not found). Default range: the last hour.',
    query: LogsQuerySchema,
    response: { status: 200, schema: LogsSchema, description: 'A page of log records' },
    errors,
  },
  {
    method: 'get',
    path: '/api/v1/funnel',
    tag: 'signals',
    auth: 'viewer',
    summary: 'Checkout funnel from browser RUM events (sessions reaching each step)',
    description:
      'Ordered per session from the Faro events: by default `checkout_viewed` → `payment_submitted` → `payment_result[status=succeeded]`; `steps` takes `;`-separated `event` or `event[attr=value]`. Dimension filters (e.g. `method=card`) keep sessions whose events carry that attribute value. Default range: the last 24 hours.',
    query: FunnelQuerySchema,
    response: { status: 200, schema: FunnelSchema, description: 'Sessions per step with conversions' },
    errors,
  },
  {
    method: 'get',
    path: '/api/v1/rum/vitals',
    tag: 'signals',
    auth: 'viewer',
    summary: 'Web vitals (LCP, INP, CLS, FCP, TTFB) from browser RUM',
    description:
      'Per vital: sample count, p50/p75/p95, how many samples are good / need improvement / poor by the web.dev thresholds, and the rating of p75. Default range: the last 24 hours.',
    query: VitalsQuerySchema,
    response: { status: 200, schema: VitalsSchema, description: 'Web vitals summary' },
    errors,
  },
  {
    method: 'get',
    path: '/api/v1/rum/errors',
    tag: 'signals',
    auth: 'analyst',
    summary: 'Browser exceptions from RUM, grouped by name and message',
    description:
      'Exceptions the Faro SDK reported (masked like every stored text), most frequent first, with the sessions affected, the last time and the page of the last occurrence. Default range: the last 24 hours.',
    query: RumErrorsQuerySchema,
    response: { status: 200, schema: RumErrorsSchema, description: 'Exception groups' },
    errors,
  },
  {
    method: 'get',
    path: '/api/v1/payments/pending',
    tag: 'read',
    auth: 'analyst',
    summary: 'Payments pending longer than N (latest status non-final)',
    description:
      'Payments whose latest event (by time, attempt, event id) is `created`, `pending`, `requires_action` or `authorized` and older than `older_than` (default 15m): notifications that never came, e.g. from providers that never push failures (WeChat Pay, Alipay). Oldest first; `total` counts all. Only payments whose latest event is within `PAYWATCH_PENDING_LOOKBACK` (default 7d; `since` in the answer) are read: older ones count as abandoned. The gauge `paywatch_payments_pending_stale` tracks the count.',
    query: PendingQuerySchema,
    response: { status: 200, schema: PendingSchema, description: 'Stale pending payments' },
    errors,
  },
];

export interface SignalsRouterDeps {
  signals: SignalStore;
  pending: PendingPaymentReader;
  /** "Pending longer than N" lists payments whose latest event is within this look-back (`PAYWATCH_PENDING_LOOKBACK`). */
  pendingLookbackMs: number;
  now?: () => number;
}

function rangeOf(
  q: { from?: number | undefined; to?: number | undefined },
  now: number,
  dflt: number,
): { from: number; to: number } {
  const to = q.to ?? now;
  const from = q.from ?? to - dflt;
  if (from >= to || to - from > MAX_RANGE_MS) {
    throw new BadRequestError(
      '"from" must be before "to", at most 400 days apart',
      'from',
      'invalid_parameter',
    );
  }
  return { from, to };
}

function parseSteps(spec: string | undefined): FunnelStep[] {
  if (spec === undefined) return [...CHECKOUT_FUNNEL];
  const parts = spec
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0 || parts.length > 10)
    throw new BadRequestError('steps: 1 to 10 steps separated by ";"', 'steps', 'invalid_parameter');
  try {
    return parts.map(parseFunnelStep);
  } catch (err) {
    throw new BadRequestError(
      `steps: ${err instanceof Error ? err.message : 'invalid'}`,
      'steps',
      'invalid_parameter',
    );
  }
}

/** Keeps the events of sessions that, for every filtered dimension, have an event carrying an allowed value. */
function filterSessions(records: RumRecord[], filters: Record<string, readonly string[]>): RumRecord[] {
  const dims = Object.entries(filters).filter(([, vs]) => vs.length > 0);
  if (dims.length === 0) return records;
  const ok = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.session_id === null) continue;
    for (const [d, vs] of dims) {
      const v = r.attributes[d];
      if (v !== undefined && vs.includes(v)) {
        let s = ok.get(r.session_id);
        if (!s) ok.set(r.session_id, (s = new Set()));
        s.add(d);
      }
    }
  }
  return records.filter((r) => r.session_id !== null && (ok.get(r.session_id)?.size ?? 0) === dims.length);
}

const rate = (v: number | null, [good, poor]: readonly [number, number]) =>
  v === null
    ? null
    : v <= good
      ? ('good' as const)
      : v > poor
        ? ('poor' as const)
        : ('needs_improvement' as const);

/** Read endpoints of the other signals (samples, logs, funnel, web vitals) and pending payments. */
export function createSignalsRouter(deps: SignalsRouterDeps): Router {
  const now = deps.now ?? Date.now;
  const r = Router();

  r.get('/api/v1/metrics/samples', async (req, res) => {
    const q = parseQuery(SamplesQuerySchema, req.query);
    const { from, to } = rangeOf(q, now(), HOUR);
    const limit = q.limit ?? 5000;
    const rows = await deps.signals.querySamples({
      series: q.series,
      from,
      to,
      limit: limit + 1,
      ...(q.target === undefined ? {} : { target: q.target }),
      ...(q.labels === undefined ? {} : { labels: q.labels }),
    });
    const data: Samples['data'] = [];
    let key = '';
    for (const s of rows.slice(0, limit)) {
      const k = JSON.stringify([s.target, s.labels]);
      if (k !== key || data.length === 0) {
        data.push({ target: s.target, labels: s.labels, points: [] });
        key = k;
      }
      data[data.length - 1]!.points.push([s.ts, s.value]);
    }
    const body: Samples = { series: q.series, from, to, truncated: rows.length > limit, data };
    res.json(body);
  });

  r.get('/api/v1/logs', async (req, res) => {
    const q = parseQuery(LogsQuerySchema, req.query);
    const { from, to } = rangeOf(q, now(), HOUR);
    res.json(
      await deps.signals.searchLogs({
        from,
        to,
        limit: q.limit ?? 100,
        cursor: q.cursor ?? null,
        ...(q.q === undefined ? {} : { text: q.q }),
        ...(q.level === undefined ? {} : { level: q.level }),
        ...(q.file === undefined ? {} : { file: q.file }),
      }),
    );
  });

  r.get('/api/v1/funnel', async (req, res) => {
    const q = parseQuery(FunnelQuerySchema, req.query);
    const { from, to } = rangeOf(q, now(), DAY);
    const steps = parseSteps(q.steps);
    const f = filtersOf(q);
    const filters: Record<string, readonly string[]> = {};
    for (const d of DIMENSIONS) if (f[d]) filters[d] = f[d];
    const events = await deps.signals.rumRecords({
      from,
      to,
      kind: 'event',
      names: [...new Set(steps.map((s) => s.event))],
      limit: MAX_FUNNEL_EVENTS + 1,
      ...(q.app_name === undefined ? {} : { app_name: q.app_name }),
    });
    const truncated = events.length > MAX_FUNNEL_EVENTS;
    const kept = filterSessions(events.slice(0, MAX_FUNNEL_EVENTS), filters);
    const result = computeFunnel(kept, steps);
    const sessions = new Set(kept.map((e) => e.session_id).filter((s) => s !== null)).size;
    const body: Funnel = { from, to, sessions, truncated, steps: result.steps };
    res.json(body);
  });

  r.get('/api/v1/rum/vitals', async (req, res) => {
    const q = parseQuery(VitalsQuerySchema, req.query);
    const { from, to } = rangeOf(q, now(), DAY);
    const vitals = await deps.signals.webVitals({
      from,
      to,
      ...(q.app_name === undefined ? {} : { app_name: q.app_name }),
    });
    const body: Vitals = {
      from,
      to,
      vitals: vitals.map((v) => {
        const t = WEB_VITAL_THRESHOLDS[v.name] ?? [0, 0];
        return { ...v, rating: rate(v.p75, t), thresholds: [t[0], t[1]] };
      }),
    };
    res.json(body);
  });

  r.get('/api/v1/rum/errors', async (req, res) => {
    const q = parseQuery(RumErrorsQuerySchema, req.query);
    const { from, to } = rangeOf(q, now(), DAY);
    const items = await deps.signals.rumErrors({
      from,
      to,
      limit: q.limit ?? 50,
      ...(q.app_name === undefined ? {} : { app_name: q.app_name }),
    });
    const body: RumErrors = { from, to, items };
    res.json(body);
  });

  r.get('/api/v1/payments/pending', async (req, res) => {
    const q = parseQuery(PendingQuerySchema, req.query);
    const t = now();
    const olderThan = q.older_than ?? DEFAULT_PENDING_OLDER_THAN_MS;
    const before = t - olderThan;
    const since = t - deps.pendingLookbackMs;
    const { total, items } = await deps.pending.pendingPayments({ since, before, limit: q.limit ?? 100 });
    const body: Pending = {
      older_than_ms: olderThan,
      since,
      before,
      total,
      items: items.map((p) => ({ ...p, age_ms: t - p.ts })),
    };
    res.json(body);
  });

  return r;
}
