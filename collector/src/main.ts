import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { createApp, type Mount } from './app.js';
import { createEmbeddedAuditLog } from './audit/embedded-audit.js';
import { createAuthService, type AuthService } from './auth/auth.service.js';
import { createDataLifecycle, type DataLifecycle } from './backup/lifecycle.js';
import { LIFECYCLE_ROUTE_DOCS, createLifecycleRouter } from './backup/lifecycle.routes.js';
import { openSecurityDb } from './auth/security-db.js';
import { describeConfig, describeStartup, publicBaseUrl, type Config } from './config.js';
import { createBoundServer, listen, type BoundServer } from './http/bound-server.js';
import { createReadService } from './http/read-service.js';
import { createFx } from './lib/fx.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createAlertsInCollector, type AlertsInCollector } from './alerts/alerts.mount.js';
import { createAlertsProxy } from './alerts/alerts.proxy.js';
import { createLiveGateway, type LiveGateway } from './live/live.gateway.js';
import { connectRedisAdapter } from './live/redis-adapter.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { createPipeline } from './pipeline/pipeline.js';
import { createMasker, type Masker } from './pipeline/steps/mask.step.js';
import type { Ingestor } from './pipeline/types.js';
import { createQueuedSink, type QueuedSink } from './sinks/queued.sink.js';
import { createFanOut, type Sink } from './sinks/sink.js';
import { WEBHOOK_ROUTE_DOCS, createWebhookRouter } from './sources/webhooks/index.js';
import { feedOf } from './store/feed.js';
import { createStore } from './store/index.js';
import { SIGNAL_ROUTE_DOCS, createSignalsRouter } from './http/signals.routes.js';
import { createSignalMetrics } from './metrics/signals.metrics.js';
import { FARO_ROUTE_DOCS, createFaroRouter } from './sources/faro/index.js';
import { createLogTailer } from './sources/log-tail/index.js';
import { createPromScraper } from './sources/prom-scrape/index.js';
import { openSignalBackend, signalSpoolRecords } from './store/signal-backend.js';
import { createSignalRetention } from './store/signal-retention.js';
import { instrumentWriter } from './store/instrumented.js';
import { withRecentIds } from './store/recent-ids.js';
import { createSpool, type Spool } from './store/spool/index.js';
import { registerSpoolMetrics } from './metrics/spool.metrics.js';
import { registerDerivedRepairMetrics } from './metrics/derived-repair.metrics.js';
import { isClickHouseStore } from './store/clickhouse/index.js';
import type { Store } from './store/types.js';

export interface StartOptions {
  /** Log destination (tests capture logs to check that no card data is written). */
  logDestination?: DestinationStream;
  /** Extra sinks fed with every stored event (e.g. the alert engine). */
  sinks?: Sink[];
  /** Extra routers (webhooks, alerts API). */
  mounts?: (ctx: { ingestor: Ingestor; store: Store; logger: Logger; metrics: Metrics }) => Mount[];
  /** Serve the dashboard (default true). */
  dashboard?: boolean;
  /** Collect Node process metrics (default true). */
  defaultMetrics?: boolean;
  /**
   * A server already listening on config.host:port (`bindServer`: `paywatch start` holds the
   * port from its first moment); default: one created here, listening once everything is built.
   */
  server?: BoundServer;
}

/** A running collector. `close()` is idempotent: stops accepting, flushes and closes the store. */
export interface RunningServer {
  url: string;
  port: number;
  config: Config;
  logger: Logger;
  store: Store;
  ingestor: Ingestor;
  metrics: Metrics;
  live: LiveGateway;
  /** The durable spool in front of ClickHouse; null with the embedded store. */
  spool: Spool | null;
  /** The alert engine, or null when PAYWATCH_ALERTS_ENABLED=false. */
  alerts: AlertsInCollector | null;
  /** The queue feeding the alert engine off the ingest path (await `idle()` before reading the engine); null without the engine. */
  alertsQueue: QueuedSink | null;
  masker: Masker;
  /** Users, sessions, API keys and the audit log (`paywatch start` creates the simulator's key here). */
  auth: AuthService;
  /** Retention, customer erasure, backups. */
  lifecycle: DataLifecycle;
  /** The first admin's generated password on the very first start (print it once, never log it), else null. */
  initialAdminPassword: string | null;
  server: Server;
  /** The Express app (for route introspection in tests). */
  app: Express;
  close(): Promise<void>;
}

/** Composition root: builds every component from typed config and starts listening. */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const logger = createLogger({
    level: config.logLevel,
    ...(opts.logDestination ? { destination: opts.logDestination } : {}),
  });
  // ClickHouse down at start (a restart during an outage): wait for it, saying so, rather than
  // crash — the spool's acknowledged events drain once it answers (docs/deploy.md).
  const store = createStore(config.store, {
    logger: logger.child({ component: 'store' }),
    waitForServer: {},
  });
  await store.start();
  // ClickHouse: clients are answered once events are fsync'd in the local spool, which drains to
  // the store in order and keeps accepting while ClickHouse is down (up to its disk quota).
  const spool: Spool | null =
    config.store.backend === 'clickhouse'
      ? createSpool(
          { dir: config.spool.dir, quotaBytes: config.spool.quotaBytes },
          { writer: store, records: signalSpoolRecords(store), logger },
        )
      : null;
  await spool?.start();
  // Scraped samples, log records, RUM and the pending-payments query: the event store's own tables
  // (written through the spool too when there is one).
  const signalStore = openSignalBackend(store, spool);
  const { signals } = signalStore;
  const securityDb = await openSecurityDb(join(config.dataDir, 'security.duckdb'));
  const auth = createAuthService(
    { db: securityDb, audit: await createEmbeddedAuditLog(securityDb), logger },
    {
      adminPassword: config.security.adminPassword,
      sessionTtlMs: config.security.sessionTtlMs,
      staticIngestKeys: config.ingestKeys,
    },
  );
  const { generatedAdminPassword } = await auth.start();

  const metrics = createMetrics({
    countries: config.metricsCountries,
    defaultMetrics: opts.defaultMetrics ?? true,
  });
  const fx = createFx(config.reportingCurrency, config.fxRates);
  // Before socket.io attaches: see BoundServer.
  const bound = opts.server ?? createBoundServer(config);
  const { server } = bound;
  // Several collectors: live events reach dashboards connected to any of them through Redis.
  const redis = config.redisUrl === null ? null : await connectRedisAdapter(config.redisUrl, { logger });
  const live = createLiveGateway(server, { fx, logger, ...(redis ? { adapter: redis.adapter } : {}) });
  const masker = createMasker(config.hashKey);
  const lifecycle = createDataLifecycle(
    { store, db: securityDb, auth, hashRef: masker.hashRef, logger },
    {
      retentionDays: config.security.retentionDays,
      backupDir: config.security.backupDir,
      backupIntervalHours: config.security.backupIntervalHours,
    },
  );
  // The configured port until the server listens (it may already: opts.server), then the bound one.
  let boundPort = server.listening ? (server.address() as AddressInfo).port : config.port;
  // The alert engine detects on the same masked, stored events as every other sink.
  const alerts: AlertsInCollector | null = config.alerts.enabled
    ? createAlertsInCollector(
        {
          rulesPath: config.alerts.rulesPath,
          env: config.alerts.env,
          dataDir: config.dataDir,
          reportingCurrency: config.reportingCurrency,
          // Deep links open the dashboard this collector serves (or PAYWATCH_PUBLIC_URL); the
          // bound port is known only once it listens (PAYWATCH_PORT=0).
          dashboardUrl: () => publicBaseUrl(config, boundPort),
          // No detector snapshot: learn the last hours from the store before live events (held meanwhile).
          warmupHours: config.alerts.warmupHours,
          warmupMaxHeld: config.alerts.queueEvents,
        },
        { logger, history: feedOf(store), maskText: masker.maskText },
      )
    : null;
  alerts?.attachLive(live);
  await alerts?.start();
  // The engine evaluates off the acknowledgement path: a bounded queue, drained asynchronously.
  const alertsQueue = alerts
    ? createQueuedSink(
        alerts.sink,
        { capacity: config.alerts.queueEvents },
        { logger, hooks: metrics.sinkQueueHooks },
      )
    : null;
  const ingestor = createPipeline({
    // The spool acknowledges before ClickHouse's duplicate check runs: recent ids catch re-sends
    // so metrics and live do not count a client's retry twice (see store/recent-ids.ts).
    writer: instrumentWriter(spool ? withRecentIds(spool) : store, metrics.storeHooks),
    masker,
    sink: createFanOut(
      [metrics.sink, live.sink, ...(alertsQueue ? [alertsQueue] : []), ...(opts.sinks ?? [])],
      logger,
    ),
    hooks: metrics.pipelineHooks,
    logger,
  });
  if (spool) registerSpoolMetrics(metrics.registry, () => spool.stats());
  if (isClickHouseStore(store))
    registerDerivedRepairMetrics(metrics.registry, () => store.derivedRepairStats());
  alerts?.registerMetrics(metrics.registry);
  const signalMetrics = createSignalMetrics(
    { registry: metrics.registry, pending: signalStore.pending, logger },
    {
      pendingStaleAfterMs: config.signals.pendingStaleAfterMs,
      pendingLookbackMs: config.signals.pendingLookbackMs,
      refreshIntervalMs: config.signals.pendingRefreshMs,
    },
  );
  const scrapeConfig = config.signals.scrape;
  const scraper =
    scrapeConfig && scrapeConfig.targets.length > 0
      ? createPromScraper(
          { writer: signals, logger, maskText: masker.maskText, onScrape: signalMetrics.onScrape },
          scrapeConfig,
        )
      : null;
  const tailConfig = config.signals.logTail;
  const tailer = tailConfig
    ? createLogTailer(
        { ingestor, writer: signals, logger, maskText: masker.maskText, onLines: signalMetrics.onLines },
        tailConfig,
      )
    : null;
  const signalRetention = createSignalRetention(
    { eraser: signals, logger },
    { days: config.signals.retentionDays },
  );
  const faro = config.signals.faro;
  if (faro.enabled && faro.origins.length === 0)
    logger.warn(
      'PAYWATCH_FARO_ENABLED without PAYWATCH_FARO_ORIGINS: only pages served by this collector (the dashboard) can send beacons; browsers on other origins are refused',
    );
  // Set by close(): from then on /readyz answers 503 `stopping` (balancers drain this collector).
  let closing: Promise<void> | undefined;
  const { app, access } = createApp({
    ingestor,
    read: createReadService(store, fx),
    reader: store,
    registry: metrics.registry,
    // Ready while ingest can be durably accepted: the spool's state, not ClickHouse's, with a spool.
    readiness: {
      backend: store.backend,
      ping: () => store.ping(),
      spool,
      stopping: () => closing !== undefined,
    },
    auth,
    security: config.security,
    describeConfig: () => describeConfig(config),
    logger,
    mounts: [
      {
        router: createWebhookRouter({
          ingestor,
          logger,
          secrets: config.webhooks,
          onRejected: metrics.webhookHooks.rejected,
          onReplay: metrics.webhookHooks.replayed,
          onAccepted: metrics.webhookHooks.accepted,
        }),
        docs: WEBHOOK_ROUTE_DOCS,
      },
      { router: createLifecycleRouter({ lifecycle }), docs: LIFECYCLE_ROUTE_DOCS },
      {
        router: createSignalsRouter({
          signals,
          pending: signalStore.pending,
          pendingLookbackMs: config.signals.pendingLookbackMs,
        }),
        docs: SIGNAL_ROUTE_DOCS,
        beforeRead: true,
      },
      ...(faro.enabled
        ? [
            {
              router: createFaroRouter({
                writer: signals,
                logger,
                maskText: masker.maskText,
                allowedOrigins: faro.origins,
                maxBodyBytes: faro.maxBodyBytes,
                ...(faro.apiKey === null ? {} : { apiKey: faro.apiKey }),
                onReceived: signalMetrics.onFaroReceived,
                onRejected: signalMetrics.onFaroRejected,
              }),
              docs: FARO_ROUTE_DOCS,
            },
          ]
        : []),
      ...(alerts ? [alerts.mount] : []),
      // Engine off here (one `paywatch alerts` serves every collector): proxy its API with our roles.
      ...(!alerts && config.alerts.remote ? [createAlertsProxy(config.alerts.remote, { logger })] : []),
      ...(opts.mounts?.({ ingestor, store, logger, metrics }) ?? []),
    ],
    dashboard: opts.dashboard ?? true,
  });
  // socket.io passes the bound server's listener only the requests outside its path (Express must
  // leave those alone, or both answer a long-polling request: "headers already sent").
  bound.serve(app);
  live.authorize(access.socket);
  // Sessions end and keys are revoked while sockets stay open: re-check them every 15 s.
  const socketRecheck = setInterval(
    () =>
      void access
        .recheckSockets(live.io.sockets.sockets.values())
        .catch((err: unknown) => logger.warn({ err }, 'socket re-check failed')),
    15_000,
  );
  socketRecheck.unref();
  // Bodies up to 8 MiB over slow links: allow time, but never hang forever.
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;
  if (!server.listening) await listen(server, config);
  live.start();
  lifecycle.start();
  scraper?.start();
  await tailer?.start();
  signalMetrics.start();
  signalRetention.start();
  const port = (server.address() as AddressInfo).port;
  boundPort = port;
  const url = publicBaseUrl({ ...config, publicUrl: null }, port);
  logger.info({ url, ...describeStartup(config) }, 'paywatch collector listening');

  return {
    url,
    port,
    config,
    logger,
    store,
    ingestor,
    metrics,
    live,
    masker,
    auth,
    alerts,
    alertsQueue,
    lifecycle,
    initialAdminPassword: generatedAdminPassword,
    server,
    app,
    spool,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = setTimeout(() => server.closeAllConnections(), 5_000);
        clearInterval(socketRecheck);
        await lifecycle.stop();
        // Sources first (they write through the pipeline and the signal store), then the store.
        await scraper?.stop();
        await tailer?.stop();
        await signalMetrics.stop();
        await signalRetention.stop();
        // A warm-up still reading the store ends first: the queue waits on the live events it holds.
        await alerts?.abortWarmup();
        await alertsQueue?.stop();
        await alerts?.stop();
        await live.stop();
        await redis?.close();
        await closed;
        clearTimeout(deadline);
        // The spool drains what it can (bounded), keeps the rest on disk for the next start.
        await spool?.stop();
        await store.stop();
        await signalStore.stop();
        await securityDb.close();
        logger.info('paywatch collector stopped');
      })();
      return closing;
    },
  };
}
