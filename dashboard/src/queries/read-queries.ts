import type { BucketName, Dimension } from '@paywatch/contracts';
import { alertsApi, readApi, rangeSearch, type AlertFilter, type RangeParams } from '../api/index.js';
import { useQuery, type QueryOptions } from './use-query.js';

// One hook per read endpoint (STYLE.md §8). Keys are the request URL's query string.

export const useOverview = (p: RangeParams, o?: QueryOptions) =>
  useQuery(`overview?${rangeSearch(p)}`, (s) => readApi.overview(p, s), o);

export const useTimeseries = (
  p: RangeParams & { bucket: BucketName; groupBy?: Dimension | null; limit?: number },
  o?: QueryOptions,
) =>
  useQuery(
    `timeseries?${rangeSearch(p, { bucket: p.bucket, group_by: p.groupBy ?? undefined, limit: p.limit })}`,
    (s) => readApi.timeseries(p, s),
    o,
  );

export const useBreakdown = (p: RangeParams & { dimension: Dimension; limit?: number }, o?: QueryOptions) =>
  useQuery(
    `breakdown?${rangeSearch(p, { dimension: p.dimension, limit: p.limit })}`,
    (s) => readApi.breakdown(p, s),
    o,
  );

export const useFailures = (p: RangeParams, o?: QueryOptions) =>
  useQuery(`failures?${rangeSearch(p)}`, (s) => readApi.failures(p, s), o);

export const usePayment = (id: string) => useQuery(`payment/${id}`, (s) => readApi.payment(id, s));

export const useAlerts = (f: AlertFilter, o?: QueryOptions) =>
  useQuery(`alerts?${f.status ?? ''}|${f.severity ?? ''}`, (s) => alertsApi.list(f, s), o);

export const useAlert = (id: string, o?: QueryOptions) =>
  useQuery(`alert/${id}`, (s) => alertsApi.get(id, s), o);

/** The alert engine's silences (the silences page). */
export const useSilences = (o?: QueryOptions) => useQuery('silences', (s) => alertsApi.silences(s), o);

export const useAlertDeliveries = (id: string, o?: QueryOptions) =>
  useQuery(`alert-deliveries/${id}`, (s) => alertsApi.deliveriesOf(id, s), o);
