import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LIVE_LIMITS, type LiveRetryData } from '@paywatch/contracts';
import type { Request, RequestHandler, Response } from 'express';
import type { Socket } from 'socket.io';
import type { AuditDetails } from '../audit/types.js';
import type { RouteDoc } from '../http/route-doc.js';
import { clientLimitKey } from '../lib/client-ip.js';
import { cutText } from '../lib/pan.js';
import { OverloadedError, PaywatchError, UnauthorizedError } from '../lib/errors.js';
import type { AuthService } from './auth.service.js';
import type { RateLimiter } from './rate-limit.js';
import { ANONYMOUS, decide, type Principal, type Requirement } from './roles.js';

/** The session cookie (`__Host-` prefixed under HTTPS: Secure, Path=/, no Domain). */
export const sessionCookieName = (secure: boolean) => (secure ? '__Host-pw_session' : 'pw_session');
export const CSRF_HEADER = 'x-csrf-token';
/** socket.io room that receives masked transactions (analyst and above); others get KPIs only. */
export const LIVE_TRANSACTIONS_ROOM = 'transactions';

/** 403: the caller is known but lacks the right. */
export class ForbiddenError extends PaywatchError {
  constructor(message: string, code = 'forbidden') {
    super(message, { status: 403, code });
  }
}

/** The authenticated caller of this request (set by the access-control middleware). */
export function principalOf(res: Response): Principal {
  return (res.locals.principal as Principal | undefined) ?? ANONYMOUS;
}

interface CompiledRoute {
  method: string;
  re: RegExp;
  params: number;
  doc: RouteDoc;
}

function compile(docs: readonly RouteDoc[]): CompiledRoute[] {
  return docs
    .map((doc) => {
      const params = (doc.path.match(/\{[^}]+\}/g) ?? []).length;
      const re = new RegExp(
        '^' +
          doc.path
            .split(/\{[^}]+\}/)
            .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('[^/]+') +
          '/?$',
        'i', // Express routes are case-insensitive
      );
      return { method: doc.method.toUpperCase(), re, params, doc };
    })
    .sort((a, b) => a.params - b.params); // literal paths win over templates
}

/** Paths that are never the static dashboard: an unknown one here needs an admin (so anonymous gets 401, not a 404 map of the API). */
const API_PREFIX = /^\/(api|v1|socket\.io|metrics)(\/|$)/i;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const raw = part.slice(i + 1).trim();
    try {
      out.set(part.slice(0, i).trim(), decodeURIComponent(raw));
    } catch {
      out.set(part.slice(0, i).trim(), raw); // a malformed %-escape is just a wrong cookie, not a 500
    }
  }
  return out;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export interface AccessControlDeps {
  auth: AuthService;
  /** The route table (every mounted router's docs). */
  docs: readonly RouteDoc[];
  /** Cookies carry Secure and the `__Host-` prefix (HTTPS). */
  secure: boolean;
  limits: { perIp: RateLimiter; perKey: RateLimiter };
  /**
   * The client address of a socket.io handshake (which Express never sees), as `req.ip` would give
   * it under the app's `trust proxy` (`lib/client-ip.ts`); default: the peer's address.
   */
  clientIp?: (req: IncomingMessage) => string;
}

/** What the access-control layer exposes: one Express middleware and one socket.io hook. */
export interface AccessControl {
  /** Rate limits, authenticates, authorizes from the route table, checks CSRF, audits. Mount first. */
  middleware: RequestHandler;
  /**
   * `io.use` hook: the live stream needs a viewer; analysts and above also join the transactions
   * room, unless the handshake asks for none (`LiveHandshakeAuth.transactions: false`).
   */
  socket: (socket: Socket, next: (err?: Error) => void) => void;
  /**
   * Re-checks connected sockets against their handshake credentials: a socket whose session
   * ended, whose user was disabled or demoted, or whose key was revoked is disconnected (or
   * leaves the transactions room). Call periodically.
   */
  recheckSockets(sockets: Iterable<Socket>): Promise<void>;
  /** The requirement the table gives a method and path (for tests and docs). */
  requirementOf(method: string, path: string): { requirement: Requirement; doc: RouteDoc | null };
}

export function createAccessControl(deps: AccessControlDeps): AccessControl {
  const routes = compile(deps.docs);
  const cookieName = sessionCookieName(deps.secure);

  function requirementOf(method: string, rawPath: string) {
    const m = method === 'HEAD' ? 'GET' : method;
    // Express matches routes case-insensitively and tolerates repeated slashes: decide on the
    // same normalized path, or `/API/…` and `//api/…` would slip past the table.
    const path = rawPath.replace(/\/{2,}/g, '/');
    const hit = routes.find((r) => r.method === m && r.re.test(path));
    if (hit) return { requirement: hit.doc.auth, doc: hit.doc };
    // Not in the table: GETs outside the API are the dashboard's static files and the login page.
    if ((m === 'GET' || m === 'OPTIONS') && !API_PREFIX.test(path))
      return { requirement: 'none' as const, doc: null };
    return { requirement: 'admin' as const, doc: null };
  }

  /** Bearer key first (machines), then the session cookie (browsers). */
  async function authenticate(
    headers: IncomingMessage['headers'],
    ip: string | null,
    bearerToken?: string,
  ): Promise<{ p: Principal; via: 'key' | 'cookie' | 'none' }> {
    const h = headers.authorization;
    const token = bearerToken ?? (h === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1]);
    if (h !== undefined && token === undefined)
      throw new UnauthorizedError('malformed Authorization header; use: Bearer <api key>');
    if (token !== undefined) {
      const p = await deps.auth.keyPrincipal(token, ip);
      if (!p) throw new UnauthorizedError('invalid API key');
      return { p, via: 'key' };
    }
    const cookie = parseCookies(headers.cookie).get(cookieName);
    if (cookie) {
      const p = deps.auth.sessionPrincipal(cookie);
      if (p) return { p, via: 'cookie' };
    }
    return { p: ANONYMOUS, via: 'none' };
  }

  const limited = (what: string, retryAfterS: number) =>
    new OverloadedError(`rate limit exceeded (${what}); retry after ${retryAfterS} s`, retryAfterS, 429);

  const middleware: RequestHandler = (req: Request, res: Response, next) => {
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const byIp = deps.limits.perIp.take(clientLimitKey(ip));
    if (!byIp.ok) return next(limited('per IP', byIp.retryAfterS));
    const { requirement, doc } = requirementOf(req.method, req.path);
    if (requirement === 'none' || requirement === 'signature') return next();
    authenticate(req.headers, ip).then(
      ({ p, via }) => {
        const verdict = decide(p, requirement);
        if (verdict === 'unauthenticated')
          return next(
            new UnauthorizedError(
              requirement === 'ingest'
                ? 'missing Authorization: Bearer <api key>'
                : 'sign in or send Authorization: Bearer <api key>',
            ),
          );
        if (verdict === 'forbidden')
          return next(
            new ForbiddenError(
              `this route needs ${requirement === 'ingest' ? 'an ingest key' : `the ${requirement} role`}`,
            ),
          );
        if (p.kind === 'key') {
          const byKey = deps.limits.perKey.take(p.id);
          if (!byKey.ok) return next(limited('per API key', byKey.retryAfterS));
        }
        // Cookies ride along on cross-site requests; a state change also needs the session's CSRF token.
        if (via === 'cookie' && p.kind === 'user' && UNSAFE.has(req.method)) {
          const given = req.headers[CSRF_HEADER];
          if (typeof given !== 'string' || !sameSecret(given, p.csrf))
            return next(new ForbiddenError(`missing or wrong ${CSRF_HEADER} header`, 'csrf'));
        }
        res.locals.principal = p;
        if (doc?.audit) {
          const action = doc.audit;
          res.on('finish', () => {
            // Handlers may add small details (e.g. an export's row count) in res.locals.auditDetails.
            const extra = (res.locals.auditDetails ?? {}) as AuditDetails;
            void deps.auth.record(
              { principal: p, ip },
              action,
              res.statusCode < 400 ? 'success' : 'failure',
              cutText(req.path, 200), // masked whole, then cut: a slice could split a card number past the mask
              { ...extra, method: req.method, status: res.statusCode },
            );
          });
        }
        return next();
      },
      (err: unknown) => next(err),
    );
  };

  /** Who holds a live connection, for its per-user / per-key limit. */
  const holder = (p: Principal | undefined): string | null =>
    p?.kind === 'user' || p?.kind === 'key' ? `${p.kind}:${p.id}` : null;

  /** The client of a socket, as `req.ip` names an HTTP request's (behind a trusted proxy too). */
  const handshakeIp = (s: Socket): string => deps.clientIp?.(s.request) ?? s.handshake.address;

  /** A handshake refusal that passes: its `data` tells the client when to connect again. */
  const passing = (message: string, retryAfterS: number): Error =>
    Object.assign(new Error(message), { data: { retryAfterS } satisfies LiveRetryData });

  const socket: AccessControl['socket'] = (s, next) => {
    // socket.io answers its handshakes before Express: the per-IP limit of every request, here too.
    const ip = handshakeIp(s);
    const byIp = deps.limits.perIp.take(clientLimitKey(ip));
    if (!byIp.ok)
      return next(
        passing(`rate limit exceeded (per IP); retry after ${byIp.retryAfterS} s`, byIp.retryAfterS),
      );
    const auth = s.handshake.auth as Record<string, unknown> | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : undefined;
    authenticate(s.handshake.headers, ip, token).then(
      ({ p }) => {
        const verdict = decide(p, 'viewer');
        if (verdict !== 'allow')
          return next(new Error(verdict === 'unauthenticated' ? 'unauthorized' : 'forbidden'));
        // Counted from the namespace's connected sockets: nothing to leak when a handshake fails.
        const who = holder(p);
        let held = 0;
        for (const other of s.nsp.sockets.values())
          if (holder((other.data as { principal?: Principal }).principal) === who) held++;
        if (held >= LIVE_LIMITS.maxSocketsPerPrincipal)
          return next(
            passing(
              `too many live connections for this user or API key (limit ${LIVE_LIMITS.maxSocketsPerPrincipal})`,
              LIVE_LIMITS.retryAfterSocketCapS,
            ),
          );
        (s.data as { principal?: Principal }).principal = p;
        // A socket that asked for no transactions (the alert pages': `LiveHandshakeAuth`) is not sent them.
        if (decide(p, 'analyst') === 'allow' && auth?.transactions !== false)
          void s.join(LIVE_TRANSACTIONS_ROOM);
        return next();
      },
      () => next(new Error('unauthorized')),
    );
  };

  async function recheckSockets(sockets: Iterable<Socket>) {
    for (const s of [...sockets]) {
      const auth = s.handshake.auth as Record<string, unknown> | undefined;
      const token = typeof auth?.token === 'string' ? auth.token : undefined;
      const p = await authenticate(s.handshake.headers, handshakeIp(s), token).then(
        (r) => r.p,
        () => ANONYMOUS,
      );
      if (decide(p, 'viewer') !== 'allow') s.disconnect(true);
      else if (decide(p, 'analyst') !== 'allow') void s.leave(LIVE_TRANSACTIONS_ROOM);
    }
  }

  return { middleware, socket, recheckSockets, requirementOf };
}
