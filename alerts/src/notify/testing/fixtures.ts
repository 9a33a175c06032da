import type { Notification, NotifyAlert } from '../types.js';

/** A test card number (Visa test PAN, Luhn-valid) planted in alert text: it must never leave masked-less. */
export const PLANTED_PAN = '4111 1111 1111 1111';

export function sampleAlert(over: Partial<NotifyAlert> = {}): NotifyAlert {
  return {
    id: 'a1b2c3d4e5f60718',
    rule: 'success_rate_drop',
    labels: {
      alertname: 'success_rate_drop',
      severity: 'page',
      provider: 'adyen',
      method: 'card',
      country: 'DE',
    },
    status: 'firing',
    starts_at: Date.UTC(2026, 0, 5, 14, 0),
    ends_at: null,
    summary: `Success rate 71.0% over 312 attempts vs baseline 91.5% (first failure on card ${PLANTED_PAN})`,
    value: 0.71,
    expected: 0.915,
    lower: 0.865,
    upper: 1,
    revenue_at_risk: 12840.5,
    reporting_currency: 'USD',
    samples: ['pay_…3f9a', 'pay_…77c1'],
    contributors: [
      { key: 'failure_category=timeout', value: 61 },
      { key: 'bin=411111', value: 22 },
    ],
    dashboard_url: 'http://dash.example/alerts/a1b2c3d4e5f60718?from=1767621300000',
    acknowledged_by: null,
    ...over,
  };
}

export function sampleNotification(over: Partial<Notification> = {}): Notification {
  return {
    receiver: 'payments-oncall',
    group_key: '{}/{severity="page"}:{provider="adyen"}',
    group_labels: { provider: 'adyen' },
    status: 'firing',
    alerts: [sampleAlert()],
    locale: 'en',
    reason: 'new',
    external_url: 'http://paywatch.example',
    ...over,
  };
}
