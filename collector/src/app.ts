import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Router } from 'express';
import type { Registry } from 'prom-client';
import { AUDIT_ROUTE_DOCS, createAuditRouter } from './audit/audit.routes.js';
import { createAccessControl, type AccessControl } from './auth/access-control.js';
import { AUTH_ROUTE_DOCS, createAuthRouter } from './auth/auth.routes.js';
import type { AuthService } from './auth/auth.service.js';
import { OIDC_ROUTE_DOCS, createOidcRouter } from './auth/oidc.routes.js';
import { createRateLimiter } from './auth/rate-limit.js';
import type { SecurityConfig } from './auth/security-config.js';
import { corsAllowList, securityHeaders } from './auth/security-headers.js';
import { errorHandler } from './http/errors.js';
import { EXPORT_ROUTE_DOCS, createExportRouter } from './http/export.routes.js';
import { buildOpenApi } from './http/openapi.js';
import { createPageSource } from './http/page-source.js';
import { READ_ROUTE_DOCS, createReadRouter } from './http/read.routes.js';
import type { ReadService } from './http/read-service.js';
import type { RouteDoc } from './http/route-doc.js';
import type { ReadinessDeps } from './http/readiness.js';
import { SYSTEM_ROUTE_DOCS, createSystemRouter } from './http/system.routes.js';
import type { Logger } from './lib/logger.js';
import { cutText } from './lib/pan.js';
import type { Ingestor } from './pipeline/types.js';
import type { EventReader } from './store/types.js';
import { createEventsRouter } from './sources/events-api/events.route.js';
import { clientIp, type TrustFn } from './lib/client-ip.js';

export const VERSION = '0.1.0';

/** Built dashboard (issue 6); when absent, `/` serves the minimal live page. */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));
const LIVE_PAGE = fileURLToPath(new URL('./http/static/live.html', import.meta.url));

/** A router contributed by another module (webhooks, alerts…) with its route docs. */
export interface Mount {
  router: Router;
  docs: readonly RouteDoc[];
  /** Mount before the read API, so literal paths (`/api/v1/payments/pending`) win over its templates. */
  beforeRead?: boolean;
}

export interface AppDeps {
  ingestor: Ingestor;
  read: ReadService;
  /** The store's reader (exports page through it). */
  reader: EventReader;
  registry: Registry;
  /** What `/readyz` judges: the store's ping, the spool, shutdown. */
  readiness: ReadinessDeps;
  /** Users, sessions, API keys and the audit log. */
  auth: AuthService;
  security: SecurityConfig;
  /** The running configuration with secrets redacted (admin API). */
  describeConfig: () => Record<string, unknown>;
  logger: Logger;
  mounts?: readonly Mount[];
  /** Serve the built dashboard when present (default true). */
  dashboard?: boolean;
}

/**
 * Builds the Express app (no listen): security headers, CORS, the one access-control
 * middleware driven by the route docs, sources, read API, auth/admin API, system routes,
 * static UI, errors. `access.socket` is the matching socket.io hook.
 */
export function createApp(deps: AppDeps): { app: Express; docs: RouteDoc[]; access: AccessControl } {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const sec = deps.security;
  // Behind a reverse proxy (PAYWATCH_TRUST_PROXY) req.ip is the client X-Forwarded-For names, so
  // the per-IP and sign-in limits and the audit log see clients, not the proxy.
  app.set('trust proxy', sec.trustProxy);
  const trust = app.get('trust proxy fn') as TrustFn;
  const docs = [
    ...SYSTEM_ROUTE_DOCS,
    ...READ_ROUTE_DOCS,
    ...EXPORT_ROUTE_DOCS,
    ...AUTH_ROUTE_DOCS,
    ...(sec.oidc ? OIDC_ROUTE_DOCS : []),
    ...AUDIT_ROUTE_DOCS,
    ...(deps.mounts ?? []).flatMap((m) => m.docs),
  ].map((d) => (d.path === '/metrics' && sec.metricsPublic ? { ...d, auth: 'none' as const } : d));
  const dist = deps.dashboard !== false && existsSync(DASHBOARD_DIST + 'index.html') ? DASHBOARD_DIST : null;
  const page = createPageSource(dist ? dist + 'index.html' : LIVE_PAGE);
  const access = createAccessControl({
    auth: deps.auth,
    docs,
    secure: sec.tls !== null,
    limits: {
      perIp: createRateLimiter(sec.rateLimits.perIpPerMinute),
      perKey: createRateLimiter(sec.rateLimits.perKeyPerMinute),
    },
    clientIp: (req) => clientIp(req, trust),
  });
  app.use(securityHeaders({ hsts: sec.tls !== null, inline: () => page.inline() }));
  app.use(corsAllowList(sec.corsOrigins));
  app.use(access.middleware);
  let openapi: unknown;
  app.use(
    createEventsRouter(
      { ingestor: deps.ingestor },
      sec.rateLimits.ingestInflightBytes === undefined
        ? {}
        : { inflightBytes: sec.rateLimits.ingestInflightBytes },
    ),
  );
  app.use(
    createAuthRouter({
      auth: deps.auth,
      secure: sec.tls !== null,
      sessionTtlMs: sec.sessionTtlMs,
      loginLimiter: createRateLimiter(sec.rateLimits.loginPerMinute),
      describeConfig: deps.describeConfig,
      oidc: sec.oidc !== null,
    }),
  );
  app.use(createAuditRouter({ auth: deps.auth }));
  if (sec.oidc)
    app.use(
      createOidcRouter(
        { auth: deps.auth, secure: sec.tls !== null, sessionTtlMs: sec.sessionTtlMs, logger: deps.logger },
        sec.oidc,
      ),
    );
  app.use(
    createSystemRouter({
      registry: deps.registry,
      readiness: deps.readiness,
      openapi: () => (openapi ??= buildOpenApi(docs, { version: VERSION })),
    }),
  );
  for (const m of deps.mounts ?? []) if (m.beforeRead) app.use(m.router);
  app.use(createReadRouter(deps.read));
  app.use(createExportRouter({ reader: deps.reader }));
  for (const m of deps.mounts ?? []) if (!m.beforeRead) app.use(m.router);

  if (dist) {
    // Hashed assets never change (immutable); index.html must be revalidated so a rebuilt
    // dashboard is picked up. A missing asset is a 404, never the HTML page (a MIME error).
    app.use('/assets', express.static(dist + 'assets', { immutable: true, maxAge: '365d' }));
    app.use(
      express.static(dist, {
        index: false,
        setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
      }),
    );
    app.get(/^\/(?!api\/|v1\/|socket\.io\/|metrics|healthz|readyz|faro\/|assets\/).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.type('html').send(page.html());
    });
  } else {
    app.get('/', (_req, res) => {
      res.type('html').send(page.html());
    });
  }
  app.use((req, res) => {
    res.status(404).json({
      error: {
        code: 'not_found',
        message: `no route for ${req.method} ${cutText(req.path, 200)}`,
      },
    });
  });
  app.use(errorHandler(deps.logger));
  return { app, docs, access };
}
