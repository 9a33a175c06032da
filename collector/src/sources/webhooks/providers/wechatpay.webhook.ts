import { createDecipheriv, verify as rsaVerify, type KeyObject } from 'node:crypto';
import type { Channel, PaymentEventInput, Status } from '@paywatch/contracts';
import {
  invalidPayment,
  reject,
  type NormalizeContext,
  type NormalizedWebhook,
  type VerifyOutcome,
  type WebhookProvider,
} from '../webhook-provider.js';
import type { VerificationKey, WebhookSecrets } from '../webhook-secrets.js';
import {
  clip,
  clipId,
  currencyOf,
  header,
  isoToMs,
  obj,
  parseJsonObject,
  str,
  minorUnits,
  webhookEventId,
  type JsonObject,
  eventTime,
} from '../webhook-util.js';

/** wechatpay-go rejects `|now − Wechatpay-Timestamp| ≥ 300 s`. */
export const WECHATPAY_TOLERANCE_S = 300;
/** Signatures WeChat sends on purpose to test that merchants verify (must never be acknowledged). */
export const WECHATPAY_PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';

/** A verified notification: the envelope and its decrypted `resource`. */
export interface WechatPayNotification {
  envelope: JsonObject;
  resource: JsonObject;
}

/** The bytes WeChat signs: `timestamp\nnonce\nbody\n` (the final newline is mandatory). */
export function wechatSignedBytes(timestamp: string, nonce: string, rawBody: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), rawBody, Buffer.from('\n', 'utf8')]);
}

/**
 * AEAD_AES_256_GCM decryption of a notification `resource` (the last 16 bytes of the ciphertext are
 * the tag). A 16-byte key selects AES-128-GCM, as Go's SDK does for its test key; production APIv3
 * keys are 32 bytes. Throws when authentication fails.
 */
export function decryptWechatResource(
  apiV3Key: Buffer,
  resource: { ciphertext: string; nonce: string; associated_data?: string },
): string {
  const algo = apiV3Key.length === 32 ? 'aes-256-gcm' : apiV3Key.length === 16 ? 'aes-128-gcm' : undefined;
  if (!algo) throw new RangeError(`APIv3 key must be 32 bytes, got ${apiV3Key.length}`);
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length < 16) throw new RangeError('ciphertext shorter than the GCM tag');
  const decipher = createDecipheriv(algo, apiV3Key, Buffer.from(resource.nonce, 'utf8'));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}

function keyForSerial(keys: readonly VerificationKey[], serial: string): KeyObject | undefined {
  if (serial.startsWith('PUB_KEY_ID_')) return keys.find((k) => k.serial === null)?.key;
  const want = serial.toUpperCase().replace(/^0+/, '');
  return keys.find((k) => k.serial !== null && k.serial.replace(/^0+/, '') === want)?.key;
}

function verify(
  rawBody: Buffer,
  headers: Readonly<Record<string, string | undefined>>,
  secrets: WebhookSecrets,
  now: number,
): VerifyOutcome<WechatPayNotification> {
  const conf = secrets.wechatpay;
  if (!conf) return reject('unsupported', 'wechatpay webhooks are not configured');
  const timestamp = header(headers, 'wechatpay-timestamp');
  const nonce = header(headers, 'wechatpay-nonce');
  const signature = header(headers, 'wechatpay-signature');
  const serial = header(headers, 'wechatpay-serial');
  if (!timestamp || !nonce || !signature || !serial) {
    return reject('missing_header', 'Wechatpay-Timestamp, -Nonce, -Signature and -Serial are all required');
  }
  if (signature.startsWith(WECHATPAY_PROBE_PREFIX))
    return reject('probe', 'signature probe (WECHATPAY/SIGNTEST/) refused as required');
  const sigType = header(headers, 'wechatpay-signature-type');
  if (sigType !== undefined && sigType !== 'WECHATPAY2-SHA256-RSA2048')
    return reject('unsupported', `signature type ${sigType} is not supported`);
  const key = keyForSerial(conf.platformKeys, serial);
  if (!key)
    return reject('bad_signature', `no configured platform certificate has serial ${serial.slice(0, 64)}`);
  if (
    !rsaVerify('sha256', wechatSignedBytes(timestamp, nonce, rawBody), key, Buffer.from(signature, 'base64'))
  ) {
    return reject('bad_signature', 'Wechatpay-Signature does not verify with the platform certificate');
  }
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) >= WECHATPAY_TOLERANCE_S) {
    return reject('stale_timestamp', `Wechatpay-Timestamp is more than ${WECHATPAY_TOLERANCE_S} s from now`);
  }
  const envelope = parseJsonObject(rawBody);
  const res = obj(envelope, 'resource');
  const ciphertext = str(res, 'ciphertext');
  const rnonce = str(res, 'nonce');
  if (!envelope || !res || !ciphertext || !rnonce)
    return reject('unparseable', 'body is not a WeChat Pay notification with an encrypted resource');
  let plaintext: string;
  try {
    plaintext = decryptWechatResource(conf.apiV3Key, {
      ciphertext,
      nonce: rnonce,
      associated_data: str(res, 'associated_data') ?? '',
    });
  } catch {
    return reject('decrypt_failed', 'resource does not decrypt with the APIv3 key');
  }
  const resource = parseJsonObject(plaintext);
  if (!resource) return reject('unparseable', 'decrypted resource is not a JSON object');
  return { ok: true, payload: { envelope, resource } };
}

const TRADE_STATE: Readonly<Record<string, Status>> = {
  SUCCESS: 'succeeded',
  REFUND: 'refunded',
  NOTPAY: 'pending',
  USERPAYING: 'pending',
  CLOSED: 'canceled',
  REVOKED: 'canceled',
  PAYERROR: 'failed',
};
const CHANNEL: Readonly<Record<string, Channel>> = {
  MWEB: 'web',
  NATIVE: 'web',
  MICROPAY: 'pos',
  FACEPAY: 'pos',
};

function normalize(n: WechatPayNotification, ctx: NormalizeContext = {}): NormalizedWebhook {
  const { envelope, resource: r } = n;
  const providerEventId =
    str(envelope, 'id') ?? `${str(envelope, 'event_type') ?? 'unknown'}:${str(r, 'transaction_id') ?? ''}`;
  const eventType = str(envelope, 'event_type') ?? '';
  const amount = obj(r, 'amount');
  const currency = currencyOf(str(amount, 'currency') ?? 'CNY');
  const paymentId = str(r, 'transaction_id') ?? str(r, 'out_trade_no');
  const merchant = str(r, 'sub_mchid') ?? str(r, 'mchid') ?? str(r, 'sp_mchid') ?? ctx.account ?? 'default';
  if (!paymentId) return { providerEventId, events: [] };
  const badCurrency = (): NormalizedWebhook =>
    invalidPayment(providerEventId, 'resource.amount.currency', 'not an ISO 4217 currency');
  const base = {
    payment_id: clipId(paymentId),
    merchant_id: clipId(merchant),
    provider: 'wechatpay' as const,
    method: 'wechat_pay' as const,
  };
  const meta = {
    webhook_event_type: eventType,
    provider_event_id: providerEventId,
    ...(str(r, 'out_trade_no') ? { out_trade_no: str(r, 'out_trade_no') } : {}),
  };

  if (eventType.startsWith('REFUND.') || str(r, 'refund_status') !== undefined) {
    // Only a successful refund changes the payment; ABNORMAL/CLOSED refunds have no status in the
    // event contract (the payment stays paid).
    if (str(r, 'refund_status') !== 'SUCCESS') return { providerEventId, events: [] };
    if (!currency) return badCurrency();
    const refund = minorUnits(amount, 'refund');
    const total = minorUnits(amount, 'total');
    if (refund === undefined)
      return invalidPayment(
        providerEventId,
        'resource.amount.refund',
        'not a non-negative integer number of fen',
      );
    const refundId = str(r, 'refund_id') ?? str(r, 'out_refund_no') ?? providerEventId;
    return {
      providerEventId,
      events: [
        {
          ...base,
          currency,
          event_id: webhookEventId('wechatpay', 'refund', refundId),
          ts: eventTime(
            isoToMs(str(r, 'success_time')) ?? isoToMs(str(envelope, 'create_time')),
            ctx.receivedAt,
          ),
          status: total !== undefined && refund < total ? 'partially_refunded' : 'refunded',
          amount_minor: refund,
          metadata: meta,
        },
      ],
    };
  }
  const tradeState = str(r, 'trade_state');
  const status = tradeState ? TRADE_STATE[tradeState] : undefined;
  const total = minorUnits(amount, 'total');
  if (!status) return { providerEventId, events: [] }; // PAYSCORE, contract and other non-payment events
  if (!currency) return badCurrency();
  if (total === undefined)
    return invalidPayment(
      providerEventId,
      'resource.amount.total',
      'not a non-negative integer number of minor units',
    );
  const channel = CHANNEL[str(r, 'trade_type') ?? ''];
  const outcome = status === 'succeeded' ? 'success' : status === 'failed' ? 'failure' : (tradeState ?? '');
  const event: PaymentEventInput = {
    ...base,
    currency,
    event_id: webhookEventId('wechatpay', paymentId, outcome),
    ts: eventTime(isoToMs(str(r, 'success_time')) ?? isoToMs(str(envelope, 'create_time')), ctx.receivedAt),
    status,
    amount_minor: total,
    ...(channel ? { channel } : {}),
    ...(status === 'failed'
      ? {
          failure: {
            category: 'other' as const,
            code: tradeState,
            ...(clip(str(r, 'trade_state_desc')) ? { message: clip(str(r, 'trade_state_desc')) } : {}),
          },
        }
      : {}),
    metadata: {
      ...meta,
      ...(str(r, 'bank_type') ? { bank_type: str(r, 'bank_type') } : {}),
      ...(str(r, 'trade_type') ? { trade_type: str(r, 'trade_type') } : {}),
    },
  };
  return { providerEventId, events: [event] };
}

/** WeChat Pay API v3 notifications: RSA-SHA256 platform signature, then AES-GCM resource decryption. */
export const wechatpayWebhook: WebhookProvider<WechatPayNotification> = {
  name: 'wechatpay',
  isConfigured: (s) => s.wechatpay !== undefined,
  verify,
  normalize,
  ack: { status: 200, contentType: 'application/json', body: '{"code":"SUCCESS","message":"成功"}' },
  errorBody: (code, message) => ({ code: 'FAIL', message, error: { code, message } }),
};
