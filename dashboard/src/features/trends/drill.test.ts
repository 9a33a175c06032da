// Guards the drill-down link: a bucket's transaction list holds exactly the events its number counts (time range, filters, group, the metric's statuses).
import { describe, expect, it } from 'vitest';
import type { ChartModel, ChartSeries } from './chart-data.js';
import { drillHref } from './drill.js';
import { DEFAULT_TRENDS, type TrendsState } from './trends-state.js';

const T = Date.UTC(2026, 10, 26, 12, 0);
const model = { bucketMs: 300_000, compareOffset: 7 * 86_400_000 } as ChartModel;
const series = (key: string | null | undefined, compare = false): ChartSeries => ({
  id: compare ? 'c0' : 's0',
  key,
  label: String(key),
  exportLabel: String(key),
  compare,
});
const query = (href: string | null) => Object.fromEntries(new URL(href ?? '/none', 'http://x').searchParams);

describe('drill-down link', () => {
  it("names the chart's zone, so the list shows the bucket on the chart's clock", () => {
    // A UTC day drilled from a Berlin browser listed 01:00–01:00 with no zone (seen in Chromium).
    const day = { bucketMs: 86_400_000, compareOffset: 0, tz: 'UTC' } as ChartModel;
    const s: TrendsState = { ...DEFAULT_TRENDS, range: '7d', bucket: '1d', tz: 'UTC' };
    expect(query(drillHref(s, day, Date.UTC(2026, 10, 23), undefined))).toMatchObject({
      from: '2026-11-23T00:00:00.000Z',
      to: '2026-11-24T00:00:00.000Z',
      tz: 'UTC',
    });
  });

  it('lists only the attempts (succeeded, captured, failed) behind an attempts bucket, not pending or refunded events', () => {
    const s: TrendsState = {
      ...DEFAULT_TRENDS,
      groupBy: 'provider',
      filters: { method: ['card'], country: ['US', 'DE'] },
    };
    expect(query(drillHref(s, model, T, series('stripe')))).toEqual({
      from: '2026-11-26T12:00:00.000Z',
      to: '2026-11-26T12:05:00.000Z',
      provider: 'stripe',
      method: 'card',
      status: 'succeeded,captured,failed',
      country: 'US,DE',
    });
  });

  it('lists only the payments in converted currencies behind GMV and average ticket when some have no FX rate', () => {
    // 30 d of average ticket with only EUR and GBP rates (seen in Chromium): the week's list held
    // AUD, JPY, CNY… payments, in neither the sum nor the divisor of the figure.
    const converted = ['EUR', 'GBP', 'USD'];
    const avg: TrendsState = { ...DEFAULT_TRENDS, metric: 'avg_ticket' };
    expect(query(drillHref(avg, model, T, undefined, converted))).toMatchObject({
      currency: 'EUR,GBP,USD',
      status: 'succeeded,captured',
    });
    const chosen: TrendsState = { ...DEFAULT_TRENDS, metric: 'gmv', filters: { currency: ['JPY', 'EUR'] } };
    expect(query(drillHref(chosen, model, T, undefined, converted)).currency).toBe('EUR');
    // A currency without a rate (its own series when grouped by currency) has no amount to list.
    expect(
      drillHref(
        { ...DEFAULT_TRENDS, metric: 'gmv', groupBy: 'currency' },
        model,
        T,
        series('JPY'),
        converted,
      ),
    ).toBeNull();
    // Counts are over every currency.
    expect(query(drillHref(DEFAULT_TRENDS, model, T, undefined, converted)).currency).toBeUndefined();
  });

  it('lists the successful payments behind GMV and average ticket, the failed ones behind a decline rate', () => {
    expect(query(drillHref({ ...DEFAULT_TRENDS, metric: 'gmv' }, model, T, series(undefined))).status).toBe(
      'succeeded,captured',
    );
    expect(query(drillHref({ ...DEFAULT_TRENDS, metric: 'avg_ticket' }, model, T, undefined)).status).toBe(
      'succeeded,captured',
    );
    const decline: TrendsState = { ...DEFAULT_TRENDS, metric: 'decline_rate', groupBy: 'failure_category' };
    expect(query(drillHref(decline, model, T, series('insufficient_funds')))).toMatchObject({
      status: 'failed',
      failure_category: 'insufficient_funds',
    });
  });

  it('narrows a status filter or status group to what the metric counts, and never widens it', () => {
    const filtered: TrendsState = {
      ...DEFAULT_TRENDS,
      metric: 'gmv',
      filters: { status: ['captured', 'failed'] },
    };
    expect(query(drillHref(filtered, model, T, undefined)).status).toBe('captured');
    const byStatus: TrendsState = { ...DEFAULT_TRENDS, groupBy: 'status' };
    expect(query(drillHref(byStatus, model, T, series('failed'))).status).toBe('failed');
    // A status the metric does not count: the list stays as empty as the bucket.
    const pending: TrendsState = { ...DEFAULT_TRENDS, filters: { status: ['pending'] } };
    expect(query(drillHref(pending, model, T, undefined)).status).toBe('pending');
  });

  it('shifts a comparison series back to its own period', () => {
    const s: TrendsState = { ...DEFAULT_TRENDS, groupBy: 'provider', compare: 'week' };
    expect(query(drillHref(s, model, T, series('adyen', true)))).toMatchObject({
      from: '2026-11-19T12:00:00.000Z',
      to: '2026-11-19T12:05:00.000Z',
      provider: 'adyen',
    });
  });

  it('drills into "Other" of a closed list as the values not shown, and offers no link where no filter can express the group', () => {
    const shown = (keys: (string | null)[], compare = false): ChartModel =>
      ({
        ...model,
        series: keys.map((k, i) => ({ ...series(k, compare), id: `${compare ? 'c' : 's'}${i}` })),
      }) as ChartModel;
    const s: TrendsState = { ...DEFAULT_TRENDS, groupBy: 'channel' };
    const m = shown(['web', 'ios', '__other__']);
    expect(query(drillHref(s, m, T, series('__other__'))).channel).toBe('android,mini_program,pos');
    // Within a channel filter, "Other" is the filtered channels not shown.
    const f: TrendsState = { ...s, filters: { channel: ['web', 'pos', 'android'] } };
    expect(query(drillHref(f, m, T, series('__other__'))).channel).toBe('android,pos');
    // Open dimension, or "no value": the unfiltered bucket would also list the shown groups.
    expect(drillHref({ ...DEFAULT_TRENDS, groupBy: 'merchant_id' }, m, T, series('__other__'))).toBeNull();
    expect(drillHref({ ...DEFAULT_TRENDS, groupBy: 'card_brand' }, m, T, series(null))).toBeNull();
  });
});
