import {
  json,
  Router,
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type Response,
} from 'express';
import { STORE_RETRY_AFTER_S } from '../../http/errors.js';
import { OverloadedError } from '../../lib/errors.js';
import { createInflightLimit } from '../../lib/inflight-limit.js';
import { limitChunkedBody } from '../../lib/json-body.js';
import type { Logger } from '../../lib/logger.js';
import { cutText } from '../../lib/pan.js';
import { FaroPayloadSchema, toRumRecords } from './faro-payload.js';
import type { RumKind, RumWriter } from './rum.js';

export interface FaroRouterDeps {
  writer: RumWriter;
  logger: Logger;
  /** The pipeline masker's text masking, applied to messages and attributes. */
  maskText: (s: string) => string;
  /**
   * Exact origins (`https://shop.example.com`) allowed to send cross-origin; others get 403 and no
   * CORS headers. The collector's own origin (the dashboard's beacons) is always accepted.
   */
  allowedOrigins: readonly string[];
  /** Default 256 KiB (after gzip decoding). */
  maxBodyBytes?: number;
  /** Bytes of beacon bodies held at once (default `FARO_INFLIGHT_BYTES`); beyond: 503 + Retry-After. */
  inflightBytes?: number;
  /** When set, the `x-api-key` header (Faro's `apiKey` option) must equal it. */
  apiKey?: string;
  now?: () => number;
  /** Metrics hook: records stored per kind. */
  onReceived?: (kind: RumKind, count: number) => void;
  /** Metrics hook: refused beacons. */
  onRejected?: (reason: 'origin' | 'api_key' | 'invalid' | 'too_large') => void;
}

export const FARO_PATH = '/faro/collect';

/** `https://host:port` as URL.origin spells it (lower-case host, default port dropped); null when unparseable. */
function normalizeOrigin(origin: string): string | null {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * The origin this request came to: scheme from the connection's TLS state and host (with port)
 * from the Host header. Express's `req.protocol`/`req.host` only read X-Forwarded-* when the app
 * sets `trust proxy` (the collector does not), so a client cannot claim another scheme. A browser
 * sets both Host and Origin itself, so a page on another site never matches; a non-browser client
 * can send anything, but it could also just omit Origin, which is accepted anyway.
 */
export function requestOwnOrigin(req: Request): string | null {
  const host = req.host;
  // host[:port] only: a Host header carrying userinfo or a path would otherwise parse to another origin.
  if (!host || /[/@?#\\\s]/.test(host)) return null;
  return normalizeOrigin(`${req.protocol}://${host}`);
}

/** Whether a browser on `origin` may send: the collector's own origin, or one of the allow-list. */
export function isFaroOriginAllowed(origin: string, req: Request, allowed: ReadonlySet<string>): boolean {
  if (allowed.has(origin)) return true;
  const own = requestOwnOrigin(req);
  return own !== null && normalizeOrigin(origin) === own;
}
/**
 * Bytes of Faro bodies held at once. Beacons are unauthenticated and a parsed 256 KiB one holds
 * ≈ 3.4 MB: 500 in parallel took the collector to 2.2 GB. 32 MiB admits 128 full-size beacons
 * (thousands of the usual few-KB ones) at once; the SDK retries a 503 after `Retry-After`.
 */
export const FARO_INFLIGHT_BYTES = 32 * 1024 * 1024;

/** Headers the Faro fetch transport sends. */
const ALLOWED_HEADERS = 'content-type, content-encoding, x-api-key, x-faro-session-id, idempotency-key';

/**
 * `POST /faro/collect` (and its CORS preflight): accepts what @grafana/faro-web-sdk sends
 * (meta, events, measurements, exceptions, logs), stores masked RUM records, answers 202.
 */
export function createFaroRouter(deps: FaroRouterDeps): Router {
  const log = deps.logger.child({ component: 'faro' });
  const now = deps.now ?? Date.now;
  const maxBodyBytes = deps.maxBodyBytes ?? 256 * 1024;
  const origins = new Set(deps.allowedOrigins.map((o) => o.replace(/\/+$/, '')));
  const router = Router();

  const cors = (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    res.setHeader('Vary', 'Origin');
    if (origin === undefined) return next(); // not a browser request
    // Browsers send Origin on same-origin POSTs too: the dashboard's own beacons land here.
    if (!isFaroOriginAllowed(origin, req, origins)) {
      deps.onRejected?.('origin');
      res.status(403).json({
        error: {
          code: 'origin_not_allowed',
          message: `origin ${cutText(origin, 100)} is neither this collector's origin nor in PAYWATCH_FARO_ORIGINS`,
        },
      });
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
    next();
  };

  router.options(FARO_PATH, cors, (_req, res) => {
    res.status(204).end();
  });

  router.post(
    FARO_PATH,
    cors,
    createInflightLimit({
      budgetBytes: deps.inflightBytes ?? FARO_INFLIGHT_BYTES,
      maxBodyBytes,
      what: 'Faro beacon bytes',
    }),
    (req: Request, res: Response, next: NextFunction) => {
      // false (not null): a body of another type, or one without Content-Type. It was parsed as
      // nothing and answered "expected object, received undefined".
      if (req.is(['application/json', 'text/plain']) !== false) return next();
      deps.onRejected?.('invalid');
      res.status(415).json({
        error: {
          code: 'unsupported_media_type',
          message: `content type "${cutText(req.headers['content-type'] ?? '', 100)}" is not supported; send application/json or text/plain (what the Faro SDK sends)`,
        },
      });
    },
    // sendBeacon posts text/plain; the fetch transport posts application/json (maybe gzip).
    limitChunkedBody(json({ limit: maxBodyBytes, type: ['application/json', 'text/plain'] }), maxBodyBytes),
    async (req: Request, res: Response) => {
      if (deps.apiKey !== undefined && req.headers['x-api-key'] !== deps.apiKey) {
        deps.onRejected?.('api_key');
        res.status(401).json({ error: { code: 'unauthorized', message: 'missing or invalid x-api-key' } });
        return;
      }
      const parsed = FaroPayloadSchema.safeParse(req.body);
      if (!parsed.success) {
        deps.onRejected?.('invalid');
        const issue = parsed.error.issues[0];
        res.status(400).json({
          error: {
            code: 'invalid_payload',
            message: issue?.message ?? 'invalid',
            field: issue?.path.join('.') ?? '',
          },
        });
        return;
      }
      const records = toRumRecords(parsed.data, now(), deps.maskText);
      try {
        // Resolves once the records are durable (with ClickHouse: fsync'd in the spool): only then 202.
        if (records.length > 0) await deps.writer.writeRum(records);
      } catch (err) {
        // The SDK retries 429/503 and waits for Retry-After: a full spool says how long.
        const overloaded = err instanceof OverloadedError;
        if (overloaded) log.warn({ err: err.message }, 'RUM records refused: the spool is full');
        else log.error({ err }, 'RUM records could not be stored');
        res.setHeader('Retry-After', String(overloaded ? err.retryAfterS : STORE_RETRY_AFTER_S));
        res.status(overloaded ? err.status : 503).json({
          error: { code: overloaded ? err.code : 'unavailable', message: 'could not store; retry later' },
        });
        return;
      }
      const counts = new Map<RumKind, number>();
      for (const r of records) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
      for (const [k, n] of counts) deps.onReceived?.(k, n);
      res.status(202).json({ accepted: records.length });
    },
  );

  const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: number; type?: string; message?: string };
    if (e.type === 'entity.too.large') {
      deps.onRejected?.('too_large');
      res.status(413).json({
        error: {
          code: 'payload_too_large',
          message: `Faro body larger than ${maxBodyBytes} bytes after gzip decoding (PAYWATCH_FARO_MAX_BODY_KB)`,
        },
      });
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      deps.onRejected?.('invalid');
      // Never body-parser's message for a parse failure: V8's JSON error quotes the body (a card
      // number typed into a form would be sent back, and into whatever logs the response).
      const message =
        e.type === 'entity.parse.failed' ? 'the body is not valid JSON' : (e.message ?? 'bad request');
      res.status(e.status).json({ error: { code: 'bad_request', message } });
      return;
    }
    next(err);
  };
  router.use(FARO_PATH, onError);
  return router;
}
