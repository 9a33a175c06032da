import {
  AlertListQuerySchema,
  AlertListSchema,
  AlertViewSchema,
  createAlerts,
  DeliveryListQuerySchema,
  DeliveryListSchema,
  ReceiverListSchema,
  SilenceListSchema,
  SilenceSchema,
  TestOutcomeSchema,
  type AlertsModule,
} from '@paywatch/alerts';
import type { PaymentEvent } from '@paywatch/contracts';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { Mount } from '../app.js';
import { principalOf } from '../auth/access-control.js';
import { actorOf } from '../auth/roles.js';
import type { AuditDetails } from '../audit/types.js';
import type { RouteDoc } from '../http/route-doc.js';
import { BadRequestError } from '../lib/errors.js';
import { createJsonBody } from '../lib/json-body.js';
import type { Logger } from '../lib/logger.js';
import type { LiveGateway } from '../live/live.gateway.js';
import type { Sink } from '../sinks/sink.js';
import type { EventFeedReader } from '../store/feed.js';
import type { Registry } from 'prom-client';
import { registerAlertEngineMetrics, registerWarmupMetrics } from './alerts-engine.metrics.js';
import {
  createEngineHold,
  warmUpEngine,
  warmupRange,
  type EngineHold,
  type WarmupStatus,
} from './engine-warmup.js';

const errors = {
  400: 'A parameter or the body is invalid, or a query parameter is unknown; `error.field` names it.',
  404: 'No such alert, silence or receiver.',
};
/** POST routes: a body sent as anything but JSON (text/plain, a form) is refused, not read as `{}`. */
const bodyErrors = {
  ...errors,
  413: 'The body is over 64 KiB (answered as soon as it is known — a `Content-Length` over it, or a chunked body passing it — and the connection closed).',
  415: 'The body is not application/json.',
};
const json = (schema: z.ZodType, description: string) => ({ status: 200, schema, description });

/**
 * The alert engine's HTTP API as mounted under `/api/v1`. Reads are for every signed-in role;
 * acknowledging and silencing need `oncall` and are audited; test notifications need `admin`.
 */
export const ALERT_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/alerts',
    tag: 'alerts',
    auth: 'viewer',
    summary:
      'Alerts, newest episode first (every state unless `status` is given), filter by status, rule, severity',
    query: AlertListQuerySchema,
    response: json(
      AlertListSchema,
      '`{items: AlertView[]}`; each alert has `revenue_at_risk` in the currency named by `revenue_at_risk_currency` (ISO 4217, the reporting currency), `summary` (English) and `message` (the same sentence as data, `SummaryMessageSchema` in @paywatch/contracts, rendered by its `summaryText` in en/zh; absent for alerts saved before it)',
    ),
    errors,
  },
  {
    method: 'get',
    path: '/api/v1/alerts/{id}',
    tag: 'alerts',
    auth: 'viewer',
    summary:
      'One alert: labels, observed vs expected, revenue at risk, contributors, sample transactions, history',
    pathParams: { id: 'Alert id' },
    response: json(
      AlertViewSchema,
      'AlertView (with `summary` and `message`, as in the list); `muted`: `{silenced_by: string[], inhibited_by: string | null, flapping: boolean}`, why it is not notified now',
    ),
    errors,
  },
  {
    method: 'post',
    path: '/api/v1/alerts/{id}/ack',
    tag: 'alerts',
    auth: 'oncall',
    audit: 'alert.ack',
    summary:
      'Acknowledge an alert (stops its reminders and escalation; the resolve still goes out, saying who acknowledged); the actor is the signed-in user; an optional `reason` is stored with it (`acknowledged_reason`, the live `alert_ack` event, the audit entry); the first acknowledgement stands (a second answers 200 with it unchanged, audited with `result: already_acknowledged` and the `acknowledged_by` that stands)',
    pathParams: { id: 'Alert id' },
    body: {
      contentTypes: ['application/json'],
      description:
        '`{}` or `{reason: "adyen confirmed, fix rolling out"}` (at most 500 characters; the actor is taken from the session or key)',
    },
    response: json(AlertViewSchema, 'AlertView'),
    errors: {
      ...bodyErrors,
      409: 'The alert is not pending or firing (resolved or inactive): there is nothing to acknowledge.',
    },
  },
  {
    method: 'delete',
    path: '/api/v1/alerts/{id}/ack',
    tag: 'alerts',
    auth: 'oncall',
    audit: 'alert.unack',
    summary:
      "Withdraw an alert's acknowledgement: reminders resume, and escalation steps not yet taken count their `after` from now (`unacknowledged_at`); a step already taken is not repeated. The actor is the signed-in user (the live `alert_ack` event says who); audited with the acknowledgement withdrawn (`acknowledged_by`, `reason`)",
    pathParams: { id: 'Alert id' },
    response: json(AlertViewSchema, 'AlertView, no longer acknowledged'),
    errors: {
      ...errors,
      409: 'The alert is not acknowledged, or not pending or firing (an ended episode keeps who acknowledged it): there is nothing to withdraw.',
    },
  },
  {
    method: 'get',
    path: '/api/v1/silences',
    tag: 'alerts',
    auth: 'viewer',
    summary: 'Silences',
    response: json(SilenceListSchema, '`{items: Silence[]}`'),
    errors,
  },
  {
    method: 'post',
    path: '/api/v1/silences',
    tag: 'alerts',
    auth: 'oncall',
    audit: 'silence.change',
    summary: 'Create a silence (matchers, duration or ends_at, comment); the author is the signed-in user',
    body: {
      contentTypes: ['application/json'],
      description:
        '`{matchers: ["provider=\\"adyen\\""], duration: "2h" | ends_at, comment, starts_at?}` (`ends_at`, `starts_at`: epoch ms). 400 when the matchers would match every alert (each also matches an empty label, e.g. `provider=~".*"`), as Alertmanager refuses, and when a regex repeats a group holding a quantifier or an alternation (`(\\w+)+x`, `(a|b)*`: exponential backtracking), naming the matcher; 400 naming `duration` (or `ends_at`) when the silence would end more than 90 days from now',
    },
    response: { status: 201, schema: SilenceSchema, description: 'The silence' },
    errors: bodyErrors,
  },
  {
    method: 'delete',
    path: '/api/v1/silences/{id}',
    tag: 'alerts',
    auth: 'oncall',
    audit: 'silence.change',
    summary: 'Expire a silence now',
    pathParams: { id: 'Silence id' },
    response: { status: 204, description: 'Expired (no body)' },
    errors: { ...errors, 409: 'The silence has already ended (expired, or its `ends_at` passed).' },
  },
  {
    method: 'get',
    path: '/api/v1/alerts-deliveries',
    tag: 'alerts',
    auth: 'viewer',
    summary: 'Notification delivery log (attempts, status, error)',
    query: DeliveryListQuerySchema,
    response: json(DeliveryListSchema, '`{items: DeliveryRecord[]}`, newest first'),
    errors,
  },
  {
    method: 'get',
    path: '/api/v1/receivers',
    tag: 'alerts',
    auth: 'viewer',
    summary: 'Configured receivers (secrets never shown)',
    response: json(ReceiverListSchema, '`{items: string[]}`: receiver names'),
    errors,
  },
  {
    method: 'post',
    path: '/api/v1/receivers/{name}/test',
    tag: 'alerts',
    auth: 'admin',
    audit: 'config.change',
    summary: 'Send a test notification through a receiver',
    pathParams: { name: 'Receiver name' },
    response: json(
      TestOutcomeSchema,
      "A channel of the receiver accepted it (`ok`); each channel's attempt is in the delivery log (reason `test`)",
    ),
    errors: {
      ...bodyErrors,
      502: 'No channel of the receiver accepted it (the body is the same outcome, `ok: false`; the delivery log has each error)',
    },
    errorBodies: { 502: TestOutcomeSchema },
  },
  {
    method: 'get',
    path: '/api/v1/alerts-stats',
    tag: 'alerts',
    auth: 'viewer',
    summary:
      'Engine statistics (series, evaluations, dropped future events) and `warmup`: the cold-start warm-up from the store',
    response: { status: 200, contentType: 'application/json', description: 'EngineStats' },
    errors,
  },
];

/**
 * Sets the body's `field` (`by`, `created_by`) to the caller, whatever the body says; a JSON array
 * body (the only non-object the JSON parser lets through) is a 400. Until 26 Nov an array was
 * replaced by `{}`: `[1]` acknowledged the alert (200), and a silence sent as its bare matcher list
 * read "matchers: expected array".
 */
function stampActorBody(
  field: 'by' | 'created_by',
  actor: (req: Request, res: Response) => string,
): RequestHandler {
  return (req, res, next) => {
    const body: unknown = req.body;
    if (Array.isArray(body)) return next(new BadRequestError('the body must be a JSON object'));
    req.body = { ...(body && typeof body === 'object' ? body : {}), [field]: actor(req, res) };
    next();
  };
}

/**
 * The alerts API's POST bodies as its hosts read them, before the alerts router (`prefix` + its
 * paths), for the collector's mount and `paywatch alerts` alike: JSON up to 64 KiB (the router's
 * own reader is for hosts without a parser); an acknowledgement's `by` and a silence's
 * `created_by` are `actor` (the caller, never what the body claims); the audit details of an
 * acknowledgement (its reason, or `repeatedAck`'s when it will change nothing) and of its
 * withdrawal (what was withdrawn) are handed to `onAuditDetails` before the router answers.
 */
export function readAlertBodies(
  router: Router,
  prefix: string,
  engine: Pick<AlertsModule['engine'], 'get'>,
  actor: (req: Request, res: Response) => string,
  onAuditDetails: (res: Response, details: AuditDetails) => void,
): void {
  const body = createJsonBody(64 * 1024);
  router.post(`${prefix}/alerts/:id/ack`, body, stampActorBody('by', actor), (req, res, next) => {
    const details = repeatedAck(engine, req.params.id) ?? ackDetails(req.body);
    if (Object.keys(details).length) onAuditDetails(res, details);
    next();
  });
  // No body: `by` is the caller; the audit entry names the acknowledgement withdrawn.
  router.delete(`${prefix}/alerts/:id/ack`, (req, res, next) => {
    req.body = { by: actor(req, res) };
    const cur = typeof req.params.id === 'string' ? engine.get(req.params.id) : undefined;
    if (cur?.acknowledged_by)
      onAuditDetails(res, {
        acknowledged_by: cur.acknowledged_by,
        reason: cur.acknowledged_reason ?? null,
      });
    next();
  });
  router.post(`${prefix}/silences`, body, stampActorBody('created_by', actor));
  router.post(`${prefix}/receivers/:name/test`, body);
}

/** The audit details of an acknowledgement's body: its reason, when given (cut to 500 characters). */
function ackDetails(body: unknown): AuditDetails {
  const reason = body && typeof body === 'object' ? (body as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' && reason.trim() ? { reason: reason.trim().slice(0, 500) } : {};
}

/**
 * Set by `paywatch alerts` on an acknowledgement with a reason or that changed nothing
 * (`already_acknowledged`) and on a withdrawal: the audit details (`onAuditDetails`) as base64url
 * JSON, for the collector that proxies it to audit them (alerts.proxy.ts; the service has no
 * audit log).
 */
export const AUDIT_DETAILS_HEADER = 'x-paywatch-audit-details';

/**
 * The audit details of an acknowledgement that will change nothing, or null: the first
 * acknowledgement stands and a second answers 200 with the alert unchanged (alerts.router.ts makes
 * the same check on the same state, in the same turn). Until 26 Nov the audit entry of a second
 * acknowledgement read "alert.ack, success" by the second caller, as if they had acknowledged it.
 */
function repeatedAck(
  engine: Pick<AlertsModule['engine'], 'get'>,
  id: string | string[] | undefined,
): AuditDetails | null {
  const cur = typeof id === 'string' ? engine.get(id) : undefined;
  if (!cur || (cur.status !== 'pending' && cur.status !== 'firing') || cur.acknowledged_by === null)
    return null;
  return {
    result: 'already_acknowledged',
    acknowledged_by: cur.acknowledged_by,
    acknowledged_at: cur.acknowledged_at,
  };
}

/**
 * The alert engine inside the collector: fed by the sink fan-out (masked, stored events),
 * its API mounted with roles, its transitions pushed on the live stream. Lifecycle: `start()`
 * after the store, idempotent `stop()` before it.
 */
export interface AlertsInCollector {
  module: AlertsModule;
  sink: Sink;
  mount: Mount;
  attachLive(live: LiveGateway): void;
  /** Registers the engine's late / history / future event counts (and the warm-up) on the collector's registry. */
  registerMetrics(registry: Registry): void;
  /**
   * `start()` resolves once the engine's state is loaded. With `warmupHours` and a store to read
   * and nothing restored from a snapshot, it then warms the engine from the store in the
   * background (live input held meanwhile): the collector listens at once.
   */
  start(): Promise<void>;
  /** Resolves when the warm-up (if any) has ended and held live events were fed. */
  warmedUp(): Promise<void>;
  warmup(): WarmupStatus;
  /** Ends a running warm-up early (shutdown) and feeds what was held; before stopping the queue in front of `sink`. */
  abortWarmup(): Promise<void>;
  stop(): Promise<void>;
}

export function createAlertsInCollector(
  config: {
    rulesPath: string | undefined;
    env: Readonly<Record<string, string | undefined>>;
    dataDir: string;
    reportingCurrency: string;
    /** Deep-link base when the alerts YAML sets no `dashboard_url` (read per alert). */
    dashboardUrl?: () => string;
    /**
     * Cold start without a detector snapshot: feed the stored events of this many hours (event
     * time) before any live event, so an ongoing incident is not learned as the baseline. 0 = off.
     */
    warmupHours?: number;
    /** Most live events held back from the engine during the warm-up (beyond: dropped for it). */
    warmupMaxHeld?: number;
  },
  deps: {
    logger: Logger;
    /** The store's event-time read, for the warm-up (omitted: no warm-up). */
    history?: Pick<EventFeedReader, 'eventsByEventTime'>;
    /** Wall clock (tests). */
    now?: () => number;
    /** Masks ack reasons and silence comments before they are stored (the pipeline's `Masker.maskText`). */
    maskText?: (s: string) => string;
  },
): AlertsInCollector {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'alerts' });
  const module = createAlerts(
    { logger: log, ...(deps.maskText ? { maskText: deps.maskText } : {}) },
    {
      rulesPath: config.rulesPath,
      env: config.env,
      dataDir: config.dataDir,
      reportingCurrency: config.reportingCurrency,
      ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}),
    },
  );
  const router = Router();
  // The actor of an acknowledgement or silence is who is signed in; a repeated ack is audited as such.
  readAlertBodies(
    router,
    '/api/v1',
    module.engine,
    (_req, res) => actorOf(principalOf(res)).actor ?? 'anonymous',
    // The reason as the engine stores it: masked (the audit log masks card numbers, not e-mails).
    (res, details) => {
      const { reason } = details;
      res.locals.auditDetails =
        typeof reason === 'string' && deps.maskText ? { ...details, reason: deps.maskText(reason) } : details;
    },
  );
  // The engine's statistics plus the collector's warm-up of it (state, events, seconds, held, dropped).
  router.get('/api/v1/alerts-stats', (_req, res) => {
    res.json({ ...module.engine.stats(), warmup: warmupStatus() });
  });
  router.use('/api/v1', module.router);

  let started = false;
  let stopped = false;
  const feedEngine = (events: readonly PaymentEvent[]) => module.engine.onEvents(events);
  const warmupHours = config.warmupHours ?? 0;
  const status: WarmupStatus = {
    state: 'off',
    events: 0,
    pages: 0,
    seconds: 0,
    readSeconds: 0,
    engineSeconds: 0,
    from: null,
    to: null,
    held: 0,
    dropped: 0,
  };
  // Non-null while the warm-up runs: the live input waits there.
  let hold: EngineHold | null = null;
  let warming: Promise<void> = Promise.resolve();
  const abort = new AbortController();

  function warmupStatus(): WarmupStatus {
    const c = hold?.counts();
    return { ...status, ...(c ? { held: c.held, dropped: c.dropped } : {}) };
  }

  /** Reads the last `warmupHours` from the store into the engine, then releases the held live events. */
  async function warmUp(startedAt: number): Promise<void> {
    const h = hold!;
    const { from, to } = warmupRange(warmupHours, startedAt);
    Object.assign(status, { state: 'running', from, to });
    log.info(
      { hours: warmupHours, from: new Date(from).toISOString() },
      'alert engine: no detector state restored; warming up from stored events (live events held meanwhile)',
    );
    try {
      const r = await warmUpEngine(
        {
          feed: deps.history!,
          onEvents: feedEngine,
          signal: abort.signal,
          onPage: (events, pages) =>
            Object.assign(status, { events, pages, seconds: (now() - startedAt) / 1000 }),
        },
        { hours: warmupHours, startedAt },
      );
      status.state = r.aborted ? 'aborted' : 'done';
      status.readSeconds = r.readMs / 1000;
      status.engineSeconds = r.feedMs / 1000;
    } catch (err) {
      status.state = 'failed';
      log.error(
        { err, events: status.events },
        'alert engine warm-up: reading stored events failed; going on live',
      );
    } finally {
      h.release();
      hold = null;
      const { held, dropped } = h.counts();
      Object.assign(status, { held, dropped, seconds: (now() - startedAt) / 1000 });
    }
    log.info(
      {
        state: status.state,
        events: status.events,
        pages: status.pages,
        seconds: Number(status.seconds.toFixed(2)),
        read_seconds: Number(status.readSeconds.toFixed(2)),
        engine_seconds: Number(status.engineSeconds.toFixed(2)),
        held: status.held,
        dropped: status.dropped,
        watermark: module.engine.stats().watermark,
      },
      'alert engine warmed up from the store',
    );
  }

  return {
    module,
    sink: {
      name: 'alerts',
      consume: (events) => (hold ? hold.consume(events) : feedEngine(events)),
    },
    mount: { router, docs: ALERT_ROUTE_DOCS },
    attachLive(live) {
      // Local sockets only: with the Redis adapter every collector runs its own engine (or none, when
      // the standalone `paywatch alerts` service owns alerting); transitions must not be multiplied.
      // With the deep link and the currency, as the API gives them: a bot on the stream had a sum
      // without its currency and had to call the API for the link of every transition.
      const currency = module.config.reporting_currency;
      module.engine.onTransition((t) =>
        live.io.local.emit('alert', {
          ...t,
          dashboard_url: module.engine.get(t.id)?.dashboard_url ?? null,
          revenue_at_risk_currency: currency,
        }),
      );
      // Acknowledgements given and withdrawn (who, why): a wallboard shows them without polling.
      module.engine.onAcknowledgement((a) => live.io.local.emit('alert_ack', a));
    },
    registerMetrics(registry) {
      registerAlertEngineMetrics(registry, module.engine);
      registerWarmupMetrics(registry, warmupStatus);
    },
    async start() {
      if (started) return;
      started = true;
      const startedAt = now();
      await module.engine.start();
      if (warmupHours <= 0 || !deps.history) return;
      if (module.engine.stats().restored_series > 0) {
        status.state = 'skipped';
        log.info(
          { restored_series: module.engine.stats().restored_series },
          'alert engine: detector state restored from the snapshot; no warm-up from the store',
        );
        return;
      }
      hold = createEngineHold(feedEngine, { capacity: config.warmupMaxHeld ?? 200_000 }, { logger: log });
      warming = warmUp(startedAt);
    },
    warmedUp: () => warming,
    warmup: warmupStatus,
    async abortWarmup() {
      abort.abort();
      await warming;
    },
    async stop() {
      if (!started || stopped) return;
      stopped = true;
      abort.abort();
      await warming;
      await module.engine.stop();
    },
  };
}
