// Guards the dashboard's Faro gate: /api/auth/me says whether this collector's Faro receiver accepts beacons from the page's own origin, so a default install sends none (no refused beacons, no console errors).
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from './harness.js';
import { freePort } from './scrape-harness.js';
import { signIn } from './sign-in.js';

let s: TestServer | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

/** Signs in as the admin user like the dashboard does; returns the login and /me bodies. */
async function signInAdmin(server: TestServer) {
  const { cookie, login } = await signIn(server.url, 'admin', TEST_ADMIN_PASSWORD);
  const me = await fetch(`${server.url}/api/auth/me`, { headers: { cookie } });
  expect(me.status).toBe(200);
  return { login, me: (await me.json()) as Record<string, unknown> };
}

/** What the dashboard's own beacon gets from the receiver (Chrome sends Origin on every POST). */
async function beacon(server: TestServer, origin: string) {
  const r = await fetch(`${server.url}/faro/collect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ meta: {}, events: [] }),
  });
  return r.status;
}

describe('faro_receiver in /api/auth/me', () => {
  it('is false on a default collector (the receiver is off) and its beacons would be refused', async () => {
    s = await startTestServer();
    const { login, me } = await signInAdmin(s);
    expect(me.faro_receiver).toBe(false);
    expect(login.faro_receiver).toBe(false);
    expect(await beacon(s, s.url)).toBeGreaterThanOrEqual(400);
  });

  it('is true when the receiver is on and allows the collector’s own origin, and such beacons are accepted', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    s = await startTestServer({
      PAYWATCH_PORT: String(port),
      PAYWATCH_FARO_ENABLED: 'true',
      PAYWATCH_FARO_ORIGINS: `https://shop.example.com,${origin}`,
    });
    expect(s.url).toBe(origin);
    const { login, me } = await signInAdmin(s);
    expect(me.faro_receiver).toBe(true);
    expect(login.faro_receiver).toBe(true);
    expect(await beacon(s, origin)).toBeLessThan(300);
  });

  it('is true when the receiver is on with no allow-list or only other origins (its own origin is always accepted)', async () => {
    for (const origins of [undefined, 'https://shop.example.com']) {
      s = await startTestServer({
        PAYWATCH_FARO_ENABLED: 'true',
        ...(origins === undefined ? {} : { PAYWATCH_FARO_ORIGINS: origins }),
      });
      const { login, me } = await signInAdmin(s);
      expect([origins, me.faro_receiver, login.faro_receiver]).toEqual([origins, true, true]);
      expect(await beacon(s, s.url)).toBe(202);
      expect(await beacon(s, 'https://evil.example')).toBe(403);
      await s.stop();
      s = undefined;
    }
  });

  it('is false when the receiver wants an API key', async () => {
    s = await startTestServer({
      PAYWATCH_FARO_ENABLED: 'true',
      PAYWATCH_FARO_API_KEY: 'shop-faro-key-0123',
    });
    expect((await signInAdmin(s)).me.faro_receiver).toBe(false);
    expect(await beacon(s, s.url)).toBe(401);
  });
});
