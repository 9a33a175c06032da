// @vitest-environment jsdom
// Guards the language switch: the UI text changes, the choice persists, numbers and dates follow the locale, both catalogues have every key, and English counts agree with their noun ('1 attempt', not '1 attempts').
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  I18nProvider,
  LANG_STORAGE_KEY,
  formatterFor,
  initialLang,
  useI18n,
  MESSAGES,
  translate,
} from './index.js';
import { contributorText } from '../features/alerts/alert-labels.js';

function Probe() {
  const { t, lang, setLang, fmt } = useI18n();
  return (
    <div>
      <h1>{t('nav.trends')}</h1>
      <p data-testid="money">{fmt.money(1234.5, 'CNY')}</p>
      <p data-testid="sub">{t('live.attempts', { n: 3 })}</p>
      <button type="button" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>
        switch
      </button>
    </div>
  );
}

describe('i18n', () => {
  beforeEach(() => localStorage.clear());
  afterEach(cleanup);

  it('switches the UI to Simplified Chinese and back, persisting the choice', () => {
    render(
      <I18nProvider>
        <Probe />
      </I18nProvider>,
    );
    expect(screen.getByRole('heading').textContent).toBe('Trends');
    expect(screen.getByTestId('sub').textContent).toBe('3 attempts');
    act(() => fireEvent.click(screen.getByText('switch')));
    expect(screen.getByRole('heading').textContent).toBe('趋势');
    expect(screen.getByTestId('sub').textContent).toBe('3 次尝试');
    expect(localStorage.getItem(LANG_STORAGE_KEY)).toBe('zh-CN');
    expect(document.documentElement.lang).toBe('zh-CN');
    cleanup();
    // A new page load starts in the persisted language.
    render(
      <I18nProvider>
        <Probe />
      </I18nProvider>,
    );
    expect(screen.getByRole('heading').textContent).toBe('趋势');
  });

  it('picks the stored language, else the browser preference', () => {
    expect(initialLang({ getItem: () => null }, ['zh-TW', 'en'])).toBe('zh-CN');
    expect(initialLang({ getItem: () => null }, ['de-DE'])).toBe('en');
    expect(initialLang({ getItem: () => 'en' }, ['zh-CN'])).toBe('en');
    expect(initialLang({ getItem: () => 'klingon' }, [])).toBe('en');
  });

  it('formats with Intl per language', () => {
    const en = formatterFor('en');
    const zh = formatterFor('zh-CN');
    expect(en.money(1234.5, 'USD')).toBe('$1,234.50');
    expect(zh.money(1234.5, 'CNY')).toBe('¥1,234.50');
    expect(en.percent(0.9512)).toBe('95.1%');
    expect(zh.compact(12_300_000)).toBe('1230万');
    expect(en.number(null)).toBe('–');
    expect(zh.dateTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toMatch(/2026\/01\/0[23]/);
  });

  it('has a Chinese message for every English key, none left in English by mistake', () => {
    const enKeys = Object.keys(MESSAGES.en).sort();
    expect(Object.keys(MESSAGES['zh-CN']).sort()).toEqual(enKeys);
    const same = enKeys.filter(
      (k) => MESSAGES.en[k as keyof typeof MESSAGES.en] === MESSAGES['zh-CN'][k as keyof typeof MESSAGES.en],
    );
    expect(same.sort()).toEqual(['app.title', 'dim.card_bin', 'label.ip_ref', 'tx.range'].sort());
  });

  it('writes English counts in the singular for one, by Intl.PluralRules', () => {
    expect(translate('en', 'live.attempts', { n: 1 })).toBe('1 attempt');
    expect(translate('en', 'live.attempts', { n: '1,234' })).toBe('1,234 attempts');
    expect(translate('en', 'trends.basis', { n: '1' })).toBe('1 attempt');
    expect(translate('en', 'pay.events', { n: 1 })).toBe('1 event');
    expect(translate('en', 'conn.backfilled', { n: 1 })).toBe(
      'Backfilled 1 transaction missed while disconnected',
    );
    expect(translate('en', 'alerts.inhibitsN', { n: '1' })).toBe('1 alert it inhibits');
    expect(translate('en', 'alerts.inhibitsN', { n: '3' })).toBe('3 alerts it inhibits');
    expect(translate('en', 'trends.unconvertedAvg', { n: '1' })).toMatch(
      /^The average ticket leaves out that 1 successful payment:/,
    );
    expect(translate('zh-CN', 'live.attempts', { n: 1 })).toBe('1 次尝试');
    const n = (x: number) => String(x);
    expect(contributorText('en', { key: 'provider=adyen', value: 1.2 }, 'failures', n).figure).toBe(
      '1 more failure than its share of attempts',
    );
    expect(contributorText('en', { key: 'failure_category=timeout', value: 1 }, 'failures', n).figure).toBe(
      '1 failure',
    );
    expect(contributorText('en', { key: 'failure_category=timeout', value: 2 }, 'failures', n).figure).toBe(
      '2 failures',
    );
  });

  it('has no English count left without its plural form ("{n} attempts")', () => {
    const bare = Object.entries(MESSAGES.en).filter(([, m]) => /\{n\} (more )?[a-z]+s\b/.test(m));
    expect(bare).toEqual([]);
  });
});
