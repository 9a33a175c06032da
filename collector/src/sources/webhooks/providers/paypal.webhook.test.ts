// Guards PayPal webhooks: the Java SDK offline vector verifies, tampering is refused, sale/capture events normalize.
import { createPrivateKey, generateKeyPairSync, sign as rsaSign, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PaymentEventInputSchema } from '@paywatch/contracts';
import {
  flipByte,
  flipChar,
  listFixtures,
  loadFixture,
  lowerHeaders,
  readFixtureText,
  TEST_CERT_PEM,
  TEST_KEY_PEM,
} from '../../../../test/fixtures/providers/load-fixture.js';
import type { WebhookSecrets } from '../webhook-secrets.js';
import {
  crc32,
  paypalFailureCategory,
  paypalSignedString,
  paypalWebhook,
  type PaypalEvent,
} from './paypal.webhook.js';

const NOW = Date.UTC(2026, 0, 1);
const java = loadFixture('paypal', 'java_sdk_validate_cert.json');
const javaKey = java.secret_or_key as { webhook_id: string; certificate_pem: string };
const cert = new X509Certificate(javaKey.certificate_pem);
const secrets: WebhookSecrets = {
  paypal: { webhookId: javaKey.webhook_id, keys: [{ serial: cert.serialNumber, key: cert.publicKey }] },
};
const body = Buffer.from(java.payload ?? '');
const headers = lowerHeaders(java.headers);

describe('paypal fixtures', () => {
  it('covers every PayPal fixture file', () => {
    expect(listFixtures('paypal')).toEqual([
      'java_sdk_validate_cert.json',
      'node_sdk_sample_payment_sale_completed.json',
      'python_sdk_payment_sale_completed.json',
    ]);
  });

  it('the .crt companion is the same certificate (a PayPal sandbox cert)', () => {
    expect(new X509Certificate(readFixtureText('paypal', 'java_sdk_testClientCert.crt')).fingerprint256).toBe(
      cert.fingerprint256,
    );
    expect(cert.subject).toContain('CN=messageverificationcerts.sandbox.paypal.com');
  });

  it('computes the zlib CRC-32 of the bodies as unsigned decimals', () => {
    expect(crc32(body)).toBe(3494065244);
    expect(
      crc32(Buffer.from(loadFixture('paypal', 'python_sdk_payment_sale_completed.json').payload ?? '')),
    ).toBe(2771810304);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('paypal verify (Java SDK vector)', () => {
  it('verifies with the certificate and the listener webhook id', () => {
    expect(paypalWebhook.verify(body, headers, secrets, NOW)).toMatchObject({
      ok: true,
      payload: { id: 'WH-2MW4820926242972J-6SG447389E205703U', event_type: 'BILLING.PLAN.CREATED' },
    });
  });

  it('refuses another webhook id, one changed body byte, a changed signature, transmission id or time', () => {
    const otherId: WebhookSecrets = { paypal: { ...secrets.paypal!, webhookId: 'NotToBeFound' } };
    expect(paypalWebhook.verify(body, headers, otherId, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(paypalWebhook.verify(flipByte(body), headers, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const sig = headers['paypal-transmission-sig'] ?? '';
    expect(
      paypalWebhook.verify(body, { ...headers, 'paypal-transmission-sig': flipChar(sig, 30) }, secrets, NOW),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(
      paypalWebhook.verify(
        body,
        { ...headers, 'paypal-transmission-id': flipChar(headers['paypal-transmission-id'] ?? '', 2) },
        secrets,
        NOW,
      ),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(
      paypalWebhook.verify(
        body,
        { ...headers, 'paypal-transmission-time': '2017-03-30T20:04:06Z' },
        secrets,
        NOW,
      ),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses another key, a missing header, and an unsupported algorithm', () => {
    const other: WebhookSecrets = {
      paypal: {
        webhookId: javaKey.webhook_id,
        keys: [{ serial: null, key: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey }],
      },
    };
    expect(paypalWebhook.verify(body, headers, other, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const { 'paypal-transmission-sig': _s, ...noSig } = headers;
    expect(paypalWebhook.verify(body, noSig, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
    expect(
      paypalWebhook.verify(body, { ...headers, 'paypal-auth-algo': 'SHA1withRSA' }, secrets, NOW),
    ).toMatchObject({ ok: false, reason: 'unsupported' });
  });

  it('the SDK samples signed with an unpublished cert do not verify with this one', () => {
    for (const file of [
      'node_sdk_sample_payment_sale_completed.json',
      'python_sdk_payment_sale_completed.json',
    ]) {
      const f = loadFixture('paypal', file);
      const s: WebhookSecrets = {
        paypal: { ...secrets.paypal!, webhookId: (f.secret_or_key as { webhook_id: string }).webhook_id },
      };
      expect(
        paypalWebhook.verify(Buffer.from(f.payload ?? ''), lowerHeaders(f.headers), s, NOW),
      ).toMatchObject({ ok: false, reason: 'bad_signature' });
    }
  });

  it('a billing-plan event is not a payment', () => {
    const out = paypalWebhook.verify(body, headers, secrets, NOW);
    if (!out.ok) throw new Error(out.message);
    expect(paypalWebhook.normalize(out.payload).events).toEqual([]);
  });
});

describe('paypal normalize (SDK samples, parse-only)', () => {
  const parse = (file: string): PaypalEvent =>
    JSON.parse(loadFixture('paypal', file).payload ?? '{}') as PaypalEvent;

  it('node sample PAYMENT.SALE.COMPLETED $6.01 → captured 601 USD on the parent payment', () => {
    const { providerEventId, events } = paypalWebhook.normalize(
      parse('node_sdk_sample_payment_sale_completed.json'),
    );
    expect(providerEventId).toBe('WH-82L71649W50323023-5WC64761VS637831A');
    expect(events[0]).toMatchObject({
      status: 'captured',
      amount_minor: 601,
      currency: 'USD',
      payment_id: 'PAY-11X29866PC6848407K72RIQA',
      provider: 'paypal',
      event_id: 'paypal:8RS6210148826604N:success',
      ts: Date.UTC(2016, 9, 5, 14, 57, 40),
    });
    expect(PaymentEventInputSchema.safeParse(events[0]).success).toBe(true);
  });

  it('python sample PAYMENT.SALE.COMPLETED 20.00 USD → captured 2000 USD', () => {
    const [e] = paypalWebhook.normalize(parse('python_sdk_payment_sale_completed.json')).events;
    expect(e).toMatchObject({
      status: 'captured',
      amount_minor: 2000,
      currency: 'USD',
      payment_id: 'PAY-86C81811X5228590KKVNARQQ',
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
  });
});

describe('paypal round trip with the test certificate', () => {
  const key = createPrivateKey(TEST_KEY_PEM());
  const testCert = new X509Certificate(TEST_CERT_PEM());
  const fresh: WebhookSecrets = {
    paypal: {
      webhookId: '8PT597110X687430LKGECATA',
      keys: [{ serial: testCert.serialNumber, key: testCert.publicKey }],
    },
  };
  const deliver = (event: object): { raw: Buffer; h: Record<string, string> } => {
    const raw = Buffer.from(JSON.stringify(event));
    const id = 'b2ad5b20-f22b-11ef-8a48-1d1fc1ab9a7e';
    const time = '2026-01-15T12:00:00Z';
    const sig = rsaSign(
      'sha256',
      Buffer.from(paypalSignedString(id, time, '8PT597110X687430LKGECATA', raw)),
      key,
    ).toString('base64');
    return {
      raw,
      h: {
        'paypal-transmission-id': id,
        'paypal-transmission-time': time,
        'paypal-transmission-sig': sig,
        'paypal-auth-algo': 'SHA256withRSA',
        'paypal-cert-url': 'https://api.paypal.com/v1/notifications/certs/CERT-x',
      },
    };
  };

  it('a PAYMENT.CAPTURE.DENIED in JPY (0 decimals) → failed 1500 JPY with the processor code', () => {
    const { raw, h } = deliver({
      id: 'WH-1',
      event_type: 'PAYMENT.CAPTURE.DENIED',
      create_time: '2026-01-15T12:00:00Z',
      resource: {
        id: 'CAP-1',
        status: 'DECLINED',
        amount: { currency_code: 'JPY', value: '1500' },
        payee: { merchant_id: 'MERCH1' },
        processor_response: { response_code: '5120' },
        supplementary_data: { related_ids: { order_id: 'ORDER-1' } },
      },
    });
    const out = paypalWebhook.verify(raw, h, fresh, NOW);
    if (!out.ok) throw new Error(out.message);
    const [e] = paypalWebhook.normalize(out.payload).events;
    expect(e).toMatchObject({
      status: 'failed',
      amount_minor: 1500,
      currency: 'JPY',
      payment_id: 'ORDER-1',
      merchant_id: 'MERCH1',
      failure: { category: 'insufficient_funds', code: '5120' },
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
  });

  it('CHECKOUT.ORDER.COMPLETED and PAYMENT.CAPTURE.COMPLETED of one capture share an event id', () => {
    const order = paypalWebhook.normalize({
      id: 'WH-2',
      event_type: 'CHECKOUT.ORDER.COMPLETED',
      create_time: '2026-01-15T12:00:00Z',
      resource: {
        id: 'ORDER-2',
        payment_source: { apple_pay: {} },
        purchase_units: [
          {
            payments: {
              captures: [
                { id: 'CAP-2', status: 'COMPLETED', amount: { currency_code: 'EUR', value: '10.50' } },
              ],
            },
          },
        ],
      },
    } as PaypalEvent).events[0];
    const capture = paypalWebhook.normalize({
      id: 'WH-3',
      event_type: 'PAYMENT.CAPTURE.COMPLETED',
      create_time: '2026-01-15T12:00:01Z',
      resource: {
        id: 'CAP-2',
        status: 'COMPLETED',
        amount: { currency_code: 'EUR', value: '10.50' },
        supplementary_data: { related_ids: { order_id: 'ORDER-2' } },
      },
    } as PaypalEvent).events[0];
    expect(order).toMatchObject({
      status: 'captured',
      amount_minor: 1050,
      method: 'apple_pay',
      payment_id: 'ORDER-2',
    });
    expect(capture?.event_id).toBe(order?.event_id);
    expect(capture?.payment_id).toBe('ORDER-2');
  });

  it('maps decline reasons onto the taxonomy', () => {
    expect(paypalFailureCategory('DECLINED_BY_RISK_FRAUD_FILTERS', undefined)).toBe('fraud_suspected');
    expect(paypalFailureCategory(undefined, '5400')).toBe('card_expired');
    expect(paypalFailureCategory(undefined, '0500')).toBe('do_not_honor');
    expect(paypalFailureCategory('OTHER', 'ZZZZ')).toBe('other');
  });
});
