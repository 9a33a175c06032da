import type { RouteDoc } from '../../http/route-doc.js';
import { INFLIGHT_LIMIT_DOCS } from '../../lib/inflight-limit.js';

const PROVIDERS_TEXT = '`stripe`, `adyen`, `alipay`, `wechatpay`, `paypal`, `coinbase`, `bitpay`';

const DESCRIPTION =
  'Signed payment-provider webhooks. The signature is verified over the raw body exactly as the provider specifies ' +
  '(Stripe `Stripe-Signature`, Adyen item `hmacSignature` or `HmacSignature` header, Alipay RSA2 `sign`, WeChat Pay v3 ' +
  '`Wechatpay-Signature` + AES-GCM resource, PayPal `PAYPAL-TRANSMISSION-SIG` with the configured certificate, Coinbase ' +
  '`X-CC-Webhook-Signature`; BitPay IPNs are unsigned and stored with `metadata.untrusted=true`). Verified deliveries are ' +
  'normalized into payment events (source `webhook`) and acknowledged with the body each provider expects (Adyen ' +
  '`[accepted]`, Alipay `success`, WeChat `{"code":"SUCCESS"}`, others JSON or empty) only once the events are durable. ' +
  'Redeliveries are acknowledged without storing twice. Body limit 1 MB. See docs/webhooks.md.';

const ERRORS: Record<number, string> = {
  400: '`missing_header`, `unparseable`, `decrypt_failed`, `unsupported`, `invalid_payload` (a verified payment notification whose amount or currency cannot be recorded; the message names the payload field) or an invalid account segment.',
  401: '`bad_signature`, `stale_timestamp` (Stripe, WeChat: outside 300 s) or `probe` (WeChat `WECHATPAY/SIGNTEST/`).',
  404: '`unknown_provider`, or `provider_not_configured` (its PAYWATCH_* secret is not set; the message names it).',
  408: INFLIGHT_LIMIT_DOCS.slowBody,
  429: `Rate limit exceeded (per client IP, PAYWATCH_RATE_LIMIT_IP), or ${INFLIGHT_LIMIT_DOCS.unsizedPerClient}.`,
  413: 'Body over 1 MB (a `Content-Length` over it: answered at once; a chunked body: once 1 MB has arrived; the connection closed).',
  503: 'The store cannot durably accept events right now, or more than 64 MiB of webhook bodies are already in flight (the body is not read; `Retry-After: 1`); the provider retries.',
};

/** OpenAPI docs of the webhook routes (mounted by the composition root with the router). */
export const WEBHOOK_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'post',
    path: '/v1/webhooks/{provider}',
    tag: 'webhooks',
    auth: 'signature',
    summary: 'Receive a payment-provider webhook',
    description: DESCRIPTION,
    pathParams: { provider: `One of ${PROVIDERS_TEXT}.` },
    body: {
      contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
      description: 'The provider delivery, byte for byte (Alipay: form-encoded).',
    },
    response: {
      status: 200,
      contentType: 'text/plain',
      description: "The provider's expected acknowledgement",
    },
    errors: ERRORS,
  },
  {
    method: 'post',
    path: '/v1/webhooks/{provider}/{account}',
    tag: 'webhooks',
    auth: 'signature',
    summary: 'Receive a payment-provider webhook for one merchant account',
    description: `${DESCRIPTION} The account segment (1-64 of A-Z a-z 0-9 _ . -) is the merchant_id when the payload names none.`,
    pathParams: { provider: `One of ${PROVIDERS_TEXT}.`, account: 'Merchant account label.' },
    body: {
      contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
      description: 'The provider delivery, byte for byte (Alipay: form-encoded).',
    },
    response: {
      status: 200,
      contentType: 'text/plain',
      description: "The provider's expected acknowledgement",
    },
    errors: ERRORS,
  },
];
