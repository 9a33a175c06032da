import { currencyExponent, type PaymentEventInput, type Status } from '@paywatch/contracts';
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
  clipId,
  currencyOf,
  decimalToMinor,
  header,
  hmacSha256,
  isoToMs,
  obj,
  parseJsonObject,
  safeEqual,
  str,
  webhookEventId,
  type JsonObject,
  eventTime,
} from '../webhook-util.js';

/** A verified Coinbase Commerce delivery: `{id, scheduled_for, attempt_number, event:{id,type,data}}`. */
export interface CoinbaseDelivery extends JsonObject {
  event: JsonObject;
}

/** Lower-case hex HMAC-SHA256 of the raw body with the shared secret (`X-CC-Webhook-Signature`). */
export function coinbaseSignature(secret: string, rawBody: Buffer): string {
  return hmacSha256(secret, rawBody).toString('hex');
}

function verify(
  rawBody: Buffer,
  headers: Readonly<Record<string, string | undefined>>,
  secrets: WebhookSecrets,
  _now: number,
): VerifyOutcome<CoinbaseDelivery> {
  const conf = secrets.coinbase;
  if (!conf) return reject('unsupported', 'coinbase webhooks are not configured');
  const sig = header(headers, 'x-cc-webhook-signature');
  if (sig === undefined) return reject('missing_header', 'X-CC-Webhook-Signature header is missing');
  const expected = hmacSha256(conf.secret, rawBody);
  if (!/^[0-9a-f]+$/i.test(sig) || !safeEqual(expected, Buffer.from(sig, 'hex')))
    return reject('bad_signature', 'X-CC-Webhook-Signature does not match');
  const body = parseJsonObject(rawBody);
  const event = obj(body, 'event');
  if (!body || !event || typeof event['id'] !== 'string' || typeof event['type'] !== 'string')
    return reject('unparseable', 'body is not a Coinbase Commerce webhook delivery');
  return { ok: true, payload: body as CoinbaseDelivery };
}

/** The last timeline entry decides a failed charge's fate (EXPIRED vs UNRESOLVED/underpaid…). */
function lastTimeline(charge: JsonObject | undefined): { status?: string; context?: string } {
  const tl = charge?.['timeline'];
  if (!Array.isArray(tl) || tl.length === 0) return {};
  const last = obj({ l: tl[tl.length - 1] }, 'l');
  return {
    ...(str(last, 'status') ? { status: str(last, 'status') } : {}),
    ...(str(last, 'context') ? { context: str(last, 'context') } : {}),
  };
}

function mapType(type: string, charge: JsonObject | undefined): { status: Status; key: string } | undefined {
  switch (type) {
    case 'charge:created':
      return { status: 'created', key: 'created' };
    case 'charge:pending':
      return { status: 'pending', key: 'pending' };
    case 'charge:delayed':
      return { status: 'pending', key: 'delayed' };
    // A manually resolved charge shares the success key with confirmed: one success per charge.
    case 'charge:confirmed':
    case 'charge:resolved':
      return { status: 'succeeded', key: 'success' };
    case 'charge:failed': {
      const last = lastTimeline(charge).status;
      if (last === 'EXPIRED') return { status: 'expired', key: 'expired' };
      if (last === 'CANCELED') return { status: 'canceled', key: 'canceled' };
      return { status: 'failed', key: 'failure' };
    }
    default:
      return undefined;
  }
}

/**
 * Fiat amount: what was paid (`pricing.local`), else the requested `local_price`; undefined for
 * no_price charges (neither is present, or not in an ISO 4217 currency); the field and what is
 * wrong when the amount of an ISO currency cannot be read (it was recorded as 0 USD, like a donation).
 */
function fiatAmount(
  charge: JsonObject | undefined,
): { minor: number; currency: string } | InvalidPayment | undefined {
  const candidates: [string, JsonObject | undefined][] = [
    ['event.data.pricing.local', obj(obj(charge, 'pricing'), 'local')],
    ['event.data.local_price', obj(charge, 'local_price')],
  ];
  for (const [path, a] of candidates) {
    if (a === undefined) continue;
    const currency = currencyOf(str(a, 'currency'));
    // Not an ISO 4217 code (a charge priced in a crypto ticker): recorded as an unknown amount,
    // like a no-price charge — a refusal would be retried for ever.
    if (!currency) continue;
    const amount = a['amount'];
    const minor = decimalToMinor(typeof amount === 'number' ? amount : str(a, 'amount'), currency);
    if (minor === undefined)
      return {
        field: `${path}.amount`,
        reason: `not a non-negative decimal with at most ${currencyExponent(currency)} decimals for ${currency}`,
      };
    return { minor, currency };
  }
  return undefined;
}

function normalize(d: CoinbaseDelivery, ctx: NormalizeContext = {}): NormalizedWebhook {
  const e = d.event;
  const providerEventId = str(e, 'id') ?? String(d['id']);
  const type = str(e, 'type') ?? '';
  const charge = obj(e, 'data');
  const mapped = mapType(type, charge);
  const chargeId = str(charge, 'code') ?? str(charge, 'id');
  if (!mapped || !chargeId) return { providerEventId, events: [] };
  const amount = fiatAmount(charge);
  if (amount && 'field' in amount) return invalidPayment(providerEventId, amount.field, amount.reason);
  const last = lastTimeline(charge);
  const input: PaymentEventInput = {
    event_id: webhookEventId('coinbase', chargeId, mapped.key),
    ts: eventTime(isoToMs(str(e, 'created_at')) ?? isoToMs(str(charge, 'created_at')), ctx.receivedAt),
    payment_id: clipId(chargeId),
    merchant_id: clipId(ctx.account ?? 'default'),
    provider: 'coinbase',
    method: 'crypto',
    status: mapped.status,
    // no_price charges (donations) have no fiat amount: recorded as 0 USD, flagged in metadata.
    amount_minor: amount?.minor ?? 0,
    currency: amount?.currency ?? 'USD',
    ...(mapped.status === 'failed'
      ? {
          failure: {
            category: 'other' as const,
            code: [last.status, last.context].filter(Boolean).join(':') || 'FAILED',
          },
        }
      : {}),
    metadata: {
      webhook_event_type: type,
      provider_event_id: providerEventId,
      ...(last.status ? { timeline_status: last.status } : {}),
      ...(amount ? {} : { amount_unknown: true }),
    },
  };
  return { providerEventId, events: [input] };
}

/** Coinbase Commerce webhooks (`X-CC-Webhook-Signature`, HMAC-SHA256 hex; no timestamp). */
export const coinbaseWebhook: WebhookProvider<CoinbaseDelivery> = {
  name: 'coinbase',
  isConfigured: (s) => s.coinbase !== undefined,
  verify,
  normalize,
  ack: { status: 200, contentType: 'application/json', body: '{"received":true}' },
};
