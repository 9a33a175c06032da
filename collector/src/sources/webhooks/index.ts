// Public surface of the webhook source (STYLE.md: one index.ts per folder).
export { createWebhookRouter, WEBHOOK_BODY_LIMIT, type WebhookRouterDeps } from './webhooks.router.js';
export {
  parseWebhookSecrets,
  WEBHOOK_ENV,
  type WebhookSecrets,
  type ReadTextFile,
  type VerificationKey,
} from './webhook-secrets.js';
export { WEBHOOK_REGISTRY, registerWebhook, type RegisteredWebhook } from './webhook-registry.js';
export {
  REJECT_REASONS,
  type RejectReason,
  type WebhookProvider,
  type NormalizedWebhook,
} from './webhook-provider.js';
export { createReplayCache, REPLAY_WINDOW_MS, type ReplayCache } from './replay-cache.js';
export { WEBHOOK_ROUTE_DOCS } from './webhooks.route-docs.js';
