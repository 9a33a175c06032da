// Guards edge cases found by hands-on QA: undecodable bodies and paths are 4xx (not 500), and read filters accept the spellings ingest accepts.
import { deflateSync } from 'node:zlib';
import type { Overview } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputEvent, ndjson, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  const events = Array.from({ length: 40 }, (_, i) =>
    inputEvent(i, {
      method: i % 2 === 0 ? 'card' : 'wechat_pay',
      currency: i % 4 === 0 ? 'JPY' : 'USD',
      country: i % 4 === 0 ? 'JP' : 'US',
    }),
  );
  const r = await s.post('/v1/events', ndjson(events));
  expect(await r.json()).toMatchObject({ accepted: 40 });
});
afterAll(async () => {
  await s.stop();
});

describe('requests that cannot be decoded', () => {
  it.each([
    ['gzip', Buffer.from('this is not gzip')],
    ['deflate', Buffer.from('nor is this deflate')],
    ['br', Buffer.from('nor brotli')],
    ['gzip', deflateSync(Buffer.from('{}'))], // deflate bytes labelled gzip
  ])(
    'Content-Encoding %s with a body not in that encoding is a 400 naming the encoding',
    async (enc, body) => {
      const r = await s.post('/v1/events', body, {
        'content-type': 'application/json',
        'content-encoding': enc,
      });
      expect(r.status).toBe(400);
      const j = (await r.json()) as { error: { code: string; message: string; field?: string } };
      expect(j.error.code).toBe('bad_encoding');
      expect(j.error.message).toContain('Content-Encoding');
      expect(j.error.field).toBe('content-encoding');
      expect(s.logs()).not.toContain('unhandled error');
    },
  );

  it('a body over a small route’s own limit is a 413 naming that limit (not the ingest batch advice)', async () => {
    const r = await fetch(`${s.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'a'.repeat(100_000) }),
    });
    expect(r.status).toBe(413);
    const j = (await r.json()) as { error: { code: string; message: string } };
    expect(j.error.code).toBe('payload_too_large');
    expect(j.error.message).toBe('request body exceeds the limit of 16384 bytes');
    const big = await s.post('/v1/events', Buffer.alloc(9 * 1024 * 1024, 32), {
      'content-type': 'application/x-ndjson',
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(
      /8 MiB.*split the batch/,
    );
  });

  it('a path parameter with broken percent-encoding is a 400, not a 500', async () => {
    const r = await s.fetch('/api/v1/payments/%E0%A4%A');
    expect(r.status).toBe(400);
    const j = (await r.json()) as { error: { code: string; message: string } };
    expect(j.error.code).toBe('bad_request');
    expect(j.error.message).toContain('percent-encoding');
    expect(s.logs()).not.toContain('unhandled error');
    const doc = (await (await s.fetch('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths['/api/v1/payments/{payment_id}']?.get?.responses ?? {})).toContain('400');
  });

  it('a missing required query parameter is named as missing, not as a bad value', async () => {
    for (const [path, field] of [
      ['/api/v1/breakdown', 'dimension'],
      ['/api/v1/metrics/samples', 'series'],
    ] as const) {
      const r = await s.fetch(path);
      expect(r.status, path).toBe(400);
      const j = (await r.json()) as { error: { field?: string; message: string } };
      expect(j.error.field, path).toBe(field);
      expect(j.error.message, path).toBe(`query parameter "${field}" is required`);
    }
  });

  it('a time without a zone is a 400 (it was read in the server’s local time zone), like on ingest', async () => {
    for (const t of ['2026-11-25T00:00:00', '2026-11-25', 'Nov 25 2026', '2026-11-25T00:00']) {
      const r = await s.fetch(`/api/v1/overview?from=${encodeURIComponent(t)}`);
      expect(r.status, t).toBe(400);
      const j = (await r.json()) as { error: { field?: string; message: string } };
      expect(j.error.field, t).toBe('from');
      expect(j.error.message, t).toContain('time zone');
    }
    const to = Date.now() + 60_000;
    for (const t of ['2026-11-25T00:00:00Z', '2026-11-25T08:00:00.5+08:00', String(to - 3_600_000)]) {
      const r = await s.fetch(`/api/v1/overview?from=${encodeURIComponent(t)}&to=${to}`);
      expect(r.status, t).toBe(200);
    }
  });

  it('keeps serving afterwards', async () => {
    const r = await s.get<Overview>('/api/v1/overview');
    expect(r.status).toBe(200);
    expect(r.body.attempts).toBe(40);
  });
});

describe('read filters are spelled like ingest accepts them', () => {
  const attempts = async (query: string) => {
    const r = await s.get<Overview>(`/api/v1/overview?${query}`);
    expect(r.status, query).toBe(200);
    return r.body.attempts;
  };

  it('enum values are case-insensitive and take the documented aliases', async () => {
    const stripe = await attempts('provider=stripe');
    expect(stripe).toBeGreaterThan(0);
    expect(await attempts('provider=Stripe')).toBe(stripe);
    expect(await attempts('provider=STRIPE,adyen')).toBe(stripe + (await attempts('provider=adyen')));
    const wechat = await attempts('method=wechat_pay');
    expect(wechat).toBe(20);
    expect(await attempts('method=WeChat')).toBe(wechat); // alias, as on ingest
    expect(await attempts('status=Succeeded')).toBe(await attempts('status=succeeded'));
    expect(await attempts('status=declined')).toBe(await attempts('status=failed'));
  });

  it('currencies and countries are matched in upper case', async () => {
    const jpy = await attempts('currency=JPY');
    expect(jpy).toBe(10);
    expect(await attempts('currency=jpy')).toBe(jpy);
    expect(await attempts('country=jp')).toBe(await attempts('country=JP'));
    expect(await attempts('country=us,jp')).toBe(40);
  });

  it('an unknown enum value, currency or country is a 400 naming the parameter', async () => {
    for (const [q, field] of [
      ['provider=nope', 'provider'],
      ['method=card,cheque', 'method'],
      ['failure_category=bad_luck', 'failure_category'],
      ['currency=XYZ', 'currency'],
      ['country=ZZ', 'country'],
    ] as const) {
      const r = await s.fetch(`/api/v1/overview?${q}`);
      expect(r.status, q).toBe(400);
      const j = (await r.json()) as { error: { field?: string; message: string } };
      expect(j.error.field, q).toBe(field);
    }
  });

  it('the export and the transactions list use the same spellings', async () => {
    const list = (await s.get<{ items: unknown[] }>('/api/v1/transactions?currency=jpy&limit=500')).body;
    expect(list.items).toHaveLength(10);
    const csv = await (await s.fetch('/api/v1/export/transactions?currency=jpy&provider=Stripe')).text();
    const rows = csv.trim().split('\n').slice(1);
    expect(rows).toHaveLength(10); // every JPY event of the fixture is a stripe one
    for (const row of rows) expect(row).toContain(',stripe,');
  });
});

describe('admin API bodies', () => {
  const send = (method: string, path: string, body: string, type = 'application/json') =>
    s.fetch(path, { method, body, headers: { 'content-type': type } });
  const user = async () => {
    const r = await send(
      'POST',
      '/api/admin/users',
      JSON.stringify({ username: `u${Date.now()}`, password: 'long-enough-password-1', role: 'viewer' }),
    );
    expect(r.status).toBe(201);
    return ((await r.json()) as { id: string }).id;
  };

  it('a misspelt field is a 400 naming it, not a 200 that changed nothing', async () => {
    const id = await user();
    const r = await send('PATCH', `/api/admin/users/${id}`, JSON.stringify({ disable: true }));
    expect(r.status).toBe(400);
    const j = (await r.json()) as { error: { field?: string; message: string } };
    expect(j.error.field).toBe('disable');
    expect(j.error.message).toContain('unknown field "disable"');
    const users = (await (await s.fetch('/api/admin/users')).json()) as {
      users: { id: string; disabled: boolean }[];
    };
    expect(users.users.find((u) => u.id === id)?.disabled).toBe(false);
    const k = await send(
      'POST',
      '/api/admin/keys',
      JSON.stringify({ name: 'x', scopes: ['read'], scope: 'admin' }),
    );
    expect(k.status).toBe(400);
  });

  it('an empty change is a 400; a real one still works', async () => {
    const id = await user();
    const empty = await send('PATCH', `/api/admin/users/${id}`, '{}');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toContain(
      'nothing to change',
    );
    const ok = await send('PATCH', `/api/admin/users/${id}`, JSON.stringify({ disabled: true }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { disabled: boolean }).disabled).toBe(true);
  });

  it('a body that is not JSON is a 415 saying what to send', async () => {
    const r = await send('POST', '/api/admin/users', 'username=x', 'application/x-www-form-urlencoded');
    expect(r.status).toBe(415);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain('application/json');
  });
});
