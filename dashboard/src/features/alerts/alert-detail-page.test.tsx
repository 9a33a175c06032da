// @vitest-environment jsdom
// Guards how the alert page names an alert's labels and contributing dimensions, in English and Chinese: dimension and value names instead of engine keys (failure_category=provider_error, bin=_pooled), whole failures instead of the engine's fractional excess (19.7), the key itself in a tooltip.
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertDetail } from '../../api/index.js';
import { SessionProvider } from '../../app/session.js';
import { I18nProvider, type Lang } from '../../i18n/index.js';
import { AlertDetailView } from './alert-detail-page.js';

const T0 = Date.UTC(2026, 10, 26, 13, 2);

/** The adyen outage's pooled issuer alert, as the engine's API describes it. */
const outage = (over: Partial<AlertDetail> = {}): AlertDetail => ({
  id: '0578',
  rule: 'issuer_success_rate_drop',
  state: 'firing',
  severity: 'page',
  labels: { alertname: 'issuer_success_rate_drop', issuer_country: 'CA', bin: '_pooled', provider: 'adyen' },
  sliceLabels: { alertname: 'issuer_success_rate_drop', issuer_country: 'CA', bin: '_pooled' },
  summary: 'Success rate 14.0% over 407 attempts (8.0%–23.3%) vs baseline 95.8%',
  message: {
    key: 'rate',
    params: {
      metric: 'success_rate',
      value: 0.14,
      attempts: 407,
      lower: 0.08,
      upper: 0.233,
      baseline: 0.958,
    },
  },
  started_at: T0,
  resolved_at: null,
  value: 0.14,
  expected: { low: 0.93, high: 0.98, value: 0.958 },
  revenue_at_risk: 7100,
  reporting_currency: 'USD',
  acknowledged: null,
  silenced: false,
  inhibitedBy: null,
  flapping: false,
  recovering: null,
  samples: [],
  // As topContributors writes them: a category's count, dimension values' excess failures.
  contributors: [
    { key: 'failure_category=provider_error', value: 331 },
    { key: 'provider=adyen', value: 19.7 },
    { key: 'method=apple_pay', value: 0.3 },
  ],
  series: [],
  deliveries: [{ at: T0, alert_ids: ['0578'], channel: 'slack', status: 'sent', reason: 'new' }],
  ...over,
});

function show(lang: Lang, a: AlertDetail) {
  render(
    <I18nProvider lang={lang}>
      <SessionProvider initial={{ kind: 'open' }}>
        <AlertDetailView a={a} onChanged={() => undefined} />
      </SessionProvider>
    </I18nProvider>,
  );
  const contributing = screen.getByRole('heading', {
    name: lang === 'en' ? 'Contributing dimensions' : '主要贡献维度',
  });
  const items = within(contributing.parentElement!).getAllByRole('listitem');
  return {
    contributors: items.map((li) => li.textContent),
    tooltips: items.map((li) => li.getAttribute('title')),
    labels: screen.getByText(lang === 'en' ? 'Labels' : '标签').nextElementSibling?.textContent,
  };
}

describe('alert page: labels and contributing dimensions', () => {
  afterEach(cleanup);

  it('names dimensions and values, rounds excess failures and says pooled, in English', () => {
    const en = show('en', outage());
    expect(en.contributors).toEqual([
      'Failure category: Provider error · 331 failures',
      'Provider: adyen · 20 more failures than its share of attempts',
      'Method: Apple Pay · <1 more failure than its share of attempts',
    ]);
    expect(en.tooltips).toEqual(['failure_category=provider_error', 'provider=adyen', 'method=apple_pay']);
    expect(en.labels).toBe(
      'Rule: issuer_success_rate_drop · Issuer country: Canada (CA) · BIN: small ones pooled · Provider: adyen',
    );
    // Why a figure is an estimate, with the engine's own fraction.
    expect(screen.getByText(/20 more failures/).getAttribute('title')).toMatch(
      /estimate.*\(19\.7\)|\(19\.7\).*estimate/,
    );
    for (const raw of ['_pooled', 'failure_category=', '19.7 failed'])
      expect(document.body.textContent).not.toContain(raw);
  });

  it('does the same in Chinese', () => {
    const zh = show('zh-CN', outage());
    expect(zh.contributors).toEqual([
      '失败类别: 渠道错误 · 331 笔失败',
      '渠道: adyen · 比其尝试占比多 20 笔失败',
      '支付方式: Apple Pay · 比其尝试占比多 <1 笔失败',
    ]);
    expect(zh.labels).toBe(
      '规则: issuer_success_rate_drop · 发卡国家: 加拿大 (CA) · BIN: 小流量合并 · 渠道: adyen',
    );
    expect(document.body.textContent).not.toContain('_pooled');
  });

  it('shows a decline-mix shift as points and card testing as declines', () => {
    const mix = show(
      'en',
      outage({
        rule: 'decline_mix_shift',
        message: {
          key: 'mix_shifted',
          params: { jsd: 0.32, failures: 412, season_days: null, p: 1e-9, from: null, to: null, shifts: [] },
        },
        contributors: [{ key: 'failure_category=provider_error', value: 0.553 }],
      }),
    );
    expect(mix.contributors).toEqual(['Failure category: Provider error · +55.3 pp']);
    cleanup();
    const card = show(
      'zh-CN',
      outage({
        rule: 'card_testing',
        labels: { alertname: 'card_testing', ip_ref: 'ip_6dec35' },
        message: {
          key: 'card_testing',
          params: {
            dimension: 'ip_ref',
            entity: 'ip_6dec35',
            attempts: 42,
            small_amount: 2,
            window_minutes: 10,
            declined: 39,
          },
        },
        contributors: [{ key: 'ip_ref=ip_6dec35', value: 39 }],
      }),
    );
    expect(card.contributors).toEqual(['IP: ip_6dec35 · 39 笔被拒']);
    expect(card.labels).toBe('规则: card_testing · IP: ip_6dec35');
  });
});
