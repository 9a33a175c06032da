// Guards access control: every route of the OpenAPI document × every role, key scope and anonymous gets exactly the expected allow/deny, and the live stream too.
import type { ClientToServerEvents, ServerToClientEvents } from '@paywatch/contracts';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY, inputEvent, ndjson, startTestServer, type TestServer } from './harness.js';

type Caller =
  | 'anonymous'
  | 'viewer'
  | 'analyst'
  | 'oncall'
  | 'admin'
  | 'key:ingest'
  | 'key:read'
  | 'key:admin'
  | 'env ingest key';
type Requirement = 'none' | 'signature' | 'optional' | 'ingest' | 'viewer' | 'analyst' | 'oncall' | 'admin';

/** The specification (docs/security.md): which requirements each caller satisfies. */
const ALLOWED: Record<Caller, Requirement[]> = {
  anonymous: ['none', 'signature', 'optional'],
  viewer: ['none', 'signature', 'optional', 'viewer'],
  analyst: ['none', 'signature', 'optional', 'viewer', 'analyst'],
  oncall: ['none', 'signature', 'optional', 'viewer', 'analyst', 'oncall'],
  admin: ['none', 'signature', 'optional', 'viewer', 'analyst', 'oncall', 'admin'],
  'key:ingest': ['none', 'signature', 'optional', 'ingest'],
  'key:read': ['none', 'signature', 'optional', 'viewer', 'analyst'],
  'key:admin': ['none', 'signature', 'optional', 'ingest', 'viewer', 'analyst', 'oncall', 'admin'],
  'env ingest key': ['none', 'signature', 'optional', 'ingest'],
};
/** The only routes anonymous callers may use: health, sign-in, "who am I" (answering anonymous), provider-signed webhooks (and the browser RUM receiver, which checks origins itself, when mounted). */
const PUBLIC = [
  'GET /healthz',
  'GET /readyz',
  'POST /api/auth/login',
  'GET /api/auth/providers',
  'GET /api/auth/me',
  'POST /v1/webhooks/{provider}',
  'POST /v1/webhooks/{provider}/{account}',
];
const MAY_BE_PUBLIC = ['POST /faro/collect', 'GET /api/auth/oidc/login', 'GET /api/auth/oidc/callback'];

/** The role the product gives each route (issue 7): viewers see aggregates only, analysts transactions, admins administer. */
const EXPECTED: Record<string, Requirement> = {
  'POST /v1/events': 'ingest',
  'GET /api/v1/overview': 'viewer',
  'GET /api/v1/timeseries': 'viewer',
  'GET /api/v1/breakdown': 'viewer',
  'GET /api/v1/failures': 'viewer',
  'GET /api/v1/transactions': 'analyst',
  'GET /api/v1/payments/{payment_id}': 'analyst',
  'GET /api/v1/export/transactions': 'analyst',
  'POST /api/admin/erase': 'admin',
  'POST /api/admin/backup': 'admin',
  'POST /api/admin/retention': 'admin',
  'GET /metrics': 'viewer',
  'GET /api/openapi.json': 'viewer',
  'GET /api/auth/me': 'optional',
  'POST /api/auth/logout': 'viewer',
  'GET /api/admin/users': 'admin',
  'POST /api/admin/users': 'admin',
  'PATCH /api/admin/users/{id}': 'admin',
  'DELETE /api/admin/users/{id}': 'admin',
  'GET /api/admin/keys': 'admin',
  'POST /api/admin/keys': 'admin',
  'DELETE /api/admin/keys/{id}': 'admin',
  'GET /api/admin/audit': 'admin',
  'GET /api/admin/config': 'admin',
};

interface Credentials {
  headers: Record<string, string>;
  /** Headers for unsafe methods (the CSRF token for cookie sessions). */
  unsafe: Record<string, string>;
  socketAuth?: { token: string };
}

let s: TestServer;
const creds = new Map<Caller, Credentials>();
let routes: { method: string; path: string; auth: Requirement }[] = [];

async function login(username: string, password: string): Promise<Credentials> {
  const r = await fetch(s.url + '/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(r.status, username).toBe(200);
  const body = (await r.json()) as { csrf_token: string; role: string };
  const setCookie = r.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  const cookie = setCookie.split(';')[0]!;
  return { headers: { cookie }, unsafe: { 'x-csrf-token': body.csrf_token } };
}

beforeAll(async () => {
  s = await startTestServer({
    PAYWATCH_LOG_LEVEL: 'warn',
    PAYWATCH_RATE_LIMIT_LOGIN: '100',
    PAYWATCH_STRIPE_WEBHOOK_SECRET: 'whsec_matrix_test_secret_0123456789',
  });
  const pw = 'correct horse battery staple';
  for (const role of ['viewer', 'analyst', 'oncall'] as const) {
    const r = await s.fetch('/api/admin/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `u_${role}`, password: pw, role }),
    });
    expect(r.status).toBe(201);
    creds.set(role, await login(`u_${role}`, pw));
  }
  creds.set('admin', await login('admin', 'integration-admin-password-0123'));
  creds.set('anonymous', { headers: {}, unsafe: {} });
  for (const scope of ['ingest', 'read', 'admin'] as const) {
    const r = await s.fetch('/api/admin/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `matrix ${scope}`, scopes: [scope] }),
    });
    expect(r.status).toBe(201);
    const { key } = (await r.json()) as { key: string };
    creds.set(`key:${scope}`, {
      headers: { authorization: `Bearer ${key}` },
      unsafe: {},
      socketAuth: { token: key },
    });
  }
  creds.set('env ingest key', {
    headers: { authorization: `Bearer ${TEST_KEY}` },
    unsafe: {},
    socketAuth: { token: TEST_KEY },
  });
  const doc = (await (await s.fetch('/api/openapi.json')).json()) as {
    paths: Record<string, Record<string, { 'x-paywatch-auth': Requirement }>>;
  };
  routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      auth: op['x-paywatch-auth'],
    })),
  );
  // Sign-out ends the caller's session: check it last.
  routes.sort((a, b) => Number(a.path === '/api/auth/logout') - Number(b.path === '/api/auth/logout'));
});
afterAll(async () => {
  await s.stop();
});

const concrete = (path: string) => path.replace('{provider}', 'stripe').replace(/\{[^}]+\}/g, 'x');

describe('route × caller matrix', () => {
  it('opens to anonymous callers only health, sign-in and signed webhooks', () => {
    expect(routes.length).toBeGreaterThan(20);
    const open = routes
      .filter((r) => r.auth === 'none' || r.auth === 'signature' || r.auth === 'optional')
      .map((r) => `${r.method} ${r.path}`);
    expect(open.filter((r) => !MAY_BE_PUBLIC.includes(r)).sort()).toEqual([...PUBLIC].sort());
  });

  it('answers "who am I" without credentials as anonymous (no failed request on a page load), and refuses a bad key', async () => {
    const anon = await fetch(s.url + '/api/auth/me');
    expect(anon.status).toBe(200);
    expect(await anon.json()).toMatchObject({
      kind: 'anonymous',
      name: null,
      role: null,
      scopes: [],
      csrf_token: null,
    });
    const bad = await fetch(s.url + '/api/auth/me', {
      headers: { authorization: 'Bearer not-a-key-0123456789abcdef' },
    });
    expect(bad.status).toBe(401);
  });

  it('gives each known route the role the product defines', () => {
    const table = new Map(routes.map((r) => [`${r.method} ${r.path}`, r.auth]));
    for (const [route, req] of Object.entries(EXPECTED)) expect(table.get(route), route).toBe(req);
  });

  it('allows and denies every route for every role, key scope and anonymous as specified', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of routes) {
      const statuses = new Map<Caller, number>();
      for (const [caller, c] of creds) {
        const unsafe = route.method !== 'GET';
        const r = await fetch(s.url + concrete(route.path), {
          method: route.method,
          headers: { ...c.headers, ...(unsafe ? { ...c.unsafe, 'content-type': 'application/json' } : {}) },
          ...(unsafe ? { body: '{}' } : {}),
        });
        await r.arrayBuffer();
        statuses.set(caller, r.status);
        checked++;
        const allowed = ALLOWED[caller].includes(route.auth);
        const denied = r.status === 401 || r.status === 403;
        if (route.auth === 'signature') continue; // compared across callers below
        if (allowed === denied)
          failures.push(
            `${caller} ${route.method} ${route.path}: ${r.status}, expected ${allowed ? 'allowed' : 'denied'}`,
          );
        if (!allowed && caller === 'anonymous' && r.status !== 401)
          failures.push(`anonymous ${route.method} ${route.path}: ${r.status}, expected 401`);
        if (!allowed && caller !== 'anonymous' && r.status !== 403)
          failures.push(`${caller} ${route.method} ${route.path}: ${r.status}, expected 403`);
      }
      if (route.auth === 'signature') {
        // The webhook router alone decides (bad signature): every caller gets the same answer.
        expect(new Set(statuses.values()).size, `${route.path} ${JSON.stringify([...statuses])}`).toBe(1);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(routes.length * creds.size);
  });

  it('refuses a cookie-authenticated change without the CSRF token, and unknown API paths to anonymous', async () => {
    const pw = 'another long password 42';
    await s.fetch('/api/admin/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'csrf_admin', password: pw, role: 'admin' }),
    });
    const c = await login('csrf_admin', pw);
    const body = JSON.stringify({ name: 'csrf', scopes: ['read'] });
    const without = await fetch(s.url + '/api/admin/keys', {
      method: 'POST',
      headers: { ...c.headers, 'content-type': 'application/json' },
      body,
    });
    expect(without.status).toBe(403);
    expect(((await without.json()) as { error: { code: string } }).error.code).toBe('csrf');
    const wrong = await fetch(s.url + '/api/admin/keys', {
      method: 'POST',
      headers: { ...c.headers, 'x-csrf-token': 'forged', 'content-type': 'application/json' },
      body,
    });
    expect(wrong.status).toBe(403);
    const ok = await fetch(s.url + '/api/admin/keys', {
      method: 'POST',
      headers: { ...c.headers, ...c.unsafe, 'content-type': 'application/json' },
      body,
    });
    expect(ok.status).toBe(201);
    expect((await fetch(s.url + '/api/v1/nothing-here')).status).toBe(401);
    // Express matches case-insensitively and tolerates repeated slashes: so must the table.
    for (const p of [
      '/API/v1/transactions',
      '/api/V1/Transactions/',
      '//api/v1/transactions',
      '/Metrics',
      '/API/admin/users',
      '/api//admin/keys',
    ]) {
      expect((await fetch(s.url + p)).status, p).toBe(401);
    }
    // A malformed session cookie is just no session.
    expect(
      (await fetch(s.url + '/api/v1/overview', { headers: { cookie: 'pw_session=%E0%A4%A' } })).status,
    ).toBe(401);
    expect(
      (await fetch(s.url + '/api/v1/nothing-here', { headers: { authorization: `Bearer ${s.adminKey}` } }))
        .status,
    ).toBe(404);
  });
});

describe('live stream (socket.io)', () => {
  async function open(
    c: Credentials | undefined,
    cookie?: string,
  ): Promise<{ socket: Socket<ServerToClientEvents, ClientToServerEvents> | null; error: string | null }> {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(s.url, {
      transports: ['websocket'],
      reconnection: false,
      ...(c?.socketAuth ? { auth: c.socketAuth } : {}),
      ...(cookie ? { extraHeaders: { cookie } } : {}),
    });
    return new Promise((resolve) => {
      socket.on('connect', () => resolve({ socket, error: null }));
      socket.on('connect_error', (e) => {
        socket.close();
        resolve({ socket: null, error: e.message });
      });
    });
  }

  it('refuses anonymous and ingest-only callers; sends transactions to analysts and above only', async () => {
    expect((await open(undefined)).error).toBe('unauthorized');
    expect((await open(creds.get('key:ingest'))).error).toBe('forbidden');
    const viewerCookie = (await login('u_viewer', 'correct horse battery staple')).headers.cookie;
    const analystCookie = (await login('u_analyst', 'correct horse battery staple')).headers.cookie;
    const viewer = (await open(undefined, viewerCookie)).socket;
    const analyst = (await open(undefined, analystCookie)).socket;
    const reader = (await open(creds.get('key:read'))).socket;
    expect(viewer && analyst && reader).toBeTruthy();
    const got = { viewer: 0, analyst: 0, reader: 0, viewerKpis: 0 };
    viewer!.on('transactions', () => got.viewer++);
    viewer!.on('kpis', () => got.viewerKpis++);
    analyst!.on('transactions', () => got.analyst++);
    reader!.on('transactions', () => got.reader++);
    await s.post(
      '/v1/events',
      ndjson([inputEvent(1, { ts: Date.now() }), inputEvent(2, { ts: Date.now() })]),
    );
    const t0 = Date.now();
    while ((got.analyst === 0 || got.reader === 0 || got.viewerKpis === 0) && Date.now() - t0 < 5_000)
      await new Promise((r) => setTimeout(r, 50));
    expect(got.analyst).toBeGreaterThan(0);
    expect(got.reader).toBeGreaterThan(0);
    expect(got.viewerKpis).toBeGreaterThan(0);
    expect(got.viewer).toBe(0);
    for (const sock of [viewer, analyst, reader]) sock!.close();
  });

  it('disconnects a live socket once its user is disabled (re-checked every 15 s)', async () => {
    const r = await s.fetch('/api/admin/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'u_leaver', password: 'leaver password 123', role: 'analyst' }),
    });
    const { id } = (await r.json()) as { id: string };
    const { socket } = await open(undefined, (await login('u_leaver', 'leaver password 123')).headers.cookie);
    expect(socket?.connected).toBe(true);
    let reason = '';
    socket!.on('disconnect', (why) => (reason = why));
    expect(
      (
        await s.fetch(`/api/admin/users/${id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ disabled: true }),
        })
      ).status,
    ).toBe(200);
    const t0 = Date.now();
    while (socket!.connected && Date.now() - t0 < 20_000) await new Promise((res) => setTimeout(res, 200));
    expect(socket!.connected).toBe(false);
    expect(reason).toBe('io server disconnect');
  });
});
