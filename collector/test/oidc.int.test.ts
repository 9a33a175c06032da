// Guards OIDC single sign-on against a real (in-test) OpenID provider: code flow with PKCE, state and nonce; groups map to roles; unmapped users, forged state and forged tokens are refused; every outcome audited.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../src/audit/types.js';
import { startTestServer, type TestServer } from './harness.js';
import { freePort } from './scrape-harness.js';

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const CLIENT_ID = 'paywatch-test';
const CLIENT_SECRET = 'oidc-client-secret-0123456789';

/** A minimal OpenID provider: discovery, authorize (auto-approves `nextUser`), token (checks secret and PKCE), JWKS. */
async function startProvider() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...(publicKey.export({ format: 'jwk' }) as Record<string, string>),
    kid: 'k1',
    alg: 'RS256',
    use: 'sig',
  };
  const codes = new Map<
    string,
    {
      nonce: string;
      challenge: string;
      redirect: string;
      user: { sub: string; name: string; groups: string[] };
    }
  >();
  const state = {
    nextUser: { sub: 'u-1', name: 'alice', groups: ['payments-admins'] },
    forgeSignature: false,
  };
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.get('/.well-known/openid-configuration', (_req, res) => {
    res.json({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_post'],
    });
  });
  app.get('/jwks', (_req, res) => {
    res.json({ keys: [jwk] });
  });
  app.get('/authorize', (req, res) => {
    const q = req.query as Record<string, string>;
    if (q.client_id !== CLIENT_ID || q.code_challenge_method !== 'S256' || !q.nonce || !q.state)
      return void res.status(400).send('bad request');
    const code = randomBytes(16).toString('hex');
    codes.set(code, {
      nonce: q.nonce,
      challenge: q.code_challenge!,
      redirect: q.redirect_uri!,
      user: state.nextUser,
    });
    res.redirect(302, `${q.redirect_uri}?code=${code}&state=${encodeURIComponent(q.state)}`);
  });
  app.post('/token', express.urlencoded({ extended: false }), (req, res) => {
    const b = req.body as Record<string, string>;
    const c = codes.get(b.code ?? '');
    codes.delete(b.code ?? '');
    const pkceOk =
      c &&
      b64u(
        createHash('sha256')
          .update(b.code_verifier ?? '')
          .digest(),
      ) === c.challenge;
    if (
      !c ||
      b.client_id !== CLIENT_ID ||
      b.client_secret !== CLIENT_SECRET ||
      !pkceOk ||
      b.redirect_uri !== c.redirect
    ) {
      return void res.status(400).json({ error: 'invalid_grant' });
    }
    const now = Math.floor(Date.now() / 1000);
    const header = b64u(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' }));
    const payload = b64u(
      JSON.stringify({
        iss: issuer,
        sub: c.user.sub,
        aud: CLIENT_ID,
        iat: now,
        exp: now + 300,
        nonce: c.nonce,
        preferred_username: c.user.name,
        groups: c.user.groups,
      }),
    );
    let sig = b64u(sign('sha256', Buffer.from(`${header}.${payload}`), privateKey));
    if (state.forgeSignature) sig = b64u(randomBytes(256));
    res.json({
      access_token: randomBytes(16).toString('hex'),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: `${header}.${payload}.${sig}`,
    });
  });
  return { issuer, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let idp: Awaited<ReturnType<typeof startProvider>>;
let s: TestServer;
beforeAll(async () => {
  idp = await startProvider();
  const port = await freePort();
  s = await startTestServer({
    PAYWATCH_PORT: String(port),
    PAYWATCH_OIDC_ISSUER: idp.issuer,
    PAYWATCH_OIDC_CLIENT_ID: CLIENT_ID,
    PAYWATCH_OIDC_CLIENT_SECRET: CLIENT_SECRET,
    PAYWATCH_OIDC_REDIRECT_URL: `http://127.0.0.1:${port}/api/auth/oidc/callback`,
    PAYWATCH_OIDC_ROLE_MAP: 'payments-admins=admin,payments-oncall=oncall,payments-analysts=analyst',
  });
});
afterAll(async () => {
  await s.stop();
  await idp.close();
});

const cookieOf = (r: Response, name: string) =>
  r.headers
    .getSetCookie()
    .find((c) => c.startsWith(name + '='))
    ?.split(';')[0];

/** Runs the browser's side of the flow; returns the final response of the callback. */
async function signInVia(opts: { dropFlowCookie?: boolean } = {}) {
  const start = await fetch(s.url + '/api/auth/oidc/login', { redirect: 'manual' });
  expect(start.status).toBe(302);
  const flow = cookieOf(start, 'pw_oidc');
  expect(flow).toBeDefined();
  const atIdp = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  expect(atIdp.status).toBe(302);
  return fetch(atIdp.headers.get('location')!, {
    redirect: 'manual',
    headers: opts.dropFlowCookie ? {} : { cookie: flow! },
  });
}
async function me(cookie: string) {
  return (await (await fetch(s.url + '/api/auth/me', { headers: { cookie } })).json()) as {
    kind: string;
    name: string;
    role: string;
  };
}
const audit = async (q: string) =>
  ((await (await s.fetch(`/api/admin/audit?limit=50${q}`)).json()) as { entries: AuditEntry[] }).entries;

describe('OIDC single sign-on', () => {
  it('is advertised to the sign-in page', async () => {
    expect(await (await fetch(s.url + '/api/auth/providers')).json()).toEqual({
      password: true,
      oidc: { login_url: '/api/auth/oidc/login' },
    });
  });

  it('signs in with the role the groups map to, and re-syncs the role on the next sign-in', async () => {
    idp.state.nextUser = { sub: 'u-1', name: 'alice', groups: ['payments-analysts', 'payments-oncall'] };
    const cb = await signInVia();
    expect(cb.status).toBe(302);
    expect(cb.headers.get('location')).toBe('/');
    const session = cookieOf(cb, 'pw_session')!;
    expect(await me(session)).toMatchObject({ name: 'alice', role: 'oncall' });
    expect((await audit('&action=auth.login'))[0]).toMatchObject({
      outcome: 'success',
      target: 'alice',
      details: { method: 'oidc' },
    });

    idp.state.nextUser = { sub: 'u-1', name: 'alice', groups: ['payments-admins'] };
    const again = cookieOf(await signInVia(), 'pw_session')!;
    expect(await me(again)).toMatchObject({ name: 'alice', role: 'admin' });
    expect(await me(session)).toMatchObject({ kind: 'anonymous' }); // role change ended the old session
    expect((await audit('&action=user.update'))[0]).toMatchObject({
      target: 'alice',
      details: { role: 'oncall->admin', via: 'oidc' },
    });
    // The SSO user has no password that could ever match.
    const pw = await fetch(s.url + '/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: '!sso' }),
    });
    expect(pw.status).toBe(401);
  });

  it('refuses users whose groups map to no role', async () => {
    idp.state.nextUser = { sub: 'u-2', name: 'mallory', groups: ['marketing'] };
    const cb = await signInVia();
    expect(cb.status).toBe(403);
    expect(cookieOf(cb, 'pw_session')).toBeUndefined();
    expect((await audit('&action=auth.login'))[0]).toMatchObject({
      outcome: 'failure',
      target: 'mallory',
      details: { reason: 'no_role' },
    });
  });

  it('refuses a callback without the browser-bound state, and an ID token with a bad signature', async () => {
    idp.state.nextUser = { sub: 'u-1', name: 'alice', groups: ['payments-admins'] };
    expect((await signInVia({ dropFlowCookie: true })).status).toBe(400);
    idp.state.forgeSignature = true;
    try {
      const cb = await signInVia();
      expect(cb.status).toBe(401);
      expect(cookieOf(cb, 'pw_session')).toBeUndefined();
    } finally {
      idp.state.forgeSignature = false;
    }
    expect((await audit('&action=auth.login'))[0]).toMatchObject({
      outcome: 'failure',
      details: { reason: 'provider_refused' },
    });
  });
});
