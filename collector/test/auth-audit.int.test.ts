// Guards the audit trail and data lifecycle over HTTP: each listed action leaves an entry; erasure removes one customer and nothing else; secrets never reach logs or the config dump.
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../src/audit/types.js';
import {
  TEST_ADMIN_PASSWORD,
  TEST_KEY,
  inputEvent,
  ndjson,
  startTestServer,
  type TestServer,
} from './harness.js';

let s: TestServer;
const secrets: string[] = [TEST_ADMIN_PASSWORD, TEST_KEY];
const json = { 'content-type': 'application/json' };

async function audit(query = ''): Promise<AuditEntry[]> {
  const r = await s.fetch(`/api/admin/audit?limit=1000${query}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { entries: AuditEntry[] }).entries;
}
async function login(username: string, password: string) {
  return fetch(s.url + '/api/auth/login', {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ username, password }),
  });
}

beforeAll(async () => {
  // A route that declares `audit` in its doc, as the alerts API does for acknowledgements (the
  // real engine is off here so this stand-in owns the path; alerts-collector.int.test.ts audits the real one).
  const ack = Router().post('/api/v1/alerts/:id/ack', (_req, res) => {
    res.json({ ok: true });
  });
  s = await startTestServer(
    { PAYWATCH_LOG_LEVEL: 'debug', PAYWATCH_RETENTION_EVENTS_DAYS: '2', PAYWATCH_ALERTS_ENABLED: 'false' },
    {
      mounts: () => [
        {
          router: ack,
          docs: [
            {
              method: 'post',
              path: '/api/v1/alerts/{id}/ack',
              tag: 'alerts',
              auth: 'oncall',
              audit: 'alert.ack',
              summary: 'Acknowledge',
              response: { status: 200, description: 'ok' },
            },
          ],
        },
      ],
    },
  );
  secrets.push(s.adminKey);
});
afterAll(async () => {
  await s.stop();
});

describe('audit log', () => {
  it('answers 400 naming an unknown query parameter, like the read API', async () => {
    const r = await s.fetch('/api/admin/audit?foo=1');
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      error: { code: 'invalid_parameter', message: 'unknown query parameter "foo"', field: 'foo' },
    });
    expect(
      (await s.fetch('/api/admin/audit?limit=5&action=auth.login&before=9&from=0&to=1&actor=x')).status,
    ).toBe(200);
  });

  it('records failed and successful sign-ins, and sign-out', async () => {
    expect((await login('admin', 'wrong password!!')).status).toBe(401);
    expect((await login('nobody', 'whatever password')).status).toBe(401);
    const ok = await login('admin', TEST_ADMIN_PASSWORD);
    expect(ok.status).toBe(200);
    const cookie = (ok.headers.get('set-cookie') ?? '').split(';')[0]!;
    secrets.push(cookie.split('=')[1]!);
    const { csrf_token } = (await ok.json()) as { csrf_token: string };
    expect(
      (
        await fetch(s.url + '/api/auth/logout', {
          method: 'POST',
          headers: { cookie, 'x-csrf-token': csrf_token },
        })
      ).status,
    ).toBe(204);
    // The session is gone: "who am I" answers anonymous, a data route 401.
    expect(await (await fetch(s.url + '/api/auth/me', { headers: { cookie } })).json()).toMatchObject({
      kind: 'anonymous',
    });
    expect((await fetch(s.url + '/api/v1/overview', { headers: { cookie } })).status).toBe(401);
    const logins = await audit('&action=auth.login');
    expect(logins.slice(0, 3).map((e) => [e.outcome, e.target, e.details.reason ?? null])).toEqual([
      ['success', 'admin', null],
      ['failure', 'nobody', 'unknown_user'],
      ['failure', 'admin', 'bad_password'],
    ]);
    expect((await audit('&action=auth.logout'))[0]).toMatchObject({
      actor: 'admin',
      actor_kind: 'user',
      outcome: 'success',
    });
  });

  it('records key creation, revocation and failed use; a revoked key stops working at once', async () => {
    const created = await s.fetch('/api/admin/keys', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'ci reader', scopes: ['read'] }),
    });
    const { id, key } = (await created.json()) as { id: string; key: string };
    secrets.push(key);
    expect(
      (await fetch(s.url + '/api/v1/overview', { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(200);
    const listed = (await (await s.fetch('/api/admin/keys')).json()) as {
      keys: { id: string; last_used_at: number | null }[];
    };
    expect(JSON.stringify(listed)).not.toContain(key); // stored hashed, shown once
    expect(listed.keys.find((k) => k.id === id)?.last_used_at).toBeGreaterThan(0);
    expect((await s.fetch(`/api/admin/keys/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(
      (await fetch(s.url + '/api/v1/overview', { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(401);
    expect(
      (
        await fetch(s.url + '/api/v1/overview', {
          headers: { authorization: 'Bearer pw_never_issued_0123456789' },
        })
      ).status,
    ).toBe(401);
    expect((await audit('&action=key.create'))[0]).toMatchObject({
      target: id,
      actor: 'key:test harness',
      details: { name: 'ci reader', scopes: 'read' },
    });
    expect((await audit('&action=key.revoke'))[0]).toMatchObject({ target: id, outcome: 'success' });
    const failed = await audit('&action=key.auth_failed');
    expect(failed.slice(0, 2).map((e) => e.details.reason)).toEqual(['unknown', 'revoked']);
    expect(failed[1]!.target).toBe(id);
  });

  it('records user creation, changes and deletion; a role change ends the sessions', async () => {
    const r = await s.fetch('/api/admin/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'carol', password: 'carol password 123', role: 'viewer' }),
    });
    expect(r.status).toBe(201);
    const { id } = (await r.json()) as { id: string };
    const session = await login('carol', 'carol password 123');
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await fetch(s.url + '/api/v1/transactions', { headers: { cookie } })).status).toBe(403);
    expect(
      (
        await s.fetch(`/api/admin/users/${id}`, {
          method: 'PATCH',
          headers: json,
          body: JSON.stringify({ role: 'analyst' }),
        })
      ).status,
    ).toBe(200);
    expect(await (await fetch(s.url + '/api/auth/me', { headers: { cookie } })).json()).toMatchObject({
      kind: 'anonymous',
    });
    expect((await fetch(s.url + '/api/v1/overview', { headers: { cookie } })).status).toBe(401);
    const again = await login('carol', 'carol password 123');
    expect(
      (
        await fetch(s.url + '/api/v1/transactions', {
          headers: { cookie: (again.headers.get('set-cookie') ?? '').split(';')[0]! },
        })
      ).status,
    ).toBe(200);
    expect((await s.fetch(`/api/admin/users/${id}`, { method: 'DELETE' })).status).toBe(204);
    const admin = (await (await s.fetch('/api/admin/users')).json()) as {
      users: { id: string; username: string }[];
    };
    const adminId = admin.users.find((u) => u.username === 'admin')!.id;
    expect((await s.fetch(`/api/admin/users/${adminId}`, { method: 'DELETE' })).status).toBe(409); // never lock everyone out
    expect((await audit('&action=user.create'))[0]).toMatchObject({
      target: 'carol',
      details: { role: 'viewer' },
    });
    expect((await audit('&action=user.update'))[0]).toMatchObject({
      target: 'carol',
      details: { role: 'viewer->analyst' },
    });
    expect((await audit('&action=user.delete'))[0]).toMatchObject({ target: 'carol' });
  });

  it('records calls of routes that declare an audit action (acknowledgements, silences, rule changes)', async () => {
    await s.fetch('/api/admin/users', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'olga', password: 'olga password 1234', role: 'oncall' }),
    });
    const session = await login('olga', 'olga password 1234');
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
    const { csrf_token } = (await session.json()) as { csrf_token: string };
    expect(
      (
        await fetch(s.url + '/api/v1/alerts/a1/ack', {
          method: 'POST',
          headers: { cookie, 'x-csrf-token': csrf_token },
        })
      ).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 100)); // written when the response finishes
    expect((await audit('&action=alert.ack'))[0]).toMatchObject({
      actor: 'olga',
      target: '/api/v1/alerts/a1/ack',
      outcome: 'success',
      details: { status: 200 },
    });
  });
});

describe('exports', () => {
  it('exports masked transactions as CSV to analysts and records each export with its row count', async () => {
    const events = Array.from({ length: 12 }, (_, i) =>
      inputEvent(40_000 + i, { merchant_id: i === 0 ? '=cmd|calc' : 'merchant_x' }),
    );
    await s.post('/v1/events', ndjson(events));
    const r = await s.fetch(
      `/api/v1/export/transactions?from=${Date.now() - 86_400_000}&merchant_id=merchant_x,=cmd|calc`,
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await r.text()).trim().split('\r\n');
    expect(lines[0]).toMatch(/^event_id,ts,payment_id,/);
    expect(lines).toHaveLength(13);
    expect(lines.some((l) => l.includes("'=cmd|calc"))).toBe(true);
    expect(r.headers.get('x-paywatch-rows')).toBe('12');
    await new Promise((res) => setTimeout(res, 100));
    expect((await audit('&action=export'))[0]).toMatchObject({
      actor: 'key:test harness',
      target: '/api/v1/export/transactions',
      outcome: 'success',
      details: { rows: 12, format: 'csv' },
    });
  });
});

describe('data lifecycle', () => {
  it('erases every event of one customer and nothing else, audited under the keyed hash', async () => {
    const mine = Array.from({ length: 30 }, (_, i) =>
      inputEvent(10_000 + i, { customer_ref: 'customer-4711' }),
    );
    const others = Array.from({ length: 50 }, (_, i) =>
      inputEvent(20_000 + i, { customer_ref: i % 2 ? 'customer-4712' : null }),
    );
    expect((await s.post('/v1/events', ndjson([...mine, ...others]))).status).toBe(200);
    const ids = async () => {
      const r = (await (
        await s.fetch(`/api/v1/transactions?limit=500&from=${Date.now() - 86_400_000}`)
      ).json()) as { items: { event_id: string }[] };
      return r.items.map((e) => e.event_id).sort();
    };
    const before = await ids();
    const r = await s.fetch('/api/admin/erase', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ customer_id: 'customer-4711' }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { customer_ref: string; deleted: number };
    expect(body.deleted).toBe(30);
    expect(body.customer_ref).toBe(s.masker.hashRef('customer-4711'));
    const mineIds = new Set(mine.map((e) => String(e.event_id)));
    expect(await ids()).toEqual(before.filter((id) => !mineIds.has(id)));
    const entry = (await audit('&action=data.erase'))[0]!;
    expect(entry).toMatchObject({ target: body.customer_ref, details: { deleted: 30 } });
    expect(JSON.stringify(await audit())).not.toContain('customer-4711');
    expect(await s.lifecycle.erasedRefs()).toContain(body.customer_ref);
  });

  it('applies retention per table and audits it', async () => {
    const old = [
      inputEvent(30_001, { ts: Date.now() - 3 * 86_400_000 }),
      inputEvent(30_002, { ts: Date.now() - 3 * 86_400_000 }),
    ];
    const res = await s.post('/v1/events', ndjson(old));
    expect(((await res.json()) as { accepted: number }).accepted).toBe(2);
    const r = await s.fetch('/api/admin/retention', { method: 'POST' });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { events: number }).events).toBe(2);
    expect((await audit('&action=data.retention'))[0]).toMatchObject({
      actor_kind: 'system',
      details: { events_deleted: 2, events_days: 2 },
    });
  });
});

describe('secrets', () => {
  it('never appear in logs or in the admin config dump', async () => {
    const dump = await (await s.fetch('/api/admin/config')).text();
    expect(dump).toContain('[redacted]');
    const logs = s.logs();
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of [...secrets, 'integration-test-hash-key-0123456789']) {
      expect(dump, 'config dump').not.toContain(secret);
      expect(logs, 'logs').not.toContain(secret);
    }
  });
});
