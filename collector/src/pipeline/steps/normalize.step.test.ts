// Guards the normalize step: canonical enums, UTC epoch-ms timestamps, upper-case codes, explicit nulls.
import { PaymentEventInputSchema } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { normalizeStep } from './normalize.step.js';

const now = Date.UTC(2026, 10, 25, 12);
const input = (over: Record<string, unknown> = {}) =>
  PaymentEventInputSchema.parse({
    event_id: ' e1 ',
    ts: '2026-11-25T19:30:00+08:00',
    payment_id: 'p1',
    merchant_id: 'm1',
    provider: 'WeChat',
    method: 'WeChatPay',
    status: 'Declined',
    amount_minor: 100,
    currency: 'cny',
    country: 'cn',
    ...over,
  });

describe('normalize step', () => {
  it('canonicalizes aliases, case, time zone', () => {
    const r = normalizeStep(input(), { source: 'api', receivedAt: now });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      event_id: 'e1',
      ts: Date.UTC(2026, 10, 25, 11, 30),
      provider: 'wechatpay',
      method: 'wechat_pay',
      status: 'failed',
      currency: 'CNY',
      country: 'CN',
      attempt: 1,
      channel: null,
      card: null,
      received_at: now,
      source: 'api',
      v: 1,
    });
  });
  it('gives a failed payment without a category the category other, keeping the raw code', () => {
    const r = normalizeStep(input({ failure: { code: 51 } }), { source: 'api', receivedAt: now });
    expect(r.ok && r.value.failure).toEqual({ category: 'other', code: '51', message: null });
    const r2 = normalizeStep(input(), { source: 'api', receivedAt: now });
    expect(r2.ok && r2.value.failure).toEqual({ category: 'other', code: null, message: null });
  });
  it('refuses timestamps far in the future or before 2000', () => {
    const f = normalizeStep(input({ ts: now + 2 * 86_400_000 }), { source: 'api', receivedAt: now });
    expect(!f.ok && f.errors[0]).toEqual({ path: 'ts', reason: 'more than 24 h in the future' });
    const p = normalizeStep(input({ ts: '1999-12-31T23:59:59Z' }), { source: 'api', receivedAt: now });
    expect(!p.ok && p.errors[0]?.path).toBe('ts');
    // Epoch seconds (a common client mistake) are named as such.
    const secs = normalizeStep(input({ ts: Math.floor(now / 1000) }), { source: 'api', receivedAt: now });
    expect(!secs.ok && secs.errors[0]).toEqual({
      path: 'ts',
      reason: 'before 2000-01-01 as epoch milliseconds (this looks like epoch seconds: multiply by 1000)',
    });
    const early = normalizeStep(input({ ts: 1000 }), { source: 'api', receivedAt: now });
    expect(!early.ok && early.errors[0]).toEqual({ path: 'ts', reason: 'before 2000-01-01' });
  });
  it('normalizes card fields', () => {
    const r = normalizeStep(
      input({
        card: { brand: 'MasterCard', bin: '555555', last4: '4444', issuer_country: 'de', wallet: 'ApplePay' },
      }),
      { source: 'webhook', receivedAt: now },
    );
    expect(r.ok && r.value.card).toEqual({
      brand: 'mastercard',
      bin: '555555',
      last4: '4444',
      issuer_country: 'DE',
      funding: null,
      wallet: 'apple_pay',
    });
  });
});
