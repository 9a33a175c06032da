// Guards the ingest API end to end: 100k NDJSON events counted exactly once, duplicates, auth, limits, partial batches.
import { INGEST_LIMITS, type IngestResponse, type Overview } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputEvent, metricValue, ndjson, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
});

async function postAll(events: unknown[], batch = 5000): Promise<IngestResponse> {
  const total: IngestResponse = { accepted: 0, duplicate: 0, rejected: 0, errors: [] };
  const bodies: string[] = [];
  for (let i = 0; i < events.length; i += batch) bodies.push(ndjson(events.slice(i, i + batch)));
  // Four requests in flight, like a real client with a small pool.
  for (let i = 0; i < bodies.length; i += 4) {
    const rs = await Promise.all(bodies.slice(i, i + 4).map((b) => s.post('/v1/events', b)));
    for (const r of rs) {
      expect(r.status).toBe(200);
      const j = (await r.json()) as IngestResponse;
      total.accepted += j.accepted;
      total.duplicate += j.duplicate;
      total.rejected += j.rejected;
    }
  }
  return total;
}

describe('POST /v1/events', () => {
  it('counts 100,000 NDJSON events once in the overview and metrics, and re-sending adds none', async () => {
    const events = Array.from({ length: 100_000 }, (_, i) =>
      inputEvent(i, { ts: Date.now() - 120_000 + (i % 60_000) }),
    );
    const first = await postAll(events);
    expect(first).toMatchObject({ accepted: 100_000, duplicate: 0, rejected: 0 });

    const q = `/api/v1/overview?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`;
    const o1 = await s.get<Overview>(q);
    expect(o1.status).toBe(200);
    expect(o1.body.events).toBe(100_000);
    expect(o1.body.attempts).toBe(100_000);
    expect(o1.body.failed).toBe(10_000);
    let metrics = await (await s.fetch('/metrics')).text();
    expect(metricValue(metrics, 'paywatch_ingest_events_total{source="api",result="accepted"}')).toBe(
      100_000,
    );

    const again = await postAll(events);
    expect(again).toMatchObject({ accepted: 0, duplicate: 100_000, rejected: 0 });
    const o2 = await s.get<Overview>(q);
    expect(o2.body.events).toBe(100_000);
    metrics = await (await s.fetch('/metrics')).text();
    expect(metricValue(metrics, 'paywatch_ingest_events_total{source="api",result="accepted"}')).toBe(
      100_000,
    );
    expect(metricValue(metrics, 'paywatch_ingest_events_total{source="api",result="duplicate"}')).toBe(
      100_000,
    );
  });

  it('accepts the good events of a mixed batch and names index and field of each bad one', async () => {
    const body =
      ndjson([
        inputEvent(1_000_001),
        inputEvent(1_000_002, { amount_minor: '12.50' }),
        inputEvent(1_000_003, { card: { bin: 'abc' } }),
        inputEvent(1_000_004),
      ]) + '{"event_id": oops}\n';
    const r = await s.post('/v1/events', body);
    expect(r.status).toBe(200);
    const j = (await r.json()) as IngestResponse;
    expect(j).toMatchObject({ accepted: 2, duplicate: 0, rejected: 3 });
    expect(j.errors.map((e) => [e.index, e.path])).toEqual([
      [1, 'amount_minor'],
      [2, 'card.bin'],
      [4, ''],
    ]);
    expect(j.errors[2]?.reason).toMatch(/malformed JSON on line 5 at column 14/);
  });

  it('accepts a JSON object or array, and dedupes inside one request', async () => {
    const one = await s.post('/v1/events', JSON.stringify(inputEvent(2_000_001)), {
      'content-type': 'application/json',
    });
    expect(await one.json()).toMatchObject({ accepted: 1 });
    const arr = await s.post(
      '/v1/events',
      JSON.stringify([inputEvent(2_000_002), inputEvent(2_000_002), inputEvent(2_000_001)]),
      { 'content-type': 'application/json' },
    );
    expect(await arr.json()).toMatchObject({ accepted: 1, duplicate: 2, rejected: 0 });
  });

  it('answers 400 naming the position of malformed JSON, and 400 when every event is rejected', async () => {
    const r = await s.post('/v1/events', '[{"a": 1},', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      error: {
        code: 'malformed_json',
        message: 'malformed JSON at position 10 (line 1, column 11): expected a value',
        field: 'body',
      },
    });
    const bad = await s.post('/v1/events', ndjson([{ nope: 1 }]));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as IngestResponse).rejected).toBe(1);
  });

  it('answers 401 without or with a wrong key', async () => {
    const none = await fetch(s.url + '/v1/events', { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    const wrong = await s.post('/v1/events', '{}', { authorization: 'Bearer not-the-key-at-all' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: { code: 'unauthorized', message: 'invalid API key' } });
  });

  it('answers 413 beyond 8 MiB or 10,000 events', async () => {
    const big = await s.post('/v1/events', Buffer.alloc(INGEST_LIMITS.maxBodyBytes + 1, 32));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(/8 MiB/);
    const many = await s.post('/v1/events', '{}\n'.repeat(10_001));
    expect(many.status).toBe(413);
    expect(((await many.json()) as { error: { message: string } }).error.message).toMatch(/limit is 10000/);
  });

  it('accepts gzip bodies', async () => {
    const { gzipSync } = await import('node:zlib');
    const r = await s.post('/v1/events', gzipSync(ndjson([inputEvent(3_000_001)])), {
      'content-encoding': 'gzip',
    });
    expect(await r.json()).toMatchObject({ accepted: 1 });
  });
});
