// Guards the link every alert notification carries: `paywatch start` with its default settings pages a provider outage with a `dashboard_url` on its own address, and that URL opened in Chromium (signed out) asks to sign in, then shows that alert.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY, sendOutageHistory } from '../../collector/test/harness.js';
import {
  buildDashboard,
  launchChromium,
  signIn,
  startCollector,
  stopCollector,
} from './collector-process.js';

const ADMIN_PASSWORD = 'deep-link-admin-0123';

interface AlertView {
  id: string;
  rule: string;
  summary?: string | null;
  labels: Record<string, string>;
  dashboard_url: string;
}

let collector: ChildProcess | undefined;
let browser: Browser | undefined;
let base = '';
let dataDir = '';
let cookie = '';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'paywatch-e2e-deep-link-'));
  await buildDashboard(process.env);
  // No PAYWATCH_PUBLIC_URL, no alerts YAML: the defaults a newcomer runs.
  const started = await startCollector({
    args: ['start', '--no-demo'],
    env: {
      ...process.env,
      PAYWATCH_PORT: '0',
      PAYWATCH_HOST: '127.0.0.1',
      PAYWATCH_DATA_DIR: dataDir,
      PAYWATCH_INGEST_KEYS: TEST_KEY,
      PAYWATCH_LOG_LEVEL: 'warn',
      PAYWATCH_ADMIN_PASSWORD: ADMIN_PASSWORD,
    },
  });
  collector = started.child;
  base = started.base;
  ({ cookie } = await signIn(base, 'admin', ADMIN_PASSWORD));
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopCollector(collector);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('an alert notification link', () => {
  it('points at this collector and opens the alert in the browser after sign-in', async () => {
    const report = await sendOutageHistory(base);
    expect(report.rejected).toBe(0);
    let outage: AlertView | undefined;
    for (let i = 0; i < 60 && !outage; i++) {
      for (const status of ['firing', 'pending', 'resolved']) {
        const r = await fetch(`${base}/api/v1/alerts?status=${status}&limit=200`, { headers: { cookie } });
        expect(r.status).toBe(200);
        outage ??= ((await r.json()) as { items: AlertView[] }).items.find(
          (a) => a.labels.provider === 'stripe',
        );
      }
      if (!outage) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(outage, 'no alert on the stripe outage').toBeDefined();
    const link = outage!.dashboard_url;
    expect(link.startsWith(`${base}/alerts/${outage!.id}?`), link).toBe(true);

    const ctx = await browser!.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
    const page = await ctx.newPage();
    await page.goto(link);
    await page.locator('input[name=password]').waitFor({ timeout: 20_000 });
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const heading = outage!.summary ?? outage!.rule;
    await page.locator('main h1', { hasText: heading }).waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe(`/alerts/${outage!.id}`);
    await expect.poll(() => page.locator('main dd.mono').first().textContent()).toContain('provider=stripe');
    await ctx.close();
  }, 120_000);
});
