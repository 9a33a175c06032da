// Guards the webhook HTTP edge over real HTTP: status codes and provider acks, replay dedupe, reasons, 2xx only after a durable ingest.
import { createHash, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PaymentEventInputSchema, type PaymentEvent, type Provider } from '@paywatch/contracts';
import { errorHandler } from '../../http/errors.js';
import { OverloadedError } from '../../lib/errors.js';
import { createLogger } from '../../lib/logger.js';
import type { IngestContext, IngestOutcome, Ingestor } from '../../pipeline/types.js';
import { loadFixture, lowerHeaders } from '../../../test/fixtures/providers/load-fixture.js';
import { createWebhookRouter } from './webhooks.router.js';
import type { WebhookSecrets } from './webhook-secrets.js';
import { stripeSignature } from './providers/stripe.webhook.js';
import { coinbaseSignature } from './providers/coinbase.webhook.js';

/**
 * An in-memory stand-in for the pipeline's Ingestor contract: validates like the real entry point,
 * dedupes on event_id, and can be told to fail as an overloaded store would.
 */
class MemoryIngestor implements Ingestor {
  readonly stored = new Map<string, { input: Record<string, unknown>; ctx: IngestContext }>();
  failing = false;
  calls = 0;
  async ingest(inputs: readonly unknown[], ctx: IngestContext): Promise<IngestOutcome> {
    this.calls++;
    if (this.failing) throw new OverloadedError('store is saturated', 7);
    const out: IngestOutcome = {
      accepted: 0,
      duplicate: 0,
      rejected: 0,
      errors: [],
      inserted: [] as PaymentEvent[],
    };
    inputs.forEach((raw, index) => {
      const parsed = PaymentEventInputSchema.safeParse(raw);
      if (!parsed.success) {
        out.rejected++;
        out.errors.push({
          index,
          path: parsed.error.issues[0]?.path.join('.') ?? '',
          reason: parsed.error.issues[0]?.message ?? 'invalid',
        });
        return;
      }
      if (this.stored.has(parsed.data.event_id)) {
        out.duplicate++;
        return;
      }
      this.stored.set(parsed.data.event_id, { input: parsed.data as Record<string, unknown>, ctx });
      out.accepted++;
    });
    return out;
  }
}

const logLines: string[] = [];
const logger = createLogger({
  level: 'debug',
  destination: {
    write: (s: string) => {
      logLines.push(s);
    },
  },
});

const stripeSecret = `whsec_${randomBytes(16).toString('hex')}`;
const coinbaseSecret = randomBytes(16).toString('hex');
const adyenVector = loadFixture('adyen', 'docs_hmac_example_authorisation.json');
const alipayVector = loadFixture('alipay', 'node_sdk_notify_trade_status_sync.json');
const wechatVector = loadFixture('wechatpay', 'go_notify_end_to_end.json');
const wechatCert = new X509Certificate(wechatVector.platform_certificate_pem ?? '');

const secrets: WebhookSecrets = {
  stripe: { secrets: [stripeSecret] },
  adyen: { hmacKey: Buffer.from(String(adyenVector.secret_or_key), 'hex') },
  alipay: { publicKey: createPublicKey(String(alipayVector.secret_or_key)) },
  wechatpay: {
    apiV3Key: Buffer.from(String(wechatVector.secret_or_key)),
    platformKeys: [{ serial: wechatCert.serialNumber, key: wechatCert.publicKey }],
  },
  coinbase: { secret: coinbaseSecret },
  bitpay: { enabled: true },
};

let clock = Date.UTC(2026, 0, 15, 12, 0, 0);
let ingestor: MemoryIngestor;
const rejected: [Provider, string][] = [];
const replays: Provider[] = [];
let server: Server;
let base = '';
let currentRouter: express.Router;

function newRouter(): void {
  currentRouter = createWebhookRouter({
    ingestor: { ingest: (i, c) => ingestor.ingest(i, c) },
    logger,
    secrets,
    now: () => clock,
    onRejected: (p, r) => rejected.push([p, r]),
    onReplay: (p) => replays.push(p),
  });
}

beforeAll(async () => {
  const app = express();
  // Delegate to the current router so a test can simulate a restart (fresh replay cache).
  app.use((req, res, next) => currentRouter(req, res, next));
  newRouter();
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  ingestor = new MemoryIngestor();
  rejected.length = 0;
  replays.length = 0;
  logLines.length = 0;
  clock = Date.UTC(2026, 0, 15, 12, 0, 0);
});

function stripeDelivery(
  id: string,
  t = Math.floor(clock / 1000),
): { body: string; headers: Record<string, string> } {
  const charge = {
    id: `ch_${id}`,
    object: 'charge',
    amount: 4999,
    amount_captured: 4999,
    currency: 'gbp',
    captured: true,
    payment_intent: `pi_${id}`,
  };
  const body = JSON.stringify({
    id: `evt_${id}`,
    object: 'event',
    type: 'charge.succeeded',
    created: t,
    data: { object: charge },
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'stripe-signature': `t=${t},v1=${stripeSignature(stripeSecret, t, Buffer.from(body))}`,
    },
  };
}

async function post(
  path: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', body, headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('webhook router', () => {
  it('accepts a signed Stripe event, stores it once with source webhook, and acknowledges replays without storing', async () => {
    const d = stripeDelivery('a1');
    const first = await post('/v1/webhooks/stripe', d.body, d.headers);
    expect([first.status, first.text]).toEqual([200, '{"received":true}']);
    expect(ingestor.stored.size).toBe(1);
    const [stored] = [...ingestor.stored.values()];
    expect(stored?.ctx).toEqual({ source: 'webhook', receivedAt: clock });
    expect(stored?.input).toMatchObject({
      status: 'captured',
      amount_minor: 4999,
      currency: 'GBP',
      payment_id: 'pi_a1',
    });

    const again = await post('/v1/webhooks/stripe', d.body, d.headers);
    expect(again.status).toBe(200);
    expect(ingestor.calls).toBe(1); // short-circuited by the replay cache
    expect(replays).toEqual(['stripe']);

    // After a restart the cache is empty: the deterministic event_id still dedupes in the pipeline.
    newRouter();
    const afterRestart = await post('/v1/webhooks/stripe', d.body, d.headers);
    expect(afterRestart.status).toBe(200);
    expect(ingestor.calls).toBe(2);
    expect(ingestor.stored.size).toBe(1);
    expect(replays).toEqual(['stripe', 'stripe']);
  });

  it('refuses a forged body with 401 bad_signature, counts it, and logs only size and hash', async () => {
    const d = stripeDelivery('a2');
    const forged = d.body.replace('4999', '9999');
    const res = await post('/v1/webhooks/stripe', forged, d.headers);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'bad_signature' } });
    expect(rejected).toEqual([['stripe', 'bad_signature']]);
    expect(ingestor.calls).toBe(0);
    const log = logLines.join('');
    expect(log).toContain(createHash('sha256').update(forged).digest('hex').slice(0, 16));
    expect(log).toContain(`"bodyBytes":${Buffer.byteLength(forged)}`);
    expect(log).not.toContain('ch_a2');
  });

  it('refuses stale timestamps, missing headers and unparseable bodies with their reason', async () => {
    const old = stripeDelivery('a3', Math.floor(clock / 1000) - 301);
    expect((await post('/v1/webhooks/stripe', old.body, old.headers)).status).toBe(401);
    const noHeader = await post('/v1/webhooks/stripe', '{}', { 'content-type': 'application/json' });
    expect(noHeader.status).toBe(400);
    const t = Math.floor(clock / 1000);
    const junk = await post('/v1/webhooks/stripe', 'not json', {
      'content-type': 'text/plain',
      'stripe-signature': `t=${t},v1=${stripeSignature(stripeSecret, t, Buffer.from('not json'))}`,
    });
    expect([junk.status, JSON.parse(junk.text).error.code]).toEqual([400, 'unparseable']);
    expect(rejected).toEqual([
      ['stripe', 'stale_timestamp'],
      ['stripe', 'missing_header'],
      ['stripe', 'unparseable'],
    ]);
  });

  it('logs a provider event id with card numbers masked (a replay is logged with the id)', async () => {
    const d = stripeDelivery('4116484684484883');
    expect((await post('/v1/webhooks/stripe', d.body, d.headers)).status).toBe(200);
    expect((await post('/v1/webhooks/stripe', d.body, d.headers)).status).toBe(200);
    const log = logLines.join('');
    expect(log).toContain('webhook replay acknowledged');
    expect(log).toContain('evt_411648…4883');
    expect(log).not.toContain('4116484684484883');
  });

  it('404s unknown providers and names the variable for unconfigured ones', async () => {
    const unknown = await post('/v1/webhooks/square', '{}', { 'content-type': 'application/json' });
    expect([unknown.status, JSON.parse(unknown.text).error.code]).toEqual([404, 'unknown_provider']);
    // The path segment is quoted back: masked, never a card number.
    const pan = await post('/v1/webhooks/4125440422668202', '{}', { 'content-type': 'application/json' });
    expect(pan.status).toBe(404);
    expect(JSON.parse(pan.text).error.message).toMatch(/^unknown webhook provider "412544…8202"/);
    // PayPal is deliberately left out of `secrets` above.
    const res = await post('/v1/webhooks/paypal', '{}', { 'content-type': 'application/json' });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'provider_not_configured' });
    expect(JSON.parse(res.text).error.message).toContain('PAYWATCH_PAYPAL_WEBHOOK_ID');
  });

  it('answers 503 with Retry-After while the store is down, and stores on the provider retry', async () => {
    const d = stripeDelivery('a4');
    ingestor.failing = true;
    const down = await post('/v1/webhooks/stripe', d.body, d.headers);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('7');
    ingestor.failing = false;
    const retry = await post('/v1/webhooks/stripe', d.body, d.headers);
    expect(retry.status).toBe(200);
    expect(ingestor.stored.size).toBe(1);
  });

  it('passes a 429 from an overloaded pipeline through (the provider backs off and retries)', async () => {
    const d = stripeDelivery('a5');
    const real = ingestor.ingest.bind(ingestor);
    ingestor.ingest = async () => {
      throw new OverloadedError('too many requests', 3, 429);
    };
    const res = await post('/v1/webhooks/stripe', d.body, d.headers);
    expect([res.status, res.headers.get('retry-after'), JSON.parse(res.text).error.code]).toEqual([
      429,
      '3',
      'rate_limited',
    ]);
    ingestor.ingest = real;
  });

  it('Adyen gets "[accepted]" and Alipay gets "success" for their verified vectors', async () => {
    const a = await post('/v1/webhooks/adyen', adyenVector.payload ?? '', {
      'content-type': 'application/json',
    });
    expect([a.status, a.text]).toEqual([200, '[accepted]']);
    const b = await post(
      '/v1/webhooks/alipay',
      alipayVector.payload ?? '',
      lowerHeaders(alipayVector.headers),
    );
    expect([b.status, b.text]).toEqual([200, 'success']);
    expect(
      [...ingestor.stored.values()].map((s) => [
        s.input['provider'],
        s.input['amount_minor'],
        s.input['currency'],
      ]),
    ).toEqual([
      ['adyen', 1130, 'EUR'],
      ['alipay', 10, 'CNY'],
    ]);
  });

  it('WeChat: the verified vector gets {code:"SUCCESS"}; a SIGNTEST probe gets 401 {code:"FAIL"}', async () => {
    clock = Number(wechatVector.expected['now']) * 1000;
    const h = lowerHeaders(wechatVector.headers);
    const ok = await post('/v1/webhooks/wechatpay', wechatVector.payload ?? '', h);
    expect([ok.status, JSON.parse(ok.text).code]).toEqual([200, 'SUCCESS']);
    const probe = await post('/v1/webhooks/wechatpay', wechatVector.payload ?? '', {
      ...h,
      'wechatpay-signature': 'WECHATPAY/SIGNTEST/xyz',
    });
    expect(probe.status).toBe(401);
    expect(JSON.parse(probe.text)).toMatchObject({ code: 'FAIL', error: { code: 'probe' } });
    expect(rejected).toEqual([['wechatpay', 'probe']]);
  });

  it('uses the account path segment as merchant id when the payload has none', async () => {
    const body = JSON.stringify({
      id: 'd1',
      event: {
        id: 'e-acct',
        type: 'charge:confirmed',
        created_at: '2026-01-15T11:59:00Z',
        data: { code: 'C1', pricing: { local: { amount: '12.00', currency: 'EUR' } } },
      },
    });
    const res = await post('/v1/webhooks/coinbase/shop-eu', body, {
      'content-type': 'application/json',
      'x-cc-webhook-signature': coinbaseSignature(coinbaseSecret, Buffer.from(body)),
    });
    expect(res.status).toBe(200);
    expect([...ingestor.stored.values()][0]?.input).toMatchObject({
      merchant_id: 'shop-eu',
      amount_minor: 1200,
      status: 'succeeded',
    });
    const bad = await post('/v1/webhooks/coinbase/bad%20account', body, {
      'content-type': 'application/json',
    });
    expect(bad.status).toBe(400);
  });

  it('BitPay IPNs are accepted as untrusted', async () => {
    const doc = loadFixture('bitpay', 'docs_ipn_standard_confirmed_excerpt.json');
    const res = await post('/v1/webhooks/bitpay', doc.payload ?? '', lowerHeaders(doc.headers));
    expect([res.status, res.text]).toEqual([200, '']);
    expect([...ingestor.stored.values()][0]?.input['metadata']).toMatchObject({ untrusted: true });
  });

  it('refuses a verified payment whose amount or currency cannot be read (400 naming the field) instead of acking and dropping it', async () => {
    const t = Math.floor(clock / 1000);
    const signed = (over: Record<string, unknown>, id: string) => {
      const body = JSON.stringify({
        id: `evt_${id}`,
        object: 'event',
        type: 'payment_intent.succeeded',
        created: t,
        data: {
          object: { id: `pi_${id}`, object: 'payment_intent', amount: 1099, currency: 'usd', ...over },
        },
      });
      const sig = `t=${t},v1=${stripeSignature(stripeSecret, t, Buffer.from(body))}`;
      return { body, headers: { 'content-type': 'application/json', 'stripe-signature': sig } };
    };
    for (const [over, field] of [
      [{ amount: -5 }, 'data.object.amount'],
      [{ amount: 10.5 }, 'data.object.amount'],
      [{ amount: 1e300 }, 'data.object.amount'],
      [{ currency: 'zzz' }, 'data.object.currency'],
      [{ currency: undefined }, 'data.object.currency'],
    ] as const) {
      const d = signed(over, 'bad1');
      const res = await post('/v1/webhooks/stripe', d.body, d.headers);
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(JSON.parse(res.text).error).toMatchObject({
        code: 'invalid_payload',
        message: expect.stringMatching(new RegExp(`^${field.replace(/\./g, '\\.')}: `)),
      });
    }
    expect(ingestor.calls).toBe(0);
    expect(rejected.every(([p, r]) => p === 'stripe' && r === 'invalid_payload')).toBe(true);
    // The provider's corrected redelivery is not taken for a replay.
    const fixed = signed({}, 'bad1');
    expect((await post('/v1/webhooks/stripe', fixed.body, fixed.headers)).status).toBe(200);
    expect([...ingestor.stored.values()][0]?.input).toMatchObject({ amount_minor: 1099, currency: 'USD' });
    // Non-payment events are still acknowledged without an event.
    const other = JSON.stringify({
      id: 'evt_c',
      object: 'event',
      type: 'customer.created',
      created: t,
      data: { object: { id: 'cus_1' } },
    });
    const otherSig = `t=${t},v1=${stripeSignature(stripeSecret, t, Buffer.from(other))}`;
    const ack = await post('/v1/webhooks/stripe', other, {
      'content-type': 'application/json',
      'stripe-signature': otherSig,
    });
    expect(ack.status).toBe(200);
    expect(ingestor.stored.size).toBe(1);
  });

  it('Coinbase: an ISO-currency price it cannot read is refused, not stored as 0 USD; a no-price or crypto-priced charge still is', async () => {
    const coin = (id: string, data: Record<string, unknown>) => {
      const body = JSON.stringify({
        id: `d_${id}`,
        event: {
          id: `e_${id}`,
          type: 'charge:confirmed',
          created_at: '2026-01-15T11:59:00Z',
          data: { code: id, ...data },
        },
      });
      return post('/v1/webhooks/coinbase', body, {
        'content-type': 'application/json',
        'x-cc-webhook-signature': coinbaseSignature(coinbaseSecret, Buffer.from(body)),
      });
    };
    for (const [local, field] of [
      [{ amount: '10.5', currency: 'JPY' }, 'event.data.pricing.local.amount'],
      [{ amount: '1.0005', currency: 'BHD' }, 'event.data.pricing.local.amount'],
      [{ amount: '-5.00', currency: 'USD' }, 'event.data.pricing.local.amount'],
    ] as const) {
      const res = await coin(`C${local.currency}${local.amount}`, { pricing: { local } });
      expect(res.status, JSON.stringify(local)).toBe(400);
      expect(JSON.parse(res.text).error.message).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}: `));
    }
    expect(ingestor.stored.size).toBe(0);
    expect((await coin('CBHD', { pricing: { local: { amount: '1.005', currency: 'BHD' } } })).status).toBe(
      200,
    );
    expect((await coin('CDONATION', {})).status).toBe(200);
    // A price in a crypto ticker (no ISO 4217 code) stays an unknown amount: not refused for ever.
    expect((await coin('CBTC', { pricing: { local: { amount: '0.001', currency: 'BTC' } } })).status).toBe(
      200,
    );
    expect([...ingestor.stored.values()].map((e) => [e.input['amount_minor'], e.input['currency']])).toEqual([
      [1005, 'BHD'],
      [0, 'USD'],
      [0, 'USD'],
    ]);
  });

  it('bounds the webhook bytes in flight, unsigned ones included: beyond, 503 + Retry-After before the body is read', async () => {
    let release = (): void => {};
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    currentRouter = createWebhookRouter({
      ingestor: {
        ingest: async (i, c) => {
          calls++;
          await held;
          return ingestor.ingest(i, c);
        },
      },
      logger,
      secrets,
      now: () => clock,
      inflightBytes: 1500,
    });
    const app = express();
    app.use((req, res, next) => currentRouter(req, res, next));
    app.use(errorHandler(logger));
    const srv = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => srv.once('listening', () => r()));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1/webhooks/stripe`;
    try {
      const d = stripeDelivery('inflight');
      const first = fetch(url, { method: 'POST', body: d.body, headers: d.headers });
      for (let i = 0; i < 200 && calls === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(calls).toBe(1);
      const flood = await fetch(url, {
        method: 'POST',
        body: 'x'.repeat(1400),
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      });
      expect(flood.status).toBe(503);
      expect(flood.headers.get('retry-after')).toBe('1');
      expect(((await flood.json()) as { error: { message: string } }).error.message).toMatch(
        /too many webhook bytes in flight/,
      );
      release();
      expect((await first).status).toBe(200);
      expect(ingestor.stored.size).toBe(1);
    } finally {
      release();
      await new Promise<void>((r) => srv.close(() => r()));
      newRouter();
    }
  });

  it('refuses bodies over 1 MB with 413 JSON', async () => {
    const res = await post('/v1/webhooks/stripe', Buffer.alloc(1024 * 1024 + 10, 0x61), {
      'content-type': 'application/json',
      'stripe-signature': 't=1,v1=00',
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error.code).toBe('payload_too_large');
  });
});
