// Guards Faro RUM through the whole collector: headless Chromium loads a shop page using the real @grafana/faro-web-sdk pointed at the collector's /faro/collect (cross-origin, CORS allow-list), and the funnel and web-vitals endpoints then report that session.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Funnel, Vitals } from '@paywatch/contracts';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';

import { CHROMIUM, CHROMIUM_ARGS as ARGS, FARO_BUNDLE } from './chromium.js';

let s: TestServer;
let shop: Server;
let shopUrl = '';
let browser: Browser;

function page(collectUrl: string): string {
  return `<!doctype html><html><head><title>checkout</title><script src="/faro.js"></script></head><body>
<h1>Checkout</h1><p>Pay now</p>
<script>
  const { initializeFaro, getWebInstrumentations } = window.GrafanaFaroWebSdk;
  const faro = initializeFaro({
    url: ${JSON.stringify(collectUrl)},
    app: { name: 'checkout-web', version: '2.0.0' },
    instrumentations: getWebInstrumentations({ captureConsole: false }),
    batching: { enabled: true, sendTimeout: 100 },
  });
  faro.api.pushEvent('checkout_viewed');
  faro.api.pushEvent('payment_submitted', { method: 'card' });
  faro.api.pushEvent('payment_result', { status: 'succeeded' });
  window.__faroDone = true;
</script></body></html>`;
}

async function eventually<T>(check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\``);
  if (!existsSync(FARO_BUNDLE))
    throw new Error(`${FARO_BUNDLE} not found: run npm install (@grafana/faro-web-sdk)`);
  const bundle = readFileSync(FARO_BUNDLE);
  shop = createServer((req, res) => {
    if (req.url === '/faro.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(page(`${s.url}/faro/collect`));
  });
  await new Promise<void>((r) => shop.listen(0, '127.0.0.1', () => r()));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  s = await startTestServer({
    PAYWATCH_FARO_ENABLED: 'true',
    PAYWATCH_FARO_ORIGINS: shopUrl,
    PAYWATCH_LOG_LEVEL: 'warn',
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
  await new Promise<void>((r) => (shop ? shop.close(() => r()) : r()));
});

describe('Faro SDK in Chromium → collector', () => {
  it('stores the checkout session a real page sends and reports it in the funnel and web vitals', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(shopUrl);
    await p.waitForFunction('window.__faroDone === true');
    const funnel = await eventually(async () => {
      const r = await s.get<Funnel>('/api/v1/funnel?app_name=checkout-web');
      expect(r.status).toBe(200);
      return r.body.steps[2]?.sessions === 1 ? r.body : undefined;
    });
    expect(funnel.steps.map((x) => x.sessions)).toEqual([1, 1, 1]);
    expect(funnel.sessions).toBe(1);
    // Hiding the page makes Faro flush the web vitals it has (FCP, TTFB, LCP…).
    await p.evaluate(`Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));`);
    const vitals = await eventually(async () => {
      const r = await s.get<Vitals>('/api/v1/rum/vitals?app_name=checkout-web');
      return r.body.vitals.some((v) => v.count > 0) ? r.body.vitals : undefined;
    });
    for (const v of vitals) {
      expect(['lcp', 'inp', 'cls', 'fcp', 'ttfb']).toContain(v.name);
      expect(v.p50).not.toBeNull();
      expect(v.good + v.needs_improvement + v.poor).toBe(v.count);
    }
    await ctx.close();
    const other = await s.get<Funnel>('/api/v1/funnel?app_name=another-app');
    expect(other.body.steps.map((x) => x.sessions)).toEqual([0, 0, 0]);
  });
});
