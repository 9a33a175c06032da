import type { RouteDoc } from '../../http/route-doc.js';

const errors = {
  400: 'Unparseable body or bad account segment.',
  401: 'Signature missing, forged or stale (reason in `error.code`).',
  404: 'Unknown provider, or the provider is not configured (no secret).',
  413: 'Body over 1 MiB.',
  503: 'The events could not be stored durably; the provider retries.',
};

const description =
  'Verifies the provider signature over the raw body (Stripe, Adyen, Alipay RSA2, WeChat Pay v3, PayPal, Coinbase Commerce; BitPay IPNs are unsigned and stored as untrusted), ' +
  'normalizes the notification into payment events, and acknowledges in the provider’s expected format only once they are durable. Replays within 72 h are acknowledged and not stored twice. See docs/webhooks.md.';

/** OpenAPI entries for the webhook source (the router is in webhooks.router.ts). */
export const WEBHOOK_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'post',
    path: '/v1/webhooks/{provider}',
    tag: 'webhooks',
    auth: 'signature',
    summary: 'Signed provider webhook (stripe, adyen, alipay, wechatpay, paypal, coinbase, bitpay)',
    description,
    pathParams: { provider: 'stripe | adyen | alipay | wechatpay | paypal | coinbase | bitpay' },
    body: { contentTypes: ['application/json', 'application/x-www-form-urlencoded'], description: 'The provider’s notification, byte for byte as sent' },
    response: { status: 200, contentType: 'text/plain', description: 'The provider’s expected acknowledgement (e.g. `success` for Alipay, JSON for WeChat Pay)' },
    errors,
  },
  {
    method: 'post',
    path: '/v1/webhooks/{provider}/{account}',
    tag: 'webhooks',
    auth: 'signature',
    summary: 'Signed provider webhook for one of several merchant accounts',
    description: description + ' The account segment becomes the merchant_id when the payload has none.',
    pathParams: { provider: 'stripe | adyen | alipay | wechatpay | paypal | coinbase | bitpay', account: 'Merchant account (1–64 of letters, digits, _ . -)' },
    body: { contentTypes: ['application/json', 'application/x-www-form-urlencoded'], description: 'The provider’s notification, byte for byte as sent' },
    response: { status: 200, contentType: 'text/plain', description: 'The provider’s expected acknowledgement' },
    errors,
  },
];
