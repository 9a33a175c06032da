import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express, { Router } from 'express';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { publicBaseUrl, type Config } from '../config.js';
import { errorHandler } from '../http/errors.js';
import type { Logger } from '../lib/logger.js';
import { feedOf } from '../store/feed.js';
import { createStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import {
  AUDIT_DETAILS_HEADER,
  createAlertsInCollector,
  readAlertBodies,
  type AlertsInCollector,
} from './alerts.mount.js';
import { createAlertsServiceMetrics, type AlertsServiceMetrics } from './alerts-service.metrics.js';
import { createFeedPoller, type FeedPoller } from './feed-poller.js';
import { createMasker } from '../pipeline/steps/mask.step.js';

/** File in the data dir holding the feed watermark of `paywatch alerts`. */
export const FEED_CURSOR_FILE = 'alerts-feed-cursor.json';
/** Header a proxying collector sets to the signed-in actor (trusted only with the API token). */
export const ACTOR_HEADER = 'x-paywatch-actor';

/**
 * The standalone alert engine (`paywatch alerts`): reads every collector's events from the
 * shared store, feeds them to the engine, keeps its watermark in the data dir and serves
 * `/healthz` and `/metrics`, and — with `PAYWATCH_ALERTS_API_TOKEN` — the alerts API under
 * `/api/v1` for collectors, which proxy it with their own roles and audit (alerts.proxy.ts).
 * `close()` is idempotent: stops polling,
 * flushes the engine's state, closes the store it opened.
 */
export interface RunningAlertsService {
  url: string;
  port: number;
  alerts: AlertsInCollector;
  poller: FeedPoller;
  metrics: AlertsServiceMetrics;
  server: Server;
  close(): Promise<void>;
}

export interface AlertsServiceDeps {
  logger: Logger;
  /**
   * A store already open in this process (the embedded store allows one process per file, so an
   * in-process engine shares the collector's instance). Omitted: the service opens its own from
   * `config.store` and closes it on `close()`.
   */
  store?: Store;
  /** Node process metrics on /metrics (default true). */
  defaultMetrics?: boolean;
}

export async function startAlertsService(
  config: Config,
  deps: AlertsServiceDeps,
): Promise<RunningAlertsService> {
  const log = deps.logger.child({ component: 'alerts-service' });
  const ownStore = deps.store === undefined;
  const store =
    deps.store ??
    createStore(config.store, { logger: deps.logger.child({ component: 'store' }), waitForServer: {} });
  if (ownStore) await store.start();
  const svc = config.alerts.service;
  const alerts = createAlertsInCollector(
    {
      rulesPath: config.alerts.rulesPath,
      env: config.alerts.env,
      dataDir: config.dataDir,
      reportingCurrency: config.reportingCurrency,
      // This process serves no dashboard: deep links go to PAYWATCH_PUBLIC_URL, else to the
      // collector at PAYWATCH_HOST:PAYWATCH_PORT (the environment it shares with the collectors).
      dashboardUrl: () => publicBaseUrl(config, config.port),
    },
    // Ack reasons and silence comments are masked as the collectors mask texts (same hash key).
    { logger: deps.logger, maskText: createMasker(config.hashKey).maskText },
  );
  await alerts.start();
  let poller: FeedPoller | null = null;
  const metrics = createAlertsServiceMetrics({
    engine: alerts.module.engine,
    feedStatus: () =>
      poller?.status() ?? { cursor: null, position: null, lastSuccessAt: null, lastError: null },
    defaultMetrics: deps.defaultMetrics ?? true,
  });
  poller = createFeedPoller(
    {
      feed: feedOf(store),
      onEvents: (events) => alerts.module.engine.onEvents(events),
      logger: deps.logger,
      hooks: metrics.hooks,
    },
    {
      cursorFile: join(config.dataDir, FEED_CURSOR_FILE),
      pollMs: svc.pollMs,
      lagMs: svc.feedLagMs,
      // Caught up, the engine's event time follows the wall clock: an event more than
      // allowed_lateness older than that is dropped as late, so do not read far back. The bound
      // lets ClickHouse prune by `ts` (in the sort key): 5M events over 30 days, a steady-state
      // poll takes ≈19 ms with 1 h, ≈28 ms with 1 day, ≈405 ms unbounded (feed.bench.ts).
      maxEventAgeMs: Math.max(3_600_000, 2 * alerts.module.config.allowed_lateness),
      // No cursor yet and no detector snapshot: read the last hours first (the warm-up), so an
      // incident already under way is paged instead of learned as the baseline.
      initialLookbackMs:
        alerts.module.engine.stats().restored_series === 0 ? config.alerts.warmupHours * 3_600_000 : 0,
    },
  );
  const feed = poller;
  const startedAt = Date.now();
  // Unhealthy when no read of the feed has succeeded for this long (the store is unreachable).
  const staleAfterMs = Math.max(30_000, 10 * svc.pollMs);

  const apiToken = svc.apiToken;
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    const s = feed.status();
    const since = s.lastSuccessAt ?? startedAt;
    const ok = Date.now() - since < staleAfterMs;
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'feed-stalled',
      store: store.backend,
      api: apiToken !== null,
      feed: {
        cursor: s.cursor,
        position: s.position,
        last_success_at: s.lastSuccessAt,
        last_error: s.lastError,
      },
      engine: alerts.module.engine.stats(),
    });
  });
  app.get('/metrics', (_req, res, next) => {
    metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).send(text), next);
  });
  if (apiToken !== null) {
    // Only collectors call this API (they hold the token, check roles and audit); the actor of an
    // acknowledgement or silence is the collector's signed-in user, sent in a header.
    const expected = createHash('sha256').update(apiToken).digest();
    const api = Router();
    api.use((req, res, next) => {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      const given = createHash('sha256')
        .update(m?.[1] ?? '')
        .digest();
      if (!m || !timingSafeEqual(given, expected)) {
        res.status(401).json({
          error: {
            code: 'unauthorized',
            message: 'this API is for collectors: send Authorization: Bearer <PAYWATCH_ALERTS_API_TOKEN>',
          },
        });
        return;
      }
      next();
    });
    readAlertBodies(
      api,
      '',
      alerts.module.engine,
      (req) => {
        const header = req.headers[ACTOR_HEADER];
        return typeof header === 'string' && header.length > 0 ? header.slice(0, 200) : 'anonymous';
      },
      // Tells the proxying collector an acknowledgement's reason, that the first one stands, or
      // what a withdrawal withdrew, for its audit entry (any language: base64url).
      (res, details) =>
        res.setHeader(AUDIT_DETAILS_HEADER, Buffer.from(JSON.stringify(details)).toString('base64url')),
    );
    api.use(alerts.module.router);
    app.use('/api/v1', api);
  }
  app.use((_req, res) => {
    res.status(404).json({
      error: {
        code: 'not_found',
        message: `not found; this service serves /healthz, /metrics${apiToken !== null ? ' and the alerts API under /api/v1' : ''}`,
      },
    });
  });
  // The collector's own (a body-parser 400/413, a PaywatchError's status, 500 for the rest): its
  // copy here answered 500 to a body that is not JSON.
  app.use(errorHandler(log));
  const server = createServer(app);
  try {
    await feed.start();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(svc.port, config.host, () => resolve());
    });
  } catch (err) {
    await feed.stop();
    await alerts.stop();
    if (ownStore) await store.stop();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info(
    { url, store: store.backend, pollMs: svc.pollMs, feedLagMs: svc.feedLagMs },
    'paywatch alert engine listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    alerts,
    poller: feed,
    metrics,
    server,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await feed.stop();
        // The engine flushes its state after the last page fed, so a restart resumes both together.
        await alerts.stop();
        await closed;
        if (ownStore) await store.stop();
        log.info('paywatch alert engine stopped');
      })();
      return closing;
    },
  };
}
