// Guards how the built dashboard is served: index revalidated, hashed assets immutable, a missing asset is a 404 (never HTML).
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIST } from '../src/app.js';
import { startTestServer, type TestServer } from './harness.js';

let s: TestServer;
beforeAll(async () => {
  if (!existsSync(DASHBOARD_DIST + 'index.html')) {
    const { build } = await import('vite');
    const root = new URL('../../dashboard/', import.meta.url).pathname;
    await build({ root, configFile: root + 'vite.config.ts', logLevel: 'warn' });
  }
  s = await startTestServer();
});
afterAll(async () => {
  await s?.stop();
});

describe('dashboard static files', () => {
  it('serves index with no-cache, assets immutable, and 404 for a missing asset', async () => {
    const index = await fetch(s.url + '/trends?range=24h');
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toMatch(/<div id="root"|<script/);
    const asset = readdirSync(DASHBOARD_DIST + 'assets').find((f) => f.endsWith('.js'));
    expect(asset).toBeDefined();
    const a = await fetch(`${s.url}/assets/${asset}`);
    expect(a.status).toBe(200);
    expect(a.headers.get('cache-control')).toMatch(/immutable/);
    expect(a.headers.get('content-type')).toMatch(/javascript/);
    const missing = await fetch(`${s.url}/assets/index-deadbeef.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/json/);
  });
});
