// @vitest-environment jsdom
// Guards the silences page: each silence with its state, matchers, author, reason, start and end in English and Chinese, the on-call's order (active, pending, expired), Expire only for roles that may and only on silences not ended, an empty state that says so, and the nav entry.
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Silence } from '../../api/index.js';
import { SilenceListSchema } from '../../api/alerts-api.js';
import { App } from '../../app/app.js';
import { SessionProvider, type Session } from '../../app/session.js';
import { capabilityOfPath } from '../auth/permissions.js';
import { I18nProvider, type Lang } from '../../i18n/index.js';
import type { QueryState } from '../../queries/index.js';
import { SilenceList, type SilenceView } from './silences-page.js';

const NOW = Date.UTC(2026, 10, 26, 14, 0);
const H = 3_600_000;
/** The browser's zone, which the page's times are in. */
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** As `GET /api/v1/silences` answers (alerts/src/http/alerts.schemas.ts SilenceSchema). */
const answer = {
  items: [
    {
      id: 's-old',
      matchers: [{ name: 'provider', op: '=', value: 'stripe' }],
      starts_at: NOW - 30 * H,
      ends_at: NOW - 26 * H,
      created_by: 'bob',
      comment: 'stripe maintenance',
      created_at: NOW - 30 * H,
      state: 'expired',
    },
    {
      id: 's-next',
      matchers: [
        { name: 'alertname', op: '=', value: 'country_success_rate_drop' },
        { name: 'country', op: '=~', value: 'DE|AT' },
      ],
      starts_at: NOW + 2 * H,
      ends_at: NOW + 4 * H,
      created_by: 'carol',
      comment: 'bank holiday window',
      created_at: NOW - H,
      state: 'pending',
    },
    {
      id: 's-now',
      matchers: [
        { name: 'alertname', op: '=', value: 'provider_success_rate_drop' },
        { name: 'provider', op: '=', value: 'adyen' },
      ],
      starts_at: NOW - H,
      ends_at: NOW + 3 * H,
      created_by: 'alice',
      comment: 'adyen incident INC-4411, we are on it',
      created_at: NOW - H,
      state: 'active',
    },
  ],
};
const silences = SilenceListSchema.parse(answer).items as Silence[];

const q = (data: Silence[] | undefined): QueryState<Silence[]> => ({
  data,
  error: undefined,
  loading: false,
  refetch: () => undefined,
});

const me = (role: string) => ({ kind: 'user' as const, name: 'u', role, scopes: [], csrf_token: 'x' });

function show(
  lang: Lang,
  data: Silence[] | undefined,
  view: SilenceView,
  session: Session = { kind: 'open' },
) {
  render(
    <I18nProvider lang={lang}>
      <SessionProvider initial={session}>
        <SilenceList q={q(data)} view={view} />
      </SessionProvider>
    </I18nProvider>,
  );
}

const rows = () =>
  within(screen.getByTestId('silences'))
    .getAllByRole('row')
    .slice(1)
    .map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent));

describe('silences page', () => {
  afterEach(cleanup);

  it('lists every silence with state, matchers, author, reason, start and end, active first (en)', () => {
    show('en', silences, 'all');
    const r = rows();
    expect(r.map((x) => x[0])).toEqual(['Active', 'Pending', 'Expired']);
    expect(r[0]?.slice(1, 4)).toEqual([
      'alertname="provider_success_rate_drop"provider="adyen"',
      'alice',
      'adyen incident INC-4411, we are on it',
    ]);
    expect(r[1]?.[1]).toBe('alertname="country_success_rate_drop"country=~"DE|AT"');
    // Start and end as dates of the UI's locale.
    expect(r[0]?.[4]).toMatch(/2026/);
    expect(r[0]?.[5]).toMatch(/2026/);
    expect(screen.getByTestId('silence-counts').textContent).toBe('1 active · 1 pending · 1 expired');
    // Expire on the active and the pending one, not on the one already ended.
    expect(
      screen.getAllByRole('button', { name: /^Expire the silence by/ }).map((b) => b.textContent),
    ).toEqual(['Expire', 'Expire']);
    expect(
      screen.getByRole('button', {
        name: 'Expire the silence by alice: adyen incident INC-4411, we are on it',
      }),
    ).toBeTruthy();
  });

  it('reads in Chinese and keeps the expired ones apart', () => {
    show('zh-CN', silences, 'current');
    expect(rows().map((x) => x[0])).toEqual(['生效中', '待生效']);
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      '状态',
      '匹配条件',
      '创建者',
      '原因',
      '开始',
      '结束',
      '',
    ]);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['使其失效', '使其失效']);
    // The times' zone (the browser's): notifications and the API speak UTC.
    expect(screen.getByTestId('silence-zone').textContent).toBe(`时间按 ${zone}`);
    cleanup();
    show('zh-CN', silences, 'expired');
    expect(rows()).toEqual([
      [
        '已过期',
        'provider="stripe"',
        'bob',
        'stripe maintenance',
        expect.stringMatching(/2026/),
        expect.stringMatching(/2026/),
        '',
      ],
    ]);
  });

  it('offers Expire only to roles allowed to (on-call, admin)', () => {
    show('en', silences, 'all', { kind: 'signed-in', me: me('analyst') });
    expect(rows()).toHaveLength(3);
    expect(screen.queryByRole('button', { name: /Expire/ })).toBeNull();
    cleanup();
    show('en', silences, 'all', { kind: 'signed-in', me: me('oncall') });
    expect(screen.getAllByRole('button', { name: /Expire/ })).toHaveLength(2);
  });

  it('says when there are none (no made-up rows)', () => {
    show('en', [], 'current');
    expect(screen.getByTestId('silences-empty').textContent).toBe(
      'No silences: no alert is muted by a silence.',
    );
    expect(screen.queryByRole('table')).toBeNull();
    cleanup();
    show('zh-CN', [], 'current');
    expect(screen.getByTestId('silences-empty').textContent).toBe('没有静默规则：没有告警被静默。');
    cleanup();
    show(
      'en',
      silences.filter((s) => s.state === 'expired'),
      'current',
    );
    expect(screen.getByTestId('silences-empty').textContent).toBe(
      'No active or pending silences: nothing is muted by a silence.',
    );
  });

  it('has a route and a nav entry under the alerts capability', () => {
    expect(capabilityOfPath('/silences')).toBe('alerts');
    history.replaceState(null, '', '/silences');
    render(
      <I18nProvider lang="zh-CN">
        <SessionProvider initial={{ kind: 'signed-in', me: me('viewer') }}>
          <App />
        </SessionProvider>
      </I18nProvider>,
    );
    const nav = screen.getByRole('navigation');
    const link = within(nav).getByRole('link', { name: '静默' });
    expect(link.getAttribute('href')).toBe('/silences');
    expect(link.getAttribute('aria-current')).toBe('page');
    expect(location.pathname).toBe('/silences');
  });
});
