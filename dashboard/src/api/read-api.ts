import {
  BreakdownSchema,
  DIMENSIONS,
  FailuresSchema,
  OverviewSchema,
  PaymentTimelineSchema,
  TimeseriesSchema,
  TransactionsSchema,
  type Breakdown,
  type BucketName,
  type Dimension,
  type Failures,
  type Filters,
  type Overview,
  type PaymentTimeline,
  type Timeseries,
  type Transactions,
} from '@paywatch/contracts';
import { requestJson } from './http.js';

/** A time range (epoch ms, `to` exclusive) plus filters: the input of every aggregate query. */
export interface RangeParams {
  from: number;
  to: number;
  filters?: Filters;
}

export const API_BASE = '/api/v1';

/** Query string for a range + filters, with dimension filters as comma-separated values. */
export function rangeSearch(
  p: RangeParams,
  extra: Record<string, string | number | undefined> = {},
): URLSearchParams {
  const q = new URLSearchParams();
  q.set('from', String(Math.floor(p.from)));
  q.set('to', String(Math.floor(p.to)));
  const f = p.filters ?? {};
  for (const d of DIMENSIONS) {
    const v = f[d];
    if (v && v.length > 0) q.set(d, v.join(','));
  }
  if (f.payment_id) q.set('payment_id', f.payment_id);
  if (f.min_amount_minor !== undefined) q.set('min_amount_minor', String(f.min_amount_minor));
  if (f.max_amount_minor !== undefined) q.set('max_amount_minor', String(f.max_amount_minor));
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) q.set(k, String(v));
  return q;
}

/** The read API (`/api/v1/*`), one function per endpoint, responses validated by contract. */
export const readApi = {
  overview: (p: RangeParams, signal?: AbortSignal): Promise<Overview> =>
    requestJson(`${API_BASE}/overview?${rangeSearch(p)}`, OverviewSchema, { signal }),
  timeseries: (
    p: RangeParams & { bucket: BucketName; groupBy?: Dimension | null; limit?: number; tz?: string },
    signal?: AbortSignal,
  ): Promise<Timeseries> =>
    requestJson(
      `${API_BASE}/timeseries?${rangeSearch(p, { bucket: p.bucket, group_by: p.groupBy ?? undefined, limit: p.limit, tz: p.tz })}`,
      TimeseriesSchema,
      { signal },
    ),
  breakdown: (
    p: RangeParams & { dimension: Dimension; limit?: number },
    signal?: AbortSignal,
  ): Promise<Breakdown> =>
    requestJson(
      `${API_BASE}/breakdown?${rangeSearch(p, { dimension: p.dimension, limit: p.limit })}`,
      BreakdownSchema,
      { signal },
    ),
  failures: (p: RangeParams, signal?: AbortSignal): Promise<Failures> =>
    requestJson(`${API_BASE}/failures?${rangeSearch(p)}`, FailuresSchema, { signal }),
  transactions: (
    p: RangeParams & { limit?: number; cursor?: string | null },
    signal?: AbortSignal,
  ): Promise<Transactions> =>
    requestJson(
      `${API_BASE}/transactions?${rangeSearch(p, { limit: p.limit, cursor: p.cursor ?? undefined })}`,
      TransactionsSchema,
      { signal },
    ),
  payment: (paymentId: string, signal?: AbortSignal): Promise<PaymentTimeline> =>
    requestJson(`${API_BASE}/payments/${encodeURIComponent(paymentId)}`, PaymentTimelineSchema, { signal }),
};
