// Guards the Faro receiver over real HTTP: CORS limited to configured origins plus its own, 202 with stored records, 400/401/413, and 503 + Retry-After when the records are not durable.
import type { AddressInfo } from 'node:net';
import { request, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorHandler } from '../../http/errors.js';
import { OverloadedError, StoreError } from '../../lib/errors.js';
import { createLogger } from '../../lib/logger.js';
import { maskPans } from '../../lib/pan.js';
import { createFaroRouter } from './faro.router.js';
import type { RumRecord } from './rum.js';

const stored: RumRecord[] = [];
const rejected: string[] = [];
const received: number[] = [];
/** When set, the writer fails with it (store down, spool full) and stores nothing. */
let failWith: Error | null = null;
/** When set, the writer waits for it (a slow store), holding the request in flight. */
let hold: Promise<void> | null = null;
let writes = 0;
let server: Server;
let base = '';
const payload = {
  meta: { session: { id: 's1' }, app: { name: 'shop' } },
  events: [{ name: 'checkout_viewed', timestamp: new Date().toISOString(), attributes: {} }],
};

beforeAll(async () => {
  const app = express();
  app.use(
    createFaroRouter({
      writer: {
        writeRum: async (r) => {
          writes++;
          if (hold) await hold;
          if (failWith) throw failWith;
          stored.push(...r);
        },
      },
      onReceived: (_kind, n) => received.push(n),
      logger: createLogger({ level: 'silent' }),
      maskText: maskPans,
      allowedOrigins: ['https://shop.example.com'],
      maxBodyBytes: 4096,
      inflightBytes: 6000,
      apiKey: 'k1',
      onRejected: (r) => rejected.push(r),
    }),
  );
  app.use(errorHandler(createLogger({ level: 'silent' })));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/faro/collect`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  stored.length = 0;
  rejected.length = 0;
  received.length = 0;
  failWith = null;
});

const headers = { 'content-type': 'application/json', origin: 'https://shop.example.com', 'x-api-key': 'k1' };

describe('faro receiver', () => {
  it('answers the preflight of an allowed origin with the Faro headers', async () => {
    const res = await fetch(base, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-faro-session-id',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(res.headers.get('access-control-allow-headers')).toContain('x-faro-session-id');
  });

  it('refuses other origins without CORS headers', async () => {
    const pre = await fetch(base, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(base, {
      method: 'POST',
      headers: { ...headers, origin: 'https://evil.example' },
      body: JSON.stringify(payload),
    });
    expect(post.status).toBe(403);
    expect(stored).toEqual([]);
  });

  it("accepts the collector's own origin (browsers send Origin on same-origin POSTs) but not a look-alike", async () => {
    const own = new URL(base).origin; // http://127.0.0.1:<port>, not in the allow-list
    const res = await fetch(base, {
      method: 'POST',
      headers: { ...headers, origin: own },
      body: JSON.stringify(payload),
    });
    expect(res.status).toBe(202);
    expect(stored).toHaveLength(1);
    for (const other of [
      own.replace('http:', 'https:'),
      `${own}1`,
      'http://localhost:' + new URL(base).port,
    ]) {
      const r = await fetch(base, {
        method: 'POST',
        headers: { ...headers, origin: other },
        body: JSON.stringify(payload),
      });
      expect([other, r.status]).toEqual([other, 403]);
    }
    expect(stored).toHaveLength(1);
  });

  it('derives its own origin from Host and the TLS state, never from X-Forwarded-* or a Host with userinfo', async () => {
    const post = (h: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(base, { method: 'POST', headers: { ...headers, ...h } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(JSON.stringify(payload));
      });
    // Host names the page's origin (what a browser on shop2 would send): accepted.
    expect(await post({ host: 'shop2.example:8443', origin: 'http://shop2.example:8443' })).toBe(202);
    // Plain HTTP connection: claiming https via X-Forwarded-Proto/Host does not make it "own".
    expect(
      await post({
        host: 'shop2.example',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'shop2.example',
        origin: 'https://shop2.example',
      }),
    ).toBe(403);
    expect(await post({ host: 'evil.example@shop2.example', origin: 'http://shop2.example' })).toBe(403);
  });

  it('stores a payload (plain or gzip) and answers 202 with the count', async () => {
    const res = await fetch(base, { method: 'POST', headers, body: JSON.stringify(payload) });
    expect([res.status, await res.json()]).toEqual([202, { accepted: 1 }]);
    const gz = await fetch(base, {
      method: 'POST',
      headers: { ...headers, 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(payload)),
    });
    expect(gz.status).toBe(202);
    expect(stored.map((r) => [r.kind, r.name, r.session_id])).toEqual([
      ['event', 'checkout_viewed', 's1'],
      ['event', 'checkout_viewed', 's1'],
    ]);
  });

  it('bounds the beacon bytes in flight: beyond, 503 + Retry-After with CORS headers, before the body is read', async () => {
    let release = (): void => {};
    hold = new Promise<void>((r) => (release = r));
    // A gzip body counts as the most it may expand to (4096 of the 6000 budget).
    const first = fetch(base, {
      method: 'POST',
      headers: { ...headers, 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(payload)),
    });
    const before = writes;
    for (let i = 0; i < 200 && writes === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(writes).toBe(before + 1);
    const refused = await fetch(base, {
      method: 'POST',
      headers: { ...headers, 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(payload)),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /too many Faro beacon bytes in flight/,
    );
    hold = null;
    release();
    expect((await first).status).toBe(202);
    const after = await fetch(base, { method: 'POST', headers, body: JSON.stringify(payload) });
    expect(after.status).toBe(202);
  });

  it('refuses a wrong api key, an invalid payload and an oversized body', async () => {
    expect(
      (
        await fetch(base, {
          method: 'POST',
          headers: { ...headers, 'x-api-key': 'nope' },
          body: JSON.stringify(payload),
        })
      ).status,
    ).toBe(401);
    expect(
      (await fetch(base, { method: 'POST', headers, body: JSON.stringify({ events: 'x' }) })).status,
    ).toBe(400);
    expect(
      (
        await fetch(base, {
          method: 'POST',
          headers,
          body: JSON.stringify({ ...payload, pad: 'x'.repeat(5000) }),
        })
      ).status,
    ).toBe(413);
    expect(rejected).toEqual(['api_key', 'invalid', 'too_large']);
  });

  it('quotes a refused origin or content type with card numbers masked', async () => {
    const origin = await fetch(base, {
      method: 'POST',
      headers: { ...headers, origin: 'https://4125440422668202.example' },
      body: JSON.stringify(payload),
    });
    expect(origin.status).toBe(403);
    const type = await fetch(base, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-4125440422668202' },
      body: JSON.stringify(payload),
    });
    expect(type.status).toBe(415);
    for (const text of [await origin.text(), await type.text()]) {
      expect(text).not.toContain('4125440422');
      expect(text).toContain('412544…8202');
    }
  });

  it('refuses malformed JSON without quoting the body back (V8 put the typed card number in the message)', async () => {
    for (const [type, body] of [
      ['application/json', 'x4125440422668202'],
      ['text/plain', '4125440422668202 oops'],
    ] as const) {
      const res = await fetch(base, { method: 'POST', headers: { ...headers, 'content-type': type }, body });
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).not.toContain('4125440422');
      expect(JSON.parse(text)).toEqual({
        error: { code: 'bad_request', message: 'the body is not valid JSON' },
      });
    }
    expect(stored).toEqual([]);
  });

  it('names the limit of an oversized body, and refuses other content types with 415 (was a 400 "received undefined")', async () => {
    const big = await fetch(base, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...payload, pad: 'x'.repeat(5000) }),
    });
    expect(((await big.json()) as { error: { message: string } }).error.message).toBe(
      'Faro body larger than 4096 bytes after gzip decoding (PAYWATCH_FARO_MAX_BODY_KB)',
    );
    for (const type of ['application/xml', undefined]) {
      const h: Record<string, string> = { origin: headers.origin, 'x-api-key': 'k1' };
      if (type) h['content-type'] = type;
      const res = await fetch(base, {
        method: 'POST',
        headers: h,
        body: new Blob([JSON.stringify(payload)]),
      });
      expect(res.status, String(type)).toBe(415);
      expect(await res.json()).toMatchObject({
        error: {
          code: 'unsupported_media_type',
          message: expect.stringContaining('send application/json or text/plain'),
        },
      });
    }
    expect(stored).toEqual([]);
    const plain = await fetch(base, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify(payload),
    });
    expect(plain.status).toBe(202);
  });

  it("answers 503 with the spool's Retry-After when the spool is full, and 503 with a Retry-After when the store fails", async () => {
    const post = () => fetch(base, { method: 'POST', headers, body: JSON.stringify(payload) });
    failWith = new OverloadedError('event spool is full', 7, 503);
    const full = await post();
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('7');
    expect(await full.json()).toMatchObject({ error: { code: 'unavailable' } });
    failWith = new StoreError('ClickHouse insert failed');
    const down = await post();
    expect(down.status).toBe(503);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    // Nothing was acknowledged, so nothing is counted as received.
    expect(stored).toEqual([]);
    expect(received).toEqual([]);
    failWith = null;
    const ok = await post();
    expect(ok.status).toBe(202);
    expect(received).toEqual([1]);
  });
});
