// Guards the fallback live page (served when the dashboard is not built): it signs in and then streams accepted payments.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { TEST_ADMIN_PASSWORD, inputEvent, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\``);
  s = await startTestServer({}, { dashboard: false });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe('fallback live page', () => {
  it('asks for sign-in, rejects a wrong password with the server message, then streams payments', async () => {
    const page = await browser.newPage();
    await page.goto(s.url + '/');
    await page.locator('#signin').waitFor({ state: 'visible' });
    expect(await page.locator('#conn').textContent()).toBe('sign-in required');

    await page.fill('#username', 'admin');
    await page.fill('#password', 'not-the-password');
    await page.click('#signin button');
    await expect.poll(() => page.locator('#signin-error').textContent()).not.toBe('');
    expect(await page.locator('#signin').isVisible()).toBe(true);

    await page.fill('#password', TEST_ADMIN_PASSWORD);
    await page.click('#signin button');
    await page.locator('#conn.up').waitFor();
    expect(await page.locator('#signin').isVisible()).toBe(false);

    const res = await s.post('/v1/events', JSON.stringify(inputEvent(1, { provider: 'adyen' })));
    expect(res.status).toBe(200);
    await page.locator('#tx tr').first().waitFor();
    expect(await page.locator('#tx tr').first().textContent()).toContain('adyen');
  });
});
