// Guards Stripe webhooks: the official Stripe-Signature vectors verify, tampering/staleness is refused, events normalize.
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
import { hmacSha256 } from '../webhook-util.js';
import {
  parseStripeSignature,
  stripeFailureCategory,
  stripeSignature,
  stripeWebhook,
  type StripeEvent,
} from './stripe.webhook.js';

const vector = loadFixture('stripe', 'dotnet_event_test_signature.json');
const body = Buffer.from(vector.payload ?? '', 'utf8');
const headers = lowerHeaders(vector.headers);
const secrets: WebhookSecrets = { stripe: { secrets: [String(vector.secret_or_key)] } };
const nowOk = Number(vector.expected['now_ok']) * 1000;
const sigHeader = headers['stripe-signature'] ?? '';

function wrap(type: string, object: unknown, extra: Record<string, unknown> = {}): StripeEvent {
  return {
    id: `evt_${type}`,
    object: 'event',
    type,
    created: 1_700_000_000,
    data: { object },
    ...extra,
  } as StripeEvent;
}

describe('stripe verify (stripe-dotnet vector)', () => {
  it('covers every Stripe fixture file', () => {
    expect(listFixtures('stripe')).toEqual([
      'dotnet_event_test_signature.json',
      'dotnet_event_test_signature.raw.json',
      'node_crypto_provider_hmac.json',
      'sample_object_charge.json',
      'sample_object_dispute.json',
      'sample_object_payment_intent.json',
      'sample_object_refund.json',
    ]);
  });

  it('verifies the official vector at t+100 s and parses the event', () => {
    const out = stripeWebhook.verify(body, headers, secrets, nowOk);
    expect(out).toMatchObject({
      ok: true,
      payload: { id: 'evt_123', type: 'customer.created', account: 'acct_123' },
    });
  });

  it('the .raw.json companion holds the same bytes as the vector payload', async () => {
    const { readFixtureText } = await import('../../../../test/fixtures/providers/load-fixture.js');
    expect(readFixtureText('stripe', 'dotnet_event_test_signature.raw.json')).toBe(vector.payload);
  });

  it('refuses the vector 400 s after t as stale', () => {
    const out = stripeWebhook.verify(body, headers, secrets, Number(vector.expected['now_too_late']) * 1000);
    expect(out).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('does not reject timestamps in the future (Stripe only checks age)', () => {
    expect(stripeWebhook.verify(body, headers, secrets, (1533204620 - 3600) * 1000).ok).toBe(true);
  });

  it('refuses a body with one byte changed, an appended string, or the trailing newline dropped', () => {
    for (const b of [
      flipByte(body),
      Buffer.concat([body, Buffer.from('this_changes_the_json')]),
      body.subarray(0, body.length - 1),
    ]) {
      expect(stripeWebhook.verify(b, headers, secrets, nowOk)).toMatchObject({
        ok: false,
        reason: 'bad_signature',
      });
    }
  });

  it('refuses a signature with one character changed and a changed timestamp', () => {
    const v1 = String(vector.expected['v1']);
    const badSig = { 'stripe-signature': sigHeader.replace(v1, flipChar(v1)) };
    expect(stripeWebhook.verify(body, badSig, secrets, nowOk)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const badT = { 'stripe-signature': sigHeader.replace('t=1533204620', 't=1533204621') };
    expect(stripeWebhook.verify(body, badT, secrets, nowOk)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses with a key one character off, and ignores v0', () => {
    expect(
      stripeWebhook.verify(body, headers, { stripe: { secrets: ['webhook_secreT'] } }, nowOk),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    const onlyV0 = { 'stripe-signature': sigHeader.replace(/v1=[0-9a-f]+,/, '') };
    expect(stripeWebhook.verify(body, onlyV0, secrets, nowOk)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('accepts when any v1 matches any configured secret (rolling secrets)', () => {
    const rolled = {
      'stripe-signature': `t=1533204620,v1=${'0'.repeat(64)},v1=${String(vector.expected['v1'])}`,
    };
    expect(
      stripeWebhook.verify(body, rolled, { stripe: { secrets: ['whsec_old', 'webhook_secret'] } }, nowOk).ok,
    ).toBe(true);
  });

  it('says which header is missing', () => {
    expect(stripeWebhook.verify(body, {}, secrets, nowOk)).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
  });

  it('parses every v1 and the timestamp from the header', () => {
    expect(parseStripeSignature('t=5,v1=aa,v0=bb,v1=cc')).toEqual({ t: 5, v1: ['aa', 'cc'] });
    expect(parseStripeSignature('v1=aa')).toBeUndefined();
  });

  it('normalizes the vector (customer.created) to no payment events but keeps its id', () => {
    const out = stripeWebhook.verify(body, headers, secrets, nowOk);
    if (!out.ok) throw new Error(out.message);
    expect(stripeWebhook.normalize(out.payload)).toEqual({ providerEventId: 'evt_123', events: [] });
  });
});

describe('stripe HMAC primitive (stripe-node vectors)', () => {
  const f = loadFixture('stripe', 'node_crypto_provider_hmac.json');
  for (const c of f.cases ?? []) {
    it(`matches ${c.name}`, () => {
      expect(hmacSha256(String(f.secret_or_key), Buffer.from(c.payload, 'utf8')).toString('hex')).toBe(
        c.expected_hex,
      );
    });
  }
});

describe('stripe normalize (stripe-mock objects)', () => {
  const obj = (file: string): Record<string, unknown> =>
    JSON.parse(loadFixture('stripe', file).payload ?? '{}') as Record<string, unknown>;

  it('charge.succeeded with captured=false → authorized 100 USD, Visa credit 4242 issued in US, wallet link → other', () => {
    const { events } = stripeWebhook.normalize(wrap('charge.succeeded', obj('sample_object_charge.json')));
    expect(events).toHaveLength(1);
    const e = events[0];
    expect(e).toMatchObject({
      status: 'authorized',
      amount_minor: 100,
      currency: 'USD',
      payment_id: 'ch_1PgafuB7WZ01zgkWXYmPNZs8',
      method: 'card',
      card: { brand: 'visa', last4: '4242', issuer_country: 'US', funding: 'credit', wallet: 'other' },
      merchant_id: 'default',
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
  });

  it('payment_intent.payment_failed → failed 1099 USD with the raw error code kept', () => {
    const { events } = stripeWebhook.normalize(
      wrap('payment_intent.payment_failed', obj('sample_object_payment_intent.json'), { account: 'acct_9' }),
    );
    expect(events[0]).toMatchObject({
      status: 'failed',
      amount_minor: 1099,
      currency: 'USD',
      payment_id: 'pi_1PgafyB7WZ01zgkWSjxsAJo3',
      merchant_id: 'acct_9',
      failure: { category: 'other', code: 'idempotency_error' },
    });
    expect(PaymentEventInputSchema.safeParse(events[0]).success).toBe(true);
  });

  it('refund.created (succeeded) → refunded 100 USD on the charge', () => {
    const { events } = stripeWebhook.normalize(wrap('refund.created', obj('sample_object_refund.json')));
    expect(events[0]).toMatchObject({
      status: 'refunded',
      amount_minor: 100,
      currency: 'USD',
      payment_id: 'ch_1PgafuB7WZ01zgkWXYmPNZs8',
    });
    expect(PaymentEventInputSchema.safeParse(events[0]).success).toBe(true);
  });

  it('charge.dispute.created → chargeback_opened 1000 USD on the charge; closed+lost → chargeback_lost', () => {
    const dispute = obj('sample_object_dispute.json');
    const { events } = stripeWebhook.normalize(wrap('charge.dispute.created', dispute));
    expect(events[0]).toMatchObject({
      status: 'chargeback_opened',
      amount_minor: 1000,
      currency: 'USD',
      payment_id: 'ch_1PgafuB7WZ01zgkWXYmPNZs8',
    });
    expect(PaymentEventInputSchema.safeParse(events[0]).success).toBe(true);
    const closed = stripeWebhook.normalize(wrap('charge.dispute.closed', { ...dispute, status: 'lost' }));
    expect(closed.events[0]?.status).toBe('chargeback_lost');
  });

  it('partial refunds and zero-decimal currencies keep minor units as sent', () => {
    const charge = {
      ...obj('sample_object_charge.json'),
      currency: 'jpy',
      amount: 5000,
      amount_refunded: 1200,
    };
    expect(stripeWebhook.normalize(wrap('charge.refunded', charge)).events[0]).toMatchObject({
      status: 'partially_refunded',
      amount_minor: 1200,
      currency: 'JPY',
    });
  });

  it('maps decline codes onto the taxonomy', () => {
    expect(stripeFailureCategory('insufficient_funds')).toBe('insufficient_funds');
    expect(stripeFailureCategory('expired_card')).toBe('card_expired');
    expect(stripeFailureCategory('incorrect_cvc')).toBe('invalid_card_data');
    expect(stripeFailureCategory('stolen_card')).toBe('fraud_suspected');
    expect(stripeFailureCategory('issuer_not_available')).toBe('issuer_unavailable');
    expect(stripeFailureCategory('authentication_required')).toBe('authentication_failed');
    expect(stripeFailureCategory('some_new_code')).toBe('other');
  });
});

describe('stripe round trip with a fresh secret', () => {
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const fresh: WebhookSecrets = { stripe: { secrets: [secret] } };
  const now = Date.UTC(2026, 0, 15, 12, 0, 0);
  const t = Math.floor(now / 1000) - 10;
  const sign = (event: unknown): { raw: Buffer; h: Record<string, string> } => {
    const raw = Buffer.from(JSON.stringify(event, null, 2) + '\n');
    return { raw, h: { 'stripe-signature': `t=${t},v1=${stripeSignature(secret, t, raw)}` } };
  };

  it('a charge.failed with an issuer decline normalizes to insufficient_funds and an Apple Pay card', () => {
    const charge = {
      id: 'ch_fresh',
      object: 'charge',
      amount: 2599,
      currency: 'eur',
      payment_intent: 'pi_fresh',
      captured: false,
      failure_code: 'card_declined',
      failure_message: 'Your card has insufficient funds.',
      outcome: { type: 'issuer_declined', reason: 'insufficient_funds' },
      payment_method_details: {
        type: 'card',
        card: {
          brand: 'mastercard',
          last4: '4444',
          country: 'FR',
          funding: 'debit',
          wallet: { type: 'apple_pay', dynamic_last4: '9999' },
        },
      },
    };
    const { raw, h } = sign({
      id: 'evt_fresh_1',
      object: 'event',
      type: 'charge.failed',
      created: t,
      data: { object: charge },
    });
    const v = stripeWebhook.verify(raw, h, fresh, now);
    if (!v.ok) throw new Error(v.message);
    const [e] = stripeWebhook.normalize(v.payload).events;
    expect(e).toMatchObject({
      status: 'failed',
      amount_minor: 2599,
      currency: 'EUR',
      payment_id: 'pi_fresh',
      method: 'apple_pay',
      country: 'FR',
      failure: {
        category: 'insufficient_funds',
        code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      },
      card: { brand: 'mastercard', last4: '4444', wallet: 'apple_pay', funding: 'debit' },
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
  });

  it('payment_intent.succeeded and charge.succeeded of one payment share one event_id (no double count)', () => {
    const pi = {
      id: 'pi_x',
      object: 'payment_intent',
      amount: 1000,
      amount_received: 1000,
      currency: 'usd',
      latest_charge: 'ch_x',
      status: 'succeeded',
    };
    const ch = {
      id: 'ch_x',
      object: 'charge',
      amount: 1000,
      amount_captured: 1000,
      currency: 'usd',
      captured: true,
      payment_intent: 'pi_x',
    };
    const a = stripeWebhook.normalize(wrap('payment_intent.succeeded', pi)).events[0];
    const b = stripeWebhook.normalize(wrap('charge.succeeded', ch)).events[0];
    expect(a?.event_id).toBe(b?.event_id);
    expect(a?.status).toBe('succeeded');
    expect(b?.status).toBe('captured');
    expect(b?.payment_id).toBe('pi_x');
  });

  it('a signature made with another fresh secret is refused', () => {
    const { raw } = sign({
      id: 'evt_fresh_2',
      object: 'event',
      type: 'charge.pending',
      created: t,
      data: { object: {} },
    });
    const other = `t=${t},v1=${stripeSignature('whsec_other', t, raw)}`;
    expect(stripeWebhook.verify(raw, { 'stripe-signature': other }, fresh, now)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });
});
