// Guards the Faro receiver end to end: headless Chromium loads a page using the real @grafana/faro-web-sdk bundle; its beacons are stored, CORS blocks other origins, the funnel is computable.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { maskPans } from '../../lib/pan.js';
import { createFaroRouter } from './faro.router.js';
import { CHECKOUT_FUNNEL, computeFunnel, type RumRecord } from './rum.js';

import { CHROMIUM, CHROMIUM_ARGS as ARGS, FARO_BUNDLE } from '../../../test/chromium.js';

const stored: RumRecord[] = [];
const servers: Server[] = [];
let browser: Browser;
let receiverUrl = '';
let allowedPage = '';
let blockedPage = '';

function page(appName: string): string {
  return `<!doctype html><html><head><title>checkout</title><script src="/faro.js"></script></head><body>
<h1>Checkout</h1><p>Pay now</p>
<script>
  const { initializeFaro, getWebInstrumentations } = window.GrafanaFaroWebSdk;
  const faro = initializeFaro({
    url: ${JSON.stringify(receiverUrl)},
    app: { name: ${JSON.stringify(appName)}, version: '1.0.0' },
    instrumentations: getWebInstrumentations({ captureConsole: false }),
    batching: { enabled: true, sendTimeout: 100 },
  });
  faro.api.pushEvent('checkout_viewed', { cart_items: '3' });
  faro.api.pushEvent('payment_submitted', { method: 'card' });
  faro.api.pushEvent('payment_result', { status: 'succeeded', provider: 'stripe' });
  faro.api.pushError(new Error('card 4111 1111 1111 1111 declined once'));
  faro.api.pushLog(['checkout ready'], { level: 'info' });
  faro.api.pushMeasurement({ type: 'checkout', values: { form_ms: 420 } });
  window.__faroDone = true;
</script></body></html>`;
}

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function pageServer(appName: string): Server {
  const bundle = readFileSync(FARO_BUNDLE);
  return createServer((req, res) => {
    if (req.url === '/faro.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(page(appName));
  });
}

async function waitFor(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\``);
  if (!existsSync(FARO_BUNDLE))
    throw new Error(`${FARO_BUNDLE} not found: run npm install (@grafana/faro-web-sdk)`);
  const allowedServer = pageServer('checkout-web');
  allowedPage = await listen(allowedServer);
  const blockedServer = pageServer('blocked-web');
  blockedPage = await listen(blockedServer);
  const app = express();
  app.use(
    createFaroRouter({
      writer: {
        writeRum: async (r) => {
          stored.push(...r);
        },
      },
      logger: createLogger({ level: 'silent' }),
      maskText: maskPans,
      allowedOrigins: [allowedPage],
    }),
  );
  receiverUrl = `${await listen(createServer(app))}/faro/collect`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

describe('faro receiver with the real SDK in Chromium', () => {
  it('stores the events, error, log, measurements and web vitals a page sends', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(allowedPage);
    await p.waitForFunction('window.__faroDone === true');
    const names = (): string[] => stored.filter((r) => r.app_name === 'checkout-web').map((r) => r.name);
    await waitFor(
      () =>
        ['checkout_viewed', 'payment_submitted', 'payment_result', 'Error', 'info', 'checkout.form_ms'].every(
          (n) => names().includes(n),
        ),
      15_000,
    );
    // Hiding the page makes Faro flush the web vitals it has (FCP, TTFB, LCP…).
    await p.evaluate(`Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));`);
    await waitFor(
      () => stored.some((r) => r.kind === 'measurement' && ['fcp', 'ttfb', 'lcp'].includes(r.name)),
      15_000,
    );
    await ctx.close();

    const mine = stored.filter((r) => r.app_name === 'checkout-web');
    for (const n of [
      'checkout_viewed',
      'payment_submitted',
      'payment_result',
      'Error',
      'info',
      'checkout.form_ms',
    ])
      expect(names()).toContain(n);
    const vitals = mine.filter(
      (r) => r.kind === 'measurement' && ['fcp', 'ttfb', 'lcp', 'cls', 'inp'].includes(r.name),
    );
    expect(vitals.length).toBeGreaterThan(0);
    expect(vitals.every((v) => typeof v.value === 'number' && v.value >= 0)).toBe(true);
    const error = mine.find((r) => r.kind === 'exception');
    expect(error?.message).toBe('card 411111…1111 declined once');
    expect(mine.every((r) => r.session_id !== null && r.page_url === `${allowedPage}/`)).toBe(true);
    expect(computeFunnel(mine, CHECKOUT_FUNNEL).steps.map((s) => s.sessions)).toEqual([1, 1, 1]);
  });

  it('a page from an origin that is not allowed gets nothing stored (CORS preflight refused)', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    const refused: string[] = [];
    p.on('requestfailed', (r) => {
      if (r.url().startsWith(receiverUrl)) refused.push(r.url());
    });
    await p.goto(blockedPage);
    await p.waitForFunction('window.__faroDone === true');
    await waitFor(() => refused.length > 0, 10_000);
    await ctx.close();
    expect(refused.length).toBeGreaterThan(0);
    expect(stored.filter((r) => r.app_name === 'blocked-web')).toEqual([]);
  });
});
