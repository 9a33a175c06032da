// Public surface of @paywatch/alerts (named re-exports only; no `export *`).
export { createAlerts } from './alerts.js';
export type { AlertsModule, AlertsModuleConfig } from './alerts.js';
export { createAlertEngine } from './engine/engine.js';
export type {
  AlertEngine,
  AlertEngineDeps,
  AlertEngineOptions,
  AlertTransition,
  AlertView,
  EngineLogger,
  EngineStats,
} from './engine/engine.js';
export { createAlertsRouter } from './http/alerts.router.js';
export type { AlertsRouterDeps } from './http/alerts.router.js';
export {
  AlertListQuerySchema,
  AlertListSchema,
  AlertViewSchema,
  DeliveryListQuerySchema,
  DeliveryListSchema,
  ReceiverListSchema,
  SilenceListSchema,
  SilenceSchema,
  TestOutcomeSchema,
} from './http/alerts.schemas.js';
export { AlertsConfigError, loadAlertsConfig, parseAlertsConfig } from './config/load.js';
export type { ConfigIssue, LoadedAlertsConfig } from './config/load.js';
export { DEFAULT_RULES_YAML } from './config/default-rules.js';
export { createFileAlertStateStore, createMemoryAlertStateStore } from './state/store.js';
export type { AlertStateStore, PersistedAlerts } from './state/store.js';
export type { AlertState, AlertStatus, Lifecycle } from './state/alert-state.js';
export { createNotifier } from './notify/notifier.js';
export type { Notifier, ReceiverConfig } from './notify/notifier.js';
export { createDeliveryLog } from './notify/delivery-log.js';
export type { DeliveryLog, DeliveryRecord } from './notify/delivery-log.js';
export { CHANNEL_FACTORIES, ChannelSpecSchema, createChannel } from './notify/channels/registry.js';
export { createDetector, DetectorSpecSchema } from './detect/registry.js';
export type { Detector, Evaluation, EventDetector, MinuteAggregate, SeriesDetector } from './detect/types.js';
export { createUnivariateDetector, DEFAULT_UNIVARIATE_CONFIG } from './detect/univariate.detector.js';
export { detectCommand } from './cli/detect.command.js';
export { replayCommand } from './cli/replay.command.js';
export { SILENCE_USAGE, silenceCommand } from './cli/silence.command.js';
export type { CliIo } from './cli/io.js';
