// Guards what a newcomer's default install shows in the browser: from the first page load (signed out: the sign-in form) and signed in as admin or as a viewer, the pages load with no failed request and no console error (no Faro beacons to a receiver that is off, no transaction backfill a viewer may not read), and the trends drill-down offered only to a role that may list transactions.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDashboard,
  launchChromium,
  signIn,
  startCollector,
  stopCollector,
} from './collector-process.js';

const ADMIN_PASSWORD = 'console-clean-admin-0123';
const VIEWER_PASSWORD = 'console-clean-viewer-0123';

let collector: ChildProcess | undefined;
let browser: Browser | undefined;
let base = '';
let dataDir = '';

/** `paywatch start` as the README runs it (demo traffic on; history skipped to keep the test short). */
async function startDefaultCollector(): Promise<string> {
  const started = await startCollector({
    args: ['start', '--no-history', '--demo-rate', '30'],
    env: {
      ...process.env,
      PAYWATCH_PORT: '0',
      PAYWATCH_HOST: '127.0.0.1',
      PAYWATCH_DATA_DIR: dataDir,
      PAYWATCH_LOG_LEVEL: 'warn',
      PAYWATCH_ADMIN_PASSWORD: ADMIN_PASSWORD,
    },
  });
  collector = started.child;
  return started.base;
}

/** Creates the viewer through the admin API, as an admin would. */
async function createViewer(): Promise<void> {
  const { cookie, csrfToken } = await signIn(base, 'admin', ADMIN_PASSWORD);
  const res = await fetch(`${base}/api/admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ username: 'watcher', password: VIEWER_PASSWORD, role: 'viewer' }),
  });
  if (res.status !== 201) throw new Error(`create viewer: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'paywatch-e2e-console-'));
  await buildDashboard(process.env);
  base = await startDefaultCollector();
  await createViewer();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopCollector(collector);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('a default install in the browser', () => {
  it.each([
    ['admin', ADMIN_PASSWORD],
    ['watcher', VIEWER_PASSWORD],
  ])(
    '%s: sign-in, live, trends and alerts load without a failed request or a console error',
    async (user, password) => {
      const ctx = await browser!.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
      const page = await ctx.newPage();
      const failed: string[] = [];
      const consoleErrors: string[] = [];
      const faro: string[] = [];
      page.on('response', (r) => {
        const url = new URL(r.url());
        // No exception, not even before signing in: "who am I" answers 200 (anonymous).
        if (r.status() >= 400) failed.push(`${r.status()} ${r.request().method()} ${url.pathname}`);
      });
      page.on('request', (r) => {
        if (new URL(r.url()).pathname.startsWith('/faro/')) faro.push(r.url());
      });
      page.on('console', (m) => {
        if (m.type() !== 'error') return;
        consoleErrors.push(`${m.text()} @ ${m.location().url}`);
      });
      page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));

      await page.goto(`${base}/live`);
      await page.locator('input[name=password]').waitFor({ timeout: 20_000 });
      await page.fill('input[name=username]', user);
      await page.fill('input[name=password]', password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('user').waitFor();
      await page.locator('[data-testid=conn-state][data-state=connected]').waitFor({ timeout: 20_000 });
      await expect.poll(() => page.getByTestId('kpi-pps').textContent(), { timeout: 20_000 }).not.toBe('–');
      for (const link of ['Trends', 'Alerts', 'Live']) {
        await page.locator('nav').getByRole('link', { name: link }).click();
        await page.waitForTimeout(2_500); // route changes, lazy chunks, queries; Faro would batch a beacon
        if (link === 'Trends') {
          // Only a role that may list transactions is offered the drill-down (a viewer's click
          // opened the live screen instead of the refused list).
          await page.getByTestId('trend-chart').waitFor({ timeout: 20_000 });
          const hint = (await page.locator('main').textContent()) ?? '';
          await page.getByRole('button', { name: 'Show data table' }).click();
          const links = await page.locator('[data-testid=trend-table] td a').count();
          expect([hint.includes('to list its transactions'), links > 0]).toEqual(
            user === 'admin' ? [true, true] : [false, false],
          );
        }
      }
      await ctx.close();
      expect(failed).toEqual([]);
      expect(faro).toEqual([]);
      expect(consoleErrors).toEqual([]);
    },
  );
});
