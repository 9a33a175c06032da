// Guards WeChat Pay v3 notifications: the wechatpay-go end-to-end vector and AEAD vectors, probes, staleness, tampering, normalization.
import {
  createCipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign as rsaSign,
  verify as rsaVerify,
  X509Certificate,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PaymentEventInputSchema } from '@paywatch/contracts';
import {
  flipByte,
  flipChar,
  listFixtures,
  loadFixture,
  lowerHeaders,
  TEST_CERT_PEM,
  TEST_CERT_SERIAL,
  TEST_KEY_PEM,
} from '../../../../test/fixtures/providers/load-fixture.js';
import { parseWebhookSecrets, type WebhookSecrets } from '../webhook-secrets.js';
import {
  decryptWechatResource,
  wechatpayWebhook,
  wechatSignedBytes,
  type WechatPayNotification,
} from './wechatpay.webhook.js';

const e2e = loadFixture('wechatpay', 'go_notify_end_to_end.json');
const body = Buffer.from(e2e.payload ?? '');
const headers = lowerHeaders(e2e.headers);
const cert = new X509Certificate(e2e.platform_certificate_pem ?? '');
const secrets: WebhookSecrets = {
  // The Go SDK test key is 16 bytes (AES-128-GCM); production keys are 32 (checked by parseWebhookSecrets).
  wechatpay: {
    apiV3Key: Buffer.from(String(e2e.secret_or_key)),
    platformKeys: [{ serial: cert.serialNumber.toUpperCase(), key: cert.publicKey }],
  },
};
const now = Number(e2e.expected['now']) * 1000;

describe('wechatpay fixtures', () => {
  it('covers every WeChat Pay fixture file', () => {
    expect(listFixtures('wechatpay')).toEqual([
      'docs_refund_decrypted_resource.json',
      'docs_transaction_success_envelope.json',
      'go_notify_end_to_end.json',
      'go_sha256withrsa_verifier.json',
      'go_utils_aes_gcm.json',
      'java_aead_aes_256_gcm.json',
      'java_certificate_download_decrypt.json',
    ]);
  });
});

describe('wechatpay verify (wechatpay-go end-to-end vector)', () => {
  it('the certificate serial is the header serial', () => {
    expect(cert.serialNumber.toUpperCase()).toBe(headers['wechatpay-serial']);
  });

  it('verifies, decrypts the resource to the expected plaintext and records no payment (PAYSCORE)', () => {
    const out = wechatpayWebhook.verify(body, headers, secrets, now);
    if (!out.ok) throw new Error(out.message);
    expect(out.payload.resource).toEqual(JSON.parse(String(e2e.expected['plaintext'])));
    expect(wechatpayWebhook.normalize(out.payload)).toEqual({
      providerEventId: '3119dfba-e649-5eec-ab1e-3412bc4d2e17',
      events: [],
    });
  });

  it('the signed message needs its final newline', () => {
    const sig = Buffer.from(headers['wechatpay-signature'] ?? '', 'base64');
    const ts = headers['wechatpay-timestamp'] ?? '';
    const nonce = headers['wechatpay-nonce'] ?? '';
    expect(rsaVerify('sha256', wechatSignedBytes(ts, nonce, body), cert.publicKey, sig)).toBe(true);
    expect(rsaVerify('sha256', Buffer.from(`${ts}\n${nonce}\n${body.toString()}`), cert.publicKey, sig)).toBe(
      false,
    );
  });

  it('refuses one changed body byte, a changed signature, a changed timestamp or nonce', () => {
    expect(wechatpayWebhook.verify(flipByte(body), headers, secrets, now)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const sig = headers['wechatpay-signature'] ?? '';
    expect(
      wechatpayWebhook.verify(body, { ...headers, 'wechatpay-signature': flipChar(sig, 20) }, secrets, now),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(
      wechatpayWebhook.verify(body, { ...headers, 'wechatpay-timestamp': '1624523847' }, secrets, now),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(
      wechatpayWebhook.verify(
        body,
        { ...headers, 'wechatpay-nonce': flipChar(headers['wechatpay-nonce'] ?? '') },
        secrets,
        now,
      ),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses when the timestamp is 300 s or more from now, either way', () => {
    expect(wechatpayWebhook.verify(body, headers, secrets, now + 299_000).ok).toBe(true);
    expect(wechatpayWebhook.verify(body, headers, secrets, now + 300_000)).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(wechatpayWebhook.verify(body, headers, secrets, now - 300_000)).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
  });

  it('refuses another platform key under the same serial, an unknown serial, and a changed APIv3 key', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const wrongKey: WebhookSecrets = {
      wechatpay: {
        apiV3Key: Buffer.from(String(e2e.secret_or_key)),
        platformKeys: [{ serial: 'D7CE59D1F522D701', key: other }],
      },
    };
    expect(wechatpayWebhook.verify(body, headers, wrongKey, now)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(
      wechatpayWebhook.verify(body, { ...headers, 'wechatpay-serial': 'ABCDEF' }, secrets, now),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    const badApiKey: WebhookSecrets = {
      wechatpay: { ...secrets.wechatpay!, apiV3Key: Buffer.from(flipChar(String(e2e.secret_or_key), 3)) },
    };
    expect(wechatpayWebhook.verify(body, headers, badApiKey, now)).toMatchObject({
      ok: false,
      reason: 'decrypt_failed',
    });
  });

  it('refuses WECHATPAY/SIGNTEST/ probes and missing headers', () => {
    expect(
      wechatpayWebhook.verify(
        body,
        { ...headers, 'wechatpay-signature': 'WECHATPAY/SIGNTEST/abcdef' },
        secrets,
        now,
      ),
    ).toMatchObject({ ok: false, reason: 'probe' });
    const { 'wechatpay-nonce': _n, ...noNonce } = headers;
    expect(wechatpayWebhook.verify(body, noNonce, secrets, now)).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
  });
});

describe('wechatpay primitives (SDK vectors)', () => {
  it('go SHA256withRSA verifier: the cert verifies "source" and not another message; serial parsed from PEM', () => {
    const f = loadFixture('wechatpay', 'go_sha256withrsa_verifier.json');
    const parsed = parseWebhookSecrets(
      {
        PAYWATCH_WECHATPAY_APIV3_KEY: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
        PAYWATCH_WECHATPAY_PLATFORM_CERT: String(f.secret_or_key),
      },
      () => {
        throw new Error('no files');
      },
    );
    const k = parsed.wechatpay?.platformKeys[0];
    expect(k?.serial).toBe(f.headers['Wechatpay-Serial']);
    const sig = Buffer.from(f.signature_base64 ?? '', 'base64');
    expect(rsaVerify('sha256', Buffer.from(f.payload ?? ''), k!.key, sig)).toBe(true);
    expect(rsaVerify('sha256', Buffer.from('source2'), k!.key, sig)).toBe(false);
  });

  it('go AES-GCM vector (16-byte key) decrypts to "Hello World"; the wrong key fails', () => {
    const f = loadFixture('wechatpay', 'go_utils_aes_gcm.json');
    expect(decryptWechatResource(Buffer.from(String(f.secret_or_key)), f.resource!)).toBe('Hello World');
    expect(() => decryptWechatResource(Buffer.from('testAPIv3Key1111'), f.resource!)).toThrow();
  });

  it('java AEAD_AES_256_GCM vector decrypts to "message"; bad AAD or nonce fails', () => {
    const f = loadFixture('wechatpay', 'java_aead_aes_256_gcm.json');
    const key = Buffer.from(String(f.secret_or_key));
    expect(key.length).toBe(32);
    expect(decryptWechatResource(key, f.resource!)).toBe('message');
    expect(() => decryptWechatResource(key, { ...f.resource!, associated_data: 'associatedDatA' })).toThrow();
    expect(() =>
      decryptWechatResource(key, { ...f.resource!, nonce: flipChar(f.resource!.nonce) }),
    ).toThrow();
  });

  it('java certificate download decrypts to a certificate with the expected serial', () => {
    const f = loadFixture('wechatpay', 'java_certificate_download_decrypt.json');
    const pem = decryptWechatResource(Buffer.from(String(f.secret_or_key)), f.resource!);
    expect(new X509Certificate(pem).serialNumber.toUpperCase()).toBe(f.expected['certificate_serial_hex']);
  });
});

describe('wechatpay normalize (documented samples, parse-only)', () => {
  it('the documented TRANSACTION.SUCCESS envelope cannot pass verification with its placeholder headers', () => {
    const f = loadFixture('wechatpay', 'docs_transaction_success_envelope.json');
    const out = wechatpayWebhook.verify(Buffer.from(f.payload ?? ''), lowerHeaders(f.headers), secrets, now);
    expect(out.ok).toBe(false);
  });

  it('the documented envelope with a transaction resource → succeeded in fen', () => {
    const f = loadFixture('wechatpay', 'docs_transaction_success_envelope.json');
    const envelope = JSON.parse(f.payload ?? '{}') as Record<string, unknown>;
    const n: WechatPayNotification = {
      envelope,
      resource: {
        mchid: '1230000109',
        appid: 'wxd678efh567hg6787',
        out_trade_no: '1217752501201407033233368018',
        transaction_id: '1217752501201407033233368018',
        trade_type: 'MWEB',
        trade_state: 'SUCCESS',
        bank_type: 'CMC',
        success_time: '2018-06-08T10:34:56+08:00',
        amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
      },
    };
    const { providerEventId, events } = wechatpayWebhook.normalize(n);
    expect(providerEventId).toBe('EV-2018022511223320873');
    expect(events[0]).toMatchObject({
      status: 'succeeded',
      amount_minor: 100,
      currency: 'CNY',
      method: 'wechat_pay',
      channel: 'web',
      merchant_id: '1230000109',
      ts: Date.UTC(2018, 5, 8, 2, 34, 56),
    });
    expect(PaymentEventInputSchema.safeParse(events[0]).success).toBe(true);
  });

  it('the documented REFUND resource → refunded 999 fen (refund equals total) on the order', () => {
    const f = loadFixture('wechatpay', 'docs_refund_decrypted_resource.json');
    const resource = JSON.parse(f.payload ?? '{}') as Record<string, unknown>;
    const [e] = wechatpayWebhook.normalize({
      envelope: { id: 'EV-refund-1', event_type: 'REFUND.SUCCESS' },
      resource,
    }).events;
    expect(e).toMatchObject({
      status: 'refunded',
      amount_minor: 999,
      currency: 'CNY',
      payment_id: '20150806125346',
      merchant_id: '1900000100',
      event_id: 'wechatpay:refund:50200207182018070300011301001',
      ts: Date.UTC(2018, 5, 8, 2, 34, 56),
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
    const abnormal = wechatpayWebhook.normalize({
      envelope: { id: 'EV-refund-2', event_type: 'REFUND.ABNORMAL' },
      resource: { ...resource, refund_status: 'ABNORMAL' },
    });
    expect(abnormal.events).toEqual([]);
  });
});

describe('wechatpay round trip with the test certificate and a fresh APIv3 key', () => {
  const apiV3Key = Buffer.from(randomBytes(24).toString('base64')); // 32 ASCII chars, like a real APIv3 key
  const privateKey = createPrivateKey(TEST_KEY_PEM());
  const testCert = new X509Certificate(TEST_CERT_PEM());
  const fresh: WebhookSecrets = {
    wechatpay: {
      apiV3Key,
      platformKeys: [{ serial: testCert.serialNumber.toUpperCase(), key: testCert.publicKey }],
    },
  };
  const t = Date.UTC(2026, 0, 15, 12, 0, 0);

  const deliver = (
    eventType: string,
    resource: object,
    serial = TEST_CERT_SERIAL,
  ): { raw: Buffer; h: Record<string, string> } => {
    const nonce = randomBytes(6).toString('hex');
    const cipher = createCipheriv('aes-256-gcm', apiV3Key, Buffer.from(nonce));
    cipher.setAAD(Buffer.from('transaction'));
    const ct = Buffer.concat([
      cipher.update(JSON.stringify(resource)),
      cipher.final(),
      cipher.getAuthTag(),
    ]).toString('base64');
    const raw = Buffer.from(
      JSON.stringify({
        id: `EV-${nonce}`,
        create_time: '2026-01-15T20:00:00+08:00',
        resource_type: 'encrypt-resource',
        event_type: eventType,
        summary: '支付成功',
        resource: {
          original_type: 'transaction',
          algorithm: 'AEAD_AES_256_GCM',
          ciphertext: ct,
          associated_data: 'transaction',
          nonce,
        },
      }),
    );
    const ts = String(Math.floor(t / 1000));
    const hnonce = randomBytes(16).toString('hex');
    const sig = rsaSign('sha256', wechatSignedBytes(ts, hnonce, raw), privateKey).toString('base64');
    return {
      raw,
      h: {
        'wechatpay-timestamp': ts,
        'wechatpay-nonce': hnonce,
        'wechatpay-signature': sig,
        'wechatpay-serial': serial,
      },
    };
  };

  it('a signed, encrypted TRANSACTION.SUCCESS verifies and normalizes to 19.99 CNY = 1999 fen', () => {
    const { raw, h } = deliver('TRANSACTION.SUCCESS', {
      mchid: '1900009191',
      out_trade_no: 'order-7',
      transaction_id: '4200000001',
      trade_type: 'NATIVE',
      trade_state: 'SUCCESS',
      success_time: '2026-01-15T20:00:00+08:00',
      amount: { total: 1999, currency: 'CNY' },
    });
    const out = wechatpayWebhook.verify(raw, h, fresh, t);
    if (!out.ok) throw new Error(out.message);
    const [e] = wechatpayWebhook.normalize(out.payload).events;
    expect(e).toMatchObject({
      status: 'succeeded',
      amount_minor: 1999,
      currency: 'CNY',
      payment_id: '4200000001',
      channel: 'web',
      event_id: 'wechatpay:4200000001:success',
    });
  });

  it('PAYERROR maps to failed with the raw trade state; a bare public key works in PUB_KEY_ID mode', () => {
    const pubOnly: WebhookSecrets = {
      wechatpay: { apiV3Key, platformKeys: [{ serial: null, key: createPublicKey(privateKey) }] },
    };
    const { raw, h } = deliver(
      'TRANSACTION.SUCCESS',
      {
        mchid: '1900009191',
        out_trade_no: 'order-8',
        transaction_id: '4200000002',
        trade_state: 'PAYERROR',
        trade_state_desc: '支付失败，请重新下单支付',
        amount: { total: 500, currency: 'CNY' },
      },
      'PUB_KEY_ID_0114232134912410000',
    );
    const out = wechatpayWebhook.verify(raw, h, pubOnly, t);
    if (!out.ok) throw new Error(out.message);
    expect(wechatpayWebhook.normalize(out.payload).events[0]).toMatchObject({
      status: 'failed',
      failure: { category: 'other', code: 'PAYERROR', message: '支付失败，请重新下单支付' },
    });
  });
});
