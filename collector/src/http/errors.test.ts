// Guards the HTTP error edge: a retryable 503 (a failed store write) and an overload always carry Retry-After, and are logged once a minute rather than per request; client errors never carry it.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, OverloadedError, StoreError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { captureLogs } from '../../test/log-capture.js';
import { errorHandler, STORE_RETRY_AFTER_S } from './errors.js';

describe('errorHandler', () => {
  let base = '';
  let close: () => void = () => undefined;
  beforeAll(async () => {
    const app = express();
    app.get('/store', () => {
      throw new StoreError('spool write failed: disk full');
    });
    app.get('/store-permanent', () => {
      throw new StoreError('refused for good', undefined, false);
    });
    app.get('/overloaded', () => {
      throw new OverloadedError('spool quota reached', 17);
    });
    app.get('/echo', () => {
      // An error message that quotes a client's value (a content type, a charset, a parameter).
      throw new BadRequestError('charset "4125440422668202" is not supported', 'content-type');
    });
    app.get('/bad', () => {
      throw new BadRequestError('amount_minor must be an integer', 'amount_minor');
    });
    app.use(errorHandler(createLogger({ level: 'silent' })));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it('masks a card number an error message quotes back', async () => {
    const r = await fetch(`${base}/echo`);
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      error: {
        code: 'bad_request',
        message: 'charset "412544…8202" is not supported',
        field: 'content-type',
      },
    });
  });

  it('answers a retryable store failure 503 with the default Retry-After', async () => {
    const r = await fetch(`${base}/store`);
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe(String(STORE_RETRY_AFTER_S));
    expect(await r.json()).toEqual({
      error: { code: 'store_unavailable', message: 'spool write failed: disk full' },
    });
  });

  it('logs a retryable 503 once per code and minute with the count left out, not once per request', async () => {
    const { logger, lines } = captureLogs();
    let clock = 1_000_000;
    const app = express();
    app.get('/down', () => {
      throw new StoreError('ClickHouse query failed: connect ECONNREFUSED 127.0.0.1:9');
    });
    app.get('/full', () => {
      throw new OverloadedError('event spool is full', 5);
    });
    app.use(errorHandler(logger, { now: () => clock }));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (let i = 0; i < 20; i++) expect((await fetch(`${url}/down`)).status).toBe(503);
      for (let i = 0; i < 5; i++) expect((await fetch(`${url}/full`)).status).toBe(503);
      clock += 61_000;
      expect((await fetch(`${url}/down`)).status).toBe(503);
    } finally {
      server.close();
    }
    // Before: 26 WARN lines, each with a stack trace.
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 40, code: 'store_unavailable', path: '/down' });
    expect(String(lines[0]?.msg)).toContain('ECONNREFUSED 127.0.0.1:9');
    expect(lines[1]).toMatchObject({ code: 'unavailable', path: '/full' });
    expect(lines[2]).toMatchObject({ code: 'store_unavailable', suppressedSinceLast: 19 });
    expect(JSON.stringify(lines)).not.toContain('"stack"');
  });

  it('keeps the wait an overload names, and sets none where retrying cannot help', async () => {
    expect((await fetch(`${base}/overloaded`)).headers.get('retry-after')).toBe('17');
    const permanent = await fetch(`${base}/store-permanent`);
    expect(permanent.status).toBe(503);
    expect(permanent.headers.get('retry-after')).toBeNull();
    const bad = await fetch(`${base}/bad`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('retry-after')).toBeNull();
    expect(await bad.json()).toEqual({
      error: { code: 'bad_request', message: 'amount_minor must be an integer', field: 'amount_minor' },
    });
  });
});
