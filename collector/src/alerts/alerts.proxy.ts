import { Router, type RequestHandler } from 'express';
import type { Mount } from '../app.js';
import { principalOf } from '../auth/access-control.js';
import { actorOf } from '../auth/roles.js';
import { OverloadedError, UnsupportedMediaTypeError } from '../lib/errors.js';
import { createJsonBody } from '../lib/json-body.js';
import type { Logger } from '../lib/logger.js';
import type { AuditDetails } from '../audit/types.js';
import { ALERT_ROUTE_DOCS, AUDIT_DETAILS_HEADER } from './alerts.mount.js';
import { ACTOR_HEADER } from './alerts.service.js';

/** The service's audit details (`AUDIT_DETAILS_HEADER`): scalar values only, else none. */
function auditDetailsOf(header: string): AuditDetails {
  try {
    const raw = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown;
    if (!raw || typeof raw !== 'object') return {};
    const out: AuditDetails = {};
    for (const [k, v] of Object.entries(raw))
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v))
        out[k] = v as string | number | boolean | null;
    return out;
  } catch {
    return {};
  }
}

/**
 * The alerts API on a collector whose engine is off (`PAYWATCH_ALERTS_ENABLED=false`): the same
 * routes and route docs as the in-collector engine, so the access-control layer applies the
 * same roles and audit; each request is forwarded to `paywatch alerts` with the shared token and
 * the signed-in actor (the body cannot choose who acknowledged or silenced). The dashboard keeps
 * talking to the collector. Answers 503 (retryable) when the alerts service is unreachable.
 */
export function createAlertsProxy(
  config: { url: string; token: string; timeoutMs?: number },
  deps: { logger: Logger },
): Mount {
  const log = deps.logger.child({ component: 'alerts-proxy' });
  const base = config.url.replace(/\/+$/, '');
  const forward: RequestHandler = (req, res, next) => {
    // express.json skips a text/plain body; forwarded as `{}` it would read as missing fields.
    const sentBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (sentBody && req.is('application/json') === false)
      return next(new UnsupportedMediaTypeError('send the body as application/json'));
    const headers: Record<string, string> = {
      authorization: `Bearer ${config.token}`,
      [ACTOR_HEADER]: actorOf(principalOf(res)).actor ?? 'anonymous',
      accept: 'application/json',
    };
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'DELETE';
    if (hasBody) headers['content-type'] = 'application/json';
    // originalUrl keeps the /api/v1 prefix and the query string, exactly as the route table saw it.
    fetch(base + req.originalUrl, {
      method: req.method,
      headers,
      ...(hasBody ? { body: JSON.stringify(req.body ?? {}) } : {}),
      signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
    })
      .then(async (r) => {
        const body = Buffer.from(await r.arrayBuffer());
        // An acknowledgement's reason, or that it changed nothing (the first stands, by whom), or
        // what a withdrawal withdrew: audited here (the service has no audit log).
        if (r.headers.get(AUDIT_DETAILS_HEADER))
          res.locals.auditDetails = auditDetailsOf(r.headers.get(AUDIT_DETAILS_HEADER) ?? '');
        res.status(r.status);
        const ct = r.headers.get('content-type');
        if (ct) res.type(ct);
        res.send(body);
      })
      .catch((err: unknown) => {
        log.warn({ err }, 'the alerts service did not answer');
        next(new OverloadedError('the alerts service is unavailable; retry later', 5, 503, err));
      });
  };
  const router = Router();
  const json = createJsonBody(64 * 1024);
  for (const d of ALERT_ROUTE_DOCS) {
    const path = d.path.replace(/\{(\w+)\}/g, ':$1');
    router[d.method](path, json, forward);
  }
  return { router, docs: ALERT_ROUTE_DOCS };
}
