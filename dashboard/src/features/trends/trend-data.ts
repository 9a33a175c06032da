import type { Timeseries } from '@paywatch/contracts';
import type { readApi } from '../../api/index.js';

/** The query of the primary range (the read API's `timeseries` parameters). */
export type TrendQuery = Parameters<typeof readApi.timeseries>[0];

/** What the trends page draws: the primary series, the optional comparison, and their read time. */
export interface TrendData {
  primary: Timeseries;
  comparison: Timeseries | undefined;
  /**
   * The read time (epoch ms): the bucket holding it was still filling, so it is drawn apart and
   * marked in the CSV (`buildChartModel`'s `asOf`). Taken when the requests are sent, see below.
   */
  asOf: number;
}

/** The read API and the clock the trends data is loaded with (tests pass their own). */
export interface TrendDataDeps {
  timeseries(p: TrendQuery, signal?: AbortSignal): Promise<Timeseries>;
  now?(): number;
}

/**
 * Loads the primary range and, with `compare`, the same query over the comparison range, in
 * parallel. The read time is taken BEFORE the requests are sent: the store answers with what it
 * held at some moment during the request, never later than its end, so a clock read after the
 * answer arrives could already lie in the next bucket and mark the bucket the server read
 * half-filled as complete — a false drop of up to the request's duration. Read before sending,
 * a request that crosses a boundary at worst marks a bucket that has just ended as still in
 * progress, which only draws it apart. (The read API returns no server read time to use instead;
 * this is the dashboard's clock, as is the `now` the range itself is resolved with.)
 */
export async function fetchTrendData(
  deps: TrendDataDeps,
  query: TrendQuery,
  compare: { from: number; to: number } | null,
  signal?: AbortSignal,
): Promise<TrendData> {
  const asOf = (deps.now ?? Date.now)();
  const [primary, comparison] = await Promise.all([
    deps.timeseries(query, signal),
    compare ? deps.timeseries({ ...query, from: compare.from, to: compare.to }, signal) : undefined,
  ]);
  return { primary, comparison, asOf };
}
