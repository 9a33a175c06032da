// Guards ingest of text with a lone UTF-16 surrogate on the ClickHouse store: the events API refuses such events per event (400 when all are, naming the field) and stores the good ones around them; a signed provider webhook carrying one is stored with U+FFFD; ingest keeps working afterwards (nothing stalls the spool).
import { createHmac, randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { LONE_SURROGATE_MESSAGE, type IngestResponse, type Transactions } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ident, sql } from '../src/store/clickhouse/sql.js';
import { inputEvent, ndjson, startTestServer, type TestServer } from './harness.js';
import { assertClickHouseUp, clickhouseEndpoint, clickhouseStoreEnv } from './services.js';

const ep = clickhouseEndpoint();
const database = `paywatch_lone_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let s: TestServer;
const SECRET = 'whsec_test_lone_0123456789';

beforeAll(async () => {
  await assertClickHouseUp(ep);
  s = await startTestServer({ ...clickhouseStoreEnv(ep, database), PAYWATCH_STRIPE_WEBHOOK_SECRET: SECRET });
});
afterAll(async () => {
  await s?.stop();
  const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
  try {
    await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  } finally {
    await c.close();
  }
});

// JSON.stringify writes a lone surrogate as the escape `\ud800`: the body carries exactly what a
// client sending `"m\ud800"` sends, and JSON.parse on the server makes it a lone surrogate again.
const LONE = '\ud800';

/** Event ids stored (polled: the ClickHouse store drains its spool in the background). */
async function storedIds(want: number, timeoutMs = 20_000): Promise<string[]> {
  const range = `from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = (await s.get<Transactions>(`/api/v1/transactions?${range}&limit=500`)).body;
    const ids = page.items.map((e) => e.event_id).sort();
    if (ids.length >= want || Date.now() > deadline) return ids;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('POST /v1/events with a lone UTF-16 surrogate (ClickHouse store)', () => {
  it('refuses the event per field; good events of the batch and later batches are stored', async () => {
    const body = ndjson([
      inputEvent(1),
      inputEvent(2, { merchant_id: `m${LONE}` }),
      inputEvent(3, { failure: { category: 'other', message: `declined ${LONE}` }, status: 'failed' }),
      inputEvent(4, { metadata: { order: { note: `x${LONE}` } } }),
      inputEvent(5),
    ]);
    expect(body).toContain('"merchant_id":"m\\ud800"');
    const r = await s.post('/v1/events', body);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      accepted: 2,
      duplicate: 0,
      rejected: 3,
      errors: [
        { index: 1, line: 2, path: 'merchant_id', reason: LONE_SURROGATE_MESSAGE },
        { index: 2, line: 3, path: 'failure.message', reason: LONE_SURROGATE_MESSAGE },
        { index: 3, line: 4, path: 'metadata.order.note', reason: LONE_SURROGATE_MESSAGE },
      ],
    } satisfies IngestResponse);

    // JSON, every event refused: 400 with the same body shape.
    const one = await s.post('/v1/events', JSON.stringify(inputEvent(6, { payment_id: `p${LONE}` })), {
      'content-type': 'application/json',
    });
    expect(one.status).toBe(400);
    expect(await one.json()).toMatchObject({
      accepted: 0,
      rejected: 1,
      errors: [{ index: 0, path: 'payment_id', reason: LONE_SURROGATE_MESSAGE }],
    });

    // Ingest goes on: a later batch is stored too.
    const later = await s.post('/v1/events', ndjson([inputEvent(7), inputEvent(8)]));
    expect(await later.json()).toMatchObject({ accepted: 2, rejected: 0 });
    expect(await storedIds(4)).toEqual(['evt_1', 'evt_5', 'evt_7', 'evt_8']);
  });

  it('stores a signed Stripe webhook whose text holds one, with U+FFFD in its place', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      id: 'evt_lone_1',
      object: 'event',
      type: 'payment_intent.payment_failed',
      created: now,
      data: {
        object: {
          id: `pi_lone_1`,
          object: 'payment_intent',
          amount: 4200,
          currency: 'eur',
          status: 'requires_payment_method',
          created: now,
          last_payment_error: {
            code: 'card_declined',
            decline_code: 'do_not_honor',
            message: `Declined ${LONE}.`,
          },
          metadata: {},
        },
      },
    });
    expect(body).toContain('Declined \\ud800.');
    const sig = createHmac('sha256', SECRET).update(`${now}.${body}`).digest('hex');
    const r = await fetch(`${s.url}/v1/webhooks/stripe`, {
      method: 'POST',
      body,
      headers: { 'stripe-signature': `t=${now},v1=${sig}`, 'content-type': 'application/json' },
    });
    expect(r.status).toBe(200);
    const range = `from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`;
    const deadline = Date.now() + 20_000;
    let items: Transactions['items'] = [];
    while (items.length === 0 && Date.now() < deadline) {
      items = (
        await s.get<Transactions>(`/api/v1/transactions?${range}&provider=stripe&limit=50`)
      ).body.items.filter((e) => e.payment_id === 'pi_lone_1');
      if (items.length === 0) await new Promise((res) => setTimeout(res, 200));
    }
    expect(items.map((e) => e.failure?.message)).toEqual(['Declined \ufffd.']);
  });
});
