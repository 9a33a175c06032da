// @vitest-environment jsdom
// Guards the alert page's sample transactions: masked ids are not links (they led to "no events for payment"), the heading opens the slice's failed transactions over the episode.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../api/index.js';
import { I18nProvider } from '../../i18n/index.js';
import { AlertSamples } from './alert-samples.js';

const T0 = Date.UTC(2026, 10, 26, 13, 2);

const alert = (over: Partial<Alert> = {}): Alert => ({
  id: '057814010c6c1339',
  rule: 'provider_success_rate_drop',
  state: 'firing',
  severity: 'page',
  labels: { alertname: 'provider_success_rate_drop', provider: 'adyen', country: '_pooled' },
  summary: 'success_rate 71.5% over 576 attempts',
  started_at: T0,
  resolved_at: null,
  value: 0.715,
  expected: { low: 0.855, high: 1, value: 0.935 },
  revenue_at_risk: 7100,
  reporting_currency: 'USD',
  acknowledged: null,
  silenced: false,
  inhibitedBy: null,
  flapping: false,
  recovering: null,
  samples: ['pay_…_1rg', 'pay_…_1pn', 'pay_8f3a91c2d4'],
  contributors: [],
  ...over,
});

describe('AlertSamples', () => {
  afterEach(cleanup);

  it('shows masked ids as text and links only a full id to its payment', () => {
    render(
      <I18nProvider lang="en">
        <AlertSamples a={alert()} now={T0 + 10 * 60_000} />
      </I18nProvider>,
    );
    expect(screen.getByText('pay_…_1rg').closest('a')).toBeNull();
    expect(screen.getByText('pay_…_1pn').closest('a')).toBeNull();
    expect(screen.getByText('pay_8f3a91c2d4').closest('a')?.getAttribute('href')).toBe(
      '/payments/pay_8f3a91c2d4',
    );
  });

  it("links the heading to the slice's failed transactions over the episode (pooled labels left out)", () => {
    render(
      <I18nProvider lang="en">
        <AlertSamples a={alert({ resolved_at: T0 + 13 * 60_000 })} now={T0 + 60 * 60_000} />
      </I18nProvider>,
    );
    const href = screen.getByRole('link', { name: 'Sample transactions' }).getAttribute('href')!;
    const u = new URL(href, 'http://x');
    expect(u.pathname).toBe('/transactions');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      from: new Date(T0 - 60_000).toISOString(),
      to: new Date(T0 + 14 * 60_000).toISOString(),
      provider: 'adyen',
      status: 'failed',
    });
  });
});
