// Guards a running collector against the hostile inputs found in QA: nothing refused is stored, nothing accepted is altered, errors name the field or line, the process keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripeSignature } from '../src/sources/webhooks/providers/stripe.webhook.js';
import { TEST_KEY, inputEvent, metricValue, startTestServer, type TestServer } from './harness.js';

const STRIPE_SECRET = 'whsec_hostile_ingest_integration_0123';
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    PAYWATCH_STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    PAYWATCH_FARO_ENABLED: 'true',
  });
});
afterAll(async () => {
  await s.stop();
});

const ingest = (body: string | Buffer, type = 'application/json') =>
  s.post('/v1/events', body, { authorization: `Bearer ${TEST_KEY}`, 'content-type': type });

async function stored(paymentIds: string[]): Promise<{ payment_id: string; merchant_id: string }[]> {
  const from = Date.now() - 3_600_000;
  const out: { payment_id: string; merchant_id: string }[] = [];
  for (const id of paymentIds) {
    const r = await s.get<{ items: { payment_id: string; merchant_id: string }[] }>(
      `/api/v1/transactions?limit=100&from=${from}&payment_id=${id}`,
    );
    expect(r.status).toBe(200);
    out.push(...r.body.items);
  }
  return out;
}

describe('hostile ingest on a running collector', () => {
  it('refuses Latin-1 bytes (JSON: 400 naming the byte; NDJSON: that line only) instead of storing U+FFFD', async () => {
    const latin1 = Buffer.from(JSON.stringify(inputEvent(9101, { merchant_id: 'café' })), 'latin1');
    const r = await ingest(latin1);
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: { code: 'invalid_utf8', field: 'body' } });
    const nd = Buffer.concat([
      Buffer.from(JSON.stringify(inputEvent(9102)) + '\n\n'),
      latin1,
      Buffer.from('\n' + JSON.stringify(inputEvent(9103, { merchant_id: 'Zoë' })) + '\n'),
    ]);
    const r2 = await ingest(nd, 'application/x-ndjson');
    expect(r2.status).toBe(200);
    const j = (await r2.json()) as {
      accepted: number;
      errors: { index: number; line: number; reason: string }[];
    };
    expect(j.accepted).toBe(2);
    expect(j.errors).toEqual([
      {
        index: 1,
        line: 3,
        path: '',
        reason: expect.stringMatching(/^line 3 at byte \d+ is not valid UTF-8/),
      },
    ]);
    expect((await stored(['pay_9101', 'pay_9102', 'pay_9103'])).map((e) => e.merchant_id).sort()).toEqual([
      'Zoë',
      'merchant_a',
    ]);
  });

  it('refuses a "__proto__" metadata key naming its path instead of dropping it', async () => {
    const body = JSON.stringify(inputEvent(9201)).replace('{', '{"metadata":{"a":{"__proto__":{"x":1}}},');
    const r = await ingest(body);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { errors: unknown[] }).errors).toEqual([
      { index: 0, path: 'metadata.a.__proto__', reason: '"__proto__" is not allowed as a metadata key' },
    ]);
    expect(await stored(['pay_9201'])).toEqual([]);
  });

  it('refuses a signed Stripe payment with an unreadable amount (400 naming the field), stores its correction', async () => {
    const t = Math.floor(Date.now() / 1000);
    const send = (amount: number) => {
      const body = JSON.stringify({
        id: 'evt_hostile_1',
        object: 'event',
        type: 'payment_intent.succeeded',
        created: t,
        data: {
          object: {
            id: 'pi_hostile_1',
            object: 'payment_intent',
            amount,
            amount_received: amount,
            currency: 'usd',
          },
        },
      });
      return s.post('/v1/webhooks/stripe', body, {
        'content-type': 'application/json',
        'stripe-signature': `t=${t},v1=${stripeSignature(STRIPE_SECRET, t, Buffer.from(body))}`,
      });
    };
    const bad = await send(-500);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'invalid_payload', message: expect.stringMatching(/^data\.object\.amount: /) },
    });
    expect(await stored(['pi_hostile_1'])).toEqual([]);
    const metrics = await (await s.fetch('/metrics')).text();
    expect(
      metricValue(metrics, 'paywatch_webhook_rejected_total{provider="stripe",reason="invalid_payload"}'),
    ).toBe(1);
    expect((await send(500)).status).toBe(200);
    expect(await stored(['pi_hostile_1'])).toHaveLength(1);
  });

  it('answers a Faro beacon nested thousands of levels deep with a 400 naming the field (was a 500)', async () => {
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const r = await s.post('/faro/collect', `{"events":[{"name":"x","attributes":{"a":${deep}}}]}`, {
      'content-type': 'application/json',
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({
      error: { code: 'invalid_payload', field: 'events.0.attributes' },
    });
    expect((await s.fetch('/healthz')).status).toBe(200);
  });
});
