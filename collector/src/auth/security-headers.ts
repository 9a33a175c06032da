import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** CSP source expressions (`'sha256-…'`) for the inline `<script>` and `<style>` blocks of a page we serve. */
export function inlineHashes(html: string): { script: string[]; style: string[] } {
  const hash = (body: string) => `'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`;
  const script = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((m) =>
    hash(m[1] ?? ''),
  );
  const style = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => hash(m[1] ?? ''));
  return { script, style };
}

/**
 * helmet with a strict Content-Security-Policy: scripts, styles, fetches and sockets from this
 * origin only (plus the hashes of the inline blocks of the page we serve), no framing, no
 * plugins. HSTS only when the server itself speaks HTTPS (over plain HTTP it would be ignored,
 * and a proxy terminating TLS sets its own).
 */
export function securityHeaders(opts: {
  hsts: boolean;
  /** The hashes of the served page's inline blocks, read per response (the page can be rebuilt). */
  inline?: () => { script: string[]; style: string[] };
}): RequestHandler {
  // One value per directive ('self' and the hashes): an empty hash list adds no trailing blank.
  const selfAnd = (kind: 'script' | 'style') => () => ["'self'", ...(opts.inline?.()[kind] ?? [])].join(' ');
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': [selfAnd('script')],
        'style-src': [selfAnd('style')],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        // 'self' covers same-origin ws:/wss: (CSP3) for socket.io.
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        ...(opts.hsts ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    strictTransportSecurity: opts.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/**
 * CORS for an explicit allow-list of origins (credentials allowed, so never `*`). Requests
 * from other origins get no CORS headers and the browser refuses to expose the response.
 */
export function corsAllowList(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    // Other origins get no CORS headers, so browsers refuse them. (Public receivers with their
    // own origin list, like Faro's, answer their own preflights further down.)
    if (typeof origin !== 'string' || !allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      res.setHeader(
        'Access-Control-Allow-Headers',
        'Authorization, Content-Type, Content-Encoding, X-CSRF-Token',
      );
      res.setHeader('Access-Control-Max-Age', '600');
      return void res.status(204).end();
    }
    next();
  };
}
