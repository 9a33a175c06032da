// @vitest-environment jsdom
// Guards the Alerts page's severity filter: a select of the known severities (labelled in the UI language) that writes the canonical id to the URL.
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionProvider } from '../../app/session.js';
import { ALERT_SEVERITIES } from '../../i18n/enum-labels.js';
import { I18nProvider, type Lang } from '../../i18n/index.js';
import { AlertsPage } from './alerts-page.js';

const show = (lang: Lang) =>
  render(
    <I18nProvider lang={lang}>
      <SessionProvider initial={{ kind: 'open' }}>
        <AlertsPage />
      </SessionProvider>
    </I18nProvider>,
  );

describe('AlertsPage severity filter', () => {
  afterEach(() => {
    cleanup();
    window.history.replaceState(null, '', '/');
  });

  it('offers "All" and every severity, and writes the chosen id to the URL', () => {
    window.history.replaceState(null, '', '/alerts?status=firing');
    show('en');
    const select = screen.getByRole('combobox', { name: 'Severity' }) as HTMLSelectElement;
    const options = within(select).getAllByRole('option') as HTMLOptionElement[];
    expect(options.map((o) => o.value)).toEqual(['', ...ALERT_SEVERITIES]);
    expect(options.map((o) => o.textContent)).toEqual([
      'All',
      'Critical',
      'Page',
      'Warning',
      'Ticket',
      'Info',
    ]);
    expect(select.value).toBe('');
    fireEvent.change(select, { target: { value: 'warning' } });
    expect(window.location.pathname + window.location.search).toBe('/alerts?status=firing&severity=warning');
    expect(select.value).toBe('warning');
    fireEvent.change(select, { target: { value: '' } });
    expect(window.location.search).toBe('?status=firing');
  });

  it('labels the severities in Chinese, keeping canonical ids as values', () => {
    window.history.replaceState(null, '', '/alerts?severity=page');
    show('zh-CN');
    const select = screen.getByRole('combobox', { name: '级别' }) as HTMLSelectElement;
    expect(select.value).toBe('page');
    const options = within(select).getAllByRole('option') as HTMLOptionElement[];
    expect(options.map((o) => o.textContent)).toEqual(['全部', '严重', '紧急呼叫', '警告', '工单', '提示']);
  });

  it('keeps a severity from a shared URL that no shipped rule uses, shown as is', () => {
    window.history.replaceState(null, '', '/alerts?severity=sev2');
    show('en');
    const select = screen.getByRole('combobox', { name: 'Severity' }) as HTMLSelectElement;
    expect(select.value).toBe('sev2');
    expect(within(select).getByRole('option', { name: 'sev2' })).toBeTruthy();
  });
});
