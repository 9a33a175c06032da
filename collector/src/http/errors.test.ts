// Guards the HTTP error edge: a retryable 503 (a failed store write) and an overload always carry Retry-After; client errors never do.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, OverloadedError, StoreError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
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

  it('answers a retryable store failure 503 with the default Retry-After', async () => {
    const r = await fetch(`${base}/store`);
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe(String(STORE_RETRY_AFTER_S));
    expect(await r.json()).toEqual({
      error: { code: 'store_unavailable', message: 'spool write failed: disk full' },
    });
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
