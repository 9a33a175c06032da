// @vitest-environment jsdom
// Guards the payment timeline opened from a drilled list: its times are on the list's clock (`tz`) and the zone is named (the list read 23:59 UTC, the timeline 00:59 Berlin, unnamed).
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider } from '../../app/session.js';
import { I18nProvider } from '../../i18n/index.js';
import { PaymentPage } from './payment-page.js';

const TS = Date.UTC(2026, 10, 23, 15, 59, 45); // 23:59:45 in Shanghai

/** `GET /api/v1/payments/:id` as the read API answers it (one masked event). */
const timeline = {
  payment_id: 'pay_1',
  events: [
    {
      v: 1,
      event_id: 'evt_1',
      ts: TS,
      received_at: TS + 100,
      source: 'api',
      payment_id: 'pay_1',
      attempt: 1,
      merchant_id: 'acme-store',
      provider: 'stripe',
      method: 'card',
      channel: 'web',
      status: 'succeeded',
      amount_minor: 17475,
      currency: 'KWD',
      failure: null,
      card: {
        brand: 'visa',
        bin: '430056',
        last4: '0974',
        issuer_country: 'KW',
        funding: 'debit',
        wallet: null,
      },
      country: 'KW',
      latency_ms: 300,
      customer_ref: 'ref_f739b2d8cc492a267993198440b87b3e',
      device_ref: null,
      ip_ref: null,
      user_level: null,
      risk_score: null,
      metadata: null,
    },
  ],
};

describe('PaymentPage', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("shows the timeline on the list's clock and names the zone", async () => {
    const zone =
      Intl.DateTimeFormat().resolvedOptions().timeZone === 'Asia/Shanghai'
        ? 'America/New_York'
        : 'Asia/Shanghai';
    const expected = zone === 'Asia/Shanghai' ? '2026/11/23 23:59:45' : '2026/11/23 10:59:45';
    vi.stubGlobal('fetch', () =>
      Promise.resolve(
        new Response(JSON.stringify(timeline), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        }),
      ),
    );
    history.replaceState(null, '', `/payments/pay_1?tz=${zone}`);
    render(
      <I18nProvider lang="zh-CN">
        <SessionProvider initial={{ kind: 'open' }}>
          <PaymentPage params={{ id: 'pay_1' }} />
        </SessionProvider>
      </I18nProvider>,
    );
    const events = await screen.findByTestId('timeline');
    expect(events.textContent).toContain(expected);
    expect(screen.getByTestId('pay-zone').textContent).toBe(`时间与日期按 ${zone}`);
    // The amount in its own currency: KWD has 3 decimals.
    expect(screen.getByText(/KWD\s?17\.475/)).toBeTruthy();
  });
});
