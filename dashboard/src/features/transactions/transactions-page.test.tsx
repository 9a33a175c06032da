// @vitest-environment jsdom
// Guards the transaction list an analyst pages through: the open-ended list ("the last hour") keeps the pages loaded with "Load more" when the clock moves on (it was reset to a new first page every minute), while a first page alone still follows the clock; a drill-down's list shows its range and rows on the chart's clock (`tz`), names the zone, and dates rows when it spans days; its Export CSV asks the read API's export for the same range and filters (analysts, not viewers).
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionProvider, type Session } from '../../app/session.js';
import { I18nProvider, type Lang } from '../../i18n/index.js';
import { TransactionsPage } from './transactions-page.js';

const T0 = Date.UTC(2026, 10, 26, 23, 15, 30);

/** A stored event as `GET /api/v1/transactions` returns it (masked), one per second before `to`. */
function event(i: number, ts: number): PaymentEvent {
  return {
    v: 1,
    event_id: `evt_${ts}_${i}`,
    ts,
    received_at: ts + 100,
    source: 'api',
    payment_id: `pay_${ts}`,
    attempt: 1,
    merchant_id: 'acme-store',
    provider: 'adyen',
    method: 'card',
    channel: 'web',
    status: 'succeeded',
    amount_minor: 3720,
    currency: 'JPY',
    failure: null,
    card: {
      brand: 'jcb',
      bin: '358969',
      last4: '3211',
      issuer_country: 'JP',
      funding: 'credit',
      wallet: null,
    },
    country: 'JP',
    latency_ms: 718,
    customer_ref: 'ref_6c6e1a888c09d4b0f26f8c2a15232eb5',
    device_ref: null,
    ip_ref: null,
    user_level: null,
    risk_score: null,
    metadata: null,
  } as PaymentEvent;
}

/**
 * The read API's transaction pages: `limit` events newest first, one a second before `to`, the
 * cursor the offset; records each request's `to`.
 */
function fakeApi(delayMs = 0) {
  const requests: { to: number; cursor: string | null }[] = [];
  const fetch = (input: string | URL | Request): Promise<Response> => {
    const url = new URL(String(input), 'http://collector');
    const to = Number(url.searchParams.get('to'));
    const limit = Number(url.searchParams.get('limit'));
    const cursor = url.searchParams.get('cursor');
    requests.push({ to, cursor });
    const offset = cursor ? Number(cursor) : 0;
    const items = Array.from({ length: limit }, (_, i) => event(i, to - (offset + i + 1) * 1000));
    const res = new Response(JSON.stringify({ items, next_cursor: String(offset + limit) }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
    return new Promise((resolve) => setTimeout(() => resolve(res), delayMs));
  };
  return { fetch, requests };
}

const rows = () => screen.queryAllByTestId('tx-row').length;

/** The page in `lang` for `session` (an open collector unless given). */
function renderPage(lang: Lang = 'en', session: Session = { kind: 'open' }) {
  render(
    <I18nProvider lang={lang}>
      <SessionProvider initial={session}>
        <TransactionsPage />
      </SessionProvider>
    </I18nProvider>,
  );
}

async function settle() {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(10);
  });
}

describe('TransactionsPage, open-ended list', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    window.history.replaceState(null, '', '/transactions');
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  function show(delayMs = 0) {
    const api = fakeApi(delayMs);
    vi.stubGlobal('fetch', api.fetch);
    renderPage();
    return api;
  }

  it('keeps the pages loaded with "Load more" when the clock moves on', async () => {
    const api = show();
    await settle();
    expect(rows()).toBe(100);
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await settle();
    expect(rows()).toBe(300);
    const pagedTo = api.requests[0]?.to;
    // Two minutes later the analyst is still reading the third page.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(120_000);
    });
    expect(rows()).toBe(300);
    expect(api.requests.map((r) => r.to)).toEqual([pagedTo, pagedTo, pagedTo]);
    expect(screen.getByRole('button', { name: 'Load more' })).toBeTruthy();
  });

  it('follows the clock while only the first page is shown, keeping its rows meanwhile', async () => {
    const api = show(2_000);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2_100);
    });
    expect(rows()).toBe(100);
    const first = api.requests[0]?.to ?? 0;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(60_000);
    });
    expect(api.requests.length).toBe(2);
    expect(api.requests[1]?.to).toBe(first + 60_000);
    // The newer first page is on its way: the rows read so far stay until it arrives.
    expect(rows()).toBe(100);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2_100);
    });
    expect(rows()).toBe(100);
    expect(screen.getAllByTestId('tx-row')[0]?.textContent).toContain(`pay_${first + 59_000}`);
  });
});

describe('TransactionsPage, drilled from a chart in another zone', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("shows the range and the rows on the chart's clock, names the zone and dates rows of a day's list", async () => {
    // A zone other than the runner's, so the browser's clock would show other times.
    const zone =
      Intl.DateTimeFormat().resolvedOptions().timeZone === 'Asia/Shanghai'
        ? 'America/New_York'
        : 'Asia/Shanghai';
    const from = zone === 'Asia/Shanghai' ? '2026-11-22T16:00:00.000Z' : '2026-11-23T05:00:00.000Z';
    const to = new Date(Date.parse(from) + 86_400_000).toISOString();
    window.history.replaceState(null, '', `/transactions?from=${from}&to=${to}&provider=stripe&tz=${zone}`);
    vi.stubGlobal('fetch', fakeApi().fetch);
    for (const lang of ['en', 'zh-CN'] as const) {
      renderPage(lang);
      await screen.findAllByTestId('tx-row');
      const range = screen.getByTestId('tx-range').textContent ?? '';
      expect(range).toContain(zone);
      // Midnight of the chart's zone (Node's ICU writes it 24:00:00 with hour12: false, Chromium 00:00:00).
      expect(range).toMatch(
        lang === 'en'
          ? /11\/23\/2026, (00|24):00:00 – 11\/24\/2026, (00|24):00:00/
          : /2026\/11\/23 (00|24):00:00 – 2026\/11\/24 (00|24):00:00/,
      );
      // The newest row is a second before the day's end, on that clock (one day: the time alone).
      const first = screen.getAllByTestId('tx-row')[0]?.querySelector('td')?.textContent;
      expect(first).toBe('23:59:59');
      // Its payment opens on the same clock.
      const link = screen.getAllByTestId('tx-row')[0]?.querySelector('a')?.getAttribute('href');
      expect(new URL(link ?? '', 'http://x').searchParams.get('tz')).toBe(zone);
      cleanup();
    }
    // Over two days each row has its date.
    const to2 = new Date(Date.parse(from) + 2 * 86_400_000).toISOString();
    window.history.replaceState(null, '', `/transactions?from=${from}&to=${to2}&tz=${zone}`);
    renderPage();
    await screen.findAllByTestId('tx-row');
    const first = screen.getAllByTestId('tx-row')[0]?.querySelector('td')?.textContent;
    expect(first).toBe('11/24/2026, 23:59:59');
  });
});

describe('TransactionsPage export', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  const me = (role: string): Session => ({
    kind: 'signed-in',
    me: { kind: 'user', name: 'u', role, scopes: [], csrf_token: 'x' } as never,
  });

  it("exports the list's range and filters as CSV for an analyst", async () => {
    const from = '2026-11-23T00:00:00.000Z';
    const to = '2026-11-24T00:00:00.000Z';
    window.history.replaceState(
      null,
      '',
      `/transactions?from=${from}&to=${to}&provider=stripe&status=succeeded,captured,failed&tz=UTC`,
    );
    vi.stubGlobal('fetch', fakeApi().fetch);
    renderPage('zh-CN', me('analyst'));
    await screen.findAllByTestId('tx-row');
    const button = screen.getByRole('button', { name: '导出 CSV' });
    const url = new URL(button.getAttribute('data-href') ?? '', 'http://collector');
    expect(url.pathname).toBe('/api/v1/export/transactions');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      from: String(Date.parse(from)),
      to: String(Date.parse(to)),
      provider: 'stripe',
      status: 'succeeded,captured,failed',
      format: 'csv',
    });
    cleanup();
    renderPage('en', me('viewer'));
    await screen.findAllByTestId('tx-row');
    expect(screen.queryByTestId('export-tx')).toBeNull();
  });
});
