import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Router } from 'express';
import type { Registry } from 'prom-client';
import { errorHandler } from './http/errors.js';
import { buildOpenApi } from './http/openapi.js';
import { READ_ROUTE_DOCS, createReadRouter } from './http/read.routes.js';
import type { ReadService } from './http/read-service.js';
import type { RouteDoc } from './http/route-doc.js';
import { SYSTEM_ROUTE_DOCS, createSystemRouter } from './http/system.routes.js';
import type { Logger } from './lib/logger.js';
import { maskPans } from './lib/pan.js';
import type { Ingestor } from './pipeline/types.js';
import { createEventsRouter } from './sources/events-api/events.route.js';

export const VERSION = '0.1.0';

/** Built dashboard (issue 6); when absent, `/` serves the minimal live page. */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));
const LIVE_PAGE = fileURLToPath(new URL('./http/static/live.html', import.meta.url));

/** A router contributed by another module (webhooks, alerts…) with its route docs. */
export interface Mount {
  router: Router;
  docs: readonly RouteDoc[];
}

export interface AppDeps {
  ingestor: Ingestor;
  read: ReadService;
  registry: Registry;
  ping: () => Promise<void>;
  backend: string;
  ingestKeys: () => readonly string[];
  logger: Logger;
  mounts?: readonly Mount[];
  /** Serve the built dashboard when present (default true). */
  dashboard?: boolean;
}

/** Builds the Express app (no listen): sources, read API, system routes, static UI, errors. */
export function createApp(deps: AppDeps): { app: Express; docs: RouteDoc[] } {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  const docs = [...SYSTEM_ROUTE_DOCS, ...READ_ROUTE_DOCS, ...(deps.mounts ?? []).flatMap((m) => m.docs)];
  let openapi: unknown;
  app.use(createEventsRouter({ ingestor: deps.ingestor, ingestKeys: deps.ingestKeys }));
  app.use(createSystemRouter({ registry: deps.registry, ping: deps.ping, backend: deps.backend, openapi: () => (openapi ??= buildOpenApi(docs, { version: VERSION })) }));
  app.use(createReadRouter(deps.read));
  for (const m of deps.mounts ?? []) app.use(m.router);

  const dist = deps.dashboard !== false && existsSync(DASHBOARD_DIST + 'index.html') ? DASHBOARD_DIST : null;
  if (dist) {
    app.use(express.static(dist, { index: 'index.html', maxAge: '1h' }));
    const index = readFileSync(dist + 'index.html');
    app.get(/^\/(?!api\/|v1\/|socket\.io\/|metrics|healthz|readyz|faro\/).*/, (_req, res) => {
      res.type('html').send(index);
    });
  } else {
    const page = readFileSync(LIVE_PAGE);
    app.get('/', (_req, res) => {
      res.type('html').send(page);
    });
  }
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${maskPans(req.path.slice(0, 200))}` } });
  });
  app.use(errorHandler(deps.logger));
  return { app, docs };
}
