// Guards the simulator's HTTP sender against a real local server: NDJSON batches with the bearer key, Retry-After and network-error retries, counting only acknowledged events, pacing and clean abort.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PaymentEventInputSchema, type PaymentEventInput } from '@paywatch/contracts';
import { countEvents } from './counts.js';
import { retryAfterMs, sendEvents } from './sender.js';

interface Received {
  at: number;
  headers: IncomingMessage['headers'];
  url: string;
  method: string;
  events: PaymentEventInput[];
}
type Reply = (req: Received, res: ServerResponse, n: number) => void;

const ok: Reply = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ accepted: req.events.length, duplicate: 0, rejected: 0, errors: [] }));
};

let server: Server | undefined;
async function collector(reply: Reply): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = {
        at: Date.now(),
        headers: req.headers,
        url: req.url ?? '',
        method: req.method ?? '',
        events: body
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => JSON.parse(l) as PaymentEventInput),
      };
      received.push(r);
      reply(r, res, received.length);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received };
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('sendEvents', { timeout: 60_000 }, () => {
  it('posts NDJSON batches with the bearer key and counts what was acknowledged', async () => {
    const { url, received } = await collector(ok);
    const report = await sendEvents({
      url,
      key: 'k-123',
      seed: 4,
      count: 1200,
      batchSize: 500,
      paced: false,
    });
    expect(report.stopped).toBe('count');
    expect(received.map((r) => r.events.length)).toEqual([500, 500, 200]);
    for (const r of received) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/v1/events');
      expect(r.headers.authorization).toBe('Bearer k-123');
      expect(r.headers['content-type']).toBe('application/x-ndjson');
    }
    const all = received.flatMap((r) => r.events);
    expect(all.every((e) => PaymentEventInputSchema.safeParse(e).success)).toBe(true);
    expect(new Set(all.map((e) => e.event_id)).size).toBe(1200);
    expect(report.accepted).toBe(1200);
    expect(report.counts).toEqual(countEvents(all));
    expect(report.seed).toBe(4);
  });

  it('stamps an unpaced run so that it ends about now, or from an explicit start', async () => {
    const { url } = await collector(ok);
    const t0 = Date.now();
    const report = await sendEvents({ url, seed: 9, rate: 100, count: 2000, paced: false });
    // 2000 events at 100/s span ~20 s of event time, ending near now rather than 20 s ahead.
    expect(report.counts.first_ts ?? NaN).toBeGreaterThanOrEqual(t0 - 21_000);
    expect(report.counts.first_ts ?? NaN).toBeLessThan(t0 - 15_000);
    expect(report.counts.last_ts ?? NaN).toBeLessThan(Date.now() + 15_000);
    const fixed = await sendEvents({
      url,
      seed: 9,
      rate: 100,
      count: 10,
      paced: false,
      start: Date.UTC(2026, 0, 1),
    });
    expect(fixed.counts.first_ts ?? NaN).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1));
    expect(fixed.counts.last_ts ?? NaN).toBeLessThan(Date.UTC(2026, 0, 1) + 60_000);
  });

  it('honours Retry-After on 429 and resends the same batch', async () => {
    const { url, received } = await collector((req, res, n) => {
      if (n === 1) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'overloaded', message: 'slow down' } }));
      } else ok(req, res, n);
    });
    const retries: Array<{ attempt: number; waitMs: number; reason: string }> = [];
    const report = await sendEvents({
      url,
      key: 'k',
      seed: 1,
      count: 50,
      paced: false,
      onRetry: (r) => retries.push(r),
    });
    expect(report.stopped).toBe('count');
    expect(report.retries).toBe(1);
    expect(retries).toEqual([{ attempt: 1, waitMs: 1000, reason: expect.stringContaining('429') as string }]);
    expect(received).toHaveLength(2);
    const [first, second] = received as [Received, Received];
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(second.events.map((e) => e.event_id)).toEqual(first.events.map((e) => e.event_id));
    expect(report.counts.events).toBe(50);
  });

  it('retries 503 and dropped connections with backoff', async () => {
    const { url, received } = await collector((req, res, n) => {
      if (n === 1) res.socket?.destroy();
      else if (n === 2) {
        res.writeHead(503, { 'retry-after': '0' });
        res.end();
      } else ok(req, res, n);
    });
    const report = await sendEvents({ url, seed: 2, count: 10, paced: false });
    expect(report.stopped).toBe('count');
    expect(report.retries).toBe(2);
    expect(received).toHaveLength(3);
    expect(report.counts.events).toBe(10);
  });

  it('keeps retrying an endless live run past the bounded-run limit until aborted', async () => {
    const { url } = await collector((req, res, n) => {
      if (n <= 12) {
        res.writeHead(503, { 'retry-after': '0' });
        res.end();
      } else ok(req, res, n);
    });
    const ac = new AbortController();
    const report = await sendEvents({
      url,
      seed: 5,
      rate: 200,
      signal: ac.signal,
      onProgress: () => ac.abort(),
    });
    expect(report.retries).toBe(12);
    expect(report.stopped).toBe('aborted');
    expect(report.counts.events).toBeGreaterThan(0);
    expect(report.counts.events).toBe(report.accepted);
  });

  it('does not count events the server rejected', async () => {
    const { url, received } = await collector((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          accepted: req.events.length - 1,
          duplicate: 0,
          rejected: 1,
          errors: [{ index: 0, path: 'ts', reason: 'test' }],
        }),
      );
    });
    const report = await sendEvents({ url, seed: 3, count: 300, batchSize: 100, paced: false });
    expect(report.rejected).toBe(3);
    expect(report.rejections[0]).toEqual({ index: 0, path: 'ts', reason: 'test' });
    expect(report.counts).toEqual(countEvents(received.flatMap((r) => r.events.slice(1))));
  });

  it('stops with an error, without retrying, on 401', async () => {
    const { url, received } = await collector((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'missing or invalid API key' } }));
    });
    const report = await sendEvents({ url, key: 'wrong', seed: 3, count: 10, paced: false });
    expect(report.stopped).toBe('error');
    expect(report.error).toMatch(/401.*invalid API key/);
    expect(received).toHaveLength(1);
    expect(report.counts.events).toBe(0);
  });

  it('paces events in real time with live timestamps', async () => {
    const { url, received } = await collector(ok);
    const t0 = Date.now();
    const report = await sendEvents({
      url,
      seed: 6,
      rate: 100,
      count: 150,
      seasonality: false,
      flushIntervalMs: 100,
    });
    const elapsed = Date.now() - t0;
    expect(report.stopped).toBe('count');
    // 150 events at 100/s: 1.5 s of wall time or a bit more (outcomes of the first payments are
    // still in flight at the start), never a burst.
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(8000);
    const all = received.flatMap((r) => r.events.map((e) => ({ e, at: r.at })));
    expect(all).toHaveLength(150);
    expect(received.length).toBeGreaterThan(5);
    for (const { e, at } of all) {
      const ts = Date.parse(e.ts as string);
      expect(ts).toBeGreaterThanOrEqual(t0);
      // Sent once due: never ahead of the wall clock, and at most a flush interval or so behind.
      expect(ts).toBeLessThanOrEqual(at);
      expect(at - ts).toBeLessThan(1000);
    }
  });

  it('stops after --duration of event time', async () => {
    const { url } = await collector(ok);
    const t0 = Date.now();
    const report = await sendEvents({ url, seed: 8, rate: 50, durationMs: 600, flushIntervalMs: 50 });
    expect(report.stopped).toBe('duration');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    expect(report.counts.last_ts ?? Infinity).toBeLessThan(t0 + 600 + 50);
  });

  it('stops cleanly when the signal aborts', async () => {
    const { url } = await collector(ok);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 400);
    const t0 = Date.now();
    const report = await sendEvents({ url, seed: 7, rate: 200, signal: ac.signal });
    expect(report.stopped).toBe('aborted');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(report.counts.events).toBe(report.accepted);
    expect(report.accepted).toBeGreaterThan(0);
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
