// Guards the small JSON routes' body limit: a declared Content-Length over it is answered 413 at once with the connection closed, not after the whole body was uploaded.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postUnfinished } from '../../test/unfinished-post.js';
import { createEmbeddedAuditLog } from '../audit/embedded-audit.js';
import { createAuthRouter } from '../auth/auth.routes.js';
import { createAuthService } from '../auth/auth.service.js';
import { createRateLimiter } from '../auth/rate-limit.js';
import { openSecurityDb, type SecurityDb } from '../auth/security-db.js';
import { errorHandler } from '../http/errors.js';
import { createJsonBody } from './json-body.js';
import { createLogger } from './logger.js';

/** POSTs a few bytes of a body declared `length` long; the answer, or a rejection after 2 s. */
const declareHuge = (port: number, path: string, length: number) =>
  postUnfinished({
    port,
    path,
    headers: { 'content-length': String(length) },
    head: '{"username":"admin","password":"',
  });

const listen = async (app: express.Express): Promise<Server> => {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  return server;
};
const portOf = (s: Server) => (s.address() as AddressInfo).port;

describe('small JSON routes', () => {
  let dir = '';
  let db: SecurityDb;
  let server: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-json-body-'));
    db = await openSecurityDb(join(dir, 'security.duckdb'));
    const logger = createLogger({ level: 'silent' });
    const auth = createAuthService(
      { db, audit: await createEmbeddedAuditLog(db), logger },
      { adminPassword: 'Adm1n-pass-word!', sessionTtlMs: 3_600_000, staticIngestKeys: [] },
    );
    await auth.start();
    const app = express();
    app.use(
      createAuthRouter({
        auth,
        secure: false,
        sessionTtlMs: 3_600_000,
        loginLimiter: createRateLimiter(100),
        describeConfig: () => ({}),
      }),
    );
    app.use(errorHandler(logger));
    server = await listen(app);
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sign-in answers 413 at once to a Content-Length over 16 KiB, without waiting for the body', async () => {
    // Was: body-parser drained the whole declared gigabyte (or waited for the 120 s request
    // timeout when the client stopped sending) before its 413.
    const got = await declareHuge(portOf(server), '/api/auth/login', 1024 ** 3);
    expect(got.status).toBe(413);
    expect(got.closed).toBe(true);
    expect(JSON.parse(got.body)).toEqual({
      error: { code: 'payload_too_large', message: 'request body exceeds the limit of 16384 bytes' },
    });
  });

  it('answers 413 at once, the connection closed, to a chunked body past the limit (still sending)', async () => {
    // Was: body-parser answered only once the client had finished sending — never, for an endless upload.
    const app = express();
    app.post('/x', createJsonBody(1024), (_req, res) => {
      res.json({});
    });
    app.use(errorHandler(createLogger({ level: 'silent' })));
    const s = await listen(app);
    try {
      const got = await postUnfinished({
        port: portOf(s),
        path: '/x',
        head: '{"a":"',
        more: 'x'.repeat(512),
      });
      expect({ status: got.status, closed: got.closed }).toEqual({ status: 413, closed: true });
    } finally {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('still parses bodies within the limit and answers a whole chunked one over it 413', async () => {
    const app = express();
    app.post('/x', createJsonBody(64), (req, res) => {
      res.json({ got: req.body as unknown });
    });
    app.use(errorHandler(createLogger({ level: 'silent' })));
    const s = await listen(app);
    try {
      const url = `http://127.0.0.1:${portOf(s)}/x`;
      const ok = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(await ok.json()).toEqual({ got: { a: 1 } });
      const chunked = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Blob([JSON.stringify({ a: 'x'.repeat(100) })]).stream(),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});
