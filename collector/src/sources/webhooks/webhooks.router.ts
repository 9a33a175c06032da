import { createHash } from 'node:crypto';
import { raw, Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Provider } from '@paywatch/contracts';
import type { Ingestor } from '../../pipeline/types.js';
import type { Logger } from '../../lib/logger.js';
import { OverloadedError, PaywatchError } from '../../lib/errors.js';
import { createInflightLimit } from '../../lib/inflight-limit.js';
import { limitChunkedBody } from '../../lib/json-body.js';
import { cutText, maskPans } from '../../lib/pan.js';
import type { RejectReason, WebhookHeaders } from './webhook-provider.js';
import { WEBHOOK_ENV, type WebhookSecrets } from './webhook-secrets.js';
import { WEBHOOK_REGISTRY, type RegisteredWebhook } from './webhook-registry.js';
import { createReplayCache, type ReplayCacheConfig } from './replay-cache.js';

/** Metrics hooks and collaborators of the webhook router (prom-client stays in metrics/). */
export interface WebhookRouterDeps {
  ingestor: Ingestor;
  logger: Logger;
  secrets: WebhookSecrets;
  /** Epoch ms; injected for tests. */
  now?: () => number;
  /** Called once per refused request (forged, stale, unparseable, probe…). Labels are bounded. */
  onRejected?: (provider: Provider, reason: RejectReason) => void;
  /** Called when a delivery was already accepted (replay cache hit or every event a duplicate). */
  onReplay?: (provider: Provider) => void;
  /** Called after a delivery was durably accepted, with the number of events ingested. */
  onAccepted?: (provider: Provider, events: number) => void;
  replayCache?: ReplayCacheConfig;
  /** Bytes of webhook bodies held at once (default `WEBHOOK_INFLIGHT_BYTES`); beyond: 503. */
  inflightBytes?: number;
}

/** The largest webhook body accepted; providers send a few KB. */
export const WEBHOOK_BODY_LIMIT = '1mb';
/** `WEBHOOK_BODY_LIMIT` in bytes: the one figure the in-flight limit, body-parser and the chunked count use. */
const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
/** Bytes of webhook bodies held at once, unverified ones included: 64 full-size (1 MB) bodies. */
export const WEBHOOK_INFLIGHT_BYTES = 64 * 1024 * 1024;

const REJECT_STATUS: Readonly<Record<RejectReason, number>> = {
  missing_header: 400,
  unparseable: 400,
  decrypt_failed: 400,
  unsupported: 400,
  invalid_payload: 400,
  bad_signature: 401,
  stale_timestamp: 401,
  probe: 401,
};

const ENV_HINT: Readonly<Record<string, string>> = {
  stripe: WEBHOOK_ENV.stripe,
  adyen: WEBHOOK_ENV.adyen,
  alipay: WEBHOOK_ENV.alipay,
  wechatpay: `${WEBHOOK_ENV.wechatpayKey} and ${WEBHOOK_ENV.wechatpayCert}`,
  paypal: `${WEBHOOK_ENV.paypalWebhookId} and ${WEBHOOK_ENV.paypalCert}`,
  coinbase: WEBHOOK_ENV.coinbase,
  bitpay: `${WEBHOOK_ENV.bitpay}=true`,
};

function headersOf(req: Request): WebhookHeaders {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  hook?: RegisteredWebhook,
): void {
  // A message may quote the request (a path segment, a header): card numbers in it are masked.
  const masked = maskPans(message);
  res.status(status).json(hook ? hook.errorBody(code, masked) : { error: { code, message: masked } });
}

/**
 * `POST /v1/webhooks/:provider` and `/v1/webhooks/:provider/:account`: verify over the raw body →
 * normalize → ingest (source `webhook`) → the provider's expected acknowledgement, sent only
 * after the ingest resolved (events are durable). Refusals are 4xx `{error:{code,message}}`; a
 * failing ingest is 503 so the provider retries. Mount on the app root.
 */
export function createWebhookRouter(deps: WebhookRouterDeps): Router {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'webhooks' });
  const replays = createReplayCache(deps.replayCache);
  const router = Router();

  router.post(
    ['/v1/webhooks/:provider', '/v1/webhooks/:provider/:account'],
    // Bodies are read before their signature can be checked: bound what unsigned floods hold.
    createInflightLimit({
      budgetBytes: deps.inflightBytes ?? WEBHOOK_INFLIGHT_BYTES,
      maxBodyBytes: WEBHOOK_BODY_LIMIT_BYTES,
      what: 'webhook bytes',
    }),
    limitChunkedBody(raw({ type: '*/*', limit: WEBHOOK_BODY_LIMIT_BYTES }), WEBHOOK_BODY_LIMIT_BYTES),
    async (req: Request, res: Response) => {
      const name = String(req.params['provider'] ?? '');
      const account = req.params['account'] === undefined ? undefined : String(req.params['account']);
      const hook = WEBHOOK_REGISTRY.get(name);
      if (!hook)
        return sendError(
          res,
          404,
          'unknown_provider',
          `unknown webhook provider "${cutText(name, 32)}"; known: ${[...WEBHOOK_REGISTRY.keys()].join(', ')}`,
        );
      if (!hook.isConfigured(deps.secrets)) {
        return sendError(
          res,
          404,
          'provider_not_configured',
          `${name} webhooks are not configured: set ${ENV_HINT[name] ?? 'its secret'}`,
          hook,
        );
      }
      if (account !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(account)) {
        return sendError(
          res,
          400,
          'bad_request',
          'account must be 1-64 characters of letters, digits, _ . -',
          hook,
        );
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const at = now();
      const handled = hook.handle(
        body,
        headersOf(req),
        deps.secrets,
        at,
        account === undefined ? { receivedAt: at } : { account, receivedAt: at },
      );
      if (!handled.ok) {
        deps.onRejected?.(hook.name, handled.reason);
        // Never log the body itself: its size and a hash prefix are enough to correlate.
        log.warn(
          {
            provider: hook.name,
            reason: handled.reason,
            bodyBytes: body.length,
            bodySha256: createHash('sha256').update(body).digest('hex').slice(0, 16),
          },
          `webhook rejected: ${maskPans(handled.message)}`,
        );
        return sendError(res, REJECT_STATUS[handled.reason], handled.reason, handled.message, hook);
      }
      const { providerEventId: rawEventId, events } = handled.result;
      const replayKey = `${hook.name}:${rawEventId}`;
      // Logged only masked: the provider's id is built from payload fields (Adyen's item key, an
      // id the sender chose), which the pipeline masks in the event but the log would not.
      const providerEventId = maskPans(rawEventId);
      if (replays.has(replayKey, at)) {
        deps.onReplay?.(hook.name);
        log.debug({ provider: hook.name, providerEventId }, 'webhook replay acknowledged');
        return res.status(hook.ack.status).type(hook.ack.contentType).send(hook.ack.body);
      }
      if (events.length > 0) {
        try {
          const outcome = await deps.ingestor.ingest(events, { source: 'webhook', receivedAt: at });
          if (outcome.rejected > 0) {
            // A mapping bug, not a transient failure: retrying the delivery would not help.
            log.error(
              { provider: hook.name, providerEventId, errors: outcome.errors.slice(0, 5) },
              'webhook events rejected by the pipeline',
            );
          }
          if (outcome.duplicate === events.length) deps.onReplay?.(hook.name);
          else deps.onAccepted?.(hook.name, outcome.accepted);
        } catch (err) {
          // 429/5xx make providers retry later; anything else unexpected is reported as 503 too.
          const status =
            err instanceof PaywatchError && (err.status === 429 || err.status >= 500) ? err.status : 503;
          if (err instanceof OverloadedError) res.setHeader('Retry-After', String(err.retryAfterS));
          log.error(
            { provider: hook.name, providerEventId, err },
            'webhook ingest failed; provider will retry',
          );
          return sendError(
            res,
            status,
            err instanceof PaywatchError ? err.code : 'unavailable',
            'events could not be stored; retry later',
            hook,
          );
        }
      } else {
        deps.onAccepted?.(hook.name, 0);
      }
      replays.add(replayKey, at);
      return res.status(hook.ack.status).type(hook.ack.contentType).send(hook.ack.body);
    },
  );

  // Body-parser failures (too large, bad encoding) become JSON errors like every other refusal.
  const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: number; type?: string; message?: string };
    const hook = WEBHOOK_REGISTRY.get(String(req.params['provider'] ?? ''));
    if (e.type === 'entity.too.large' || e.status === 413) {
      if (hook) deps.onRejected?.(hook.name, 'unparseable');
      return sendError(res, 413, 'payload_too_large', `webhook body larger than ${WEBHOOK_BODY_LIMIT}`, hook);
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      if (hook) deps.onRejected?.(hook.name, 'unparseable');
      return sendError(res, e.status, 'bad_request', e.message ?? 'bad request', hook);
    }
    return next(err);
  };
  router.use('/v1/webhooks', onError);
  return router;
}
