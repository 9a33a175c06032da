import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { feedOf } from '../store/feed.js';
import { createStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { createAlertsInCollector, type AlertsInCollector } from './alerts.mount.js';
import { createAlertsServiceMetrics, type AlertsServiceMetrics } from './alerts-service.metrics.js';
import { createFeedPoller, type FeedPoller } from './feed-poller.js';

/** File in the data dir holding the feed watermark of `paywatch alerts`. */
export const FEED_CURSOR_FILE = 'alerts-feed-cursor.json';

/**
 * The standalone alert engine (`paywatch alerts`): reads every collector's events from the
 * shared store, feeds them to the engine, keeps its watermark in the data dir and serves
 * `/healthz` and `/metrics`. The alerts API (ack, silences…) is not served here: it needs the
 * collector's users and sessions (docs/alerts.md). `close()` is idempotent: stops polling,
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

export async function startAlertsService(config: Config, deps: AlertsServiceDeps): Promise<RunningAlertsService> {
  const log = deps.logger.child({ component: 'alerts-service' });
  const ownStore = deps.store === undefined;
  const store = deps.store ?? createStore(config.store, { logger: deps.logger.child({ component: 'store' }) });
  if (ownStore) await store.start();
  const svc = config.alerts.service;
  const alerts = createAlertsInCollector(
    { rulesPath: config.alerts.rulesPath, env: config.alerts.env, dataDir: config.dataDir, reportingCurrency: config.reportingCurrency },
    { logger: deps.logger },
  );
  await alerts.start();
  let poller: FeedPoller | null = null;
  const metrics = createAlertsServiceMetrics({
    engine: alerts.module.engine,
    feedStatus: () => poller?.status() ?? { cursor: null, position: null, lastSuccessAt: null, lastError: null },
    defaultMetrics: deps.defaultMetrics ?? true,
  });
  poller = createFeedPoller(
    { feed: feedOf(store), onEvents: (events) => alerts.module.engine.onEvents(events), logger: deps.logger, hooks: metrics.hooks },
    { cursorFile: join(config.dataDir, FEED_CURSOR_FILE), pollMs: svc.pollMs, lagMs: svc.feedLagMs },
  );
  const feed = poller;
  const startedAt = Date.now();
  // Unhealthy when no read of the feed has succeeded for this long (the store is unreachable).
  const staleAfterMs = Math.max(30_000, 10 * svc.pollMs);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' }).end(JSON.stringify({ error: { message: 'method not allowed' } }));
      return;
    }
    if (path === '/healthz') {
      const s = feed.status();
      const since = s.lastSuccessAt ?? startedAt;
      const ok = Date.now() - since < staleAfterMs;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(
        JSON.stringify({ status: ok ? 'ok' : 'feed-stalled', store: store.backend, feed: { cursor: s.cursor, position: s.position, last_success_at: s.lastSuccessAt, last_error: s.lastError }, engine: alerts.module.engine.stats() }),
      );
      return;
    }
    if (path === '/metrics') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found; this service serves /healthz and /metrics' } }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'internal error' } }));
    });
  });
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
  log.info({ url, store: store.backend, pollMs: svc.pollMs, feedLagMs: svc.feedLagMs }, 'paywatch alert engine listening');

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
