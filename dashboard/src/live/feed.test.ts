// Guards the live feed merge: newest first, one row per event even when a backfill overlaps the stream, capped length; and the stored-event mapping.
import type { PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { mergeFeed, toLiveTransaction, type FeedRow } from './feed.js';

const row = (id: string, ts: number): FeedRow => ({
  event_id: id,
  ts,
  payment_id: `pay_${id}`,
  attempt: 1,
  merchant_id: 'm1',
  provider: 'stripe',
  method: 'card',
  channel: 'web',
  status: 'succeeded',
  amount_minor: 1000,
  currency: 'USD',
  failure_category: null,
  failure_code: null,
  card_brand: 'visa',
  card_bin: '424242',
  card_last4: '4242',
  country: 'DE',
  latency_ms: 200,
});

describe('mergeFeed', () => {
  it('orders newest first and dedupes by event id (backfill overlapping the stream)', () => {
    const current = [row('c', 30), row('b', 20)];
    const backfill = [row('b', 20), row('a', 10), row('x', 25)];
    expect(mergeFeed(current, backfill, 10).map((r) => r.event_id)).toEqual(['c', 'x', 'b', 'a']);
  });

  it('keeps at most max rows, dropping the oldest', () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(`e${i}`, i));
    const out = mergeFeed([], rows, 5);
    expect(out.map((r) => r.ts)).toEqual([19, 18, 17, 16, 15]);
  });

  it('returns the same array when nothing arrives', () => {
    const current = [row('a', 1)];
    expect(mergeFeed(current, [], 5)).toBe(current);
  });
});

describe('toLiveTransaction', () => {
  it('maps a stored event onto the stream shape with failure and card fields flattened', () => {
    const e: PaymentEvent = {
      v: 1,
      event_id: 'e1',
      ts: 5,
      received_at: 6,
      source: 'api',
      payment_id: 'p1',
      attempt: 2,
      merchant_id: 'm',
      provider: 'adyen',
      method: 'card',
      channel: null,
      status: 'failed',
      amount_minor: 990,
      currency: 'EUR',
      failure: { category: 'do_not_honor', code: '05', message: 'Do not honor' },
      card: {
        brand: 'mastercard',
        bin: '555555',
        last4: '4444',
        issuer_country: 'DE',
        funding: 'credit',
        wallet: null,
      },
      country: 'DE',
      latency_ms: 812,
      customer_ref: 'c',
      device_ref: null,
      ip_ref: null,
      user_level: null,
      risk_score: null,
      metadata: null,
    };
    expect(toLiveTransaction(e)).toEqual({
      event_id: 'e1',
      ts: 5,
      payment_id: 'p1',
      attempt: 2,
      merchant_id: 'm',
      provider: 'adyen',
      method: 'card',
      channel: null,
      status: 'failed',
      amount_minor: 990,
      currency: 'EUR',
      failure_category: 'do_not_honor',
      failure_code: '05',
      card_brand: 'mastercard',
      card_bin: '555555',
      card_last4: '4444',
      country: 'DE',
      latency_ms: 812,
    });
  });
});
