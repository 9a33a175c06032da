import {
  BUCKETS,
  UTC_ZONE,
  bucketZone,
  bucketStarts,
  filtersOf,
  withPointStarts,
  type Breakdown,
  type BreakdownQuery,
  type Failures,
  type MetricPoint,
  type Overview,
  type PaymentTimeline,
  type RangeQuery,
  type Timeseries,
  type TimeseriesQuery,
  type Transactions,
  type TransactionsQuery,
} from '@paywatch/contracts';
import { BadRequestError, NotFoundError } from '../lib/errors.js';
import { cutText } from '../lib/pan.js';
import type { Fx } from '../lib/fx.js';
import type { EventReader, RangeFilter } from '../store/types.js';
import { normalizeFilters } from './filter-values.js';

/** Longest range any aggregate query accepts. */
export const MAX_RANGE_MS = 400 * 86_400_000;
/** Most buckets a time series may have (per series), counted exactly in the query's zone. */
export const MAX_BUCKETS = 5_000;
export const OTHER_KEY = '__other__';

/** Limits of the read service; tests lower them to reach the edge with small ranges. */
export interface ReadLimits {
  /** Most buckets a time series may have (default `MAX_BUCKETS`). */
  maxBuckets: number;
}

/**
 * Turns store results into API responses: resolves default ranges, picks a bucket, converts
 * GMV into the reporting currency, fills empty buckets, folds small groups. Backend-agnostic.
 */
export function createReadService(
  reader: EventReader,
  fx: Fx,
  now: () => number = Date.now,
  limits: ReadLimits = { maxBuckets: MAX_BUCKETS },
) {
  const { maxBuckets } = limits;
  const range = (q: RangeQuery): RangeFilter => {
    const to = q.to ?? now();
    const from = q.from ?? to - 3_600_000;
    if (from >= to) throw new BadRequestError('"from" must be before "to"', 'from', 'invalid_parameter');
    if (to - from > MAX_RANGE_MS)
      throw new BadRequestError('range longer than 400 days', 'from', 'invalid_parameter');
    if (
      q.min_amount_minor !== undefined &&
      q.max_amount_minor !== undefined &&
      q.min_amount_minor > q.max_amount_minor
    ) {
      throw new BadRequestError(
        '"min_amount_minor" exceeds "max_amount_minor"',
        'min_amount_minor',
        'invalid_parameter',
      );
    }
    return { from, to, filters: normalizeFilters(filtersOf(q)) };
  };
  /**
   * GMV in the reporting currency and the successes it covers: an average ticket divides the one
   * by the other, so the successes in currencies without a rate stay out of both.
   */
  const converted = (a: {
    gmv_minor: Record<string, number>;
    succeeded_by_currency: Record<string, number>;
  }) => {
    const g = fx.convertTotals(a.gmv_minor);
    const left = new Set(g.unconverted);
    let succeeded = 0;
    for (const [c, n] of Object.entries(a.succeeded_by_currency)) if (!left.has(c)) succeeded += n;
    return { ...g, succeeded };
  };
  const rate = (s: number, a: number) => (a === 0 ? null : s / a);

  return {
    async overview(q: RangeQuery): Promise<Overview> {
      const r = range(q);
      const a = await reader.overview(r);
      const g = converted(a);
      return {
        from: r.from,
        to: r.to,
        events: a.events,
        attempts: a.attempts,
        succeeded: a.succeeded,
        failed: a.failed,
        success_rate: rate(a.succeeded, a.attempts),
        gmv: {
          reporting_currency: fx.reportingCurrency,
          total: g.total,
          by_currency: g.byCurrency,
          unconverted: g.unconverted,
          unconverted_succeeded: a.succeeded - g.succeeded,
        },
        latency_ms: a.latency_ms,
      };
    },

    async timeseries(q: TimeseriesQuery): Promise<Timeseries> {
      const r = range(q);
      const span = r.to - r.from;
      const bucketMs = q.bucket
        ? BUCKETS[q.bucket]
        : span <= 3 * 3_600_000
          ? BUCKETS['1m']
          : span <= 86_400_000
            ? BUCKETS['5m']
            : span <= 8 * 86_400_000
              ? BUCKETS['1h']
              : BUCKETS['1d'];
      // 'UTC' cuts the same buckets as no zone (epoch multiples): keep the default path.
      const tz = bucketZone(q.tz);
      // The exact starts, local days walked in the zone (a DST day's last 6 h bucket lasts 5 or
      // 7 hours, so the range / bucket size is off by one per change); bucketStarts stops at one
      // past the cap, so a refused range costs at most maxBuckets + 1 steps.
      const exact = bucketStarts(r.from, r.to, bucketMs, tz, maxBuckets);
      if (exact.length > maxBuckets) {
        throw new BadRequestError(
          `more than ${maxBuckets} buckets in the range; choose a larger bucket`,
          'bucket',
          'invalid_parameter',
        );
      }
      const groupBy = q.group_by ?? null;
      const rows = await reader.timeseries({ ...r, bucketMs, groupBy, tz });
      // The buckets of the range, and any other a store with other zone data cut.
      const starts = withPointStarts(exact, rows);
      // Keep the `limit` largest groups by attempts; fold the rest into one series.
      const limit = q.limit ?? 10;
      const totals = new Map<string | null, number>();
      for (const p of rows) totals.set(p.key, (totals.get(p.key) ?? 0) + p.attempts);
      const kept = new Set(
        [...totals.entries()]
          .sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))
          .slice(0, limit)
          .map(([k]) => k),
      );
      type Acc = {
        attempts: number;
        succeeded: number;
        failed: number;
        gmv: Record<string, number>;
        sbc: Record<string, number>;
        p95: number | null;
      };
      const series = new Map<string | null, Map<number, Acc>>();
      for (const p of rows) {
        const key = kept.has(p.key) ? p.key : OTHER_KEY;
        let s = series.get(key);
        if (!s) series.set(key, (s = new Map()));
        const acc = s.get(p.t) ?? { attempts: 0, succeeded: 0, failed: 0, gmv: {}, sbc: {}, p95: null };
        acc.attempts += p.attempts;
        acc.succeeded += p.succeeded;
        acc.failed += p.failed;
        for (const [c, v] of Object.entries(p.gmv_minor)) acc.gmv[c] = (acc.gmv[c] ?? 0) + v;
        for (const [c, v] of Object.entries(p.succeeded_by_currency)) acc.sbc[c] = (acc.sbc[c] ?? 0) + v;
        // A folded bucket keeps the worst p95 of its parts (an upper bound, labelled as such in docs).
        acc.p95 = p.latency_p95 === null ? acc.p95 : Math.max(acc.p95 ?? 0, p.latency_p95);
        s.set(p.t, acc);
      }
      if (series.size === 0 && groupBy === null) series.set(null, new Map());
      const out: Timeseries['series'] = [];
      for (const [key, byT] of series) {
        const points: MetricPoint[] = [];
        for (const t of starts) {
          const a = byT.get(t);
          const g = a ? converted({ gmv_minor: a.gmv, succeeded_by_currency: a.sbc }) : null;
          points.push({
            t,
            attempts: a?.attempts ?? 0,
            succeeded: a?.succeeded ?? 0,
            failed: a?.failed ?? 0,
            success_rate: a ? rate(a.succeeded, a.attempts) : null,
            gmv: g?.total ?? 0,
            gmv_succeeded: g?.succeeded ?? 0,
            latency_p95: a?.p95 ?? null,
          });
        }
        out.push({ key, points });
      }
      out.sort((a, b) => (totals.get(b.key) ?? -1) - (totals.get(a.key) ?? -1));
      return {
        from: r.from,
        to: r.to,
        bucket_ms: bucketMs,
        tz: tz ?? UTC_ZONE,
        group_by: groupBy,
        reporting_currency: fx.reportingCurrency,
        series: out,
      };
    },

    async breakdown(q: BreakdownQuery): Promise<Breakdown> {
      const r = range(q);
      const rows = await reader.breakdown({ ...r, dimension: q.dimension, limit: q.limit ?? 20 });
      return {
        from: r.from,
        to: r.to,
        dimension: q.dimension,
        reporting_currency: fx.reportingCurrency,
        rows: rows.map((b) => {
          const g = converted(b);
          return {
            key: b.key,
            attempts: b.attempts,
            succeeded: b.succeeded,
            failed: b.failed,
            success_rate: rate(b.succeeded, b.attempts),
            gmv: g.total,
            gmv_succeeded: g.succeeded,
            latency_p95: b.latency_p95,
          };
        }),
      };
    },

    async failures(q: RangeQuery): Promise<Failures> {
      const r = range(q);
      const rows = await reader.failures(r);
      const total = rows.reduce((s, x) => s + x.count, 0);
      return {
        from: r.from,
        to: r.to,
        total_failed: total,
        rows: rows.map((x) => ({
          category: x.category,
          count: x.count,
          share: total === 0 ? 0 : x.count / total,
          top_codes: x.top_codes,
        })),
      };
    },

    async transactions(q: TransactionsQuery): Promise<Transactions> {
      const r = range(q);
      return reader.transactions({ ...r, limit: q.limit ?? 50, cursor: q.cursor ?? null });
    },

    async payment(paymentId: string): Promise<PaymentTimeline> {
      const events = await reader.paymentTimeline(paymentId);
      if (events.length === 0) throw new NotFoundError(`no events for payment "${cutText(paymentId, 128)}"`);
      return { payment_id: paymentId, events };
    },
  };
}
export type ReadService = ReturnType<typeof createReadService>;
