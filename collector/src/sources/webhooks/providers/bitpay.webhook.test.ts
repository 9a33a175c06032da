// Guards BitPay IPNs: unsigned, accepted only when enabled, marked untrusted; invoice statuses and extended event names normalize.
import { describe, expect, it } from 'vitest';
import { PaymentEventInputSchema, type Status } from '@paywatch/contracts';
import { listFixtures, loadFixture, lowerHeaders } from '../../../../test/fixtures/providers/load-fixture.js';
import { bitpayWebhook } from './bitpay.webhook.js';

const NOW = Date.UTC(2026, 0, 1);
const enabled = { bitpay: { enabled: true as const } };
const doc = loadFixture('bitpay', 'docs_ipn_standard_confirmed_excerpt.json');

describe('bitpay', () => {
  it('covers every BitPay fixture file', () => {
    expect(listFixtures('bitpay')).toEqual([
      'docs_ipn_standard_confirmed_excerpt.json',
      'extended_ipn_event_names.json',
    ]);
  });

  it('refuses IPNs unless BitPay is explicitly enabled', () => {
    expect(
      bitpayWebhook.verify(Buffer.from(doc.payload ?? ''), lowerHeaders(doc.headers), {}, NOW),
    ).toMatchObject({ ok: false, reason: 'unsupported' });
  });

  it('the documented confirmed IPN → succeeded 10 USD = 1000, marked untrusted', () => {
    const out = bitpayWebhook.verify(Buffer.from(doc.payload ?? ''), lowerHeaders(doc.headers), enabled, NOW);
    if (!out.ok) throw new Error(out.message);
    const { providerEventId, events } = bitpayWebhook.normalize(out.payload);
    expect(providerEventId).toBe('Hpqc62dfE1ZjzeeH4kEycF:confirmed');
    expect(events[0]).toMatchObject({
      status: 'succeeded',
      amount_minor: 1000,
      currency: 'USD',
      payment_id: 'Hpqc62dfE1ZjzeeH4kEycF',
      method: 'crypto',
      ts: 1620671313184,
      metadata: { untrusted: true },
    });
    expect(PaymentEventInputSchema.safeParse(events[0]).success).toBe(true);
  });

  it('maps every extended event name BitPay documents / its plugin handles', () => {
    const f = loadFixture('bitpay', 'extended_ipn_event_names.json');
    const names = new Set([
      ...Object.values(f.expected['codes'] as Record<string, string>),
      ...(f.expected['plugin_handles'] as string[]),
    ]);
    const want: Record<string, Status | null> = {
      invoice_paidInFull: 'pending',
      invoice_expired: 'expired',
      invoice_confirmed: 'succeeded',
      invoice_completed: 'succeeded',
      invoice_manuallyNotified: null,
      invoice_failedToConfirm: 'failed',
      invoice_declined: 'failed',
      invoice_refundComplete: 'refunded',
    };
    expect([...names].sort()).toEqual(Object.keys(want).sort());
    for (const name of names) {
      const raw = Buffer.from(
        JSON.stringify({
          event: { code: 1000, name },
          data: { id: 'INV1', status: 'x', price: 25.5, currency: 'EUR', currentTime: 1767225600000 },
        }),
      );
      const out = bitpayWebhook.verify(raw, {}, enabled, NOW);
      if (!out.ok) throw new Error(out.message);
      const events = bitpayWebhook.normalize(out.payload).events;
      expect(events[0]?.status ?? null, name).toBe(want[name]);
      if (events[0]) expect(events[0].amount_minor).toBe(2550);
    }
  });

  it('refuses bodies that are not an invoice', () => {
    expect(bitpayWebhook.verify(Buffer.from('status=paid'), {}, enabled, NOW)).toMatchObject({
      ok: false,
      reason: 'unparseable',
    });
    expect(bitpayWebhook.verify(Buffer.from('{"status":"paid"}'), {}, enabled, NOW)).toMatchObject({
      ok: false,
      reason: 'unparseable',
    });
  });
});
