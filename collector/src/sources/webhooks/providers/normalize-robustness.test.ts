// Guards every provider's normalize against odd but verifiable payloads: wrong types and missing fields yield no event or a valid one, never a throw.
import { describe, expect, it } from 'vitest';
import { PaymentEventInputSchema } from '@paywatch/contracts';
import { adyenWebhook } from './adyen.webhook.js';
import { alipayWebhook } from './alipay.webhook.js';
import { bitpayWebhook } from './bitpay.webhook.js';
import { coinbaseWebhook, type CoinbaseDelivery } from './coinbase.webhook.js';
import { paypalWebhook, type PaypalEvent } from './paypal.webhook.js';
import { stripeWebhook, type StripeEvent } from './stripe.webhook.js';
import { wechatpayWebhook } from './wechatpay.webhook.js';

const ODD: unknown[] = [null, 0, -1, 1e300, '', 'x', [], {}, [null], { a: null }, true, '1.005', 'NaN'];

function* shapes(base: Record<string, unknown>): Generator<Record<string, unknown>> {
  yield base;
  for (const k of Object.keys(base)) for (const v of ODD) yield { ...base, [k]: v };
}

function assertSane(events: unknown[]): void {
  for (const e of events) expect(PaymentEventInputSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
}

describe('normalize robustness', () => {
  it('stripe', () => {
    const object = {
      id: 'ch_1',
      object: 'charge',
      amount: 100,
      currency: 'usd',
      captured: true,
      payment_intent: 'pi_1',
      outcome: { reason: 'x' },
      payment_method_details: { card: { brand: 'visa', last4: '4242', wallet: { type: 'apple_pay' } } },
    };
    for (const type of [
      'charge.succeeded',
      'charge.failed',
      'charge.refunded',
      'payment_intent.payment_failed',
      'charge.dispute.closed',
      'refund.created',
    ]) {
      for (const o of shapes(object))
        assertSane(
          stripeWebhook.normalize({
            id: 'evt',
            type,
            created: 1_700_000_000,
            data: { object: o },
          } as StripeEvent).events,
        );
      for (const d of ODD)
        assertSane(stripeWebhook.normalize({ id: 'evt', type, data: d } as StripeEvent).events);
    }
  });

  it('adyen', () => {
    const item = {
      pspReference: 'P',
      eventCode: 'AUTHORISATION',
      success: 'false',
      merchantAccountCode: 'M',
      amount: { value: 1, currency: 'EUR' },
      reason: 'Refused',
      paymentMethod: 'visa',
      additionalData: { cardSummary: '1234' },
      eventDate: '2026-01-01T00:00:00Z',
    };
    for (const i of shapes(item))
      assertSane(adyenWebhook.normalize({ kind: 'standard', live: false, items: [i] }).events);
  });

  it('alipay', () => {
    const p = {
      trade_no: 'T',
      trade_status: 'TRADE_SUCCESS',
      total_amount: '1.00',
      notify_id: 'n',
      gmt_payment: '2026-01-01 00:00:00',
      refund_fee: '0.50',
      gmt_refund: '2026-01-01 01:00:00',
      fund_bill_list: '[{"fundChannel":1}]',
    };
    for (const s of shapes(p)) {
      const strings = Object.fromEntries(
        Object.entries(s).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
      );
      assertSane(alipayWebhook.normalize(strings).events);
    }
  });

  it('wechatpay', () => {
    const r = {
      transaction_id: 'T',
      mchid: 'M',
      trade_state: 'SUCCESS',
      trade_type: 'NATIVE',
      success_time: '2026-01-01T00:00:00+08:00',
      amount: { total: 1, currency: 'CNY' },
      refund_status: 'SUCCESS',
    };
    for (const s of shapes(r))
      for (const event_type of ['TRANSACTION.SUCCESS', 'REFUND.SUCCESS'])
        assertSane(wechatpayWebhook.normalize({ envelope: { id: 'e', event_type }, resource: s }).events);
  });

  it('paypal', () => {
    const r = {
      id: 'C',
      status: 'DECLINED',
      amount: { currency_code: 'USD', value: '1.00' },
      processor_response: { response_code: '5120' },
      purchase_units: [
        {
          payments: {
            captures: [{ id: 'C', status: 'COMPLETED', amount: { currency_code: 'EUR', value: '2.00' } }],
          },
        },
      ],
      disputed_transactions: [null],
      dispute_outcome: { outcome_code: 'RESOLVED_BUYER_FAVOUR' },
    };
    for (const t of [
      'PAYMENT.CAPTURE.DENIED',
      'CHECKOUT.ORDER.COMPLETED',
      'CUSTOMER.DISPUTE.RESOLVED',
      'PAYMENT.SALE.COMPLETED',
    ]) {
      for (const s of shapes(r))
        assertSane(
          paypalWebhook.normalize({
            id: 'WH',
            event_type: t,
            create_time: '2026-01-01T00:00:00Z',
            resource: s,
          } as PaypalEvent).events,
        );
    }
  });

  it('coinbase and bitpay', () => {
    const charge = {
      code: 'C',
      pricing: { local: { amount: '1.00', currency: 'USD' } },
      timeline: [{ status: 'UNRESOLVED', context: 'UNDERPAID' }],
    };
    for (const s of shapes(charge))
      for (const type of ['charge:failed', 'charge:confirmed'])
        assertSane(
          coinbaseWebhook.normalize({ id: 1, event: { id: 'e', type, data: s } } as CoinbaseDelivery).events,
        );
    const inv = { id: 'I', status: 'confirmed', price: 10, currency: 'USD', currentTime: 1_700_000_000_000 };
    for (const s of shapes(inv)) assertSane(bitpayWebhook.normalize({ invoice: s }).events);
  });
});
