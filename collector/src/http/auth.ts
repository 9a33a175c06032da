import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnauthorizedError } from '../lib/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer-key check. Keys are compared as SHA-256 digests with `timingSafeEqual`, so neither
 * length nor content leaks through timing. Returns a middleware that rejects with 401.
 */
export function requireBearer(keys: () => readonly string[]): RequestHandler {
  return (req, _res, next) => {
    const h = req.headers.authorization;
    const m = h === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (!m) return next(new UnauthorizedError('missing Authorization: Bearer <api key>'));
    const given = digest(m[1]!);
    let ok = false;
    for (const k of keys()) if (timingSafeEqual(given, digest(k))) ok = true;
    return ok ? next() : next(new UnauthorizedError('invalid API key'));
  };
}
