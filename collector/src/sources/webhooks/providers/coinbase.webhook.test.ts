// Guards Coinbase Commerce webhooks: the SDK signature vector verifies, tampering is refused, charge events normalize.
import { randomUUID } from 'node:crypto';
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
import { coinbaseSignature, coinbaseWebhook, type CoinbaseDelivery } from './coinbase.webhook.js';

const NOW = Date.UTC(2026, 0, 1);
const vector = loadFixture('coinbase', 'node_webhook_charge_created.json');
const body = Buffer.from(vector.payload ?? '');
const headers = lowerHeaders(vector.headers);
const secret = String(vector.secret_or_key);
const secrets: WebhookSecrets = { coinbase: { secret } };

describe('coinbase fixtures', () => {
  it('covers every Coinbase fixture file', () => {
    expect(listFixtures('coinbase')).toEqual([
      'node_webhook_charge_created.json',
      'sample_event_charge_failed.json',
    ]);
  });
});

describe('coinbase verify (coinbase-commerce-node vector)', () => {
  it('verifies the SDK vector', () => {
    expect(coinbaseWebhook.verify(body, headers, secrets, NOW)).toMatchObject({
      ok: true,
      payload: { event: { type: 'charge:created' } },
    });
  });

  it('refuses the SDK wrong-secret case, one changed body byte, a changed signature and a missing header', () => {
    expect(
      coinbaseWebhook.verify(body, headers, { coinbase: { secret: `${secret.slice(0, -2)}bg` } }, NOW),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(coinbaseWebhook.verify(flipByte(body), headers, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const sig = headers['x-cc-webhook-signature'] ?? '';
    expect(
      coinbaseWebhook.verify(body, { 'x-cc-webhook-signature': flipChar(sig, 7) }, secrets, NOW),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(coinbaseWebhook.verify(body, { 'x-cc-webhook-signature': 'not-hex' }, secrets, NOW)).toMatchObject(
      { ok: false, reason: 'bad_signature' },
    );
    expect(coinbaseWebhook.verify(body, {}, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
  });

  it('normalizes charge:created (no_price) → created, amount flagged unknown', () => {
    const out = coinbaseWebhook.verify(body, headers, secrets, NOW);
    if (!out.ok) throw new Error(out.message);
    const { providerEventId, events } = coinbaseWebhook.normalize(out.payload);
    expect(providerEventId).toBe('24934862-d980-46cb-9402-43c81b0cdba6');
    expect(events[0]).toMatchObject({
      status: 'created',
      payment_id: '66BEOV2A',
      method: 'crypto',
      provider: 'coinbase',
      amount_minor: 0,
      ts: Date.UTC(2017, 0, 31, 20, 49, 2),
      metadata: { amount_unknown: true, timeline_status: 'NEW' },
    });
    expect(PaymentEventInputSchema.safeParse(events[0]).success).toBe(true);
  });
});

describe('coinbase normalize (SDK event fixture, parse-only)', () => {
  it('charge:failed whose last timeline entry is EXPIRED → expired', () => {
    const sample = JSON.parse(loadFixture('coinbase', 'sample_event_charge_failed.json').payload ?? '{}') as {
      data: Record<string, unknown>;
    };
    const [e] = coinbaseWebhook.normalize({ id: 1, event: sample.data } as CoinbaseDelivery).events;
    expect(e).toMatchObject({
      status: 'expired',
      payment_id: '7C7V5ECK',
      metadata: { timeline_status: 'EXPIRED' },
      ts: Date.UTC(2018, 6, 24, 7, 48, 42),
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
  });
});

describe('coinbase round trip with a fresh secret', () => {
  const fresh = randomUUID();
  const charge = (timeline: object[]): object => ({
    code: 'ABCD1234',
    id: randomUUID(),
    pricing: {
      local: { amount: '100.00', currency: 'USD' },
      bitcoin: { amount: '0.00100000', currency: 'BTC' },
    },
    timeline,
  });
  const deliver = (type: string, data: object): Buffer =>
    Buffer.from(
      JSON.stringify({
        id: randomUUID(),
        scheduled_for: '2026-01-15T12:00:00Z',
        attempt_number: 1,
        event: {
          id: randomUUID(),
          type,
          api_version: '2018-03-22',
          created_at: '2026-01-15T12:00:00Z',
          data,
        },
      }),
    );

  it('charge:confirmed and charge:resolved → one succeeded event id, 100.00 USD = 10000', () => {
    const raw = deliver('charge:confirmed', charge([{ status: 'NEW' }, { status: 'COMPLETED' }]));
    const out = coinbaseWebhook.verify(
      raw,
      { 'x-cc-webhook-signature': coinbaseSignature(fresh, raw) },
      { coinbase: { secret: fresh } },
      NOW,
    );
    if (!out.ok) throw new Error(out.message);
    const [a] = coinbaseWebhook.normalize(out.payload).events;
    expect(a).toMatchObject({ status: 'succeeded', amount_minor: 10000, currency: 'USD' });
    const [b] = coinbaseWebhook.normalize(
      JSON.parse(deliver('charge:resolved', charge([{ status: 'RESOLVED' }])).toString()) as CoinbaseDelivery,
    ).events;
    expect(b?.event_id).toBe(a?.event_id);
  });

  it('an underpaid charge:failed → failed with UNRESOLVED:UNDERPAID kept', () => {
    const [e] = coinbaseWebhook.normalize(
      JSON.parse(
        deliver(
          'charge:failed',
          charge([{ status: 'NEW' }, { status: 'UNRESOLVED', context: 'UNDERPAID' }]),
        ).toString(),
      ) as CoinbaseDelivery,
    ).events;
    expect(e).toMatchObject({
      status: 'failed',
      failure: { category: 'other', code: 'UNRESOLVED:UNDERPAID' },
    });
  });
});
