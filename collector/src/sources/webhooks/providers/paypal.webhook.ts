import { verify as rsaVerify } from 'node:crypto';
import type { FailureCategory, PaymentEventInput, Status } from '@paywatch/contracts';
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
  clip,
  clipId,
  currencyOf,
  decimalToMinor,
  header,
  isoToMs,
  obj,
  parseJsonObject,
  str,
  webhookEventId,
  type JsonObject,
  eventTime,
} from '../webhook-util.js';

/** A verified PayPal webhook event (`WH-…`). */
export interface PaypalEvent extends JsonObject {
  id: string;
  event_type: string;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Standard (zlib) CRC-32 as an unsigned integer. */
export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** `transmissionId|transmissionTime|webhookId|crc32(rawBody)` (CRC as unsigned decimal). */
export function paypalSignedString(
  transmissionId: string,
  transmissionTime: string,
  webhookId: string,
  rawBody: Buffer,
): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(rawBody)}`;
}

function verify(
  rawBody: Buffer,
  headers: Readonly<Record<string, string | undefined>>,
  secrets: WebhookSecrets,
  _now: number,
): VerifyOutcome<PaypalEvent> {
  const conf = secrets.paypal;
  if (!conf) return reject('unsupported', 'paypal webhooks are not configured');
  const id = header(headers, 'paypal-transmission-id');
  const time = header(headers, 'paypal-transmission-time');
  const sig = header(headers, 'paypal-transmission-sig');
  if (!id || !time || !sig)
    return reject('missing_header', 'PAYPAL-TRANSMISSION-ID, -TIME and -SIG are all required');
  const algo = header(headers, 'paypal-auth-algo');
  if (algo !== undefined && algo !== 'SHA256withRSA')
    return reject('unsupported', `PAYPAL-AUTH-ALGO ${algo} is not supported`);
  // Offline verification with the configured certificate: paywatch never downloads PAYPAL-CERT-URL,
  // so a forged cert URL cannot introduce a key.
  const message = Buffer.from(paypalSignedString(id, time, conf.webhookId, rawBody), 'utf8');
  const signature = Buffer.from(sig, 'base64');
  if (!conf.keys.some((k) => rsaVerify('sha256', message, k.key, signature))) {
    return reject(
      'bad_signature',
      'PAYPAL-TRANSMISSION-SIG does not verify with the configured certificate and webhook id',
    );
  }
  const event = parseJsonObject(rawBody);
  if (!event || typeof event['id'] !== 'string' || typeof event['event_type'] !== 'string')
    return reject('unparseable', 'body is not a PayPal webhook event');
  return { ok: true, payload: event as PaypalEvent };
}

const RESPONSE_CODES: Readonly<Record<string, FailureCategory>> = {
  '5120': 'insufficient_funds',
  '0500': 'do_not_honor',
  '0580': 'do_not_honor',
  '0100': 'do_not_honor',
  '5100': 'do_not_honor',
  '00N7': 'invalid_card_data',
  '0390': 'invalid_card_data',
  '5400': 'card_expired',
  '9500': 'fraud_suspected',
  '9520': 'fraud_suspected',
  '5650': 'authentication_failed',
};

/** Maps PayPal `status_details.reason` / `processor_response.response_code` onto the taxonomy. */
export function paypalFailureCategory(
  reason: string | undefined,
  responseCode: string | undefined,
): FailureCategory {
  if (responseCode !== undefined && RESPONSE_CODES[responseCode])
    return RESPONSE_CODES[responseCode] ?? 'other';
  if (reason === 'DECLINED_BY_RISK_FRAUD_FILTERS') return 'fraud_suspected';
  return 'other';
}

function amountOf(o: JsonObject | undefined): { minor: number; currency: string } | undefined {
  const a = obj(o, 'amount') ?? obj(o, 'dispute_amount');
  // v2 resources: {currency_code, value}; v1 (sale): {total, currency}.
  const currency = currencyOf(str(a, 'currency_code') ?? str(a, 'currency'));
  if (!currency) return undefined;
  const minor = decimalToMinor(str(a, 'value') ?? str(a, 'total'), currency);
  return minor === undefined ? undefined : { minor, currency };
}

type Mapped = { status: Status; key: string; subject: JsonObject; paymentId: string | undefined };

function mapEvent(e: PaypalEvent): Mapped | undefined {
  const r = obj(e, 'resource');
  if (!r) return undefined;
  const rid = str(r, 'id') ?? e.id;
  const orderId = str(obj(obj(r, 'supplementary_data'), 'related_ids'), 'order_id');
  const salePayment = str(r, 'parent_payment') ?? orderId;
  const t = e.event_type;
  const m = (status: Status, key: string, paymentId = salePayment ?? rid, subject = r): Mapped => ({
    status,
    key,
    subject,
    paymentId,
  });
  switch (t) {
    case 'PAYMENT.SALE.COMPLETED':
    case 'PAYMENT.CAPTURE.COMPLETED':
      return m('captured', `${rid}:success`);
    case 'PAYMENT.SALE.PENDING':
    case 'PAYMENT.CAPTURE.PENDING':
      return m('pending', `${rid}:pending`);
    case 'PAYMENT.SALE.DENIED':
    case 'PAYMENT.CAPTURE.DENIED':
    case 'PAYMENT.CAPTURE.DECLINED':
      return m('failed', `${rid}:failure`);
    case 'PAYMENT.SALE.REFUNDED':
    case 'PAYMENT.CAPTURE.REFUNDED':
      return m('refunded', `refund:${rid}`, salePayment ?? str(r, 'sale_id') ?? rid);
    case 'PAYMENT.SALE.REVERSED':
    case 'PAYMENT.CAPTURE.REVERSED':
      return m('chargeback_opened', `reversal:${rid}`);
    case 'PAYMENT.AUTHORIZATION.CREATED':
      return m('authorized', `${rid}:authorized`);
    case 'PAYMENT.AUTHORIZATION.VOIDED':
      return m('canceled', `${rid}:voided`);
    case 'CHECKOUT.ORDER.APPROVED':
      return m('pending', `${rid}:approved`, rid);
    case 'CHECKOUT.PAYMENT-APPROVAL.REVERSED':
      return m('canceled', `${rid}:approval_reversed`, orderId ?? rid);
    case 'CHECKOUT.ORDER.COMPLETED': {
      const units = r['purchase_units'];
      const unit = Array.isArray(units) ? obj({ u: units[0] }, 'u') : undefined;
      const captures = obj(unit, 'payments')?.['captures'];
      const capture = Array.isArray(captures) ? obj({ c: captures[0] }, 'c') : undefined;
      if (!capture) return undefined;
      const cid = str(capture, 'id') ?? rid;
      const cs = str(capture, 'status');
      // Keyed like PAYMENT.CAPTURE.* so the order event and the capture event count once.
      if (cs === 'COMPLETED') return m('captured', `${cid}:success`, rid, capture);
      if (cs === 'DECLINED' || cs === 'FAILED') return m('failed', `${cid}:failure`, rid, capture);
      if (cs === 'PENDING') return m('pending', `${cid}:pending`, rid, capture);
      return undefined;
    }
    case 'CUSTOMER.DISPUTE.CREATED':
    case 'CUSTOMER.DISPUTE.UPDATED':
    case 'CUSTOMER.DISPUTE.RESOLVED': {
      const txs = r['disputed_transactions'];
      const tx = Array.isArray(txs) ? obj({ t: txs[0] }, 't') : undefined;
      const pid = str(tx, 'seller_transaction_id') ?? str(r, 'dispute_id') ?? rid;
      const did = str(r, 'dispute_id') ?? rid;
      if (t !== 'CUSTOMER.DISPUTE.RESOLVED') return m('chargeback_opened', `dispute:${did}:open`, pid);
      const outcome = str(obj(r, 'dispute_outcome'), 'outcome_code');
      if (outcome === 'RESOLVED_BUYER_FAVOUR') return m('chargeback_lost', `dispute:${did}:closed`, pid);
      if (outcome === 'RESOLVED_SELLER_FAVOUR' || outcome === 'CANCELED_BY_BUYER' || outcome === 'DENIED')
        return m('chargeback_won', `dispute:${did}:closed`, pid);
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Orders v2 carry `payment_source.{card|apple_pay|google_pay|paypal}`; other events do not. */
function methodOf(source: JsonObject | undefined): PaymentEventInput['method'] {
  if (!source) return 'other';
  if (source['apple_pay'] !== undefined) return 'apple_pay';
  if (source['google_pay'] !== undefined) return 'google_pay';
  if (source['card'] !== undefined) return 'card';
  return 'other';
}

function normalize(e: PaypalEvent, ctx: NormalizeContext = {}): NormalizedWebhook {
  const mapped = mapEvent(e);
  const amount = mapped ? (amountOf(mapped.subject) ?? amountOf(obj(e, 'resource'))) : undefined;
  if (!mapped || !mapped.paymentId) return { providerEventId: e.id, events: [] };
  // A payment event whose amount cannot be read is refused, not acknowledged and lost.
  if (!amount)
    return invalidPayment(
      e.id,
      'resource.amount',
      'missing, not an ISO 4217 currency, or not a non-negative decimal with the currency’s decimals',
    );
  const r = mapped.subject;
  const details = obj(r, 'status_details');
  const reason = str(details, 'reason');
  const responseCode = str(obj(r, 'processor_response'), 'response_code');
  const failure: PaymentEventInput['failure'] | undefined =
    mapped.status === 'failed'
      ? {
          category: paypalFailureCategory(reason, responseCode),
          ...((responseCode ?? reason) ? { code: clip(responseCode ?? reason) } : {}),
          ...(reason ? { message: clip(reason) } : {}),
        }
      : undefined;
  const event: PaymentEventInput = {
    event_id: webhookEventId('paypal', mapped.key),
    ts: eventTime(isoToMs(str(e, 'create_time')) ?? isoToMs(str(r, 'update_time')), ctx.receivedAt),
    payment_id: clipId(mapped.paymentId),
    merchant_id: clipId(
      str(obj(r, 'payee'), 'merchant_id') ??
        str(obj(obj(e, 'resource'), 'payee'), 'merchant_id') ??
        ctx.account ??
        'default',
    ),
    provider: 'paypal',
    method: methodOf(obj(obj(e, 'resource'), 'payment_source')),
    status: mapped.status,
    amount_minor: amount.minor,
    currency: amount.currency,
    ...(failure ? { failure } : {}),
    metadata: {
      webhook_event_type: e.event_type,
      provider_event_id: e.id,
      ...(str(obj(e, 'resource'), 'state') ? { state: str(obj(e, 'resource'), 'state') } : {}),
    },
  };
  return { providerEventId: e.id, events: [event] };
}

/** PayPal REST webhooks verified offline (RSA-SHA256 over `id|time|webhookId|crc32`). */
export const paypalWebhook: WebhookProvider<PaypalEvent> = {
  name: 'paypal',
  isConfigured: (s) => s.paypal !== undefined,
  verify,
  normalize,
  ack: { status: 200, contentType: 'application/json', body: '{"received":true}' },
};
