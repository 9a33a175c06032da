// Guards robustness: hundreds of hostile requests never crash the process or produce a 5xx, and it keeps serving.
import type { Overview } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY, inputEvent, ndjson, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
});

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
}

function hostileBodies(): { body: string | Buffer; type: string }[] {
  const r = rng(42);
  const good = inputEvent(1);
  const out: { body: string | Buffer; type: string }[] = [];
  const fixed: unknown[] = [
    null,
    0,
    -1,
    1e308,
    true,
    'string',
    [],
    [[]],
    [null],
    {},
    { event_id: null },
    { __proto__: { admin: true } },
    { constructor: { prototype: { polluted: 1 } } },
    { ...good, metadata: { __proto__: { x: 1 } } },
    { ...good, amount_minor: Number.MAX_SAFE_INTEGER + 2 },
    { ...good, amount_minor: 'NaN' },
    { ...good, ts: -1 },
    { ...good, ts: 8.64e15 + 1 },
    { ...good, ts: '9999-12-31T23:59:59Z' },
    { ...good, event_id: 'x'.repeat(100_000) },
    { ...good, metadata: 'not an object' },
    { ...good, metadata: [1, 2] },
    { ...good, card: [] },
    { ...good, failure: { category: 'other', code: { nested: true } } },
    { ...good, currency: '' },
    { ...good, provider: '\u0000stripe' },
    { ...good, event_id: '\ud800' },
    { ...good, country: 'u\u0308s' },
  ];
  for (const v of fixed) out.push({ body: JSON.stringify(v) ?? 'undefined', type: 'application/json' });
  // Deeply nested structures.
  out.push({ body: '['.repeat(100_000) + ']'.repeat(100_000), type: 'application/json' });
  out.push({ body: '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000), type: 'application/json' });
  out.push({
    body: JSON.stringify({ ...good, metadata: JSON.parse('{"a":'.repeat(200) + '1' + '}'.repeat(200)) }),
    type: 'application/json',
  });
  // Invalid UTF-8 and binary noise.
  out.push({ body: Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x7b]), type: 'application/json' });
  out.push({ body: Buffer.from([0xc3, 0x28, 0x0a, 0xa0, 0xa1]), type: 'application/x-ndjson' });
  // Wrong content types.
  for (const t of [
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
    '*/*',
  ])
    out.push({ body: JSON.stringify(good), type: t });
  // Random mutations of a valid body: truncation, byte flips, duplicated keys, random JSON values.
  const text = JSON.stringify(good);
  for (let i = 0; i < 300; i++) {
    const kind = Math.floor(r() * 5);
    let b: string;
    if (kind === 0) b = text.slice(0, Math.floor(r() * text.length));
    else if (kind === 1) {
      const a = text.split('');
      for (let j = 0; j < 3; j++) a[Math.floor(r() * a.length)] = String.fromCharCode(Math.floor(r() * 128));
      b = a.join('');
    } else if (kind === 2)
      b = text.replace(
        '"USD"',
        JSON.stringify(String.fromCharCode(...Array.from({ length: 20 }, () => Math.floor(r() * 0xffff)))),
      );
    else if (kind === 3)
      b = Array.from({ length: 1 + Math.floor(r() * 20) }, () =>
        r() < 0.5 ? text : text.slice(0, Math.floor(r() * text.length)),
      ).join('\n');
    else
      b = JSON.stringify({
        ...good,
        event_id: `h${i}`,
        [['amount_minor', 'ts', 'status', 'card', 'metadata', 'attempt'][Math.floor(r() * 6)]!]: [
          null,
          1.5,
          -3,
          'x',
          {},
          [],
          true,
        ][Math.floor(r() * 7)],
      });
    out.push({ body: b, type: kind === 3 ? 'application/x-ndjson' : 'application/json' });
  }
  return out;
}

describe('hostile input', () => {
  it('answers every hostile body with 2xx/4xx and keeps serving', async () => {
    const bodies = hostileBodies();
    expect(bodies.length).toBeGreaterThan(300);
    const statuses = new Map<number, number>();
    for (const { body, type } of bodies) {
      const r = await fetch(s.url + '/v1/events', {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': type },
      });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const j = (await r.json()) as Record<string, unknown>;
      expect(r.status, `body ${String(body).slice(0, 80)}`).toBeLessThan(500);
      expect(j).toBeTypeOf('object');
    }
    expect(statuses.get(400)).toBeGreaterThan(50);
    // Hostile headers and paths.
    for (const auth of [
      'Bearer',
      'Bearer ' + 'x'.repeat(10_000),
      'Basic Zm9vOmJhcg==',
      'bearer  ' + TEST_KEY + ' extra',
    ]) {
      const r = await fetch(s.url + '/v1/events', {
        method: 'POST',
        body: '{}',
        headers: { authorization: auth },
      });
      expect(r.status).toBe(401);
    }
    for (const p of [
      '/api/v1/overview?from=abc',
      '/api/v1/overview?from[]=1',
      '/api/v1/timeseries?bucket=7m',
      '/api/v1/breakdown?dimension=;drop',
      '/api/v1/transactions?cursor=%%%',
      '/api/v1/payments/' + 'x'.repeat(200),
      '/api/v1/overview?provider=' + 'a,'.repeat(3000),
    ]) {
      const r = await s.fetch(p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.status, p).toBeLessThan(500);
    }
    // Still alive and correct.
    const ok = await s.post('/v1/events', ndjson([inputEvent(99)]));
    expect(await ok.json()).toMatchObject({ accepted: 1 });
    const o = await s.get<Overview>('/api/v1/overview');
    expect(o.status).toBe(200);
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('admin');
  });
});
