// Guards Adyen webhooks: official HMAC vectors (item and banking forms) verify, tampering is refused, samples normalize.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PaymentEventInputSchema } from '@paywatch/contracts';
import {
  flipByte,
  flipChar,
  listFixtures,
  loadFixture,
  lowerHeaders,
} from '../../../../test/fixtures/providers/load-fixture.js';
import type { WebhookSecrets } from '../webhook-secrets.js';
import {
  adyenDataToSign,
  adyenFailureCategory,
  adyenHmac,
  adyenWebhook,
  type AdyenPayload,
} from './adyen.webhook.js';

const keyOf = (hex: unknown): WebhookSecrets => ({ adyen: { hmacKey: Buffer.from(String(hex), 'hex') } });
const NOW = Date.UTC(2026, 0, 1);

function verifyOk(
  body: string | Buffer,
  secrets: WebhookSecrets,
  headers: Record<string, string> = {},
): AdyenPayload {
  const out = adyenWebhook.verify(Buffer.from(body), headers, secrets, NOW);
  if (!out.ok) throw new Error(`${out.reason}: ${out.message}`);
  return out.payload;
}

describe('adyen fixtures', () => {
  it('covers every Adyen fixture file', () => {
    expect(listFixtures('adyen')).toEqual([
      'docs_hmac_example_authorisation.json',
      'node_hmac_banking_webhook_body.json',
      'node_hmac_notification_item_event.json',
      'node_hmac_notification_item_report_available.json',
      'node_hmac_raw_string_hpp.json',
      'sample_authorisationTrue.json',
      'sample_captureFalse.json',
      'sample_captureTrue.json',
      'sample_refundFalse.json',
      'sample_refundTrue.json',
    ]);
  });
});

describe.each([
  ['node_hmac_notification_item_report_available.json', '"value":1000', '"value":1001'],
  ['node_hmac_notification_item_event.json', '"value":1000', '"value":1001'],
  ['docs_hmac_example_authorisation.json', '"value":1130', '"value":1131'],
])('adyen item HMAC vector %s', (file, from, to) => {
  const f = loadFixture('adyen', file);
  const body = f.payload ?? '';
  const secrets = keyOf(f.secret_or_key);
  const sig = String(f.expected['hmacSignature']);

  it('builds the documented data string and verifies', () => {
    const payload = verifyOk(body, secrets);
    if (payload.kind !== 'standard') throw new Error('expected a standard webhook');
    expect(adyenDataToSign(payload.items[0] ?? {})).toBe(f.expected['data_to_sign']);
  });

  it('refuses a changed amount, a changed signature, a changed key and the key used as text', () => {
    expect(adyenWebhook.verify(Buffer.from(body.replace(from, to)), {}, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(
      adyenWebhook.verify(Buffer.from(body.replace(sig, flipChar(sig, 3))), {}, secrets, NOW),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(
      adyenWebhook.verify(Buffer.from(body), {}, keyOf(flipChar(String(f.secret_or_key), 4)), NOW),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    const asText: WebhookSecrets = { adyen: { hmacKey: Buffer.from(String(f.secret_or_key), 'utf8') } };
    expect(adyenWebhook.verify(Buffer.from(body), {}, asText, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses an item without hmacSignature', () => {
    const stripped = body.replace(`"hmacSignature":"${sig}"`, '"other":"x"');
    expect(adyenWebhook.verify(Buffer.from(stripped), {}, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
  });
});

describe('adyen raw HMAC primitive (HPP vector)', () => {
  const f = loadFixture('adyen', 'node_hmac_raw_string_hpp.json');
  it('hex-decodes the key and matches the SDK result; a one-char key change does not', () => {
    const key = Buffer.from(String(f.secret_or_key), 'hex');
    expect(adyenHmac(key, f.payload ?? '')).toBe(f.expected['base64']);
    expect(adyenHmac(Buffer.from(flipChar(String(f.secret_or_key)), 'hex'), f.payload ?? '')).not.toBe(
      f.expected['base64'],
    );
  });
});

describe('adyen banking webhook (HmacSignature header over the raw body)', () => {
  const f = loadFixture('adyen', 'node_hmac_banking_webhook_body.json');
  const body = Buffer.from(f.payload ?? '');
  const headers = lowerHeaders(f.headers);
  const secrets = keyOf(f.secret_or_key);

  it('verifies and yields no payment events', () => {
    const payload = verifyOk(body, secrets, headers);
    expect(payload.kind).toBe('banking');
    expect(adyenWebhook.normalize(payload).events).toEqual([]);
  });

  it('refuses one changed body byte, a changed header and a changed key', () => {
    expect(adyenWebhook.verify(flipByte(body), headers, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(
      adyenWebhook.verify(body, { hmacsignature: flipChar(headers['hmacsignature'] ?? '', 5) }, secrets, NOW),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(
      adyenWebhook.verify(body, headers, keyOf(flipChar(String(f.secret_or_key), 2)), NOW),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
  });
});

describe('adyen normalize (SDK mock notifications, parse-only)', () => {
  // The samples' signatures cannot be verified (no published key), so they are parsed directly.
  const parse = (file: string): AdyenPayload => {
    const body = JSON.parse(loadFixture('adyen', file).payload ?? '{}') as {
      notificationItems: { NotificationRequestItem: Record<string, unknown> }[];
    };
    return {
      kind: 'standard',
      live: false,
      items: body.notificationItems.map((w) => w.NotificationRequestItem),
    };
  };

  it('an item whose amount cannot be read makes the delivery invalid, naming the item field (it was acked and dropped)', () => {
    for (const [amount, field] of [
      [{ value: -100, currency: 'EUR' }, 'amount.value'],
      [{ value: 10.5, currency: 'EUR' }, 'amount.value'],
      [{ value: 100, currency: 'ZZZ' }, 'amount.currency'],
    ] as const) {
      const p = parse('sample_authorisationTrue.json');
      if (p.kind !== 'standard') throw new Error('fixture is a standard webhook');
      expect(adyenWebhook.normalize({ ...p, items: [{ ...p.items[0], amount }] })).toMatchObject({
        events: [],
        invalid: { field: `notificationItems[0].NotificationRequestItem.${field}` },
      });
    }
    // The same item with a readable amount is recorded.
    expect(adyenWebhook.normalize(parse('sample_authorisationTrue.json')).invalid).toBeUndefined();
  });

  it('AUTHORISATION success → succeeded 10100 EUR, visa ending 7777', () => {
    const { events, providerEventId } = adyenWebhook.normalize(parse('sample_authorisationTrue.json'));
    expect(providerEventId).toBe('123456789:AUTHORISATION:true');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event_id: 'adyen:123456789:success',
      status: 'succeeded',
      amount_minor: 10100,
      currency: 'EUR',
      payment_id: '123456789',
      merchant_id: 'MagentoMerchantTest2',
      method: 'card',
      card: { brand: 'visa', last4: '7777' },
    });
    expect(events[0]?.failure).toBeUndefined();
    expect(PaymentEventInputSchema.safeParse(events[0]).success).toBe(true);
  });

  it('CAPTURE success → captured 23623 USD on the original payment, sharing the authorisation outcome id', () => {
    const [e] = adyenWebhook.normalize(parse('sample_captureTrue.json')).events;
    expect(e).toMatchObject({
      event_id: 'adyen:ORIGINAL_PSP:success',
      status: 'captured',
      amount_minor: 23623,
      currency: 'USD',
      payment_id: 'ORIGINAL_PSP',
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
  });

  it('CAPTURE failure → failed 23623 USD, insufficient_funds, raw reason kept', () => {
    const [e] = adyenWebhook.normalize(parse('sample_captureFalse.json')).events;
    expect(e).toMatchObject({
      status: 'failed',
      amount_minor: 23623,
      currency: 'USD',
      failure: { category: 'insufficient_funds', code: 'Insufficient balance on payment' },
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
  });

  it('REFUND success → refunded 1500 EUR; REFUND failure → no event (no refund_failed status)', () => {
    const [e] = adyenWebhook.normalize(parse('sample_refundTrue.json')).events;
    expect(e).toMatchObject({
      status: 'refunded',
      amount_minor: 1500,
      currency: 'EUR',
      payment_id: 'ORIGINAL_PSP',
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
    expect(adyenWebhook.normalize(parse('sample_refundFalse.json')).events).toEqual([]);
  });

  it('the verified docs vector (AUTHORISATION 1130 EUR) normalizes; REPORT_AVAILABLE/EVENT do not', () => {
    const f = loadFixture('adyen', 'docs_hmac_example_authorisation.json');
    const [e] = adyenWebhook.normalize(verifyOk(f.payload ?? '', keyOf(f.secret_or_key))).events;
    expect(e).toMatchObject({
      status: 'succeeded',
      amount_minor: 1130,
      currency: 'EUR',
      payment_id: '7914073381342284',
      merchant_id: 'TestMerchant',
    });
    for (const file of [
      'node_hmac_notification_item_report_available.json',
      'node_hmac_notification_item_event.json',
    ]) {
      const g = loadFixture('adyen', file);
      expect(adyenWebhook.normalize(verifyOk(g.payload ?? '', keyOf(g.secret_or_key))).events).toEqual([]);
    }
  });

  it('maps refusal reasons onto the taxonomy', () => {
    expect(adyenFailureCategory('Not enough balance')).toBe('insufficient_funds');
    expect(adyenFailureCategory('Expired Card')).toBe('card_expired');
    expect(adyenFailureCategory('CVC Declined')).toBe('invalid_card_data');
    expect(adyenFailureCategory('3D Not Authenticated')).toBe('authentication_failed');
    expect(adyenFailureCategory('Issuer Suspected Fraud')).toBe('fraud_suspected');
    expect(adyenFailureCategory('Issuer Unavailable')).toBe('issuer_unavailable');
    expect(adyenFailureCategory('Acquirer Error')).toBe('provider_error');
    expect(adyenFailureCategory('Something new')).toBe('other');
  });
});

describe('adyen round trip with a fresh key', () => {
  const hex = randomBytes(32).toString('hex').toUpperCase();
  const secrets = keyOf(hex);
  const item = (fields: Record<string, unknown>): Record<string, unknown> => {
    const it: Record<string, unknown> = {
      eventDate: '2026-01-15T10:00:00+01:00',
      merchantAccountCode: 'ShopEU',
      ...fields,
    };
    const sig = adyenHmac(Buffer.from(hex, 'hex'), adyenDataToSign(it));
    return { ...it, additionalData: { ...(it['additionalData'] as object | undefined), hmacSignature: sig } };
  };
  const batch = [
    item({
      pspReference: 'PSP1',
      merchantReference: 'o-1',
      amount: { value: 4200, currency: 'EUR' },
      eventCode: 'AUTHORISATION',
      success: 'false',
      reason: 'Not enough balance',
      paymentMethod: 'mc',
    }),
    item({
      pspReference: 'PSP2',
      merchantReference: 'o-2',
      amount: { value: 1500, currency: 'JPY' },
      eventCode: 'AUTHORISATION',
      success: 'true',
      paymentMethod: 'visa',
      additionalData: {
        paymentMethodVariant: 'visa_applepay',
        cardSummary: '1111',
        cardBin: '411111',
        issuerCountry: 'JP',
      },
    }),
  ];
  const body = JSON.stringify({
    live: 'false',
    notificationItems: batch.map((NotificationRequestItem) => ({ NotificationRequestItem })),
  });

  it('verifies each item of a batch and normalizes both', () => {
    const { events, providerEventId } = adyenWebhook.normalize(verifyOk(body, secrets));
    expect(providerEventId).toBe('PSP1:AUTHORISATION:false|PSP2:AUTHORISATION:true');
    expect(events.map((e) => [e.status, e.amount_minor, e.currency, e.method, e.failure?.category])).toEqual([
      ['failed', 4200, 'EUR', 'card', 'insufficient_funds'],
      ['succeeded', 1500, 'JPY', 'apple_pay', undefined],
    ]);
    expect(events[1]?.card).toEqual({
      brand: 'visa',
      last4: '1111',
      bin: '411111',
      issuer_country: 'JP',
      wallet: 'apple_pay',
    });
    for (const e of events) expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
  });

  it('one forged item rejects the whole batch', () => {
    const forged = body.replace('"value":1500', '"value":150000');
    expect(adyenWebhook.verify(Buffer.from(forged), {}, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('unparseable bodies are refused as such', () => {
    expect(adyenWebhook.verify(Buffer.from('{"live":'), {}, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'unparseable',
    });
    expect(adyenWebhook.verify(Buffer.from('{"live":"false"}'), {}, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'unparseable',
    });
  });
});
