// Guards the events API route: the in-flight bytes limit (503 + Retry-After before the body is read, held requests still stored) and NDJSON errors naming their body line.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postUnfinished } from '../../../test/unfinished-post.js';
import { errorHandler } from '../../http/errors.js';
import { createLogger } from '../../lib/logger.js';
import type { IngestContext, IngestOutcome, Ingestor } from '../../pipeline/types.js';
import { createEventsRouter } from './events.route.js';

/** Holds each ingest until the test lets it go, as a slow store would; counts what it got. */
class HeldIngestor implements Ingestor {
  received = 0;
  private waiting: (() => void)[] = [];
  async ingest(inputs: readonly unknown[], _ctx: IngestContext): Promise<IngestOutcome> {
    await new Promise<void>((r) => this.waiting.push(r));
    this.received += inputs.length;
    return { accepted: inputs.length, duplicate: 0, rejected: 0, errors: [], inserted: [] };
  }
  get held(): number {
    return this.waiting.length;
  }
  releaseAll(): void {
    for (const r of this.waiting.splice(0)) r();
  }
}

const ingestor = new HeldIngestor();
let server: Server;
let url = '';
beforeAll(async () => {
  const app = express();
  app.use(createEventsRouter({ ingestor }, { inflightBytes: 1000 }));
  app.use(errorHandler(createLogger({ level: 'silent' })));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;
});
afterAll(async () => {
  ingestor.releaseAll();
  await new Promise<void>((r) => server.close(() => r()));
});

const body = (bytes: number) => {
  const s = JSON.stringify({ event_id: 'e', pad: '' });
  return s.replace('"pad":""', `"pad":"${'x'.repeat(bytes - s.length)}"`);
};
const post = (b: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body: b, headers: { 'content-type': 'application/json', ...headers } });

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('events API in-flight limit', () => {
  it('answers 503 + Retry-After beyond the budget, lets the held batch finish, then admits again', async () => {
    const first = post(body(800));
    await until(() => ingestor.held === 1);
    const refused = await post(body(300));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /too many ingest bytes in flight \(limit .*PAYWATCH_INGEST_INFLIGHT_MB\)/,
    );
    // Within the budget beside the held one: admitted.
    const small = post(body(150));
    await until(() => ingestor.held === 2);
    ingestor.releaseAll();
    expect((await first).status).toBe(200);
    expect((await small).status).toBe(200);
    expect(ingestor.received).toBe(2);
    // Released: the refused size fits again.
    const again = post(body(300));
    await until(() => ingestor.held === 1);
    ingestor.releaseAll();
    expect((await again).status).toBe(200);
  });

  it('counts a compressed body as the most it may expand to; a request alone always passes', async () => {
    const gz = post(gzipSync(body(100)), { 'content-encoding': 'gzip' });
    await until(() => ingestor.held === 1);
    // The gzip body is 8 MiB of budget: nothing else fits beside it.
    expect((await post(body(100))).status).toBe(503);
    ingestor.releaseAll();
    expect((await gz).status).toBe(200);
    const big = post(body(5000));
    await until(() => ingestor.held === 1);
    ingestor.releaseAll();
    expect((await big).status).toBe(200);
  });
});

/** The 413 a body over 8 MiB gets, with the connection closed. */
const TOO_LARGE = {
  status: 413,
  closed: true,
  body: {
    error: {
      code: 'payload_too_large',
      message: 'request body exceeds the limit of 8388608 bytes (8 MiB); split the batch',
    },
  },
};

describe('events API body limit', () => {
  it('answers 413 at once to a Content-Length over the limit, without waiting for the body', async () => {
    // Was: body-parser drained the whole declared body (1 GiB: the client uploaded it all) or
    // waited for the 120 s request timeout before the 413, holding in-flight budget meanwhile.
    const { port } = server.address() as AddressInfo;
    const got = await postUnfinished({
      port,
      path: '/v1/events',
      headers: { 'content-length': String(1024 ** 3) },
      head: '[{"event_id":"e"',
    });
    expect({ status: got.status, closed: got.closed, body: JSON.parse(got.body) as unknown }).toEqual(
      TOO_LARGE,
    );
  });
});

describe('events API chunked body limit', () => {
  it('answers 413 at once, the connection closed, to a chunked body past 8 MiB while it is still being sent', async () => {
    // Was: body-parser answered only once the client had finished sending (it reads the rest
    // off), so an endless chunked upload held its connection and budget to the request timeout.
    const { port } = server.address() as AddressInfo;
    const got = await postUnfinished({
      port,
      path: '/v1/events',
      head: '[{"event_id":"e","pad":"',
      more: 'x'.repeat(256 * 1024), // never ends
      timeoutMs: 10_000,
    });
    expect({ status: got.status, closed: got.closed, body: JSON.parse(got.body) as unknown }).toEqual(
      TOO_LARGE,
    );
  });
});

describe('events API NDJSON errors', () => {
  it('name the body line besides the event index (blank lines made the index point at the wrong line)', async () => {
    const app = express();
    const rejecting: Ingestor = {
      async ingest(inputs) {
        const errors = inputs.flatMap((x, index) =>
          (x as { amount_minor?: number } | undefined)?.amount_minor === -1
            ? [{ index, path: 'amount_minor', reason: 'Too small: expected number to be >=0' }]
            : [],
        );
        return {
          accepted: inputs.length - errors.length,
          duplicate: 0,
          rejected: errors.length,
          errors,
          inserted: [],
        };
      },
    };
    app.use(createEventsRouter({ ingestor: rejecting }));
    const srv = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => srv.once('listening', () => r()));
    try {
      const body = ['{"amount_minor":1}', '', '{"amount_minor":-1}', '{oops', '', '{"amount_minor":2}'].join(
        '\n',
      );
      const res = await fetch(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1/events`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(res.status).toBe(200);
      const j = (await res.json()) as { errors: unknown[] };
      expect(j.errors).toEqual([
        { index: 1, line: 3, path: 'amount_minor', reason: 'Too small: expected number to be >=0' },
        { index: 2, line: 4, path: '', reason: 'malformed JSON on line 4 at column 2: expected a string' },
      ]);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
