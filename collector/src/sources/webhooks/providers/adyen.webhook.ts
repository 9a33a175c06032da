import type {
  CardBrand,
  CardFunding,
  CardWallet,
  FailureCategory,
  Method,
  PaymentEventInput,
  Status,
} from '@paywatch/contracts';
import {
  invalidPayment,
  reject,
  type InvalidPayment,
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
  header,
  hmacSha256,
  isoToMs,
  obj,
  parseJsonObject,
  safeEqual,
  sha256Hex,
  str,
  minorUnits,
  webhookEventId,
  type JsonObject,
  eventTime,
} from '../webhook-util.js';

/**
 * A verified Adyen delivery: a standard webhook (every NotificationRequestItem's `hmacSignature`
 * checked) or a Balance Platform / Management webhook (`HmacSignature` header over the raw body).
 */
export type AdyenPayload =
  { kind: 'standard'; live: boolean; items: JsonObject[] } | { kind: 'banking'; body: JsonObject };

/** The documented item string: `psp:original:merchant:reference:value:currency:eventCode:success`. */
export function adyenDataToSign(item: JsonObject): string {
  const amount = obj(item, 'amount');
  const field = (o: JsonObject | undefined, k: string): string => {
    const v = o?.[k];
    return v === undefined || v === null ? '' : String(v);
  };
  return [
    field(item, 'pspReference'),
    field(item, 'originalReference'),
    field(item, 'merchantAccountCode'),
    field(item, 'merchantReference'),
    field(amount, 'value'),
    field(amount, 'currency'),
    field(item, 'eventCode'),
    field(item, 'success'),
  ].join(':');
}

/** base64 HMAC-SHA256 with the hex-decoded key. */
export function adyenHmac(key: Buffer, data: Buffer | string): string {
  return hmacSha256(key, data).toString('base64');
}

function b64Equal(expectedB64: string, givenB64: string): boolean {
  return safeEqual(Buffer.from(expectedB64, 'base64'), Buffer.from(givenB64, 'base64'));
}

function verify(
  rawBody: Buffer,
  headers: Readonly<Record<string, string | undefined>>,
  secrets: WebhookSecrets,
  _now: number,
): VerifyOutcome<AdyenPayload> {
  const conf = secrets.adyen;
  if (!conf) return reject('unsupported', 'adyen webhooks are not configured');
  const headerSig = header(headers, 'hmacsignature');
  if (headerSig !== undefined) {
    if (!b64Equal(adyenHmac(conf.hmacKey, rawBody), headerSig))
      return reject('bad_signature', 'HmacSignature header does not match the body');
    const body = parseJsonObject(rawBody);
    if (!body) return reject('unparseable', 'body is not a JSON object');
    return { ok: true, payload: { kind: 'banking', body } };
  }
  const body = parseJsonObject(rawBody);
  if (!body) return reject('unparseable', 'body is not a JSON object');
  const list = body['notificationItems'];
  if (!Array.isArray(list) || list.length === 0)
    return reject('unparseable', 'notificationItems missing or empty');
  const items: JsonObject[] = [];
  for (const [i, wrapper] of list.entries()) {
    const item = obj(wrapper, 'NotificationRequestItem');
    if (!item) return reject('unparseable', `notificationItems[${i}] has no NotificationRequestItem`);
    const sig = str(obj(item, 'additionalData'), 'hmacSignature');
    if (sig === undefined)
      return reject('missing_header', `notificationItems[${i}] has no additionalData.hmacSignature`);
    // Each item is signed on its own; one bad item rejects the batch (Adyen retries the whole batch).
    if (!b64Equal(adyenHmac(conf.hmacKey, adyenDataToSign(item)), sig))
      return reject('bad_signature', `notificationItems[${i}] hmacSignature does not match`);
    items.push(item);
  }
  return {
    ok: true,
    payload: { kind: 'standard', live: body['live'] === 'true' || body['live'] === true, items },
  };
}

// Refusal reasons (docs.adyen.com/development-resources/refusal-reasons), by text, lower-case.
const REFUSAL: Readonly<Record<string, FailureCategory>> = {
  refused: 'do_not_honor',
  referral: 'do_not_honor',
  'acquirer error': 'provider_error',
  'blocked card': 'fraud_suspected',
  'expired card': 'card_expired',
  'invalid amount': 'invalid_card_data',
  'invalid card number': 'invalid_card_data',
  'issuer unavailable': 'issuer_unavailable',
  'not supported': 'do_not_honor',
  '3d not authenticated': 'authentication_failed',
  'not enough balance': 'insufficient_funds',
  'acquirer fraud': 'fraud_suspected',
  cancelled: 'canceled_by_user',
  'shopper cancelled': 'canceled_by_user',
  'invalid pin': 'invalid_card_data',
  'pin tries exceeded': 'limit_exceeded',
  'pin validation not possible': 'authentication_failed',
  fraud: 'fraud_suspected',
  'not submitted': 'provider_error',
  'fraud-cancelled': 'fraud_suspected',
  'transaction not permitted': 'do_not_honor',
  'cvc declined': 'invalid_card_data',
  'restricted card': 'do_not_honor',
  'revocation of auth': 'do_not_honor',
  'declined non generic': 'do_not_honor',
  'withdrawal amount exceeded': 'limit_exceeded',
  'withdrawal count exceeded': 'limit_exceeded',
  'issuer suspected fraud': 'fraud_suspected',
  'avs declined': 'invalid_card_data',
  'card requires online pin': 'authentication_failed',
  'no checking account available on card': 'do_not_honor',
  'no savings account available on card': 'do_not_honor',
  'mobile pin required': 'authentication_failed',
  'contactless fallback': 'other',
  'authentication required': 'authentication_failed',
  'rreq not received from ds': 'authentication_failed',
  'current aid is in penalty box.': 'other',
  'cvm required restart payment': 'authentication_failed',
  '3ds authentication error': 'authentication_failed',
  'online pin required': 'authentication_failed',
  'try another interface': 'other',
  'chip downgrade mode': 'other',
  'transaction blocked by adyen to prevent excessive retry fees': 'limit_exceeded',
};

/** Maps an Adyen refusal reason (the webhook's `reason` text) onto the failure taxonomy. */
export function adyenFailureCategory(reason: string | undefined): FailureCategory {
  if (reason === undefined) return 'other';
  const r = reason.trim().toLowerCase();
  const exact = REFUSAL[r];
  if (exact) return exact;
  // Free-text variants seen in notifications (e.g. "Insufficient balance on payment").
  if (/insufficient|not enough balance/.test(r)) return 'insufficient_funds';
  if (/expired/.test(r)) return 'card_expired';
  if (/fraud/.test(r)) return 'fraud_suspected';
  if (/3d|authenticat/.test(r)) return 'authentication_failed';
  if (/timeout|timed out/.test(r)) return 'timeout';
  return 'other';
}

type Mapped = { status: Status; outcome?: 'success' | 'failure' | 'capture_failure' };

function mapItem(code: string, success: boolean, item: JsonObject): Mapped | undefined {
  switch (code) {
    // The authorisation is Adyen's attempt outcome: with auto-capture no CAPTURE webhook follows,
    // so an authorised payment counts as succeeded. A later CAPTURE success shares its outcome key
    // and is deduplicated instead of counting the payment twice.
    case 'AUTHORISATION':
      return success ? { status: 'succeeded', outcome: 'success' } : { status: 'failed', outcome: 'failure' };
    case 'CAPTURE':
      return success
        ? { status: 'captured', outcome: 'success' }
        : { status: 'failed', outcome: 'capture_failure' };
    case 'CAPTURE_FAILED':
      return { status: 'failed', outcome: 'capture_failure' };
    case 'CANCELLATION':
    case 'TECHNICAL_CANCEL':
      return success ? { status: 'canceled' } : undefined;
    case 'CANCEL_OR_REFUND': {
      if (!success) return undefined;
      const action = str(obj(item, 'additionalData'), 'modification.action');
      return { status: action === 'refund' ? 'refunded' : 'canceled' };
    }
    // A failed refund has no status in the event contract (the payment stays captured).
    case 'REFUND':
    case 'REFUND_WITH_DATA':
      return success ? { status: 'refunded' } : undefined;
    case 'PENDING':
      return { status: 'pending' };
    case 'OFFER_CLOSED':
    case 'EXPIRE':
      return success ? { status: 'expired' } : undefined;
    case 'NOTIFICATION_OF_CHARGEBACK':
    case 'REQUEST_FOR_INFORMATION':
    case 'CHARGEBACK':
    case 'SECOND_CHARGEBACK':
      return { status: 'chargeback_opened' };
    case 'CHARGEBACK_REVERSED':
    case 'PREARBITRATION_WON':
      return { status: 'chargeback_won' };
    case 'PREARBITRATION_LOST':
      return { status: 'chargeback_lost' };
    case 'MANUAL_REVIEW_ACCEPT':
      return { status: 'authorized' };
    case 'MANUAL_REVIEW_REJECT':
      return { status: 'failed', outcome: 'failure' };
    default:
      return undefined;
  }
}

const BRANDS: Readonly<Record<string, CardBrand>> = {
  visa: 'visa',
  mc: 'mastercard',
  mastercard: 'mastercard',
  maestro: 'mastercard',
  amex: 'amex',
  jcb: 'jcb',
  cup: 'unionpay',
  unionpay: 'unionpay',
  discover: 'discover',
  diners: 'other',
  cartebancaire: 'other',
  bcmc: 'other',
};
const FUNDING: Readonly<Record<string, CardFunding>> = {
  credit: 'credit',
  debit: 'debit',
  prepaid: 'prepaid',
};

function methodAndCard(item: JsonObject): { method: Method; card?: NonNullable<PaymentEventInput['card']> } {
  const ad = obj(item, 'additionalData');
  const pm = (str(item, 'paymentMethod') ?? '').toLowerCase();
  const variant = (str(ad, 'paymentMethodVariant') ?? pm).toLowerCase();
  const wallet: CardWallet | undefined =
    /applepay/.test(variant) || pm === 'applepay'
      ? 'apple_pay'
      : /googlepay|paywithgoogle/.test(variant) || /googlepay|paywithgoogle/.test(pm)
        ? 'google_pay'
        : /samsungpay/.test(variant)
          ? 'samsung_pay'
          : undefined;
  const brand = BRANDS[variant.split('_')[0] ?? ''] ?? BRANDS[pm.split('_')[0] ?? ''];
  let method: Method;
  if (wallet === 'apple_pay' || wallet === 'google_pay') method = wallet;
  else if (brand !== undefined || wallet !== undefined || pm === 'scheme' || pm === 'card') method = 'card';
  else if (pm.startsWith('alipay')) method = 'alipay';
  else if (pm.startsWith('wechatpay')) method = 'wechat_pay';
  else if (/sepa|ideal|ach|bank|giropay|eps|trustly|sofort|directebanking/.test(pm)) method = 'bank_transfer';
  else method = 'other';
  if (method !== 'card' && method !== 'apple_pay' && method !== 'google_pay') return { method };
  const last4 = str(ad, 'cardSummary');
  const bin = str(ad, 'cardBin');
  const country = str(ad, 'issuerCountry') ?? str(ad, 'cardIssuingCountry');
  const funding = FUNDING[(str(ad, 'fundingSource') ?? '').toLowerCase()];
  const card: NonNullable<PaymentEventInput['card']> = {
    ...(brand ? { brand } : {}),
    ...(last4 && /^\d{4}$/.test(last4) ? { last4 } : {}),
    ...(bin && /^\d{6,8}$/.test(bin) ? { bin } : {}),
    ...(country && /^[A-Z]{2}$/.test(country) ? { issuer_country: country } : {}),
    ...(funding ? { funding } : {}),
    ...(wallet ? { wallet } : {}),
  };
  return { method, ...(Object.keys(card).length > 0 ? { card } : {}) };
}

function itemKey(item: JsonObject): string {
  return [str(item, 'pspReference') ?? '', str(item, 'eventCode') ?? '', String(item['success'] ?? '')].join(
    ':',
  );
}

function normalizeItem(
  item: JsonObject,
  live: boolean,
  ctx: NormalizeContext,
): PaymentEventInput | InvalidPayment | undefined {
  const code = str(item, 'eventCode') ?? '';
  const success = item['success'] === 'true' || item['success'] === true;
  const mapped = mapItem(code, success, item);
  const psp = str(item, 'pspReference');
  const amount = obj(item, 'amount');
  const currency = currencyOf(str(amount, 'currency'));
  const value = minorUnits(amount, 'value');
  if (!mapped || !psp) return undefined;
  // A payment item whose amount cannot be read is refused, not acknowledged and lost.
  if (!currency) return { field: 'amount.currency', reason: 'missing or not an ISO 4217 currency' };
  if (value === undefined)
    return { field: 'amount.value', reason: 'not a non-negative integer number of minor units' };
  const paymentId = str(item, 'originalReference') ?? psp;
  const reason = str(item, 'reason');
  const ad = obj(item, 'additionalData');
  const failure: PaymentEventInput['failure'] | undefined =
    mapped.status === 'failed'
      ? {
          category: code === 'MANUAL_REVIEW_REJECT' ? 'fraud_suspected' : adyenFailureCategory(reason),
          ...(reason ? { code: clip(reason) } : {}),
          ...(str(ad, 'refusalReasonRaw')
            ? { message: clip(str(ad, 'refusalReasonRaw')) }
            : reason
              ? { message: clip(reason) }
              : {}),
        }
      : undefined;
  const { method, card } = methodAndCard(item);
  const ts = isoToMs(str(item, 'eventDate'));
  return {
    event_id: mapped.outcome
      ? webhookEventId('adyen', paymentId, mapped.outcome)
      : webhookEventId('adyen', itemKey(item)),
    ts: eventTime(ts, ctx.receivedAt),
    payment_id: clipId(paymentId),
    merchant_id: clipId(str(item, 'merchantAccountCode') ?? ctx.account ?? 'default'),
    provider: 'adyen',
    method,
    status: mapped.status,
    amount_minor: value,
    currency,
    ...(failure ? { failure } : {}),
    ...(card ? { card } : {}),
    ...(card?.issuer_country ? { country: card.issuer_country } : {}),
    metadata: {
      webhook_event_type: code,
      provider_event_id: itemKey(item),
      live,
      ...(str(item, 'merchantReference') ? { merchant_reference: str(item, 'merchantReference') } : {}),
    },
  };
}

function normalize(payload: AdyenPayload, ctx: NormalizeContext = {}): NormalizedWebhook {
  if (payload.kind === 'banking') {
    // Balance Platform / Management webhooks are account events, not payments.
    const type = str(payload.body, 'type') ?? 'banking';
    return { providerEventId: `${type}:${sha256Hex(JSON.stringify(payload.body)).slice(0, 32)}`, events: [] };
  }
  const keys = payload.items.map(itemKey);
  const joined = keys.join('|');
  const providerEventId = joined.length <= 128 ? joined : `batch:${sha256Hex(joined).slice(0, 40)}`;
  const events: PaymentEventInput[] = [];
  for (const [i, item] of payload.items.entries()) {
    const e = normalizeItem(item, payload.live, ctx);
    if (e === undefined) continue;
    if ('field' in e)
      return invalidPayment(
        providerEventId,
        `notificationItems[${i}].NotificationRequestItem.${e.field}`,
        e.reason,
      );
    events.push(e);
  }
  return { providerEventId, events };
}

/** Adyen standard webhooks (per-item HMAC) and banking webhooks (`HmacSignature` header). */
export const adyenWebhook: WebhookProvider<AdyenPayload> = {
  name: 'adyen',
  isConfigured: (s) => s.adyen !== undefined,
  verify,
  normalize,
  // Adyen expects exactly this body, or it retries.
  ack: { status: 200, contentType: 'text/plain; charset=utf-8', body: '[accepted]' },
};
