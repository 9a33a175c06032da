// Guards how an alert's observed-vs-expected chart is drawn from the read API: metric from the detector's message (else the rule), labels as filters, band only where comparable, values in their unit.
import { contributorKind, type Timeseries } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../api/index.js';
import { AlertSchema } from '../../api/alerts-api.js';
import { bandPoints, bandText, observedQueryFor, samplesHref, valueKind } from './alert-series.js';

const alert = (rule: string, labels: Record<string, string>): Alert => ({
  id: 'a',
  rule,
  state: 'firing',
  severity: 'critical',
  labels,
  summary: null,
  started_at: 0,
  resolved_at: null,
  value: 0.7,
  expected: { low: 0.9, high: 0.96, value: 0.93 },
  revenue_at_risk: null,
  reporting_currency: null,
  acknowledged: null,
  silenced: false,
  inhibitedBy: null,
  flapping: false,
  recovering: null,
  samples: [],
  contributors: [],
});

describe('observedQueryFor', () => {
  it('maps a success-rate rule and its slice labels onto read-API filters', () => {
    expect(
      observedQueryFor(
        alert('slice_success_rate_drop', {
          alertname: 'slice_success_rate_drop',
          provider: 'adyen',
          method: 'card',
          bin: '453201',
        }),
      ),
    ).toEqual({
      metric: 'success_rate',
      filters: { provider: ['adyen'], method: ['card'], card_bin: ['453201'] },
      band: true,
    });
  });
  it('leaves out a pooled label: "_pooled" stands for the small slices taken together, not a value', () => {
    expect(
      observedQueryFor(
        alert('slice_success_rate_drop', {
          alertname: 'slice_success_rate_drop',
          provider: 'adyen',
          method: 'google_pay',
          country: '_pooled',
        }),
      ),
    ).toEqual({
      metric: 'success_rate',
      filters: { provider: ['adyen'], method: ['google_pay'] },
      band: true,
    });
  });
  it("charts and links the rule's slice, not the narrower slice its finding named (finding_labels)", () => {
    // The adyen outage's issuer alert: the rule watches issuer_country=CA (pooled BINs) over every
    // provider and country; its finding named provider=adyen, country=CA. The band is of the slice.
    const a = AlertSchema.parse({
      id: 'a1b3',
      rule: 'issuer_success_rate_drop',
      status: 'firing',
      labels: { alertname: 'issuer_success_rate_drop', issuer_country: 'CA', bin: '_pooled' },
      finding_labels: { provider: 'adyen', country: 'CA' },
      summary: 'success_rate 70.3% over 101 attempts',
    });
    expect(a.labels).toMatchObject({ provider: 'adyen', country: 'CA' });
    expect(observedQueryFor(a)?.filters).toEqual({ card_issuer_country: ['CA'] });
    expect(decodeURIComponent(samplesHref(a, Date.UTC(2026, 10, 26)))).not.toContain('adyen');
  });

  it('knows latency and silence rules, and gives up on the rest', () => {
    expect(observedQueryFor(alert('latency_spike', {}))?.metric).toBe('latency_p95');
    expect(observedQueryFor(alert('expected_silence', { country: 'DE' }))).toEqual({
      metric: 'attempts',
      filters: { country: ['DE'] },
      band: false,
    });
    expect(observedQueryFor(alert('card_testing', { bin: '1' }))).toBeNull();
  });
  it("follows the metric of the detector's message: no success-rate line under a decline-mix JSD band, no p95 under a typical-latency band", () => {
    // The default pack's decline_mix_shift (value: a JSD, band 0–0.03): the read API has no such
    // series. It drew the success rate (≈ 0.9) over that band, a breach all along.
    const mix: Alert = {
      ...alert('decline_mix_shift', { alertname: 'decline_mix_shift' }),
      value: 0.46,
      expected: { low: 0, high: 0.03, value: 0 },
      message: {
        key: 'mix_shifted',
        params: {
          jsd: 0.46,
          failures: 166,
          season_days: null,
          p: 1e-12,
          from: null,
          to: null,
          shifts: [{ category: 'provider_error', value: 0.55 }],
        },
      },
    };
    expect(observedQueryFor(mix)).toBeNull();
    expect(observedQueryFor({ ...mix, message: null })).toBeNull();
    const latency: Alert = {
      ...alert('provider_latency_spike', { provider: 'adyen' }),
      message: {
        key: 'level',
        params: {
          metric: 'latency_gmean',
          value: 900,
          mean: 300,
          baseline_minutes: 60,
          side: 'above',
          edge: 600,
        },
      },
    };
    expect(observedQueryFor(latency)).toEqual({
      metric: 'latency_p95',
      filters: { provider: ['adyen'] },
      band: false,
    });
    // A rule's name says nothing once its message names the metric.
    const rate: Alert = {
      ...alert('adyen_watch', { provider: 'adyen' }),
      message: {
        key: 'rate',
        params: {
          metric: 'success_rate',
          value: 0.46,
          attempts: 258,
          lower: 0.35,
          upper: 0.59,
          baseline: 0.94,
        },
      },
    };
    expect(observedQueryFor(rate)).toEqual({
      metric: 'success_rate',
      filters: { provider: ['adyen'] },
      band: true,
    });
    expect(valueKind(rate)).toBe('percent');
    expect(valueKind(latency)).toBe('ms');
    expect(valueKind(mix)).toBe('number');
    expect(valueKind(alert('slice_success_rate_drop', {}))).toBe('percent');
    // Contributors: a mix shift's are share growths; the rate detector's are failures (a count of
    // 1 was printed '100.0%', 0.553 excess failures '55.3%').
    expect(contributorKind(mix)).toBe('points');
    expect(contributorKind({ ...mix, message: null })).toBe('points');
    expect(contributorKind(rate)).toBe('failures');
    expect(contributorKind(alert('slice_success_rate_drop', {}))).toBe('failures');
  });
});

describe('bandPoints', () => {
  const ts: Timeseries = {
    from: 0,
    to: 120_000,
    bucket_ms: 60_000,
    group_by: null,
    reporting_currency: 'USD',
    series: [
      {
        key: null,
        points: [
          { t: 0, attempts: 10, succeeded: 7, failed: 3, success_rate: 0.7, gmv: 1, latency_p95: 300 },
        ],
      },
    ],
  };
  it('pairs the observed metric with the flat expected band', () => {
    expect(bandPoints(ts, 'success_rate', alert('x', {}), true)).toEqual([
      { t: 0, observed: 0.7, expected_low: 0.9, expected_high: 0.96 },
    ]);
  });
  it('draws counts without a band', () => {
    expect(bandPoints(ts, 'attempts', alert('x', {}), false)).toEqual([
      { t: 0, observed: 10, expected_low: null, expected_high: null },
    ]);
  });
});

describe('bandText', () => {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  it('prints a two-sided band, or the one bound a rule has (not "– – 15")', () => {
    expect(bandText(0.854, 1, pct)).toBe('85.4% – 100.0%');
    expect(bandText(null, 15, String)).toBe('≤ 15');
    expect(bandText(3, null, String)).toBe('≥ 3');
    expect(bandText(null, undefined, String)).toBeNull();
  });
});
