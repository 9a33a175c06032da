// @vitest-environment jsdom
// Guards the alerts table: firing alerts with revenue at risk and actions, and the explicit "engine not running" state (no fake data).
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertEngineUnavailableError, type Alert } from '../../api/index.js';
import { AlertListSchema } from '../../api/alerts-api.js';
import { SessionProvider, type Session } from '../../app/session.js';
import { I18nProvider } from '../../i18n/index.js';
import type { QueryState } from '../../queries/index.js';
import { AlertList, liveRows, urgentFirst } from './alert-list.js';

const alert: Alert = {
  id: 'a1',
  rule: 'success_rate_drop',
  state: 'firing',
  severity: 'critical',
  labels: { provider: 'adyen' },
  summary: 'adyen success rate 71%',
  started_at: Date.UTC(2026, 0, 1),
  resolved_at: null,
  value: 0.71,
  expected: { low: 0.9, high: 0.96, value: 0.93 },
  revenue_at_risk: 1234.5,
  reporting_currency: 'USD',
  acknowledged: null,
  silenced: false,
  inhibitedBy: null,
  flapping: false,
  recovering: null,
  samples: [],
  contributors: [],
};
const q = (
  p: Partial<QueryState<{ items: Alert[]; more?: boolean }>>,
): QueryState<{ items: Alert[]; more?: boolean }> => ({
  data: undefined,
  error: undefined,
  loading: false,
  refetch: () => undefined,
  ...p,
});

describe('AlertList', () => {
  afterEach(cleanup);

  const as = (session: Session) =>
    render(
      <I18nProvider lang="en">
        <SessionProvider initial={session}>
          <AlertList q={q({ data: { items: [alert] } })} />
        </SessionProvider>
      </I18nProvider>,
    );

  it('lists alerts with state, revenue at risk and acknowledge/silence buttons', () => {
    as({ kind: 'open' });
    expect(screen.getByRole('link', { name: 'Open alert success_rate_drop' }).getAttribute('href')).toBe(
      '/alerts/a1',
    );
    expect(screen.getByText('Firing')).toBeTruthy();
    expect(screen.getByText('$1,234.50')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Acknowledge' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Silence' })).toBeTruthy();
  });

  it('shows state and severity in Chinese, keeping the canonical severity id on the cell', () => {
    render(
      <I18nProvider lang="zh-CN">
        <SessionProvider initial={{ kind: 'open' }}>
          <AlertList q={q({ data: { items: [alert] } })} />
        </SessionProvider>
      </I18nProvider>,
    );
    expect(screen.getByText('触发中')).toBeTruthy();
    const severity = screen.getByText('严重');
    expect(severity.getAttribute('data-value')).toBe('critical');
    expect(screen.queryByText('critical')).toBeNull();
  });

  it("shows each alert's summary in Chinese from its message, the English summary when it has none", () => {
    // As the engine's API sends them: one alert with its sentence as data, one persisted before
    // messages existed, one whose message a newer engine wrote (unknown key).
    const raw = (id: string, extra: object) => ({
      id,
      rule: 'success_rate_drop',
      labels: { provider: 'adyen' },
      status: 'firing',
      severity: 'critical',
      summary: 'success_rate 71.5% over 576 attempts (68.0%–75.0%) vs baseline 93.0%',
      ...extra,
    });
    const { items } = AlertListSchema.parse({
      items: [
        raw('new', {
          message: {
            key: 'rate',
            params: {
              metric: 'success_rate',
              value: 0.715,
              attempts: 576,
              lower: 0.68,
              upper: 0.75,
              baseline: 0.93,
            },
          },
        }),
        raw('old', { summary: 'adyen success rate 71%' }),
        raw('newer', {
          summary: 'a sentence from a newer engine',
          message: { key: 'not_yet_known', params: {} },
        }),
      ],
    });
    const view = (lang: 'en' | 'zh-CN') =>
      render(
        <I18nProvider lang={lang}>
          <SessionProvider initial={{ kind: 'open' }}>
            <AlertList q={q({ data: { items } })} />
          </SessionProvider>
        </I18nProvider>,
      );
    view('zh-CN');
    const headline = (id: string) =>
      screen.getAllByRole('link').find((l) => l.getAttribute('href') === `/alerts/${id}`)?.textContent;
    expect(headline('new')).toBe('成功率 71.5%（576 笔尝试，置信区间 68.0%–75.0%），基线 93.0%');
    expect(headline('old')).toBe('adyen success rate 71%');
    expect(headline('newer')).toBe('a sentence from a newer engine');
    cleanup();
    view('en');
    expect(headline('new')).toBe('Success rate 71.5% over 576 attempts (68.0%–75.0%) vs baseline 93.0%');
  });

  it('says when the list holds only the newest page of the alerts that match, in en and zh', () => {
    // GET /alerts answers at most 500 alerts; the page showed 500 rows as if they were all.
    const page = (lang: 'en' | 'zh-CN', more: boolean) =>
      render(
        <I18nProvider lang={lang}>
          <SessionProvider initial={{ kind: 'open' }}>
            <AlertList q={q({ data: { items: [alert], more } })} />
          </SessionProvider>
        </I18nProvider>,
      );
    page('en', true);
    expect(screen.getByRole('status').textContent).toBe(
      'Showing the newest 1 alert: more match. Choose a state or a severity to see the rest.',
    );
    cleanup();
    page('zh-CN', true);
    expect(screen.getByRole('status').textContent).toBe(
      '仅显示最新的 1 条告警，还有更多符合条件的告警。请选择状态或级别以查看其余告警。',
    );
    cleanup();
    page('en', false);
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('offers acknowledge/silence only to roles that may act (on-call and above)', () => {
    const me = (role: string) => ({ kind: 'user' as const, name: 'u', role, scopes: [], csrf_token: 'x' });
    as({ kind: 'signed-in', me: me('analyst') });
    expect(screen.getByText('Firing')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Acknowledge' })).toBeNull();
    cleanup();
    as({ kind: 'signed-in', me: me('oncall') });
    expect(screen.getByRole('button', { name: 'Acknowledge' })).toBeTruthy();
  });

  it('says the alert engine is not running instead of showing an empty list', () => {
    render(
      <I18nProvider lang="zh-CN">
        <AlertList q={q({ error: new AlertEngineUnavailableError() })} />
      </I18nProvider>,
    );
    expect(screen.getByTestId('alerts-engine-down').textContent).toContain('告警引擎未运行');
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('puts what needs someone first on the live screen: the unmuted page above the slice alerts it inhibits', () => {
    // An adyen outage as the engine lists it (newest first): the slice alerts it inhibits came
    // after the provider's page and hid it below a screenful of rows.
    const page: Alert = { ...alert, id: 'page', severity: 'page', started_at: 1_000 };
    const slices: Alert[] = [3, 2].map((i) => ({
      ...alert,
      id: `slice${i}`,
      severity: 'warning',
      started_at: 1_000 + i * 60_000,
      inhibitedBy: 'page',
    }));
    const pending: Alert = {
      ...alert,
      id: 'pending',
      state: 'pending',
      severity: 'critical',
      started_at: 9e6,
    };
    const acked: Alert = { ...alert, id: 'acked', severity: 'critical', acknowledged: { by: 'li', at: 2 } };
    const warning: Alert = { ...alert, id: 'warn', severity: 'warning', started_at: 5_000 };
    const listed = [pending, ...slices, acked, warning, page];
    expect(urgentFirst(listed).map((a) => a.id)).toEqual([
      'page',
      'warn',
      'acked',
      'slice3',
      'slice2',
      'pending',
    ]);
    render(
      <I18nProvider lang="en">
        <SessionProvider initial={{ kind: 'open' }}>
          <AlertList q={q({ data: { items: listed } })} compact />
        </SessionProvider>
      </I18nProvider>,
    );
    const links = () =>
      screen
        .getAllByRole('link')
        .filter((l) => l.getAttribute('aria-label'))
        .map((l) => l.getAttribute('href'));
    // The slice alerts the page inhibits fold into one line under it, so the rest stays in view.
    expect(links()).toEqual(['/alerts/page', '/alerts/warn', '/alerts/acked', '/alerts/pending']);
    const fold = screen.getByRole('button', { name: '▸ 2 alerts it inhibits' });
    expect(fold.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(fold);
    expect(links()).toEqual([
      '/alerts/page',
      '/alerts/slice3',
      '/alerts/slice2',
      '/alerts/warn',
      '/alerts/acked',
      '/alerts/pending',
    ]);
    // An inhibited alert names the alert inhibiting it (its rule and labels, not its id) and links to it.
    const notes = screen.getAllByRole('link', { name: 'Inhibited by success_rate_drop (provider=adyen)' });
    expect(notes.map((l) => l.getAttribute('href'))).toEqual(['/alerts/page', '/alerts/page']);
  });

  it('names where each live alert is (rule and labels: the summary alone did not say which provider) and leaves the buttons off the wallboard', () => {
    const page: Alert = {
      ...alert,
      rule: 'provider_success_rate_drop',
      labels: { alertname: 'provider_success_rate_drop', provider: 'adyen' },
      summary: 'success_rate 16.1% over 385 attempts (9.6%–25.9%) vs baseline 93.6%',
    };
    const slices: Alert[] = ['card', 'nfc'].map((method) => ({
      ...alert,
      id: method,
      rule: 'slice_success_rate_drop',
      severity: 'warning',
      labels: { provider: 'adyen', method },
      inhibitedBy: 'a1',
    }));
    render(
      <I18nProvider lang="zh-CN">
        <SessionProvider initial={{ kind: 'open' }}>
          <AlertList q={q({ data: { items: [...slices, page] } })} compact wallboard />
        </SessionProvider>
      </I18nProvider>,
    );
    expect(screen.getByText('provider_success_rate_drop (provider=adyen)')).toBeTruthy();
    expect(screen.getByText('被其抑制的 2 条告警')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
    // One inhibited alert is shown as itself; a chain keeps the inhibited head in view.
    expect(liveRows([page, slices[0]!]).map((r) => [r.alert.id, r.inhibits.length])).toEqual([
      ['a1', 0],
      ['card', 0],
    ]);
  });

  it('marks a firing alert held by keep_firing_for as recovering, and lists it after those still anomalous', () => {
    const held: Alert = {
      ...alert,
      id: 'held',
      severity: 'critical',
      recovering: Date.UTC(2026, 0, 1, 13, 56),
    };
    const live: Alert = { ...alert, id: 'live', severity: 'warning' };
    expect(urgentFirst([held, live]).map((a) => a.id)).toEqual(['live', 'held']);
    render(
      <I18nProvider lang="en">
        <SessionProvider initial={{ kind: 'open' }}>
          <AlertList q={q({ data: { items: [held] } })} />
        </SessionProvider>
      </I18nProvider>,
    );
    expect(screen.getByText(/\(recovering: normal after .*\)/)).toBeTruthy();
  });
});
