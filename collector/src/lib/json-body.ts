import express, { type NextFunction, type RequestHandler } from 'express';
import { bodyTooLarge } from './inflight-limit.js';

/**
 * `express.json({limit})` for a small JSON route (sign-in and admin bodies, erasure, the alerts
 * API), with a declared `Content-Length` over the limit answered 413 at once and the connection
 * closed. body-parser alone reads the whole declared body before its 413 (it drains the request
 * so the connection can be reused): a 1 GiB POST to /api/auth/login was uploaded in full, or held
 * its connection to the 120 s request timeout, before the answer. The 413 is body-parser's own
 * error (`entity.too.large`, with `limit`), so each route's error handler words it as before. A
 * compressed body is left to body-parser (its limit applies after decoding), as is one that is
 * not JSON (never read). A chunked body (no length declared) is answered 413 as soon as it passes
 * the limit (`limitChunkedBody`).
 */
export function createJsonBody(limitBytes: number, type = 'application/json'): RequestHandler {
  const bounded = limitChunkedBody(express.json({ limit: limitBytes, type }), limitBytes);
  return (req, res, next) => {
    const declared = Number(req.headers['content-length']);
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (declared > limitBytes && encoding === 'identity' && req.is(type)) {
      res.setHeader('Connection', 'close');
      next(bodyTooLarge(declared, limitBytes));
      return;
    }
    bounded(req, res, next);
  };
}

/**
 * `parse` (a body-parser middleware with the limit `limitBytes`) with a body of undeclared size
 * (chunked) answered 413 as soon as more than `limitBytes` of it have arrived, the connection
 * closed: body-parser answers its own 413 only once the client has finished sending (it reads the
 * rest off so the connection can be reused), so an endless chunked upload held its connection,
 * and its share of the in-flight budget, to the 120 s request timeout. The bytes are counted as
 * received (a compressed body's as sent). A body with a
 * `Content-Length` is left to `parse` (the in-flight limit or `createJsonBody` refuses one
 * declared over the limit before reading it).
 */
export function limitChunkedBody(parse: RequestHandler, limitBytes: number): RequestHandler {
  return (req, res, next) => {
    if (req.headers['content-length'] !== undefined) return parse(req, res, next);
    let answered = false;
    const once: NextFunction = (err?: unknown) => {
      if (answered) return;
      answered = true;
      req.off('data', count);
      next(err);
    };
    let size = 0;
    const count = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) return;
      res.setHeader('Connection', 'close');
      once(bodyTooLarge(size, limitBytes));
    };
    parse(req, res, once);
    // Beside body-parser's own reader (attached in the same tick: no chunk is missed), unless it
    // has already passed the request on (not JSON, no body).
    if (!answered) req.on('data', count);
  };
}
