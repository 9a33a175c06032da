import {
  json,
  Router,
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type Response,
} from 'express';
import type { Logger } from '../../lib/logger.js';
import { FaroPayloadSchema, toRumRecords } from './faro-payload.js';
import type { RumKind, RumWriter } from './rum.js';

export interface FaroRouterDeps {
  writer: RumWriter;
  logger: Logger;
  /** The pipeline masker's text masking, applied to messages and attributes. */
  maskText: (s: string) => string;
  /** Exact origins (`https://shop.example.com`) allowed to send; others get 403 and no CORS headers. */
  allowedOrigins: readonly string[];
  /** Default 256 KiB (after gzip decoding). */
  maxBodyBytes?: number;
  /** When set, the `x-api-key` header (Faro's `apiKey` option) must equal it. */
  apiKey?: string;
  now?: () => number;
  /** Metrics hook: records stored per kind. */
  onReceived?: (kind: RumKind, count: number) => void;
  /** Metrics hook: refused beacons. */
  onRejected?: (reason: 'origin' | 'api_key' | 'invalid' | 'too_large') => void;
}

export const FARO_PATH = '/faro/collect';
/** Headers the Faro fetch transport sends. */
const ALLOWED_HEADERS = 'content-type, content-encoding, x-api-key, x-faro-session-id, idempotency-key';

/**
 * `POST /faro/collect` (and its CORS preflight): accepts what @grafana/faro-web-sdk sends
 * (meta, events, measurements, exceptions, logs), stores masked RUM records, answers 202.
 */
export function createFaroRouter(deps: FaroRouterDeps): Router {
  const log = deps.logger.child({ component: 'faro' });
  const now = deps.now ?? Date.now;
  const origins = new Set(deps.allowedOrigins.map((o) => o.replace(/\/+$/, '')));
  const router = Router();

  const cors = (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    res.setHeader('Vary', 'Origin');
    if (origin === undefined) return next(); // not a browser cross-origin request
    if (!origins.has(origin)) {
      deps.onRejected?.('origin');
      res.status(403).json({
        error: {
          code: 'origin_not_allowed',
          message: `origin ${origin.slice(0, 100)} is not in PAYWATCH_FARO_ORIGINS`,
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
    // sendBeacon posts text/plain; the fetch transport posts application/json (maybe gzip).
    json({ limit: deps.maxBodyBytes ?? 256 * 1024, type: ['application/json', 'text/plain'] }),
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
        if (records.length > 0) await deps.writer.writeRum(records);
      } catch (err) {
        log.error({ err }, 'RUM records could not be stored');
        res.status(503).json({ error: { code: 'unavailable', message: 'could not store; retry later' } });
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
      res.status(413).json({ error: { code: 'payload_too_large', message: 'Faro payload too large' } });
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      deps.onRejected?.('invalid');
      res.status(e.status).json({ error: { code: 'bad_request', message: e.message ?? 'bad request' } });
      return;
    }
    next(err);
  };
  router.use(FARO_PATH, onError);
  return router;
}
