// Guards the webhook source through the whole collector: a freshly signed Stripe event is verified, stored once, counted, and forgeries are refused.
import { createHmac } from 'node:crypto';
import type { Transactions } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, startTestServer, type TestServer } from './harness.js';

const SECRET = 'whsec_test_e2e_0123456789';
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ PAYWATCH_STRIPE_WEBHOOK_SECRET: SECRET });
});
afterAll(async () => {
  await s.stop();
});

function signed(body: string, t = Math.floor(Date.now() / 1000), secret = SECRET) {
  const sig = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return { 'stripe-signature': `t=${t},v1=${sig}`, 'content-type': 'application/json' };
}

const event = JSON.stringify({
  id: 'evt_e2e_1',
  object: 'event',
  type: 'payment_intent.payment_failed',
  created: Math.floor(Date.now() / 1000),
  data: {
    object: {
      id: 'pi_e2e_1',
      object: 'payment_intent',
      amount: 4200,
      currency: 'eur',
      status: 'requires_payment_method',
      created: Math.floor(Date.now() / 1000),
      last_payment_error: {
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      },
      metadata: {},
    },
  },
});

describe('Stripe webhook through the collector', () => {
  it('stores a verified event once and refuses forged and stale ones', async () => {
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${s.url}/v1/webhooks/stripe`, { method: 'POST', body, headers });
    expect((await post(event, signed(event))).status).toBe(200);
    expect((await post(event, signed(event))).status).toBe(200); // replay: acknowledged
    const forged = await post(event.replace('4200', '4201'), signed(event));
    expect(forged.status).toBe(401);
    const stale = await post(event, signed(event, Math.floor(Date.now() / 1000) - 3600));
    expect(stale.status).toBe(401);
    expect((await fetch(`${s.url}/v1/webhooks/adyen`, { method: 'POST', body: '{}' })).status).toBe(404); // not configured

    const tx = (
      await s.get<Transactions>(
        `/api/v1/transactions?provider=stripe&from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`,
      )
    ).body;
    expect(tx.items).toHaveLength(1);
    expect(tx.items[0]).toMatchObject({
      provider: 'stripe',
      status: 'failed',
      amount_minor: 4200,
      currency: 'EUR',
      source: 'webhook',
    });
    expect(tx.items[0]?.failure?.category).toBe('insufficient_funds');

    const metrics = await (await s.fetch('/metrics')).text();
    expect(metricValue(metrics, 'paywatch_ingest_events_total{source="webhook",result="accepted"}')).toBe(1);
    expect(metrics).toMatch(/paywatch_webhook_rejected_total\{provider="stripe",reason="[a-z_]+"\} [12]/);
    expect(metricValue(metrics, 'paywatch_webhook_deliveries_total{provider="stripe",result="replay"}')).toBe(
      1,
    );
  });
});
