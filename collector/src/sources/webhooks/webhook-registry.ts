import type { Provider } from '@paywatch/contracts';
import type {
  NormalizeContext,
  NormalizedWebhook,
  RejectReason,
  WebhookAck,
  WebhookHeaders,
  WebhookProvider,
} from './webhook-provider.js';
import type { WebhookSecrets } from './webhook-secrets.js';
import { reject } from './webhook-provider.js';
import { adyenWebhook } from './providers/adyen.webhook.js';
import { alipayWebhook } from './providers/alipay.webhook.js';
import { bitpayWebhook } from './providers/bitpay.webhook.js';
import { coinbaseWebhook } from './providers/coinbase.webhook.js';
import { paypalWebhook } from './providers/paypal.webhook.js';
import { stripeWebhook } from './providers/stripe.webhook.js';
import { wechatpayWebhook } from './providers/wechatpay.webhook.js';

/** The result of handling one delivery: normalized events, or a refusal. */
export type WebhookHandling =
  { ok: true; result: NormalizedWebhook } | { ok: false; reason: RejectReason; message: string };

/**
 * A provider with its payload type erased (verify and normalize run back to back), so providers
 * with different payload types can live in one registry.
 */
export interface RegisteredWebhook {
  readonly name: Provider;
  readonly ack: WebhookAck;
  isConfigured(secrets: WebhookSecrets): boolean;
  handle(
    rawBody: Buffer,
    headers: WebhookHeaders,
    secrets: WebhookSecrets,
    now: number,
    ctx: NormalizeContext,
  ): WebhookHandling;
  errorBody(code: string, message: string): Record<string, unknown>;
}

export function registerWebhook<P>(p: WebhookProvider<P>): RegisteredWebhook {
  return {
    name: p.name,
    ack: p.ack,
    isConfigured: (s) => p.isConfigured(s),
    handle(rawBody, headers, secrets, now, ctx) {
      const v = p.verify(rawBody, headers, secrets, now);
      if (!v.ok) return v;
      const result = p.normalize(v.payload, ctx);
      if (result.invalid)
        return reject(
          'invalid_payload',
          `${result.invalid.field}: ${result.invalid.reason}; nothing was recorded`,
        );
      return { ok: true, result };
    },
    errorBody: (code, message) => (p.errorBody ? p.errorBody(code, message) : { error: { code, message } }),
  };
}

/** Every supported provider by URL name (`/v1/webhooks/<name>`). Add a provider: one file + one line. */
export const WEBHOOK_REGISTRY: ReadonlyMap<string, RegisteredWebhook> = new Map(
  [
    registerWebhook(stripeWebhook),
    registerWebhook(adyenWebhook),
    registerWebhook(alipayWebhook),
    registerWebhook(wechatpayWebhook),
    registerWebhook(paypalWebhook),
    registerWebhook(coinbaseWebhook),
    registerWebhook(bitpayWebhook),
  ].map((r) => [r.name, r] as const),
);
