// Guards the client address access control uses: the live socket's re-check audits the client behind a trusted proxy, and the per-IP limit counts an IPv6 /64 as one client; and that an analyst's live socket asking for no transactions (the alert pages') is not sent them.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { expect, it } from 'vitest';
import { createEmbeddedAuditLog } from '../audit/embedded-audit.js';
import { clientIp } from '../lib/client-ip.js';
import { createLogger } from '../lib/logger.js';
import {
  LIVE_TRANSACTIONS_ROOM,
  createAccessControl,
  type AccessControl,
  type AccessControlDeps,
} from './access-control.js';
import { createAuthService, type AuthService } from './auth.service.js';
import { createRateLimiter } from './rate-limit.js';
import { openSecurityDb } from './security-db.js';

/**
 * Runs `run` with a started auth service on a fresh security database and access control over it
 * (no docs, not secure, rate limiters of 1000 per IP and per key, unless `over` says otherwise); the
 * database and its directory are removed after.
 */
async function withAccess(
  over: Partial<Omit<AccessControlDeps, 'auth'>>,
  run: (auth: AuthService, access: AccessControl) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-access-'));
  const db = await openSecurityDb(join(dir, 'security.duckdb'));
  try {
    const auth = createAuthService(
      { db, audit: await createEmbeddedAuditLog(db), logger: createLogger({ level: 'silent' }) },
      { adminPassword: 'Adm1n-pass-word!', sessionTtlMs: 3_600_000, staticIngestKeys: [] },
    );
    await auth.start();
    const access = createAccessControl({
      auth,
      docs: [],
      secure: false,
      limits: { perIp: createRateLimiter(1000), perKey: createRateLimiter(1000) },
      ...over,
    });
    await run(auth, access);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

it('audits a revoked key found by the socket re-check with the client behind the trusted proxy', async () => {
  await withAccess(
    // The proxy is the loopback peer (PAYWATCH_TRUST_PROXY=loopback).
    { clientIp: (req) => clientIp(req, (addr) => addr === '127.0.0.1' || addr === '::ffff:127.0.0.1') },
    async (auth, access) => {
      const http = createServer();
      const io = new Server(http);
      try {
        io.use(access.socket);
        await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
        const ctx = { principal: { kind: 'system' as const, name: 'test' }, ip: null };
        const { key, view } = await auth.createKey({ name: 'wallboard', scopes: ['read'] }, ctx);
        const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
          transports: ['websocket'],
          auth: { token: key },
          extraHeaders: { 'x-forwarded-for': '203.0.113.9' },
          reconnection: false,
          forceNew: true,
        });
        await new Promise<void>((resolve, reject) => {
          client.on('connect', () => resolve());
          client.on('connect_error', reject);
        });
        await auth.revokeKey(view.id, ctx);
        await access.recheckSockets(io.sockets.sockets.values());
        client.close();
        const failed = (await auth.audit.list({ limit: 10 })).filter((e) => e.action === 'key.auth_failed');
        expect(failed.map((e) => e.ip)).toEqual(['203.0.113.9']);
      } finally {
        await io.close();
      }
    },
  );
});

it('counts an IPv6 /64 as one client in the per-IP limit (one host owns the whole /64), IPv4-mapped as IPv4', async () => {
  // Was: every address of a /64 had its own bucket, so one host rotating its interface id had
  // 2^64 budgets of PAYWATCH_RATE_LIMIT_IP each.
  await withAccess(
    { limits: { perIp: createRateLimiter(2), perKey: createRateLimiter(1000) } },
    async (_auth, access) => {
      const app = express();
      app.set('trust proxy', 'loopback');
      app.use(access.middleware);
      app.get('/ping', (_req, res) => {
        res.send('ok');
      });
      const http = app.listen(0, '127.0.0.1');
      await new Promise<void>((r) => http.once('listening', () => r()));
      try {
        const from = (client: string) =>
          fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/ping`, {
            headers: { 'x-forwarded-for': client },
          }).then((r) => r.status);
        const statuses = [];
        for (const c of ['2001:db8:1:2::a', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0db8:0001:0002::c'])
          statuses.push(await from(c));
        expect(statuses).toEqual([200, 200, 429]);
        expect(await from('2001:db8:1:3::a')).toBe(200); // the next /64: another client
        expect([await from('203.0.113.9'), await from('::ffff:203.0.113.9')]).toEqual([200, 200]);
        expect(await from('::ffff:cb00:7109')).toBe(429); // 203.0.113.9 written in hex
      } finally {
        await new Promise((r) => http.close(r));
      }
    },
  );
});

it("sends an analyst's socket no transactions when its handshake asks for none (the alert pages')", async () => {
  // Was: the alerts list and an alert's page, which open a socket for alert events only, were
  // sent the whole transaction feed (up to 10 batches of 200 a second) like the live screen.
  await withAccess({}, async (auth, access) => {
    const http = createServer();
    const io = new Server(http);
    try {
      io.use(access.socket);
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
      const ctx = { principal: { kind: 'system' as const, name: 'test' }, ip: null };
      const { key } = await auth.createKey({ name: 'analyst', scopes: ['read'] }, ctx);
      const open = async (extra: Record<string, unknown>) => {
        const c = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
          transports: ['websocket'],
          auth: { token: key, ...extra },
          reconnection: false,
          forceNew: true,
        });
        await new Promise<void>((resolve, reject) => {
          c.on('connect', () => resolve());
          c.on('connect_error', reject);
        });
        return c;
      };
      const feed = await open({});
      const alerts = await open({ transactions: false });
      const inRoom = (await io.in(LIVE_TRANSACTIONS_ROOM).fetchSockets()).map((x) => x.id);
      expect(inRoom).toEqual([feed.id]);
      expect(io.sockets.sockets.has(alerts.id ?? '')).toBe(true);
      feed.close();
      alerts.close();
    } finally {
      await io.close();
    }
  });
});

it('audits a long path with a card number across the 200-character cut masked, not as 15 raw digits', async () => {
  // Was: the target was cut to 200 characters and then masked, so a card number split by the cut
  // was no longer one, and its first digits were stored in the audit log.
  await withAccess(
    {
      docs: [
        {
          method: 'get',
          path: '/api/v1/echo/{id}',
          summary: 'echo',
          tag: 'test',
          auth: 'viewer',
          audit: 'export',
          response: { status: 200, description: 'ok' },
        },
      ],
    },
    async (auth, access) => {
      const ctx = { principal: { kind: 'system' as const, name: 'test' }, ip: null };
      const { key } = await auth.createKey({ name: 'reader', scopes: ['read'] }, ctx);
      const app = express();
      app.use(access.middleware);
      app.get('/api/v1/echo/:id', (_req, res) => {
        res.send('ok');
      });
      const http = app.listen(0, '127.0.0.1');
      await new Promise<void>((r) => http.once('listening', () => r()));
      try {
        const path = '/api/v1/echo/' + 'x'.repeat(200 - '/api/v1/echo/'.length - 12) + '4111111111111111';
        const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}${path}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        expect(res.status).toBe(200);
        const exported = async () =>
          (await auth.audit.list({ limit: 10 })).filter((e) => e.action === 'export');
        // The audit is written on the response's 'finish', after the client may have its answer.
        for (let i = 0; i < 100 && (await exported()).length === 0; i++)
          await new Promise((r) => setTimeout(r, 20));
        const [entry] = await exported();
        expect(entry?.target).toBeDefined();
        expect(entry?.target).not.toMatch(/\d{7}/);
        expect(entry?.target?.startsWith('/api/v1/echo/xxx')).toBe(true);
      } finally {
        await new Promise((r) => http.close(r));
      }
    },
  );
});
