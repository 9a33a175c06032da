// Guards the alerts page's table at 1280×720 in real Chromium, in English and Chinese: the acknowledge/withdraw/silence buttons stay in view (the table does not scroll sideways), an acknowledgement's reason shows with who gave it, and a label is not cut mid-word.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../src/api/index.js';
import { SessionProvider } from '../src/app/session.js';
import { AlertList } from '../src/features/alerts/alert-list.js';
import { I18nProvider, type Lang } from '../src/i18n/index.js';
import { launchChromium } from './collector-process.js';

const CSS = readFileSync(fileURLToPath(new URL('../src/app/styles.css', import.meta.url)), 'utf8');
const at = Date.UTC(2026, 10, 26, 21, 42);
const base: Alert = {
  id: 'p1',
  rule: 'provider_success_rate_drop',
  state: 'firing',
  severity: 'page',
  labels: { alertname: 'provider_success_rate_drop', provider: 'adyen' },
  summary: 'Success rate 14.0% over 407 attempts (8.0%–23.3%) vs baseline 95.8%',
  started_at: at,
  resolved_at: null,
  value: 0.14,
  expected: { low: 0.9, high: 1, value: 0.958 },
  revenue_at_risk: 44183.14,
  reporting_currency: 'USD',
  acknowledged: null,
  silenced: false,
  inhibitedBy: null,
  flapping: false,
  recovering: null,
  samples: [],
  contributors: [],
};
// As the demo's adyen outage and card-testing wave list them (26 Nov, paywatch start --incident).
const alerts: Alert[] = [
  base,
  {
    ...base,
    id: 'c1',
    rule: 'card_testing',
    labels: { alertname: 'card_testing', team: 'fraud', ip_ref: 'ip_6dec3578488c8d9e9463f338ca637804' },
    summary:
      'Card testing suspected on IP ip_6dec3578488c8d9e9463f338ca637804: 1837 small attempts (≤ 5) in 10 min, 1690 declined',
    revenue_at_risk: 0,
  },
  {
    ...base,
    id: 'i1',
    rule: 'issuer_success_rate_drop',
    severity: 'warning',
    labels: {
      alertname: 'issuer_success_rate_drop',
      issuer_country: 'DE',
      bin: '418423',
      provider: 'adyen',
      country: 'DE',
    },
    summary: 'Success rate 82.8% over 180 payments (185 attempts) (69.6%–91.0%) vs baseline 95.3%',
    recovering: at,
    inhibitedBy: 'p1',
  },
  {
    ...base,
    id: 'a1',
    rule: 'method_success_rate_drop',
    labels: { alertname: 'method_success_rate_drop', provider: 'stripe', method: 'card' },
    acknowledged: { by: 'li.wei', at, reason: 'stripe incident INC-2231, rolling back the 3DS config' },
  },
];
const WITHDRAW: Record<Lang, string> = { en: 'Withdraw acknowledgement', 'zh-CN': '撤销确认' };

let browser: Browser | undefined;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe('the alerts table at 1280×720', () => {
  it.each(['en', 'zh-CN'] as const)('%s: keeps every action button in view', async (lang: Lang) => {
    const html = renderToStaticMarkup(
      <I18nProvider lang={lang}>
        <SessionProvider initial={{ kind: 'open' }}>
          <AlertList
            q={{ data: { items: alerts }, error: undefined, loading: false, refetch: () => undefined }}
          />
        </SessionProvider>
      </I18nProvider>,
    );
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await ctx.newPage();
    await page.setContent(`<!doctype html><html lang="${lang}"><head><style>${CSS}</style></head>
      <body><main><section class="grid"><div class="panel">${html}</div></section></main></body></html>`);
    const m = await page.evaluate(() => {
      const wrap = document.querySelector('.table-wrap')!;
      const right = wrap.getBoundingClientRect().right;
      return {
        scroll: wrap.scrollWidth - wrap.clientWidth,
        buttons: [...document.querySelectorAll('td button')].map((b) => b.textContent),
        acked: document.querySelector('td .ack-by')?.textContent ?? null,
        cut: [...document.querySelectorAll('td button')]
          .filter((b) => b.getBoundingClientRect().right > right + 0.5)
          .map((b) => b.textContent),
        // A label broken inside a word: a line of the labels cell that neither starts a label nor is one whole.
        brokenLabels: [...document.querySelectorAll('td.alert-labels')].some((td) => {
          const r = document.createRange();
          r.selectNodeContents(td);
          const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
          return tops.size > td.textContent!.split(' ').length;
        }),
      };
    });
    await ctx.close();
    expect(m.buttons).toContain(WITHDRAW[lang]);
    expect(m.acked).toContain('stripe incident INC-2231, rolling back the 3DS config');
    expect(m.cut, 'buttons cut off at the right').toEqual([]);
    expect(m.scroll).toBeLessThanOrEqual(0);
    expect(m.brokenLabels, 'a label broken mid-word').toBe(false);
  });
});
