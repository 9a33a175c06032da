// Guards parsing of the Prometheus text format and the mapping of chosen metrics/labels into paywatch series.
import { describe, expect, it } from 'vitest';
import { countSampleLines, mapSamples, parseExposition } from './exposition.js';
import { ScrapeConfigSchema } from './scrape-config.js';

const TEXT = `# HELP payments_total Payments by status.
# TYPE payments_total counter
payments_total{gateway="adyen",status="succeeded"} 1027
payments_total{gateway="adyen",status="failed"} 33
payments_total{gateway="stripe",status="succeeded"} 2.5e3 1700000000000
# HELP payment_latency_seconds Authorization latency.
# TYPE payment_latency_seconds histogram
payment_latency_seconds_bucket{gateway="adyen",le="0.5"} 900
payment_latency_seconds_bucket{gateway="adyen",le="+Inf"} 1060
payment_latency_seconds_sum{gateway="adyen"} 321.5
payment_latency_seconds_count{gateway="adyen"} 1060
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.99"} 0.8
rpc_seconds_sum 12
rpc_seconds_count 40
# TYPE weird gauge
weird NaN
weird_inf +Inf
`;

describe('exposition', () => {
  it('counts sample lines without parsing', () => {
    expect(countSampleLines(TEXT)).toBe(12);
    expect(countSampleLines('# only comments\n\n')).toBe(0);
  });

  it('keeps labelled histogram series apart (the library alone would merge them)', () => {
    const s = parseExposition(
      '# TYPE h histogram\nh_bucket{g="a",le="+Inf"} 5\nh_sum{g="a"} 2\nh_count{g="a"} 5\nh_bucket{g="b",le="+Inf"} 1\nh_sum{g="b"} 0.5\nh_count{g="b"} 1\n',
    );
    expect(s.map((x) => [x.name, x.labels['g'], x.value])).toEqual([
      ['h_bucket', 'a', 5],
      ['h_sum', 'a', 2],
      ['h_count', 'a', 5],
      ['h_bucket', 'b', 1],
      ['h_sum', 'b', 0.5],
      ['h_count', 'b', 1],
    ]);
  });

  it('ignores an explicit timestamp no Date can hold (the scrape time is used)', () => {
    const [s] = parseExposition('x_total 1 1e300\n');
    expect(s).toEqual({ name: 'x_total', labels: {}, value: 1 });
  });

  it('flattens counters, histograms and summaries into named samples', () => {
    const s = parseExposition(TEXT);
    expect(s.find((x) => x.name === 'payments_total' && x.labels['status'] === 'failed')?.value).toBe(33);
    expect(s.find((x) => x.labels['gateway'] === 'stripe')).toMatchObject({
      value: 2500,
      timestampMs: 1700000000000,
    });
    expect(
      s.filter((x) => x.name === 'payment_latency_seconds_bucket').map((x) => [x.labels['le'], x.value]),
    ).toEqual([
      ['0.5', 900],
      ['+Inf', 1060],
    ]);
    expect(s.find((x) => x.name === 'payment_latency_seconds_count')?.value).toBe(1060);
    expect(s.find((x) => x.name === 'rpc_seconds')).toMatchObject({
      labels: { quantile: '0.99' },
      value: 0.8,
    });
    expect(s.find((x) => x.name === 'weird_inf')?.value).toBe(Number.POSITIVE_INFINITY);
  });

  it('maps chosen metrics: renamed series, selected and renamed labels, label matches; drops the rest', () => {
    const out = mapSamples(
      parseExposition(TEXT),
      [
        {
          metric: 'payments_total',
          series: 'gateway_payments',
          labels: { gateway: 'provider', status: 'status' },
        },
        { metric: 'payment_latency_seconds_bucket', match: { le: '+Inf' } },
        { metric: 'weird_inf' },
      ],
      'gw1',
      1_800_000_000_000,
    );
    expect(out).toEqual([
      {
        ts: 1_800_000_000_000,
        target: 'gw1',
        series: 'gateway_payments',
        labels: { provider: 'adyen', status: 'succeeded' },
        value: 1027,
      },
      {
        ts: 1_800_000_000_000,
        target: 'gw1',
        series: 'gateway_payments',
        labels: { provider: 'adyen', status: 'failed' },
        value: 33,
      },
      {
        ts: 1_700_000_000_000,
        target: 'gw1',
        series: 'gateway_payments',
        labels: { provider: 'stripe', status: 'succeeded' },
        value: 2500,
      },
      {
        ts: 1_800_000_000_000,
        target: 'gw1',
        series: 'payment_latency_seconds_bucket',
        labels: { gateway: 'adyen', le: '+Inf' },
        value: 1060,
      },
    ]);
  });

  it('validates target config (names, timeout within interval, one auth method)', () => {
    const ok = ScrapeConfigSchema.parse({ targets: [{ name: 'gw', url: 'http://127.0.0.1:9100/metrics' }] });
    expect(ok.targets[0]).toMatchObject({
      interval_s: 15,
      timeout_s: 10,
      sample_limit: 10_000,
      mappings: [],
    });
    expect(ScrapeConfigSchema.safeParse({ targets: [{ name: 'gw', url: 'ftp://x/metrics' }] }).success).toBe(
      false,
    );
    expect(
      ScrapeConfigSchema.safeParse({
        targets: [{ name: 'gw', url: 'http://x/m', interval_s: 5, timeout_s: 10 }],
      }).success,
    ).toBe(false);
    expect(
      ScrapeConfigSchema.safeParse({
        targets: [
          { name: 'a', url: 'http://x/m' },
          { name: 'a', url: 'http://y/m' },
        ],
      }).success,
    ).toBe(false);
    expect(
      ScrapeConfigSchema.safeParse({
        targets: [
          { name: 'a', url: 'http://x/m', bearer_token: 't', basic_auth: { username: 'u', password: 'p' } },
        ],
      }).success,
    ).toBe(false);
  });
});
