import type {
  CardBrand,
  CardFunding,
  CardWallet,
  FailureCategory,
  PaymentEventInput,
  Status,
} from '@paywatch/contracts';
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
  header,
  hmacSha256,
  num,
  minorUnits,
  obj,
  parseJsonObject,
  safeEqual,
  str,
  webhookEventId,
  type JsonObject,
  eventTime,
} from '../webhook-util.js';

/** Stripe's default signature tolerance (stripe-node `DEFAULT_TOLERANCE`), seconds. */
export const STRIPE_TOLERANCE_S = 300;

/** A verified Stripe event (`object: "event"`). */
export interface StripeEvent extends JsonObject {
  id: string;
  type: string;
}

/** Parses `t=…,v1=…,v1=…,v0=…`: every `v1` is kept (several while a secret rolls), `v0` ignored. */
export function parseStripeSignature(value: string): { t: number; v1: string[] } | undefined {
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't' && /^\d+$/.test(v)) t = Number(v);
    else if (k === 'v1') v1.push(v);
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
}

/** Hex HMAC-SHA256 over `${t}.${rawBody}` with the whole secret string as key. */
export function stripeSignature(secret: string, t: number, rawBody: Buffer): string {
  return hmacSha256(secret, Buffer.concat([Buffer.from(`${t}.`, 'utf8'), rawBody])).toString('hex');
}

function verify(
  rawBody: Buffer,
  headers: Readonly<Record<string, string | undefined>>,
  secrets: WebhookSecrets,
  now: number,
): VerifyOutcome<StripeEvent> {
  const conf = secrets.stripe;
  if (!conf) return reject('unsupported', 'stripe webhooks are not configured');
  const sigHeader = header(headers, 'stripe-signature');
  if (sigHeader === undefined) return reject('missing_header', 'Stripe-Signature header is missing');
  const parsed = parseStripeSignature(sigHeader);
  if (!parsed) return reject('bad_signature', 'Stripe-Signature has no timestamp or no v1 signature');
  const given = parsed.v1.filter((h) => /^[0-9a-f]+$/i.test(h)).map((h) => Buffer.from(h, 'hex'));
  let match = false;
  for (const secret of conf.secrets) {
    const expected = Buffer.from(stripeSignature(secret, parsed.t, rawBody), 'hex');
    // Check every candidate (no early exit) so timing does not reveal which one matched.
    for (const g of given) match = safeEqual(expected, g) || match;
  }
  if (!match) return reject('bad_signature', 'no v1 signature matches a configured secret');
  if (now / 1000 - parsed.t > STRIPE_TOLERANCE_S)
    return reject('stale_timestamp', `signature timestamp older than ${STRIPE_TOLERANCE_S} s`);
  const event = parseJsonObject(rawBody);
  if (!event || typeof event['id'] !== 'string' || typeof event['type'] !== 'string')
    return reject('unparseable', 'body is not a Stripe event object');
  return { ok: true, payload: event as StripeEvent };
}

// ---------------------------------------------------------------------------------------------
// Decline codes → failure taxonomy (codes from stripe-php Charge::DECLINED_* plus API error codes
// and Radar outcome reasons; unknown codes fall back to `other`, the raw code is always kept).
// ---------------------------------------------------------------------------------------------
const DECLINE_CATEGORY: Readonly<Record<string, FailureCategory>> = {
  insufficient_funds: 'insufficient_funds',
  do_not_honor: 'do_not_honor',
  generic_decline: 'do_not_honor',
  call_issuer: 'do_not_honor',
  card_declined: 'do_not_honor',
  card_not_supported: 'do_not_honor',
  currency_not_supported: 'do_not_honor',
  do_not_try_again: 'do_not_honor',
  no_action_taken: 'do_not_honor',
  not_permitted: 'do_not_honor',
  restricted_card: 'do_not_honor',
  revocation_of_all_authorizations: 'do_not_honor',
  revocation_of_authorization: 'do_not_honor',
  service_not_allowed: 'do_not_honor',
  stop_payment_order: 'do_not_honor',
  transaction_not_allowed: 'do_not_honor',
  approve_with_id: 'do_not_honor',
  new_account_information_available: 'do_not_honor',
  invalid_account: 'do_not_honor',
  expired_card: 'card_expired',
  incorrect_number: 'invalid_card_data',
  invalid_number: 'invalid_card_data',
  incorrect_cvc: 'invalid_card_data',
  invalid_cvc: 'invalid_card_data',
  incorrect_zip: 'invalid_card_data',
  incorrect_address: 'invalid_card_data',
  invalid_expiry_year: 'invalid_card_data',
  invalid_expiry_month: 'invalid_card_data',
  incorrect_pin: 'invalid_card_data',
  invalid_pin: 'invalid_card_data',
  invalid_amount: 'invalid_card_data',
  authentication_required: 'authentication_failed',
  authentication_not_handled: 'authentication_failed',
  offline_pin_required: 'authentication_failed',
  online_or_offline_pin_required: 'authentication_failed',
  mobile_device_authentication_required: 'authentication_failed',
  payment_intent_authentication_failure: 'authentication_failed',
  fraudulent: 'fraud_suspected',
  lost_card: 'fraud_suspected',
  stolen_card: 'fraud_suspected',
  pickup_card: 'fraud_suspected',
  merchant_blacklist: 'fraud_suspected',
  security_violation: 'fraud_suspected',
  highest_risk_level: 'fraud_suspected',
  elevated_risk_level: 'fraud_suspected',
  rule: 'fraud_suspected',
  card_velocity_exceeded: 'limit_exceeded',
  withdrawal_count_limit_exceeded: 'limit_exceeded',
  pin_try_exceeded: 'limit_exceeded',
  issuer_not_available: 'issuer_unavailable',
  try_again_later: 'issuer_unavailable',
  reenter_transaction: 'issuer_unavailable',
  processing_error: 'provider_error',
};

/** Maps a Stripe decline / failure code onto the normalized failure taxonomy. */
export function stripeFailureCategory(code: string | undefined): FailureCategory {
  return (code !== undefined && DECLINE_CATEGORY[code]) || 'other';
}

const BRANDS: Readonly<Record<string, CardBrand>> = {
  visa: 'visa',
  mastercard: 'mastercard',
  amex: 'amex',
  american_express: 'amex',
  discover: 'discover',
  jcb: 'jcb',
  unionpay: 'unionpay',
  diners: 'other',
  cartes_bancaires: 'other',
  eftpos_au: 'other',
  interac: 'other',
};
const FUNDING: Readonly<Record<string, CardFunding>> = {
  credit: 'credit',
  debit: 'debit',
  prepaid: 'prepaid',
  unknown: 'unknown',
};
const WALLETS: Readonly<Record<string, CardWallet>> = {
  apple_pay: 'apple_pay',
  google_pay: 'google_pay',
  samsung_pay: 'samsung_pay',
};

type Mapped = {
  status: Status;
  amount: number | undefined;
  outcomeKey?: string;
  failure?: PaymentEventInput['failure'];
};

function chargeFailure(charge: JsonObject): PaymentEventInput['failure'] {
  const outcome = obj(charge, 'outcome');
  const code = str(outcome, 'reason') ?? str(charge, 'failure_code') ?? str(outcome, 'type');
  const msg = clip(str(charge, 'failure_message') ?? str(outcome, 'seller_message'));
  return {
    category: stripeFailureCategory(code),
    ...(code ? { code: clip(code) } : {}),
    ...(msg ? { message: msg } : {}),
  };
}

function intentFailure(pi: JsonObject): PaymentEventInput['failure'] {
  const err = obj(pi, 'last_payment_error');
  const code = str(err, 'decline_code') ?? str(err, 'code') ?? str(err, 'type');
  const msg = clip(str(err, 'message'));
  return {
    category: stripeFailureCategory(code),
    ...(code ? { code: clip(code) } : {}),
    ...(msg ? { message: msg } : {}),
  };
}

function disputeStatus(type: string, d: JsonObject): Status | undefined {
  if (type === 'charge.dispute.funds_reinstated') return 'chargeback_won';
  if (type === 'charge.dispute.closed') {
    const s = str(d, 'status');
    if (s === 'lost') return 'chargeback_lost';
    if (s === 'won' || s === 'prevented' || s === 'warning_closed') return 'chargeback_won';
    return undefined;
  }
  return 'chargeback_opened';
}

/** Status, amount and outcome key for one event type; undefined for events paywatch does not record. */
function mapEvent(type: string, o: JsonObject): Mapped | undefined {
  const amount = minorUnits(o, 'amount');
  const chargeId = str(o, 'object') === 'charge' ? str(o, 'id') : undefined;
  switch (type) {
    case 'payment_intent.created':
      return { status: 'created', amount };
    case 'payment_intent.processing':
    case 'payment_intent.partially_funded':
      return { status: 'pending', amount };
    case 'payment_intent.requires_action':
      return { status: 'requires_action', amount };
    case 'payment_intent.amount_capturable_updated':
      return { status: 'authorized', amount: minorUnits(o, 'amount_capturable') ?? amount };
    case 'payment_intent.canceled':
      return { status: 'canceled', amount };
    case 'payment_intent.succeeded': {
      const latest = str(o, 'latest_charge');
      return {
        status: 'succeeded',
        amount: minorUnits(o, 'amount_received') ?? amount,
        ...(latest ? { outcomeKey: `${latest}:success` } : {}),
      };
    }
    case 'payment_intent.payment_failed': {
      const ch = str(obj(o, 'last_payment_error'), 'charge');
      return {
        status: 'failed',
        amount,
        failure: intentFailure(o),
        ...(ch ? { outcomeKey: `${ch}:failure` } : {}),
      };
    }
    case 'charge.pending':
      return { status: 'pending', amount };
    case 'charge.succeeded':
      return o['captured'] === false
        ? { status: 'authorized', amount }
        : {
            status: 'captured',
            amount: minorUnits(o, 'amount_captured') || amount,
            ...(chargeId ? { outcomeKey: `${chargeId}:success` } : {}),
          };
    case 'charge.captured':
      return {
        status: 'captured',
        amount: minorUnits(o, 'amount_captured') || amount,
        ...(chargeId ? { outcomeKey: `${chargeId}:success` } : {}),
      };
    case 'charge.failed':
      return {
        status: 'failed',
        amount,
        failure: chargeFailure(o),
        ...(chargeId ? { outcomeKey: `${chargeId}:failure` } : {}),
      };
    case 'charge.expired':
      return { status: 'expired', amount };
    case 'charge.refunded': {
      const refunded = minorUnits(o, 'amount_refunded') ?? 0;
      return {
        status: amount !== undefined && refunded < amount ? 'partially_refunded' : 'refunded',
        amount: refunded,
      };
    }
    case 'refund.created':
    case 'refund.updated':
    case 'charge.refund.updated':
      // Only a completed refund changes the payment; pending/failed refunds have no status in the
      // event contract (a failed refund leaves the payment captured).
      return str(o, 'status') === 'succeeded' ? { status: 'refunded', amount } : undefined;
    case 'charge.dispute.created':
    case 'charge.dispute.updated':
    case 'charge.dispute.funds_withdrawn':
    case 'charge.dispute.funds_reinstated':
    case 'charge.dispute.closed': {
      const s = disputeStatus(type, o);
      return s ? { status: s, amount } : undefined;
    }
    default:
      return undefined;
  }
}

function paymentIdOf(o: JsonObject): string | undefined {
  const kind = str(o, 'object');
  if (kind === 'payment_intent') return str(o, 'id');
  // Charges, refunds and disputes point at their PaymentIntent (or at least the charge) so all
  // events of one payment share a payment_id.
  return str(o, 'payment_intent') ?? (kind === 'charge' ? str(o, 'id') : str(o, 'charge')) ?? str(o, 'id');
}

function cardOf(o: JsonObject): { card?: PaymentEventInput['card']; method: PaymentEventInput['method'] } {
  const pmd = obj(o, 'payment_method_details');
  const card = obj(pmd, 'card');
  if (!card) {
    const t = str(pmd, 'type');
    if (t === undefined) return { method: 'card' };
    return {
      method:
        t === 'card'
          ? 'card'
          : t.includes('alipay')
            ? 'alipay'
            : t.includes('wechat')
              ? 'wechat_pay'
              : /sepa|ach|bank|bacs|becs/.test(t)
                ? 'bank_transfer'
                : 'other',
    };
  }
  const walletType = str(obj(card, 'wallet'), 'type');
  const wallet = walletType === undefined ? undefined : (WALLETS[walletType] ?? 'other');
  const brand = BRANDS[str(card, 'brand') ?? ''];
  const funding = FUNDING[str(card, 'funding') ?? ''];
  const last4 = str(card, 'last4');
  const country = str(card, 'country');
  const out: NonNullable<PaymentEventInput['card']> = {
    ...(brand ? { brand } : {}),
    ...(last4 && /^\d{4}$/.test(last4) ? { last4 } : {}),
    ...(country && /^[A-Z]{2}$/.test(country) ? { issuer_country: country } : {}),
    ...(funding ? { funding } : {}),
    ...(wallet ? { wallet } : {}),
  };
  const method = wallet === 'apple_pay' ? 'apple_pay' : wallet === 'google_pay' ? 'google_pay' : 'card';
  return { card: out, method };
}

function normalize(event: StripeEvent, ctx: NormalizeContext = {}): NormalizedWebhook {
  const o = obj(obj(event, 'data'), 'object');
  const mapped = o ? mapEvent(event.type, o) : undefined;
  const currency = currencyOf(str(o, 'currency'));
  const paymentId = o ? paymentIdOf(o) : undefined;
  if (!o || !mapped) return { providerEventId: event.id, events: [] };
  // A payment event whose amount or currency cannot be read is refused, not acknowledged and lost.
  if (mapped.amount === undefined)
    return invalidPayment(event.id, 'data.object.amount', 'not a non-negative integer number of minor units');
  if (!currency)
    return invalidPayment(event.id, 'data.object.currency', 'missing or not an ISO 4217 currency');
  if (!paymentId) return invalidPayment(event.id, 'data.object.id', 'missing');
  const { card, method } = cardOf(o);
  const created = num(event, 'created');
  const input: PaymentEventInput = {
    // Outcome events are keyed by charge so payment_intent.succeeded and charge.succeeded (both
    // delivered for one payment) dedupe to one success instead of counting twice.
    event_id: mapped.outcomeKey
      ? webhookEventId('stripe', mapped.outcomeKey)
      : webhookEventId('stripe', event.id),
    ts: eventTime(created !== undefined ? created * 1000 : undefined, ctx.receivedAt),
    payment_id: clipId(paymentId),
    merchant_id: clipId(str(event, 'account') ?? ctx.account ?? 'default'),
    provider: 'stripe',
    method,
    status: mapped.status,
    amount_minor: mapped.amount,
    currency,
    ...(mapped.failure ? { failure: mapped.failure } : {}),
    ...(card && Object.keys(card).length > 0 ? { card } : {}),
    ...(card?.issuer_country ? { country: card.issuer_country } : {}),
    metadata: {
      webhook_event_type: event.type,
      provider_event_id: event.id,
      livemode: event['livemode'] === true,
    },
  };
  return { providerEventId: event.id, events: [input] };
}

/** Stripe `Stripe-Signature` webhooks (HMAC-SHA256, every `v1`, 300 s tolerance). */
export const stripeWebhook: WebhookProvider<StripeEvent> = {
  name: 'stripe',
  isConfigured: (s) => s.stripe !== undefined && s.stripe.secrets.length > 0,
  verify,
  normalize,
  ack: { status: 200, contentType: 'application/json', body: '{"received":true}' },
};
