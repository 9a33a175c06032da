// Guards the chart model (metric math, empty buckets, comparison overlay, the bucket still in progress) and that the CSV export equals what the chart draws.
import type { MetricPoint, Timeseries } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { basisOf, bucketEnd, buildChartModel, deltaOf, type ChartModel } from './chart-data.js';
import { comparisonRange } from './compare.js';
import { chartToCsv, csvField, csvFileName, parseCsv } from './csv.js';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0);

function pt(
  t: number,
  attempts: number,
  succeeded: number,
  gmv: number,
  p95: number | null = 120,
): MetricPoint {
  const failed = attempts - succeeded;
  return {
    t,
    attempts,
    succeeded,
    failed,
    success_rate: attempts ? succeeded / attempts : null,
    gmv,
    latency_p95: p95,
  };
}

function ts(
  series: Timeseries['series'],
  groupBy: Timeseries['group_by'] = null,
  from = T0,
  to = T0 + 4 * M,
): Timeseries {
  return { from, to, bucket_ms: M, group_by: groupBy, reporting_currency: 'USD', series };
}

const labels = {
  labelOf: (k: string | null | undefined) => (k === undefined ? 'All' : k === null ? '(none)' : k),
  compareLabel: (n: string) => `${n} (compare)`,
};

describe('chart model', () => {
  const grouped = ts(
    [
      { key: 'stripe', points: [pt(T0, 10, 9, 90), pt(T0 + M, 20, 15, 150), pt(T0 + 3 * M, 4, 4, 40)] },
      { key: 'adyen', points: [pt(T0, 5, 2, 20), pt(T0 + 2 * M, 8, 8, 80)] },
    ],
    'provider',
  );

  it('fills every bucket of the range: zero for counts, no value for rates', () => {
    const attempts = buildChartModel({ metric: 'attempts', primary: grouped, ...labels });
    expect(attempts.rows.map((r) => r.t)).toEqual([T0, T0 + M, T0 + 2 * M, T0 + 3 * M]);
    expect(attempts.rows.map((r) => [r.s0, r.s1])).toEqual([
      [10, 5],
      [20, 0],
      [0, 8],
      [4, 0],
    ]);
    const rate = buildChartModel({ metric: 'success_rate', primary: grouped, ...labels });
    expect(rate.rows.map((r) => r.s1)).toEqual([0.4, null, 1, null]);
    expect(rate.unit).toBe('ratio');
  });

  it('computes average ticket as GMV per successful payment', () => {
    const m = buildChartModel({ metric: 'avg_ticket', primary: grouped, ...labels });
    expect(m.rows[0]?.s0).toBe(10);
    expect(m.rows[1]?.s0).toBe(10);
    expect(m.rows[0]?.s1).toBe(10);
  });

  it('computes decline rate per category against all attempts in the bucket', () => {
    const byCat = ts(
      [
        { key: null, points: [pt(T0, 90, 90, 900)] },
        { key: 'insufficient_funds', points: [{ ...pt(T0, 6, 0, 0), failed: 6 }] },
        { key: 'timeout', points: [{ ...pt(T0, 4, 0, 0), failed: 4 }] },
      ],
      'failure_category',
    );
    const m = buildChartModel({ metric: 'decline_rate', primary: byCat, ...labels });
    expect(m.series.map((s) => s.label)).toEqual(['insufficient_funds', 'timeout']);
    expect(m.rows[0]?.s0).toBeCloseTo(0.06);
    expect(m.rows[0]?.s1).toBeCloseTo(0.04);
    expect(m.rows[1]?.s0).toBeNull(); // no attempts at all in that bucket
  });

  it('overlays a comparison shifted onto the primary buckets', () => {
    const cmp = comparisonRange('previous', T0, T0 + 4 * M);
    const previous = ts(
      [{ key: null, points: [pt(cmp.from, 7, 7, 70), pt(cmp.from + 3 * M, 3, 3, 30)] }],
      null,
      cmp.from,
      cmp.to,
    );
    const primary = ts([{ key: null, points: [pt(T0, 10, 9, 90)] }]);
    const m = buildChartModel({
      metric: 'attempts',
      primary,
      comparison: { series: previous, offset: cmp.offset },
      ...labels,
    });
    expect(m.series.map((s) => [s.id, s.label, s.compare])).toEqual([
      ['s0', 'All', false],
      ['c0', 'All (compare)', true],
    ]);
    expect(m.rows.map((r) => [r.s0, r.c0])).toEqual([
      [10, 7],
      [0, 0],
      [0, 0],
      [0, 3],
    ]);
    expect(m.compareOffset).toBe(4 * M);
  });
});

describe('bucket still in progress', () => {
  // Read 20 s into the third minute of a four-minute range: buckets 0 and 1 are complete, 2 is in
  // progress, 3 has not started.
  const asOf = T0 + 2 * M + 20_000;
  const primary = ts([
    { key: null, points: [pt(T0, 10, 9, 90), pt(T0 + M, 12, 12, 120), pt(T0 + 2 * M, 3, 3, 30)] },
  ]);

  it('marks the bucket that holds the read time and leaves buckets not yet started without a value', () => {
    const m = buildChartModel({ metric: 'attempts', primary, asOf, ...labels });
    expect(m.partialFrom).toBe(T0 + 2 * M);
    // The partial bucket keeps what was counted so far (the table and CSV stay true); a bucket
    // that has not started is "no value", not a zero.
    expect(m.rows.map((r) => r.s0)).toEqual([10, 12, 3, null]);
  });

  it('keeps every comparison value: last week is complete', () => {
    const previous = ts(
      [{ key: null, points: [0, 1, 2, 3].map((i) => pt(T0 - 4 * M + i * M, 11, 11, 110)) }],
      null,
      T0 - 4 * M,
      T0,
    );
    const m = buildChartModel({
      metric: 'attempts',
      primary,
      comparison: { series: previous, offset: 4 * M },
      asOf,
      ...labels,
    });
    expect(m.rows.map((r) => r.c0)).toEqual([11, 11, 11, 11]);
    expect(m.rows.map((r) => r.s0)).toEqual([10, 12, 3, null]);
  });

  it('has no partial bucket when the range ended before the read time, or without one', () => {
    expect(
      buildChartModel({ metric: 'attempts', primary, asOf: T0 + 4 * M, ...labels }).partialFrom,
    ).toBeNull();
    expect(buildChartModel({ metric: 'attempts', primary, ...labels }).partialFrom).toBeNull();
  });

  it('marks the partial bucket (and the ones not started) in the CSV export', () => {
    const rows = parseCsv(chartToCsv(buildChartModel({ metric: 'attempts', primary, asOf, ...labels })));
    expect(rows[0]).toEqual(['time', 'time_zone', 'All', 'partial']);
    expect(rows.slice(1).map((r) => [r[2], r[3]])).toEqual([
      ['10', 'false'],
      ['12', 'false'],
      ['3', 'true'],
      ['', 'true'],
    ]);
  });
});

describe('CSV export', () => {
  const model: ChartModel = buildChartModel({
    metric: 'success_rate',
    primary: ts(
      [
        { key: 'stripe', points: [pt(T0, 3, 2, 1), pt(T0 + M, 7, 7, 1)] },
        { key: 'a "quoted", name', points: [pt(T0 + 2 * M, 9, 3, 1)] },
      ],
      'merchant_id',
    ),
    ...labels,
  });

  it('has one row per chart row and one column per series, values unrounded', () => {
    const rows = parseCsv(chartToCsv(model));
    expect(rows[0]).toEqual(['time', 'time_zone', ...model.series.map((s) => s.exportLabel), 'partial']);
    expect(rows.length - 1).toBe(model.rows.length);
    model.rows.forEach((r, i) => {
      const line = rows[i + 1] as string[];
      expect(Date.parse(line[0] as string)).toBe(r.t);
      expect(line[1]).toBe('UTC');
      model.series.forEach((s, j) => {
        const cell = line[j + 2] as string;
        expect(cell === '' ? null : Number(cell)).toBe(r[s.id]);
      });
    });
    expect(rows[1]?.[2]).toBe(String(2 / 3));
  });

  it('quotes fields per RFC 4180', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('plain')).toBe('plain');
    expect(chartToCsv(model).split('\r\n')[0]).toBe('time,time_zone,stripe,"a ""quoted"", name",partial');
  });

  it('says which currency money is in: a currency column and the file name (GMV by currency is all in the reporting currency)', () => {
    const gmv = buildChartModel({
      metric: 'gmv',
      primary: ts(
        [
          { key: 'JPY', points: [pt(T0, 3, 2, 12.5)] },
          { key: 'EUR', points: [pt(T0, 1, 1, 40.25)] },
        ],
        'currency',
        T0,
        T0 + M,
      ),
      ...labels,
    });
    const rows = parseCsv(chartToCsv(gmv));
    expect(rows).toEqual([
      ['time', 'time_zone', 'currency', 'JPY', 'EUR', 'partial'],
      [new Date(T0).toISOString(), 'UTC', 'USD', '12.5', '40.25', 'false'],
    ]);
    expect(csvFileName(gmv, 'currency')).toBe('paywatch-gmv-USD-by-currency-20260101T1200Z.csv');
    // Counts and rates carry no currency.
    expect(parseCsv(chartToCsv(model))[0]?.includes('currency')).toBe(false);
    expect(csvFileName(model, 'merchant_id')).toBe('paywatch-success_rate-by-merchant_id-20260101T1200Z.csv');
  });

  it('names CSV columns by canonical ids while the chart shows translated labels', () => {
    const zh = buildChartModel({
      metric: 'attempts',
      primary: ts([{ key: 'wechat_pay', points: [pt(T0, 3, 2, 1)] }], 'method'),
      comparison: { series: ts([{ key: 'wechat_pay', points: [pt(T0 - M, 1, 1, 1)] }], 'method'), offset: M },
      labelOf: (k) => (k === 'wechat_pay' ? '微信支付' : String(k)),
      compareLabel: (n) => `${n}（上周同日）`,
      exportLabelOf: (k) => String(k),
      exportCompareLabel: (n) => `${n} (last week)`,
    });
    expect(zh.series.map((s) => s.label)).toEqual(['微信支付', '微信支付（上周同日）']);
    expect(parseCsv(chartToCsv(zh))[0]).toEqual([
      'time',
      'time_zone',
      'wechat_pay',
      'wechat_pay (last week)',
      'partial',
    ]);
  });

  it('day buckets in a zone: rows at local midnight (a 23-hour DST day), times with the offset, the zone in a column, last week matched across DST', () => {
    const D = 86_400_000;
    const H = 3_600_000;
    const day = (t: number, n: number) => pt(t, n, n, n);
    // New York, 7–9 March 2026: EST midnight 05:00 UTC, EDT from the 8th (04:00 UTC on the 9th).
    const primary: Timeseries = {
      from: Date.UTC(2026, 2, 7, 5),
      to: Date.UTC(2026, 2, 10, 4),
      bucket_ms: D,
      tz: 'America/New_York',
      group_by: null,
      reporting_currency: 'USD',
      series: [{ key: null, points: [day(Date.UTC(2026, 2, 7, 5), 3), day(Date.UTC(2026, 2, 9, 4), 5)] }],
    };
    // A week before, all EST: its buckets sit an hour later than now minus 7 days after the change.
    const comparison: Timeseries = {
      ...primary,
      from: Date.UTC(2026, 1, 28, 5),
      to: Date.UTC(2026, 2, 3, 5),
      series: [{ key: null, points: [day(Date.UTC(2026, 1, 28, 5), 1), day(Date.UTC(2026, 2, 2, 5), 2)] }],
    };
    const m = buildChartModel({
      metric: 'attempts',
      primary,
      comparison: { series: comparison, offset: 7 * D },
      ...labels,
    });
    expect(m.rows.map((r) => r.t)).toEqual([
      Date.UTC(2026, 2, 7, 5),
      Date.UTC(2026, 2, 8, 5),
      Date.UTC(2026, 2, 9, 4),
    ]);
    expect(m.rows.map((r) => [r.s0, r.c0])).toEqual([
      [3, 1],
      [0, 0],
      [5, 2],
    ]);
    const rows = parseCsv(chartToCsv(m));
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['2026-03-07T00:00:00.000-05:00', 'America/New_York'],
      ['2026-03-08T00:00:00.000-05:00', 'America/New_York'],
      ['2026-03-09T00:00:00.000-04:00', 'America/New_York'],
    ]);
    expect(rows.slice(1).map((r) => Date.parse(r[0] as string))).toEqual(m.rows.map((r) => r.t));
    // The 23-hour day's drill-down ends at the next local midnight, not 24 h later.
    expect(bucketEnd(m, m.rows[1]!.t)).toBe(m.rows[1]!.t + 23 * H);
    expect(bucketEnd(m, m.rows[2]!.t)).toBe(Date.UTC(2026, 2, 10, 4));
  });
});

describe('change against the comparison', () => {
  const W = 7 * 86_400_000;
  const build = (metric: 'attempts' | 'success_rate', asOf?: number) =>
    buildChartModel({
      metric,
      asOf,
      primary: ts(
        [
          { key: 'stripe', points: [pt(T0, 12, 9, 90), pt(T0 + M, 10, 10, 100), pt(T0 + 2 * M, 5, 5, 50)] },
          { key: 'adyen', points: [pt(T0, 4, 4, 40)] },
        ],
        'provider',
        T0,
        T0 + 3 * M,
      ),
      comparison: {
        series: ts(
          [{ key: 'stripe', points: [pt(T0 - W, 10, 10, 100), pt(T0 + 2 * M - W, 10, 10, 100)] }],
          'provider',
          T0 - W,
          T0 + 3 * M - W,
        ),
        offset: W,
      },
      ...labels,
    });

  it('is relative for counts, matched by group key, with no value from a zero or a missing comparison', () => {
    const m = build('attempts');
    const [stripe, adyen] = m.series;
    expect(deltaOf(m, m.rows[0]!, stripe!)).toEqual({ kind: 'relative', value: 0.2 }); // 12 vs 10
    expect(deltaOf(m, m.rows[1]!, stripe!)).toBeNull(); // last week 0 in that minute
    expect(deltaOf(m, m.rows[2]!, stripe!)).toEqual({ kind: 'relative', value: -0.5 }); // 5 vs 10
    expect(deltaOf(m, m.rows[0]!, adyen!)).toBeNull(); // no adyen series last week
  });

  it('is in percentage points for rates', () => {
    const m = build('success_rate');
    const d = deltaOf(m, m.rows[0]!, m.series[0]!);
    expect(d?.kind).toBe('points');
    expect(d?.value).toBeCloseTo(0.75 - 1, 12);
  });

  it('is not given for the bucket in progress (a part of a bucket against a whole one)', () => {
    const m = build('attempts', T0 + 2 * M + 10_000);
    expect(deltaOf(m, m.rows[2]!, m.series[0]!)).toBeNull();
    expect(deltaOf(m, m.rows[0]!, m.series[0]!)).toEqual({ kind: 'relative', value: 0.2 });
  });
});

describe('what a rate stands on', () => {
  const primary = ts(
    [
      { key: 'stripe', points: [pt(T0, 500, 500, 10), pt(T0 + M, 1, 1, 1)] },
      { key: 'adyen', points: [pt(T0, 4, 2, 20)] },
    ],
    'provider',
    T0,
    T0 + 3 * M,
  );

  it('gives the attempts behind each rate, so 100 % of 1 is told from 100 % of 500', () => {
    const m = buildChartModel({ metric: 'success_rate', primary, asOf: T0 + 2 * M + 5_000, ...labels });
    const [stripe, adyen] = m.series;
    expect(m.rows[0]?.s0).toBe(1);
    expect(m.rows[1]?.s0).toBe(1);
    expect([basisOf(m, T0, stripe!), basisOf(m, T0 + M, stripe!), basisOf(m, T0, adyen!)]).toEqual([
      500, 1, 4,
    ]);
    expect(basisOf(m, T0 + M, adyen!)).toBe(0); // no attempts: no rate, and says so
    // The bucket in progress already counts what it has.
    expect(basisOf(m, T0 + 2 * M, stripe!)).toBe(0);
  });

  it("is the bucket's attempts over every category for a decline rate, none for counts and money", () => {
    const d = buildChartModel({
      metric: 'decline_rate',
      primary: ts(
        [
          { key: null, points: [pt(T0, 8, 8, 1)] },
          { key: 'fraud', points: [pt(T0, 2, 0, 0)] },
        ],
        'failure_category',
        T0,
        T0 + M,
      ),
      ...labels,
    });
    expect(basisOf(d, T0, d.series[0]!)).toBe(10);
    const c = buildChartModel({ metric: 'attempts', primary, ...labels });
    expect(basisOf(c, T0, c.series[0]!)).toBeNull();
  });
});
