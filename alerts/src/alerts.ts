import { join } from 'node:path';
import type { Router } from 'express';
import { loadAlertsConfig } from './config/load.js';
import type { LoadedAlertsConfig } from './config/load.js';
import { createAlertEngine, dashboardBaseOf, externalUrlOf } from './engine/engine.js';
import type { AlertEngine, EngineLogger } from './engine/engine.js';
import { createAlertsRouter } from './http/alerts.router.js';
import { createDeliveryLog } from './notify/delivery-log.js';
import { createNotifier } from './notify/notifier.js';
import { createFileAlertStateStore, createMemoryAlertStateStore } from './state/store.js';

/** Typed configuration of the alerts module (the composition root fills it from its config.ts). */
export interface AlertsModuleConfig {
  /** Rules/routes/receivers YAML; undefined = the built-in default rule pack. */
  rulesPath?: string | undefined;
  /** Values for `${NAME}` placeholders in the YAML (pass process.env from config.ts). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory for alerts-state.json and alerts-deliveries.jsonl; undefined = in memory only. */
  dataDir?: string | undefined;
  /**
   * The host's reporting currency (PAYWATCH_REPORTING_CURRENCY): used unless the rules file sets
   * its own `reporting_currency` (see `hostCurrency`).
   */
  reportingCurrency?: string;
  /**
   * The host's public dashboard address, the deep-link base when the YAML sets no `dashboard_url`
   * (the YAML wins). Read each time a link is built: a host listening on port 0 knows it only
   * once it listens.
   */
  dashboardUrl?: () => string;
  /** Overrides the file's `external_url`. */
  externalUrl?: string;
}

/**
 * The money settings for the host's reporting currency. A file that sets `reporting_currency`
 * keeps it: its `fx` rates are written in it (the host's default USD used to replace it, and an
 * EUR file's revenue at risk went out as "$", at EUR rates, or as 0 for EUR itself). A file that
 * does not (the default pack: rates in USD) takes the host's currency, its rates re-based through
 * that currency's rate; without a rate for it, the file's currency stays.
 */
function hostCurrency(
  loaded: Pick<LoadedAlertsConfig, 'reporting_currency' | 'reporting_currency_set' | 'fx'>,
  currency: string,
): Pick<LoadedAlertsConfig, 'reporting_currency' | 'fx'> {
  const keep = { reporting_currency: loaded.reporting_currency, fx: loaded.fx };
  if (loaded.reporting_currency_set || currency === loaded.reporting_currency) return keep;
  const base = loaded.fx[currency];
  if (base === undefined) return keep;
  const fx: Record<string, number> = { [loaded.reporting_currency]: 1 / base };
  for (const [c, r] of Object.entries(loaded.fx)) if (c !== currency) fx[c] = r / base;
  return { reporting_currency: currency, fx };
}

/** The alerts module: the engine (feed it events, start/stop it) and its HTTP router. */
export interface AlertsModule {
  engine: AlertEngine;
  router: Router;
  config: LoadedAlertsConfig;
}

/**
 * Builds the alerts module. Throws `AlertsConfigError` (its message names file, line and path)
 * for an invalid rules file — a start-up error. Call `engine.start()` before feeding events
 * and `engine.stop()` on shutdown.
 */
export function createAlerts(
  deps: {
    logger?: EngineLogger;
    now?: () => number;
    /** The host's masker for free text people type (ack reasons, silence comments): `AlertEngineDeps.maskText`. */
    maskText?: (s: string) => string;
  },
  config: AlertsModuleConfig,
): AlertsModule {
  const loaded = loadAlertsConfig(config.rulesPath, config.env ?? {});
  const cfg: LoadedAlertsConfig = {
    ...loaded,
    ...(config.reportingCurrency ? hostCurrency(loaded, config.reportingCurrency) : {}),
    ...(config.externalUrl ? { external_url: config.externalUrl } : {}),
  };
  const { dashboardUrl } = config;
  const log = createDeliveryLog(
    config.dataDir ? { file: join(config.dataDir, 'alerts-deliveries.jsonl') } : {},
  );
  const notifier = createNotifier(
    { log, ...(deps.now ? { now: deps.now } : {}) },
    {
      receivers: cfg.receivers,
      retry: {
        max_attempts: cfg.retry.max_attempts,
        base_delay_ms: cfg.retry.base_delay,
        max_delay_ms: cfg.retry.max_delay,
      },
      // Read when sent, as the engine's deep links and externalURL are.
      external_url: () => externalUrlOf(cfg, dashboardUrl),
      dashboard_url: () => dashboardBaseOf(cfg, dashboardUrl),
      reporting_currency: cfg.reporting_currency,
    },
  );
  const store = config.dataDir
    ? createFileAlertStateStore({ path: join(config.dataDir, 'alerts-state.json') })
    : createMemoryAlertStateStore();
  const engine = createAlertEngine(
    {
      store,
      notifier,
      deliveryLog: log,
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(dashboardUrl ? { dashboardUrl } : {}),
      ...(deps.maskText ? { maskText: deps.maskText } : {}),
    },
    cfg,
    { followWallClock: true },
  );
  return {
    engine,
    router: createAlertsRouter({
      engine,
      reportingCurrency: cfg.reporting_currency,
      ...(deps.now ? { now: deps.now } : {}),
    }),
    config: cfg,
  };
}
