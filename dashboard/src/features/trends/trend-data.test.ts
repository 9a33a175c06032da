// Guards the trends data's read time: taken when the request is sent, so a request that crosses a bucket boundary still marks the bucket it read half-filled as in progress.
import { BUCKETS, type Timeseries } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { buildChartModel } from './chart-data.js';
import { chartToCsv, parseCsv } from './csv.js';
import { formatterFor, translate, type Lang } from '../../i18n/index.js';
import { fetchTrendData, unconvertedNotice, type TrendQuery } from './trend-data.js';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0);
const labels = {
  labelOf: (k: string | null | undefined) => (k === undefined ? 'All' : String(k)),
  compareLabel: (n: string) => `${n} (last week)`,
};

/**
 * A read API over one payment per second, whose requests the test completes
 * by hand: the store is read when the request arrives (at the clock of that moment), and the
 * answer comes back when the test calls `respond()`, after moving the clock on.
 */
function slowReadApi(clock: { now: number }) {
  const pending: { query: TrendQuery; readAt: number; resolve(ts: Timeseries): void }[] = [];
  const answer = (q: TrendQuery, readAt: number): Timeseries => {
    const b = BUCKETS[q.bucket];
    const points = [];
    for (let t = q.from; t < q.to; t += b) {
      // Seconds of [t, t + b) that had elapsed when the store was read.
      const n = Math.max(0, Math.min(b, readAt - t) / 1000);
      if (n > 0) {
        points.push({
          t,
          attempts: n,
          succeeded: n,
          failed: 0,
          success_rate: 1,
          gmv: 10 * n,
          latency_p95: null,
        });
      }
    }
    return {
      from: q.from,
      to: q.to,
      bucket_ms: b,
      group_by: null,
      reporting_currency: 'USD',
      series: [{ key: null, points }],
    };
  };
  return {
    pending,
    timeseries: (query: TrendQuery) =>
      new Promise<Timeseries>((resolve) => pending.push({ query, readAt: clock.now, resolve })),
    now: () => clock.now,
    respond() {
      for (const p of pending.splice(0)) p.resolve(answer(p.query, p.readAt));
    },
  };
}

describe('trends data read time', () => {
  // The last five minutes, sent 58 s into the last one; the answer arrives 4 s later, in the
  // next minute (past the range's end).
  const query: TrendQuery = { from: T0, to: T0 + 5 * M, bucket: '1m', groupBy: null, limit: 8 };
  const sentAt = T0 + 4 * M + 58_000;
  const arrivedAt = T0 + 5 * M + 2_000;

  it('marks the bucket in progress when the request was sent as partial, though the answer arrives after it ended', async () => {
    const clock = { now: sentAt };
    const api = slowReadApi(clock);
    const loading = fetchTrendData(api, query, null);
    expect(api.pending).toHaveLength(1);
    clock.now = arrivedAt;
    api.respond();
    const data = await loading;

    expect(data.asOf).toBe(sentAt);
    const model = buildChartModel({ metric: 'attempts', primary: data.primary, asOf: data.asOf, ...labels });
    // The store counted 58 s of the last minute: that bucket is drawn apart, not as a drop to 58.
    expect(model.rows.map((r) => r.s0)).toEqual([60, 60, 60, 60, 58]);
    expect(model.partialFrom).toBe(T0 + 4 * M);
    const csv = parseCsv(chartToCsv(model));
    expect(csv.slice(1).map((r) => r.at(-1))).toEqual(['false', 'false', 'false', 'false', 'true']);
  });

  it('uses the same read time for the comparison, requested over its own range', async () => {
    const clock = { now: sentAt };
    const api = slowReadApi(clock);
    const week = 7 * 24 * 60 * M;
    const loading = fetchTrendData(api, query, { from: T0 - week, to: T0 + 5 * M - week });
    expect(api.pending.map((p) => [p.query.from, p.query.to, p.query.bucket])).toEqual([
      [T0, T0 + 5 * M, '1m'],
      [T0 - week, T0 + 5 * M - week, '1m'],
    ]);
    clock.now = arrivedAt;
    api.respond();
    const data = await loading;

    const model = buildChartModel({
      metric: 'attempts',
      primary: data.primary,
      comparison: data.comparison && { series: data.comparison, offset: week },
      asOf: data.asOf,
      ...labels,
    });
    expect(model.partialFrom).toBe(T0 + 4 * M);
    expect(model.rows.map((r) => r.c0)).toEqual([60, 60, 60, 60, 60]);
  });

  it('marks no bucket partial when the range had ended before the request was sent', async () => {
    const clock = { now: T0 + 5 * M + 1_000 };
    const api = slowReadApi(clock);
    const loading = fetchTrendData(api, query, null);
    clock.now += 4_000;
    api.respond();
    const data = await loading;
    const model = buildChartModel({ metric: 'attempts', primary: data.primary, asOf: data.asOf, ...labels });
    expect(model.partialFrom).toBeNull();
    expect(model.rows.map((r) => r.s0)).toEqual([60, 60, 60, 60, 60]);
  });
});

describe('currencies without an FX rate', () => {
  const ts = (from: number, key: string | null = null): Timeseries => ({
    from,
    to: from + M,
    bucket_ms: M,
    group_by: key === null ? null : 'currency',
    reporting_currency: 'USD',
    series: [{ key, points: [] }],
  });
  const overview = (unconverted: Record<string, number>, unconvertedSucceeded = 0) => ({
    from: 0,
    to: 0,
    events: 0,
    attempts: 0,
    succeeded: 0,
    failed: 0,
    success_rate: null,
    latency_ms: { p50: null, p95: null, p99: null },
    gmv: {
      reporting_currency: 'USD',
      total: 10,
      by_currency: { USD: 10, ...unconverted },
      unconverted: Object.keys(unconverted),
      unconverted_succeeded: unconvertedSucceeded,
    },
  });
  const query: TrendQuery = { from: T0, to: T0 + M, bucket: '1m', filters: { country: ['NG'] } };

  it('are asked for money metrics over both ranges and summed, with the filters', async () => {
    const asked: unknown[] = [];
    const deps = {
      timeseries: async (q: TrendQuery) => ts(q.from),
      overview: async (q: { from: number; to: number; filters?: unknown }) => {
        asked.push(q);
        return q.from === T0 ? overview({ NGN: 150_000 }, 7) : overview({ NGN: 1_000, XAF: 20 }, 2);
      },
    };
    const data = await fetchTrendData(deps, query, { from: T0 - M, to: T0 }, undefined, { money: true });
    expect(data.unconverted).toEqual({ NGN: 151_000, XAF: 20 });
    expect(data.unconvertedSucceeded).toBe(9);
    // The currencies GMV is made of (a drill-down lists only theirs).
    expect(data.converted).toEqual(['USD']);
    expect(asked).toEqual([
      { from: T0, to: T0 + M, filters: { country: ['NG'] } },
      { from: T0 - M, to: T0, filters: { country: ['NG'] } },
    ]);
    const counts = await fetchTrendData(deps, query, null, undefined, { money: false });
    expect(counts.unconverted).toEqual({});
    expect(counts.converted).toEqual([]);
    expect(asked).toHaveLength(2);
  });

  it('have no value in GMV by currency, not a zero', () => {
    const primary: Timeseries = {
      ...ts(T0, 'USD'),
      series: [
        {
          key: 'USD',
          points: [
            { t: T0, attempts: 2, succeeded: 2, failed: 0, success_rate: 1, gmv: 10, latency_p95: null },
          ],
        },
        {
          key: 'NGN',
          points: [
            { t: T0, attempts: 3, succeeded: 3, failed: 0, success_rate: 1, gmv: 0, latency_p95: null },
          ],
        },
      ],
    };
    const gmv = buildChartModel({ metric: 'gmv', primary, unconverted: ['NGN'], ...labels });
    expect(gmv.rows[0]).toMatchObject({ s0: 10, s1: null });
    // Ungrouped, the average ticket divides the converted GMV by the converted successes only:
    // 10 over the 2 USD payments, not over all 5.
    const all: Timeseries = {
      ...ts(T0),
      series: [
        {
          key: null,
          points: [
            {
              t: T0,
              attempts: 5,
              succeeded: 5,
              failed: 0,
              success_rate: 1,
              gmv: 10,
              gmv_succeeded: 2,
              latency_p95: null,
            },
          ],
        },
      ],
    };
    expect(
      buildChartModel({ metric: 'avg_ticket', primary: all, unconverted: ['NGN'], ...labels }).rows[0],
    ).toMatchObject({
      s0: 5,
    });
    // Counts of the same payments are real numbers.
    expect(
      buildChartModel({ metric: 'attempts', primary, unconverted: ['NGN'], ...labels }).rows[0],
    ).toMatchObject({
      s0: 2,
      s1: 3,
    });
  });
});

describe('the unconverted-currency notice', () => {
  const i18n = (lang: Lang) => ({
    lang,
    t: (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) => translate(lang, k, v),
    fmt: formatterFor(lang, 'UTC'),
  });
  const data = { unconverted: { AUD: 306_934.24, KWD: 55_139.555 }, unconvertedSucceeded: 47_006 };
  it('joins the amounts and the average-ticket sentence the way each language writes them', () => {
    // The Chinese notice read '…（请设置 PAYWATCH_FX_RATES）。 平均客单价…' (a space after the full stop)
    // with the amounts joined by an English comma (seen in Chromium).
    const zh = unconvertedNotice(i18n('zh-CN'), data, 'USD', true);
    expect(zh).toMatch(/AU\$306,934\.24、KWD\s55,139\.555/);
    expect(zh).toContain('PAYWATCH_FX_RATES）。平均客单价不含这 47,006 笔成功交易');
    const en = unconvertedNotice(i18n('en'), data, 'USD', true);
    expect(en).toMatch(/A\$306,934\.24, KWD\s55,139\.555 of successful payments/);
    expect(en).toContain(
      '(set PAYWATCH_FX_RATES). The average ticket leaves out those 47,006 successful payments',
    );
    expect(unconvertedNotice(i18n('en'), data, 'USD', false)).not.toContain('average ticket');
  });
});
