import { currencyExponent, type PaymentEventInput, type Status } from '@paywatch/contracts';
import {
  invalidPayment,
  reject,
  type NormalizeContext,
  type NormalizedWebhook,
  type VerifyOutcome,
  type WebhookProvider,
} from '../webhook-provider.js';
import type { WebhookSecrets } from '../webhook-secrets.js';
import {
  clipId,
  currencyOf,
  decimalToMinor,
  num,
  obj,
  parseJsonObject,
  str,
  webhookEventId,
  type JsonObject,
  eventTime,
} from '../webhook-util.js';

/**
 * A BitPay IPN: the invoice itself (standard format) or `{event:{code,name}, data:invoice}`
 * (extended notifications). **Unsigned**: anyone who knows the URL can post one, so every event
 * is marked `metadata.untrusted = true`; BitPay itself says to treat it as a trigger and fetch the
 * invoice with the API to learn the real status.
 */
export interface BitpayIpn {
  invoice: JsonObject;
  eventName?: string;
}

const STATUS: Readonly<Record<string, { status: Status; key: string }>> = {
  new: { status: 'pending', key: 'new' },
  // "paid" is not a payment guarantee (confirmations pending).
  paid: { status: 'pending', key: 'paid' },
  confirmed: { status: 'succeeded', key: 'success' },
  complete: { status: 'succeeded', key: 'success' },
  expired: { status: 'expired', key: 'expired' },
  invalid: { status: 'failed', key: 'failure' },
  declined: { status: 'failed', key: 'failure' },
};
const EVENT_STATUS: Readonly<Record<string, { status: Status; key: string }>> = {
  invoice_paidInFull: { status: 'pending', key: 'paid' },
  invoice_confirmed: { status: 'succeeded', key: 'success' },
  invoice_completed: { status: 'succeeded', key: 'success' },
  invoice_expired: { status: 'expired', key: 'expired' },
  invoice_failedToConfirm: { status: 'failed', key: 'failure' },
  invoice_declined: { status: 'failed', key: 'failure' },
  invoice_refundComplete: { status: 'refunded', key: 'refunded' },
};

function verify(
  rawBody: Buffer,
  _headers: Readonly<Record<string, string | undefined>>,
  secrets: WebhookSecrets,
  _now: number,
): VerifyOutcome<BitpayIpn> {
  if (!secrets.bitpay) return reject('unsupported', 'bitpay webhooks are not enabled');
  const body = parseJsonObject(rawBody);
  if (!body) return reject('unparseable', 'body is not a JSON object');
  const event = obj(body, 'event');
  const data = obj(body, 'data');
  const invoice = event && data ? data : body;
  if (typeof invoice['id'] !== 'string') return reject('unparseable', 'no invoice id');
  const name = str(event, 'name');
  return { ok: true, payload: { invoice, ...(name ? { eventName: name } : {}) } };
}

function normalize(ipn: BitpayIpn, ctx: NormalizeContext = {}): NormalizedWebhook {
  const inv = ipn.invoice;
  const id = str(inv, 'id');
  if (id === undefined) return { providerEventId: `unknown:${str(inv, 'status') ?? ''}`, events: [] };
  const rawStatus = str(inv, 'status') ?? '';
  const mapped =
    (ipn.eventName ? EVENT_STATUS[ipn.eventName] : undefined) ??
    (ipn.eventName === 'invoice_manuallyNotified' ? undefined : STATUS[rawStatus]);
  const providerEventId = `${id}:${ipn.eventName ?? rawStatus}`;
  const currency = currencyOf(str(inv, 'currency'));
  // `price` is the fiat invoice amount in major units (a JSON number).
  const minor = currency ? decimalToMinor(num(inv, 'price'), currency) : undefined;
  if (!mapped) return { providerEventId, events: [] };
  // An invoice priced in a crypto ticker has no ISO 4217 currency: not recorded (the event
  // contract has none for it), acknowledged — a refusal would be retried for ever.
  if (!currency) return { providerEventId, events: [] };
  if (minor === undefined)
    return invalidPayment(
      providerEventId,
      'price',
      `not a non-negative number with at most ${currencyExponent(currency)} decimals for ${currency}`,
    );
  const event: PaymentEventInput = {
    event_id: webhookEventId('bitpay', id, mapped.key),
    ts: eventTime(num(inv, 'currentTime') ?? num(inv, 'invoiceTime'), ctx.receivedAt),
    payment_id: clipId(id),
    merchant_id: clipId(ctx.account ?? 'default'),
    provider: 'bitpay',
    method: 'crypto',
    status: mapped.status,
    amount_minor: minor,
    currency,
    ...(mapped.status === 'failed'
      ? { failure: { category: 'other' as const, code: ipn.eventName ?? rawStatus } }
      : {}),
    metadata: {
      untrusted: true,
      webhook_event_type: ipn.eventName ?? rawStatus,
      provider_event_id: providerEventId,
      ...(str(inv, 'exceptionStatus') ? { exception_status: str(inv, 'exceptionStatus') } : {}),
      ...(str(inv, 'orderId') ? { order_id: str(inv, 'orderId') } : {}),
    },
  };
  return { providerEventId, events: [event] };
}

/** BitPay IPNs: unsigned, accepted only when enabled, recorded as untrusted. */
export const bitpayWebhook: WebhookProvider<BitpayIpn> = {
  name: 'bitpay',
  isConfigured: (s) => s.bitpay !== undefined,
  verify,
  normalize,
  ack: { status: 200, contentType: 'text/plain; charset=utf-8', body: '' },
};
