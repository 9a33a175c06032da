// Guards Alipay notify: SDK vectors verify in the variant the SDK finds, tampering is refused, trade states normalize.
import { createPublicKey, generateKeyPairSync, sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PaymentEventInputSchema } from '@paywatch/contracts';
import {
  flipChar,
  listFixtures,
  loadFixture,
  lowerHeaders,
} from '../../../../test/fixtures/providers/load-fixture.js';
import type { WebhookSecrets } from '../webhook-secrets.js';
import { alipaySignContent, alipayWebhook, parseAlipayForm, type AlipayParams } from './alipay.webhook.js';

const NOW = Date.UTC(2026, 0, 1);
const keyOf = (pem: unknown): WebhookSecrets => ({ alipay: { publicKey: createPublicKey(String(pem)) } });
const form = (params: Record<string, string>): Buffer => Buffer.from(new URLSearchParams(params).toString());

const sync = loadFixture('alipay', 'node_sdk_notify_trade_status_sync.json');
const market = loadFixture('alipay', 'node_sdk_notify_servicemarket.json');
const failing = loadFixture('alipay', 'node_sdk_notify_verify_fail.json');

describe('alipay fixtures', () => {
  it('covers every Alipay fixture file', () => {
    expect(listFixtures('alipay')).toEqual([
      'node_sdk_notify_servicemarket.json',
      'node_sdk_notify_trade_status_sync.json',
      'node_sdk_notify_verify_fail.json',
    ]);
  });

  it('decodes the form body to exactly the SDK test params', () => {
    expect(parseAlipayForm(Buffer.from(sync.payload ?? ''), 'utf-8')?.params).toEqual(sync.params);
  });

  it('trade_status_sync is signed without sign_type, servicemarket with it (both variants exist)', () => {
    const check = (f: typeof sync, keep: boolean): boolean =>
      rsaVerify(
        'sha256',
        Buffer.from(alipaySignContent(f.params ?? {}, keep)),
        createPublicKey(String(f.secret_or_key)),
        Buffer.from(f.params?.['sign'] ?? '', 'base64'),
      );
    expect([check(sync, true), check(sync, false)]).toEqual([false, true]);
    expect([check(market, true), check(market, false)]).toEqual([true, false]);
  });
});

describe('alipay verify', () => {
  const body = Buffer.from(sync.payload ?? '');
  const headers = lowerHeaders(sync.headers);

  it('verifies the trade_status_sync vector (raw form body) and the servicemarket vector', () => {
    expect(alipayWebhook.verify(body, headers, keyOf(sync.secret_or_key), NOW)).toMatchObject({
      ok: true,
      payload: { trade_no: '2019081522001468450512505578' },
    });
    expect(alipayWebhook.verify(form(market.params ?? {}), {}, keyOf(market.secret_or_key), NOW).ok).toBe(
      true,
    );
  });

  it('refuses the SDK negative case (signed for another key)', () => {
    expect(
      alipayWebhook.verify(form(failing.params ?? {}), {}, keyOf(failing.secret_or_key), NOW),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a tampered amount, a tampered service code, a changed sign and a changed key', () => {
    expect(
      alipayWebhook.verify(
        Buffer.from(String(sync.payload).replace('total_amount=0.10', 'total_amount=0.11')),
        headers,
        keyOf(sync.secret_or_key),
        NOW,
      ),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    const tamperedMarket = { ...market.params, service_code: '58621634111' };
    expect(alipayWebhook.verify(form(tamperedMarket), {}, keyOf(market.secret_or_key), NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const sign = sync.params?.['sign'] ?? '';
    expect(
      alipayWebhook.verify(
        form({ ...sync.params, sign: flipChar(sign, 10) }),
        {},
        keyOf(sync.secret_or_key),
        NOW,
      ),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    // One base64 character of the modulus changed: still a parseable key, but the wrong one.
    const raw = String((sync as unknown as { secret_or_key_raw: string }).secret_or_key_raw);
    const bent = createPublicKey({
      key: Buffer.from(flipChar(raw, 200), 'base64'),
      format: 'der',
      type: 'spki',
    });
    expect(alipayWebhook.verify(body, headers, { alipay: { publicKey: bent } }, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(alipayWebhook.verify(body, headers, keyOf(market.secret_or_key), NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a notification without sign and a body that is not a form', () => {
    const { sign: _sign, ...unsigned } = sync.params ?? {};
    expect(alipayWebhook.verify(form(unsigned), {}, keyOf(sync.secret_or_key), NOW)).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
    expect(alipayWebhook.verify(Buffer.from(''), {}, keyOf(sync.secret_or_key), NOW)).toMatchObject({
      ok: false,
      reason: 'unparseable',
    });
  });
});

describe('alipay normalize', () => {
  it('TRADE_SUCCESS 0.10 yuan → succeeded 10 CNY at gmt_payment (UTC+8)', () => {
    const { providerEventId, events } = alipayWebhook.normalize(sync.params ?? {});
    expect(providerEventId).toBe('2019081500222155624068450559358070');
    expect(events[0]).toMatchObject({
      event_id: 'alipay:2019081522001468450512505578:success',
      status: 'succeeded',
      amount_minor: 10,
      currency: 'CNY',
      payment_id: '2019081522001468450512505578',
      merchant_id: '2088531891668739',
      method: 'alipay',
      provider: 'alipay',
      ts: Date.UTC(2019, 7, 15, 7, 56, 24),
      metadata: { fund_channels: ['ALIPAYACCOUNT'], out_trade_no: '20190815155618536-564-57' },
    });
    expect(PaymentEventInputSchema.safeParse(events[0]).success).toBe(true);
  });

  it('the negative-case params (parse only) → succeeded 1 CNY via Huabei', () => {
    const [e] = alipayWebhook.normalize(failing.params ?? {}).events;
    expect(e).toMatchObject({
      status: 'succeeded',
      amount_minor: 1,
      currency: 'CNY',
      metadata: { fund_channels: ['PCREDIT'] },
    });
  });

  it('a servicemarket notify is not a payment', () => {
    expect(alipayWebhook.normalize(market.params ?? {})).toEqual({
      providerEventId: '2019030800222102023008121054923345',
      events: [],
    });
  });
});

describe('alipay round trip with a fresh RSA key', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const secrets: WebhookSecrets = { alipay: { publicKey } };
  const signed = (p: AlipayParams, keepSignType: boolean): Buffer => {
    const withType = { ...p, sign_type: 'RSA2', charset: 'utf-8' };
    const sign = rsaSign(
      'sha256',
      Buffer.from(alipaySignContent(withType, keepSignType)),
      privateKey,
    ).toString('base64');
    return form({ ...withType, sign });
  };
  const base = {
    notify_type: 'trade_status_sync',
    app_id: '2021000000000001',
    seller_id: '2088000000000001',
    trade_no: 'T-1',
    out_trade_no: 'O-1',
    subject: '测试 订单 & more',
    total_amount: '128.50',
    gmt_payment: '2026-01-15 20:00:00',
    notify_time: '2026-01-15 20:00:01',
    empty_field: '',
  };

  it('verifies both signing variants, with UTF-8 text, "&" in values and empty fields', () => {
    for (const keep of [true, false]) {
      const out = alipayWebhook.verify(
        signed({ ...base, notify_id: `n-${keep}`, trade_status: 'TRADE_SUCCESS' }, keep),
        {},
        secrets,
        NOW,
      );
      if (!out.ok) throw new Error(out.message);
      expect(out.payload['subject']).toBe('测试 订单 & more');
      expect(alipayWebhook.normalize(out.payload).events[0]).toMatchObject({
        status: 'succeeded',
        amount_minor: 12850,
        currency: 'CNY',
        ts: Date.UTC(2026, 0, 15, 12, 0, 0),
      });
    }
  });

  it('TRADE_FINISHED after TRADE_SUCCESS maps to the same event id (counted once)', () => {
    const a = alipayWebhook.normalize({ ...base, notify_id: 'n1', trade_status: 'TRADE_SUCCESS' }).events[0];
    const b = alipayWebhook.normalize({ ...base, notify_id: 'n2', trade_status: 'TRADE_FINISHED' }).events[0];
    expect(a?.event_id).toBe(b?.event_id);
  });

  it('partial and full refunds', () => {
    const partial = alipayWebhook.normalize({
      ...base,
      notify_id: 'n3',
      trade_status: 'TRADE_SUCCESS',
      refund_fee: '28.50',
      gmt_refund: '2026-01-16 10:00:00',
      out_biz_no: 'R-1',
    }).events[0];
    expect(partial).toMatchObject({
      status: 'partially_refunded',
      amount_minor: 2850,
      event_id: 'alipay:T-1:refund:R-1',
    });
    const full = alipayWebhook.normalize({
      ...base,
      notify_id: 'n4',
      trade_status: 'TRADE_CLOSED',
      refund_fee: '128.50',
      gmt_close: '2026-01-17 10:00:00',
    }).events[0];
    expect(full).toMatchObject({ status: 'refunded', amount_minor: 12850 });
    const closed = alipayWebhook.normalize({
      ...base,
      notify_id: 'n5',
      trade_status: 'TRADE_CLOSED',
      gmt_close: '2026-01-17 10:00:00',
    }).events[0];
    expect(closed).toMatchObject({ status: 'canceled', amount_minor: 12850 });
  });

  it('verifies a GBK notification over its GBK bytes (as Alipay signs content.getBytes(charset))', () => {
    const gbk = Buffer.from([0xd6, 0xd0, 0xce, 0xc4]); // "中文" in GBK
    const fields: [string, Buffer][] = [
      ['charset', Buffer.from('gbk')],
      ['notify_id', Buffer.from('n-gbk')],
      ['subject', gbk],
      ['total_amount', Buffer.from('1.00')],
      ['trade_no', Buffer.from('T-GBK')],
      ['trade_status', Buffer.from('TRADE_SUCCESS')],
    ];
    const content = Buffer.concat(
      fields.flatMap(([k, v], i) => [Buffer.from(`${i > 0 ? '&' : ''}${k}=`), v]),
    );
    const sign = rsaSign('sha256', content, privateKey).toString('base64');
    const body =
      fields
        .map(
          ([k, v]) =>
            `${k}=${[...v].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')}`,
        )
        .join('&') + `&sign=${encodeURIComponent(sign)}&sign_type=RSA2`;
    const out = alipayWebhook.verify(
      Buffer.from(body),
      { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
      secrets,
      NOW,
    );
    if (!out.ok) throw new Error(out.message);
    expect(out.payload['subject']).toBe('中文');
    // The same content signed as UTF-8 text does not verify for a GBK notification.
    const utf8Sign = rsaSign(
      'sha256',
      Buffer.from(alipaySignContent(out.payload, false)),
      privateKey,
    ).toString('base64');
    const utf8Body = body.replace(`sign=${encodeURIComponent(sign)}`, `sign=${encodeURIComponent(utf8Sign)}`);
    expect(
      alipayWebhook.verify(
        Buffer.from(utf8Body),
        { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
        secrets,
        NOW,
      ),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a notification signed by another fresh key', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const body = signed({ ...base, notify_id: 'n6', trade_status: 'TRADE_SUCCESS' }, false);
    expect(alipayWebhook.verify(body, {}, { alipay: { publicKey: other.publicKey } }, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });
});
