import { verify as rsaVerify } from 'node:crypto';
import { TextDecoder } from 'node:util';
import type { PaymentEventInput, Status } from '@paywatch/contracts';
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
  decimalToMinor,
  header,
  sha256Hex,
  wallClockToMs,
  webhookEventId,
  eventTime,
} from '../webhook-util.js';

/** Decoded Alipay notify fields (form body), in arrival order. */
export type AlipayParams = Record<string, string>;

/** Alipay sends wall-clock times in Asia/Shanghai. */
const ALIPAY_OFFSET = '+08:00';

function percentDecodeBytes(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '+') bytes.push(0x20);
    else if (c === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c ?? '', 'utf8'));
  }
  return Buffer.from(bytes);
}

/** A decoded form: text values, and each value's raw bytes in the form's charset. */
export interface AlipayForm {
  params: AlipayParams;
  bytes: Record<string, Buffer>;
}

/**
 * Decodes an `application/x-www-form-urlencoded` body in the given charset (Alipay merchants may
 * use GBK; URLSearchParams would always assume UTF-8). Undefined for an unknown charset or bytes
 * invalid in it.
 */
export function parseAlipayForm(raw: Buffer, charset: string): AlipayForm | undefined {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    return undefined;
  }
  const params: AlipayParams = {};
  const bytes: Record<string, Buffer> = {};
  const text = raw.toString('latin1'); // the encoded form is ASCII
  for (const pair of text.split('&')) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const kb = percentDecodeBytes(eq < 0 ? pair : pair.slice(0, eq));
    const vb = percentDecodeBytes(eq < 0 ? '' : pair.slice(eq + 1));
    try {
      const k = decoder.decode(kb);
      params[k] = decoder.decode(vb);
      bytes[k] = vb;
    } catch {
      return undefined;
    }
  }
  return { params, bytes };
}

/**
 * The string Alipay signs: keys sorted, `sign` (and, in one variant, `sign_type`) removed, empty
 * values dropped, `k=v` joined with `&`, using decoded values.
 */
export function alipaySignContent(params: AlipayParams, keepSignType: boolean): string {
  return signedKeys(params, keepSignType)
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

function signedKeys(params: AlipayParams, keepSignType: boolean): string[] {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && (keepSignType || k !== 'sign_type') && params[k] !== '')
    .sort();
}

/**
 * The same content as bytes in the notification's charset (what Alipay's Java SDK verifies:
 * `content.getBytes(charset)`), built from the received value bytes so GBK needs no encoder.
 */
export function alipaySignBytes(form: AlipayForm, keepSignType: boolean): Buffer {
  const parts: Buffer[] = [];
  for (const [i, k] of signedKeys(form.params, keepSignType).entries()) {
    if (i > 0) parts.push(Buffer.from('&'));
    parts.push(Buffer.from(`${k}=`, 'utf8'), form.bytes[k] ?? Buffer.alloc(0));
  }
  return Buffer.concat(parts);
}

function charsetOf(raw: Buffer, contentType: string | undefined): string {
  const fromHeader = /charset=([\w-]+)/i.exec(contentType ?? '')?.[1];
  if (fromHeader) return fromHeader;
  const fromBody = /(?:^|&)charset=([\w-]+)/i.exec(raw.toString('latin1'))?.[1];
  return fromBody ?? 'utf-8';
}

function verify(
  rawBody: Buffer,
  headers: Readonly<Record<string, string | undefined>>,
  secrets: WebhookSecrets,
  _now: number,
): VerifyOutcome<AlipayParams> {
  const conf = secrets.alipay;
  if (!conf) return reject('unsupported', 'alipay webhooks are not configured');
  const form = parseAlipayForm(rawBody, charsetOf(rawBody, header(headers, 'content-type')));
  if (!form || Object.keys(form.params).length === 0)
    return reject('unparseable', 'body is not a form-encoded Alipay notification');
  const params = form.params;
  const sign = params['sign'];
  if (sign === undefined || sign === '') return reject('missing_header', 'the sign field is missing');
  const signType = params['sign_type'] ?? 'RSA2';
  const alg = signType === 'RSA2' ? 'sha256' : signType === 'RSA' ? 'sha1' : undefined;
  if (!alg) return reject('unsupported', `sign_type ${signType} is not supported (RSA2 or RSA)`);
  const sig = Buffer.from(sign, 'base64');
  // As the official SDK does: try the content with sign_type first, then without it — both
  // variants occur in real notifications.
  for (const keep of [true, false]) {
    if (rsaVerify(alg, alipaySignBytes(form, keep), conf.publicKey, sig))
      return { ok: true, payload: params };
  }
  return reject('bad_signature', 'sign does not verify with the Alipay public key');
}

function normalize(p: AlipayParams, ctx: NormalizeContext = {}): NormalizedWebhook {
  // Empty fields count as absent (Alipay drops them from the signature too).
  p = Object.fromEntries(Object.entries(p).filter(([, v]) => v.trim() !== ''));
  const providerEventId = p['notify_id'] ?? `sha256:${sha256Hex(JSON.stringify(p)).slice(0, 40)}`;
  const tradeNo = p['trade_no'];
  const tradeStatus = p['trade_status'];
  if (tradeNo === undefined || tradeStatus === undefined) return { providerEventId, events: [] }; // e.g. servicemarket notifies
  // Domestic Alipay amounts are CNY yuan as decimal strings.
  const currency = 'CNY';
  const total = decimalToMinor(p['total_amount'], currency);
  const refund = decimalToMinor(p['refund_fee'], currency) ?? 0;
  const refundKey = p['out_biz_no'] ?? providerEventId;
  let status: Status;
  let key: string;
  let amount = total;
  let time = p['gmt_payment'];
  switch (tradeStatus) {
    case 'WAIT_BUYER_PAY':
      status = 'pending';
      key = 'pending';
      time = p['gmt_create'];
      break;
    case 'TRADE_SUCCESS':
      if (refund > 0 && p['gmt_refund']) {
        status = 'partially_refunded';
        key = `refund:${refundKey}`;
        amount = refund;
        time = p['gmt_refund'];
      } else {
        status = 'succeeded';
        key = 'success';
      }
      break;
    // TRADE_FINISHED may follow TRADE_SUCCESS months later: same key, so it is not counted twice.
    case 'TRADE_FINISHED':
      status = 'succeeded';
      key = 'success';
      break;
    case 'TRADE_CLOSED':
      if (refund > 0 && refund === total) {
        status = 'refunded';
        key = `refund:${refundKey}`;
        amount = refund;
        time = p['gmt_refund'] ?? p['gmt_close'];
      } else {
        status = 'canceled';
        key = 'closed';
        time = p['gmt_close'];
      }
      break;
    default:
      return { providerEventId, events: [] };
  }
  if (amount === undefined)
    return invalidPayment(
      providerEventId,
      'total_amount',
      'missing or not a non-negative CNY decimal with at most 2 decimals',
    );
  let fundChannels: string[] = [];
  try {
    const bills: unknown = JSON.parse(p['fund_bill_list'] ?? '[]');
    if (Array.isArray(bills))
      fundChannels = bills
        .map((b: unknown) =>
          typeof b === 'object' && b !== null
            ? String((b as Record<string, unknown>)['fundChannel'] ?? '')
            : '',
        )
        .filter((s) => s.length > 0);
  } catch {
    /* not JSON: keep none */
  }
  const event: PaymentEventInput = {
    event_id: webhookEventId('alipay', tradeNo, key),
    ts: eventTime(
      wallClockToMs(time, ALIPAY_OFFSET) ?? wallClockToMs(p['notify_time'], ALIPAY_OFFSET),
      ctx.receivedAt,
    ),
    payment_id: clipId(tradeNo),
    merchant_id: clipId(p['seller_id'] ?? p['app_id'] ?? ctx.account ?? 'default'),
    provider: 'alipay',
    method: 'alipay',
    status,
    amount_minor: amount,
    currency,
    metadata: {
      webhook_event_type: tradeStatus,
      provider_event_id: providerEventId,
      ...(p['out_trade_no'] ? { out_trade_no: p['out_trade_no'] } : {}),
      ...(fundChannels.length > 0 ? { fund_channels: fundChannels } : {}),
    },
  };
  return { providerEventId, events: [event] };
}

/** Alipay OpenAPI async notify (`notify_url`), RSA2/RSA over the sorted decoded fields. */
export const alipayWebhook: WebhookProvider<AlipayParams> = {
  name: 'alipay',
  isConfigured: (s) => s.alipay !== undefined,
  verify,
  normalize,
  // Alipay retries until the body is exactly `success`.
  ack: { status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' },
};
