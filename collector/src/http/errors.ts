import type { ErrorRequestHandler } from 'express';
import type { ErrorBody } from '@paywatch/contracts';
import { OverloadedError, PayloadTooLargeError, PaywatchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { maskPans } from '../lib/pan.js';
import { INGEST_LIMITS } from '@paywatch/contracts';

/** body-parser's errors carry `type` and `status`; map them to our named errors. */
function fromBodyParser(err: unknown): PaywatchError | undefined {
  if (!err || typeof err !== 'object' || !('type' in err)) return undefined;
  const type = (err as { type?: unknown }).type;
  if (type === 'entity.too.large') {
    // body-parser says which limit was hit: the ingest body's, or a small route's own (sign-in 16 KiB…).
    const limit = (err as { limit?: unknown }).limit;
    if (typeof limit === 'number' && limit !== INGEST_LIMITS.maxBodyBytes)
      return new PayloadTooLargeError(`request body exceeds the limit of ${limit} bytes`);
    return new PayloadTooLargeError(
      `request body exceeds the limit of ${INGEST_LIMITS.maxBodyBytes} bytes (8 MiB); split the batch`,
    );
  }
  if (type === 'encoding.unsupported') {
    return new PaywatchError('unsupported Content-Encoding; use gzip, deflate, br or none', {
      status: 415,
      code: 'unsupported_encoding',
    });
  }
  if (type === 'request.aborted')
    return new PaywatchError('request aborted by the client', { status: 400, code: 'aborted' });
  if (type === 'entity.verify.failed' || type === 'charset.unsupported' || type === 'entity.parse.failed') {
    return new PaywatchError('the request body could not be read', { status: 400, code: 'bad_body' });
  }
  return undefined;
}

/**
 * Client errors raised below our code that carry no body-parser `type`: zlib/brotli failing on a
 * body that is not in its declared Content-Encoding (the decoder's error reaches us as is), and
 * the router failing to percent-decode a path parameter. Both are the client's fault: 400, with
 * a message that never echoes the input.
 */
function fromDecoding(err: unknown): PaywatchError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^(Z_|ERR__ERROR_)/.test(code))
    return new PaywatchError('the request body is not valid for its Content-Encoding (gzip, deflate or br)', {
      status: 400,
      code: 'bad_encoding',
      field: 'content-encoding',
    });
  if (err instanceof URIError)
    return new PaywatchError('malformed percent-encoding in the URL path', {
      status: 400,
      code: 'bad_request',
    });
  return undefined;
}

/**
 * Retry-After of a retryable 503 that names no wait of its own (the store failed a write, e.g. a
 * full disk under the spool, or ClickHouse refused it): clients and provider webhooks back off
 * instead of hammering, and the OpenAPI description of 503 holds.
 */
export const STORE_RETRY_AFTER_S = 5;

/** A retryable 503 of one code is logged at most this often (the first always; the message says "a minute"). */
const UNAVAILABLE_LOG_EVERY_MS = 60_000;

/**
 * The one place errors become HTTP responses: `{error: {code, message, field?}}`. Unknown
 * errors are logged (never the request body) and answered 500 without details.
 */
export function errorHandler(logger: Logger, opts: { now?: () => number } = {}): ErrorRequestHandler {
  const log = logger.child({ component: 'http' });
  const now = opts.now ?? Date.now;
  // A retryable 503 (ClickHouse down, spool full) answers every request for as long as the cause
  // lasts — each dashboard panel, each client retry: logged once per code and minute, with how
  // many were not, and without a stack (the cause is the message), not once per request.
  const quiet = new Map<string, { loggedAt: number; suppressed: number }>();
  const logUnavailable = (e: PaywatchError, path: string) => {
    const t = now();
    const q = quiet.get(e.code);
    if (q && t - q.loggedAt < UNAVAILABLE_LOG_EVERY_MS) {
      q.suppressed++;
      return;
    }
    quiet.set(e.code, { loggedAt: t, suppressed: 0 });
    log.warn(
      { code: e.code, err: e.message, path, ...(q ? { suppressedSinceLast: q.suppressed } : {}) },
      `answering 503: ${e.message} (logged again at most once a minute while it lasts)`,
    );
  };
  return (err: unknown, req, res, _next) => {
    const e = err instanceof PaywatchError ? err : (fromBodyParser(err) ?? fromDecoding(err));
    if (res.headersSent) return;
    if (e) {
      // Messages may quote what the client sent (a content type, a charset, a parameter): card
      // numbers in them are masked here, once, for every route (the response and the logs).
      e.message = maskPans(e.message);
      if (e instanceof OverloadedError) res.setHeader('Retry-After', String(e.retryAfterS));
      else if (e.status === 503 && e.retryable) res.setHeader('Retry-After', String(STORE_RETRY_AFTER_S));
      if (e.status === 503 && e.retryable) logUnavailable(e, req.path);
      else if (e.status >= 500) log.warn({ err: e, path: req.path }, e.message);
      const body: ErrorBody = {
        error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) },
      };
      res.status(e.status).json(body);
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    const body: ErrorBody = { error: { code: 'internal', message: 'internal error' } };
    res.status(500).json(body);
  };
}
