import {
  BreakdownQuerySchema,
  BreakdownSchema,
  FailuresSchema,
  OverviewSchema,
  PaymentTimelineSchema,
  RangeQuerySchema,
  TimeseriesQuerySchema,
  TimeseriesSchema,
  TransactionsQuerySchema,
  TransactionsSchema,
} from '@paywatch/contracts';
import { Router } from 'express';
import { BadRequestError } from '../lib/errors.js';
import { parseQuery } from './query.js';
import type { ReadService } from './read-service.js';
import type { RouteDoc } from './route-doc.js';

const rangeErrors = {
  400: 'A query parameter is invalid; `error.field` names it.',
  401: 'Not signed in and no API key.',
  403: 'The role or key scope does not allow this route.',
  503: 'The store is unreachable.',
};

export const READ_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/overview',
    tag: 'read',
    auth: 'viewer',
    summary: 'KPIs for a time range',
    description:
      'Attempts, successes, failures, success rate, GMV (per currency and in the reporting currency) and latency quantiles over [from, to) in event time. Currencies without an FX rate are listed in `gmv.unconverted` and their successful attempts counted in `gmv.unconverted_succeeded`: both are left out of `gmv.total`, so an average ticket is `gmv.total / (succeeded − gmv.unconverted_succeeded)`. Defaults to the last hour. Latency quantiles are exact (interpolated) on the embedded store; on ClickHouse they come from a log-bucketed histogram: the nearest-rank value within 3.85 % (docs/clickhouse.md).',
    query: RangeQuerySchema,
    response: { status: 200, schema: OverviewSchema, description: 'Overview' },
    errors: rangeErrors,
  },
  {
    method: 'get',
    path: '/api/v1/timeseries',
    tag: 'read',
    auth: 'viewer',
    summary: 'Metrics per time bucket, optionally grouped by one dimension',
    description:
      'Buckets start at multiples of their size since the epoch (UTC); `1w` buckets run from Monday 00:00 UTC. With `tz` (an IANA zone name, case as in the tz database: `Asia/Shanghai`, `America/New_York`, `Asia/Kolkata`; default `UTC`; anything else is a 400 naming `tz`), `6h`, `1d` and `1w` buckets follow that zone instead: each local day starts a bucket at local midnight and is cut into 4 (or 1) buckets of elapsed time, each week at local midnight on Monday, so a day with a DST change is 23 or 25 hours long (its last 6 h bucket 5 or 7 hours); finer buckets are unchanged. A series has at most 5 000 buckets, counted as they are cut in the zone (a 25-hour DST day still holds four `6h` buckets): more is a 400 naming `bucket`. `bucket_ms` stays the nominal size and `tz` in the answer names the zone used. On every point, `gmv_succeeded` counts the successful attempts whose amount is in `gmv` (currencies with an FX rate): the average ticket is `gmv / gmv_succeeded`. Answers are exact on both stores whatever the zone offset (+05:30 and +05:45 read the per-minute rollup or raw rows on ClickHouse).',
    query: TimeseriesQuerySchema,
    response: {
      status: 200,
      schema: TimeseriesSchema,
      description: 'One series per group, every bucket present',
    },
    errors: rangeErrors,
  },
  {
    method: 'get',
    path: '/api/v1/breakdown',
    tag: 'read',
    auth: 'viewer',
    summary: 'Top values of a dimension by attempts',
    description:
      'Per value: attempts, outcomes, success rate, GMV in the reporting currency with `gmv_succeeded` (the successful attempts whose amount converted: the average ticket is `gmv / gmv_succeeded`) and p95 latency. No time buckets, so no `tz`.',
    query: BreakdownQuerySchema,
    response: { status: 200, schema: BreakdownSchema, description: 'Breakdown' },
    errors: rangeErrors,
  },
  {
    method: 'get',
    path: '/api/v1/failures',
    tag: 'read',
    auth: 'viewer',
    summary: 'Failed attempts by normalized failure category with top raw codes',
    query: RangeQuerySchema,
    response: { status: 200, schema: FailuresSchema, description: 'Failure categories' },
    errors: rangeErrors,
  },
  {
    method: 'get',
    path: '/api/v1/transactions',
    tag: 'read',
    auth: 'analyst',
    summary: 'Masked payment events matching filters, newest first, cursor-paged',
    query: TransactionsQuerySchema,
    response: { status: 200, schema: TransactionsSchema, description: 'A page of events' },
    errors: rangeErrors,
  },
  {
    method: 'get',
    path: '/api/v1/payments/{payment_id}',
    tag: 'read',
    auth: 'analyst',
    summary: "One payment's timeline: every attempt and status change",
    pathParams: { payment_id: 'The payment id (as stored, masked)' },
    response: { status: 200, schema: PaymentTimelineSchema, description: 'Timeline' },
    errors: {
      400: 'The payment id is longer than 128 characters, or its percent-encoding is broken.',
      401: 'Not signed in and no API key.',
      403: 'Needs the analyst role or a read key.',
      404: 'No events for this payment id.',
      503: 'The store is unreachable.',
    },
  },
];

/** The read API under `/api/v1`. Query parameters are validated with the contracts' schemas. */
export function createReadRouter(read: ReadService): Router {
  const r = Router();
  r.get('/api/v1/overview', async (req, res) => {
    res.json(await read.overview(parseQuery(RangeQuerySchema, req.query)));
  });
  r.get('/api/v1/timeseries', async (req, res) => {
    res.json(await read.timeseries(parseQuery(TimeseriesQuerySchema, req.query)));
  });
  r.get('/api/v1/breakdown', async (req, res) => {
    res.json(await read.breakdown(parseQuery(BreakdownQuerySchema, req.query)));
  });
  r.get('/api/v1/failures', async (req, res) => {
    res.json(await read.failures(parseQuery(RangeQuerySchema, req.query)));
  });
  r.get('/api/v1/transactions', async (req, res) => {
    res.json(await read.transactions(parseQuery(TransactionsQuerySchema, req.query)));
  });
  r.get('/api/v1/payments/:payment_id', async (req, res) => {
    const id = req.params.payment_id;
    if (!id || id.length > 128)
      throw new BadRequestError('payment_id must be 1 to 128 characters', 'payment_id');
    res.json(await read.payment(id));
  });
  return r;
}
