// Guards transport security: HTTPS with HSTS and Secure __Host- cookies when certificates are configured, strict CSP and security headers, CORS allow-list, and 429 + Retry-After rate limits per IP, per key and on sign-in.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_ADMIN_PASSWORD, TEST_KEY, inputEvent, ndjson, startTestServer } from './harness.js';

function httpsCall(
  url: string,
  ca: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('HTTPS', () => {
  it('serves HTTPS with HSTS and Secure __Host- session cookies when a certificate is configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
        ],
        { stdio: 'ignore' },
      );
      const s = await startTestServer({
        PAYWATCH_TLS_CERT: join(dir, 'cert.pem'),
        PAYWATCH_TLS_KEY: join(dir, 'key.pem'),
      });
      try {
        expect(s.url).toMatch(/^https:\/\//);
        const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
        const health = await httpsCall(s.url + '/healthz', ca);
        expect(health.status).toBe(200);
        expect(health.headers['strict-transport-security']).toMatch(/max-age=31536000/);
        const login = await httpsCall(s.url + '/api/auth/login', ca, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
        });
        expect(login.status).toBe(200);
        const cookie = String(login.headers['set-cookie']);
        expect(cookie).toMatch(/^__Host-pw_session=/);
        expect(cookie).toMatch(/; Secure/);
        expect(cookie).toMatch(/HttpOnly/);
        const me = await httpsCall(s.url + '/api/auth/me', ca, {
          headers: { cookie: cookie.split(';')[0]! },
        });
        expect(JSON.parse(me.body)).toMatchObject({ kind: 'user', name: 'admin', role: 'admin' });
      } finally {
        await s.stop();
      }
      // Over plain HTTP there is no HSTS and the cookie is not Secure (it would never be sent back).
      const plain = await startTestServer();
      try {
        const r = await fetch(plain.url + '/healthz');
        expect(r.headers.get('strict-transport-security')).toBeNull();
      } finally {
        await plain.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key without a certificate, naming the variable', async () => {
    await expect(startTestServer({ PAYWATCH_TLS_KEY: '/nonexistent/key.pem' })).rejects.toThrow(
      /PAYWATCH_TLS_CERT/,
    );
  });
});

describe('headers, CORS and rate limits', () => {
  it('sends a strict CSP and security headers, and CORS only for allowed origins', async () => {
    const s = await startTestServer({ PAYWATCH_CORS_ORIGINS: 'https://ops.example.com' });
    try {
      const r = await fetch(s.url + '/');
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toMatch(/script-src 'self'( 'sha256-[^']+')*;/); // no 'unsafe-inline', no 'unsafe-eval'
      expect(csp).not.toContain('unsafe');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-powered-by')).toBeNull();
      const pre = await fetch(s.url + '/api/v1/overview', {
        method: 'OPTIONS',
        headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'GET' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/X-CSRF-Token/);
      const evil = await fetch(s.url + '/api/v1/overview', {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      const read = await s.fetch('/api/v1/overview', { headers: { origin: 'https://evil.example' } });
      expect(read.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await s.stop();
    }
  });

  it('answers 429 with Retry-After per API key (events API too), per IP, and on sign-in', async () => {
    const s = await startTestServer({
      PAYWATCH_RATE_LIMIT_KEY: '5',
      PAYWATCH_RATE_LIMIT_IP: '40',
      PAYWATCH_RATE_LIMIT_LOGIN: '3',
    });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 7; i++) {
        const r = await s.post('/v1/events', ndjson([inputEvent(i)]), {
          authorization: `Bearer ${TEST_KEY}`,
        });
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeLessThanOrEqual(12); // 5 per minute: one token every 12 s
      // Another key has its own budget.
      expect((await s.fetch('/api/v1/overview')).status).toBe(200);
      const logins: number[] = [];
      for (let i = 0; i < 4; i++) {
        logins.push(
          (
            await fetch(s.url + '/api/auth/login', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ username: 'admin', password: 'wrong wrong wrong' }),
            })
          ).status,
        );
      }
      expect(logins).toEqual([401, 401, 401, 429]);
      // The per-IP budget (40/min) covers every route, anonymous ones included.
      let ipLimited: Response | undefined;
      for (let i = 0; i < 60 && !ipLimited; i++) {
        const r = await fetch(s.url + '/healthz');
        if (r.status === 429) ipLimited = r;
      }
      expect(ipLimited?.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await s.stop();
    }
  });

  it('behind a trusted proxy limits each client X-Forwarded-For names, not the proxy; untrusted peers cannot claim one', async () => {
    // The compose dashboard's nginx proxies every browser's API calls: without PAYWATCH_TRUST_PROXY
    // one client's failed sign-ins locked every user out (the proxy's address was the client).
    const login = (s: { url: string }, client: string) =>
      fetch(s.url + '/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ username: 'admin', password: 'wrong wrong wrong' }),
      }).then((r) => r.status);
    const behind = await startTestServer({
      PAYWATCH_RATE_LIMIT_LOGIN: '2',
      PAYWATCH_TRUST_PROXY: 'loopback',
    });
    try {
      expect([await login(behind, '203.0.113.5'), await login(behind, '203.0.113.5')]).toEqual([401, 401]);
      expect(await login(behind, '203.0.113.5')).toBe(429);
      expect(await login(behind, '198.51.100.7')).toBe(401);
    } finally {
      await behind.stop();
    }
    // Not trusted (the default): a client varying X-Forwarded-For is still one client.
    const direct = await startTestServer({ PAYWATCH_RATE_LIMIT_LOGIN: '2' });
    try {
      const statuses = [];
      for (const c of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) statuses.push(await login(direct, c));
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await direct.stop();
    }
  });
});
