import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { clientLimitKey } from './client-ip.js';
import { OverloadedError } from './errors.js';

/** body-parser's own 413 (`type`, `limit`), so each route's error handler words it as for a body found too large while read. */
export function bodyTooLarge(length: number, limit: number): Error {
  return Object.assign(new Error('request entity too large'), {
    status: 413,
    statusCode: 413,
    expose: true,
    type: 'entity.too.large',
    length,
    limit,
  });
}

/** Kestrel's MinRequestBodyDataRate is 240 bytes/s after 5 s; a bit stricter on the rate, longer on the grace. */
const MIN_BODY_RATE = { bytesPerSecond: 1024, graceMs: 10_000 };

/**
 * Bodies of unknown size one client IP may have in flight at once while more than half the budget
 * is in use: each is charged the whole per-request limit, so without a cap one client re-opening
 * slow connections as the minimum rate closed them kept the budget full (webhooks: 25 of 30
 * answered 503 over 30 s from one IP). Not below half: a batch client gzip-ing over 8 parallel
 * connections (64 of the 128 MiB ingest budget) had half its requests answered 429 for nothing.
 */
const MAX_UNSIZED_PER_CLIENT = 4;

/**
 * OpenAPI wording of the answers every route behind `createInflightLimit` shares, from the values
 * the limit uses: the 408 and the per-client clause of the 429 (beside the rate limits).
 */
export const INFLIGHT_LIMIT_DOCS = {
  slowBody: `A body arriving slower than ${MIN_BODY_RATE.bytesPerSecond / 1024} KiB/s on average after its first ${MIN_BODY_RATE.graceMs / 1000} s (\`request_timeout\`; the connection is closed).`,
  unsizedPerClient: `this client IP already has ${MAX_UNSIZED_PER_CLIENT} chunked or compressed bodies in flight while over half the in-flight budget is in use (send a \`Content-Length\`, or retry after \`Retry-After\`)`,
} as const;

/**
 * Bounds the memory one route's request bodies may hold at once. Each request reserves what it
 * can expand to before its body is read — its `Content-Length`, or the whole per-request limit
 * when it is compressed or chunked — and releases it when the response ends. Beyond the budget
 * it answers 503 with `Retry-After: 1` at once, without reading the body; a request alone is
 * always let through. A `Content-Length` over the per-request limit is answered 413 at once and
 * the connection closed. A body that arrives slower than `minBodyRate` (on average, after its
 * grace period; by default 1 KiB/s after 10 s, as Kestrel's MinRequestBodyDataRate) is answered
 * 408 and its connection closed, freeing its budget: else a few connections trickling a byte a
 * second held the whole budget until the 120 s request timeout, and every other client got 503.
 * Once more than half the budget is in use, a client IP may have at most 4 bodies of unknown size
 * in flight (429 + `Retry-After: 1` beyond); bodies with a `Content-Length` are charged what they
 * are and not counted there.
 * Why the budget: a parsed 8 MiB ingest batch holds ≈ 40 MB; 70 in parallel took the
 * collector to 2.9 GB, and a few more would end it at the V8 heap limit, losing every request in
 * flight. `what` names the bytes in the message and `setting`, when set, the variable that sets
 * the budget (`too many ingest bytes in flight (limit 128 MiB, PAYWATCH_INGEST_INFLIGHT_MB)`).
 */
export function createInflightLimit(config: {
  budgetBytes: number;
  maxBodyBytes: number;
  what: string;
  setting?: string;
  minBodyRate?: { bytesPerSecond: number; graceMs: number };
}): RequestHandler {
  const minRate = config.minBodyRate ?? MIN_BODY_RATE;
  const slow = `request body arrived slower than ${minRate.bytesPerSecond} bytes/s; send it faster or in smaller batches`;
  const tooManyUnsized = `too many chunked or compressed bodies in flight from this client (limit ${MAX_UNSIZED_PER_CLIENT}); send a Content-Length or retry after 1 s`;
  const refusal = `too many ${config.what} in flight (limit ${Math.round(config.budgetBytes / 1048576)} MiB${config.setting === undefined ? '' : `, ${config.setting}`}); retry after 1 s`;
  let inflight = 0;
  /** Bodies of unknown size (chunked or compressed, each charged the per-request limit) per client IP. */
  const unsized = new Map<string, number>();
  return (req: Request, res: Response, next: NextFunction): void => {
    const declared = Number(req.headers['content-length']);
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const identity = encoding === 'identity' && Number.isFinite(declared) && declared >= 0;
    if (identity && declared > config.maxBodyBytes) {
      // Refused before a byte of it is read. `Connection: close`: otherwise the 413 waits until
      // the whole declared body has arrived (body-parser drains it: 1 GiB uploaded for nothing)
      // or the request timeout, holding budget meanwhile.
      res.setHeader('Connection', 'close');
      next(bodyTooLarge(declared, config.maxBodyBytes));
      return;
    }
    const cost = identity ? declared : config.maxBodyBytes;
    const client = identity ? null : clientLimitKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    const contended = inflight + cost > config.budgetBytes / 2;
    if (client !== null && contended && (unsized.get(client) ?? 0) >= MAX_UNSIZED_PER_CLIENT) {
      res.setHeader('Retry-After', '1');
      res.setHeader('Connection', 'close'); // its body is not read
      res.status(429).json({ error: { code: 'rate_limited', message: tooManyUnsized } });
      return;
    }
    if (inflight > 0 && inflight + cost > config.budgetBytes) {
      next(new OverloadedError(refusal, 1));
      return;
    }
    inflight += cost;
    if (client !== null) unsized.set(client, (unsized.get(client) ?? 0) + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      inflight -= cost;
      if (client === null) return;
      const n = (unsized.get(client) ?? 1) - 1;
      if (n > 0) unsized.set(client, n);
      else unsized.delete(client);
    };
    res.once('finish', release);
    res.once('close', release);
    // Bytes of this request so far: the socket's count since its headers were read (keep-alive
    // sockets carry earlier requests' bytes). Checked while the body is still arriving.
    const startedAt = Date.now();
    const readBefore = req.socket.bytesRead;
    const watch = setInterval(
      () => {
        if (req.complete || res.headersSent) return clearInterval(watch);
        const elapsedMs = Date.now() - startedAt;
        if (elapsedMs < minRate.graceMs) return;
        if (((req.socket.bytesRead - readBefore) * 1000) / elapsedMs >= minRate.bytesPerSecond) return;
        clearInterval(watch);
        release();
        res.setHeader('Connection', 'close');
        res.status(408).json({ error: { code: 'request_timeout', message: slow } });
      },
      Math.min(1000, minRate.graceMs),
    );
    watch.unref();
    res.once('close', () => clearInterval(watch));
    next();
  };
}
