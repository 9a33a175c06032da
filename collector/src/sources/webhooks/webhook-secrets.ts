import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ConfigError } from '../../lib/errors.js';

/** A public key used to verify a provider's RSA signatures, with the serial that selects it. */
export interface VerificationKey {
  /** Upper-case hex serial of the certificate; null for a bare public key. */
  serial: string | null;
  key: KeyObject;
}

/**
 * Per-provider webhook secrets, parsed and validated once at start-up (config.ts calls
 * `parseWebhookSecrets(process.env, readFile)`). A provider whose entry is absent is "not
 * configured": its webhook URL answers 404 and nothing it sends is trusted.
 */
export interface WebhookSecrets {
  /** Stripe endpoint secrets (`whsec_…`); several while a secret is being rolled. */
  stripe?: { secrets: string[] };
  /** Adyen HMAC key, hex-decoded (the Customer Area shows it as hex). */
  adyen?: { hmacKey: Buffer };
  /** The Alipay public key (not the app key) verifying RSA2/RSA notify signatures. */
  alipay?: { publicKey: KeyObject };
  /** WeChat Pay v3: the APIv3 key (32 bytes, AES-256-GCM) and platform certificates / public keys. */
  wechatpay?: { apiV3Key: Buffer; platformKeys: VerificationKey[] };
  /** PayPal: this listener's webhook id and the certificate(s) PayPal signs with. */
  paypal?: { webhookId: string; keys: VerificationKey[] };
  /** Coinbase Commerce shared webhook secret. */
  coinbase?: { secret: string };
  /** BitPay IPNs are unsigned: accepted (as untrusted) only when explicitly enabled. */
  bitpay?: { enabled: true };
}

/** Reads a file as UTF-8 (injected so parsing stays pure and testable). */
export type ReadTextFile = (path: string) => string;

export const WEBHOOK_ENV = {
  stripe: 'PAYWATCH_STRIPE_WEBHOOK_SECRET',
  adyen: 'PAYWATCH_ADYEN_HMAC_KEY',
  alipay: 'PAYWATCH_ALIPAY_PUBLIC_KEY',
  wechatpayKey: 'PAYWATCH_WECHATPAY_APIV3_KEY',
  wechatpayCert: 'PAYWATCH_WECHATPAY_PLATFORM_CERT',
  paypalWebhookId: 'PAYWATCH_PAYPAL_WEBHOOK_ID',
  paypalCert: 'PAYWATCH_PAYPAL_CERT',
  coinbase: 'PAYWATCH_COINBASE_WEBHOOK_SECRET',
  bitpay: 'PAYWATCH_BITPAY_WEBHOOK_ENABLED',
} as const;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/**
 * Resolves a PEM-valued variable: inline PEM (real newlines or `\n` escapes), or a comma-separated
 * list of file paths holding PEM. Returns the PEM text.
 */
function pemText(variable: string, value: string, readFile: ReadTextFile): string {
  const v = value.trim().replace(/\\n/g, '\n');
  if (v.startsWith('-----BEGIN')) return v;
  const parts: string[] = [];
  for (const path of v
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)) {
    try {
      parts.push(readFile(path));
    } catch (err) {
      throw new ConfigError(
        variable,
        `expected inline PEM or a readable file path; cannot read "${path}" (${(err as Error).message})`,
      );
    }
  }
  return parts.join('\n');
}

function pemBlocks(variable: string, text: string): { type: string; pem: string }[] {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => ({ type: m[1] ?? '', pem: m[0] }));
  if (blocks.length === 0) throw new ConfigError(variable, 'no PEM block (-----BEGIN …-----) found');
  return blocks;
}

function verificationKeys(variable: string, value: string, readFile: ReadTextFile): VerificationKey[] {
  return pemBlocks(variable, pemText(variable, value, readFile)).map(({ type, pem }) => {
    try {
      if (type === 'CERTIFICATE') {
        const cert = new X509Certificate(pem);
        return { serial: cert.serialNumber.toUpperCase(), key: cert.publicKey };
      }
      if (type === 'PUBLIC KEY' || type === 'RSA PUBLIC KEY')
        return { serial: null, key: createPublicKey(pem) };
    } catch (err) {
      throw new ConfigError(variable, `invalid ${type} PEM (${(err as Error).message})`);
    }
    throw new ConfigError(variable, `unexpected PEM block ${type}: give a CERTIFICATE or PUBLIC KEY`);
  });
}

function alipayKey(variable: string, value: string, readFile: ReadTextFile): KeyObject {
  const v = value.trim();
  // Alipay's console shows the key as bare base64 (SPKI DER) without PEM armour: accept that too.
  if (/^[A-Za-z0-9+/=\s]{100,}$/.test(v) && !v.includes('-----')) {
    try {
      return createPublicKey({
        key: Buffer.from(v.replace(/\s+/g, ''), 'base64'),
        format: 'der',
        type: 'spki',
      });
    } catch (err) {
      throw new ConfigError(variable, `invalid base64 public key (${(err as Error).message})`);
    }
  }
  const keys = verificationKeys(variable, v, readFile);
  const first = keys[0];
  if (first === undefined || keys.length !== 1)
    throw new ConfigError(variable, 'expected exactly one public key or certificate');
  return first.key;
}

/**
 * Parses webhook secrets from environment-style variables. Pure apart from `readFile` (for PEM
 * values given as paths). Throws `ConfigError` naming the variable on any invalid value, and when
 * only half of a pair is set (WeChat key without certificate, PayPal id without certificate).
 */
export function parseWebhookSecrets(
  env: Readonly<Record<string, string | undefined>>,
  readFile: ReadTextFile,
): WebhookSecrets {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v.length === 0 ? undefined : v;
  };
  const out: WebhookSecrets = {};

  const stripe = get(WEBHOOK_ENV.stripe);
  if (stripe !== undefined) {
    const secrets = stripe
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (secrets.length === 0)
      throw new ConfigError(WEBHOOK_ENV.stripe, 'expected one or more comma-separated secrets');
    out.stripe = { secrets };
  }

  const adyen = get(WEBHOOK_ENV.adyen);
  if (adyen !== undefined) {
    if (!/^([0-9a-fA-F]{2})+$/.test(adyen))
      throw new ConfigError(
        WEBHOOK_ENV.adyen,
        'expected the HMAC key as hex (as shown in the Adyen Customer Area)',
      );
    out.adyen = { hmacKey: Buffer.from(adyen, 'hex') };
  }

  const alipay = get(WEBHOOK_ENV.alipay);
  if (alipay !== undefined) out.alipay = { publicKey: alipayKey(WEBHOOK_ENV.alipay, alipay, readFile) };

  const wxKey = get(WEBHOOK_ENV.wechatpayKey);
  const wxCert = get(WEBHOOK_ENV.wechatpayCert);
  if (wxKey !== undefined || wxCert !== undefined) {
    if (wxKey === undefined)
      throw new ConfigError(WEBHOOK_ENV.wechatpayKey, `required when ${WEBHOOK_ENV.wechatpayCert} is set`);
    if (wxCert === undefined)
      throw new ConfigError(WEBHOOK_ENV.wechatpayCert, `required when ${WEBHOOK_ENV.wechatpayKey} is set`);
    const apiV3Key = Buffer.from(wxKey, 'utf8');
    if (apiV3Key.length !== 32)
      throw new ConfigError(
        WEBHOOK_ENV.wechatpayKey,
        `expected the 32-character APIv3 key, got ${apiV3Key.length} bytes`,
      );
    out.wechatpay = { apiV3Key, platformKeys: verificationKeys(WEBHOOK_ENV.wechatpayCert, wxCert, readFile) };
  }

  const ppId = get(WEBHOOK_ENV.paypalWebhookId);
  const ppCert = get(WEBHOOK_ENV.paypalCert);
  if (ppId !== undefined || ppCert !== undefined) {
    if (ppId === undefined)
      throw new ConfigError(WEBHOOK_ENV.paypalWebhookId, `required when ${WEBHOOK_ENV.paypalCert} is set`);
    if (ppCert === undefined)
      throw new ConfigError(WEBHOOK_ENV.paypalCert, `required when ${WEBHOOK_ENV.paypalWebhookId} is set`);
    if (!/^[A-Za-z0-9-]{1,64}$/.test(ppId))
      throw new ConfigError(
        WEBHOOK_ENV.paypalWebhookId,
        'expected the webhook id shown in the PayPal developer dashboard',
      );
    out.paypal = { webhookId: ppId, keys: verificationKeys(WEBHOOK_ENV.paypalCert, ppCert, readFile) };
  }

  const coinbase = get(WEBHOOK_ENV.coinbase);
  if (coinbase !== undefined) out.coinbase = { secret: coinbase };

  const bitpay = get(WEBHOOK_ENV.bitpay);
  if (bitpay !== undefined) {
    if (!/^(true|false|1|0|on|off)$/i.test(bitpay))
      throw new ConfigError(WEBHOOK_ENV.bitpay, 'expected true or false');
    if (/^(true|1|on)$/i.test(bitpay)) out.bitpay = { enabled: true };
  }
  return out;
}
