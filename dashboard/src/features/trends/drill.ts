import { FILTER_ENUMS, SUCCESS_STATUSES, FAILURE_STATUSES, type Filters } from '@paywatch/contracts';
import { txHref } from '../transactions/tx-query.js';
import { OTHER_KEY, bucketEnd, type ChartModel, type ChartSeries } from './chart-data.js';
import type { Metric, TrendsState } from './trends-state.js';

/**
 * The statuses of the events a metric counts: attempts, success rate and latency count the
 * attempts with an outcome (succeeded, captured, failed), GMV and average ticket the successful
 * ones, decline rates the failed ones. The bucket's other events (created, authorized,
 * requires_action, refunded, …) are not in its number, so they are not in its transaction list.
 */
const METRIC_STATUSES: Record<Metric, readonly string[]> = {
  attempts: [...SUCCESS_STATUSES, ...FAILURE_STATUSES],
  success_rate: [...SUCCESS_STATUSES, ...FAILURE_STATUSES],
  latency_p95: [...SUCCESS_STATUSES, ...FAILURE_STATUSES],
  gmv: SUCCESS_STATUSES,
  avg_ticket: SUCCESS_STATUSES,
  decline_rate: FAILURE_STATUSES,
};

/** The metrics whose amounts leave out the currencies without an FX rate. */
const MONEY_METRICS: readonly Metric[] = ['gmv', 'avg_ticket'];

/**
 * The transaction list behind one bucket of the chart: the bucket's time range (shifted back
 * for a comparison series), the explorer's filters, the clicked group as an extra filter, and
 * the statuses the metric counts (intersected with a status filter or group), so the list holds
 * exactly the events the bucket's number was computed from.
 *
 * The "Other" group of a closed list (provider, method, …) is every value the chart does not
 * show as its own series (of the same period); `null` — no link — for a group no filter can
 * express: "Other" of an open dimension (merchant, country, BIN) and "no value". A link to the
 * unfiltered bucket would list the shown groups' events too.
 *
 * `converted` (GMV and average ticket, when some currencies have no FX rate: `TrendData.converted`)
 * are the currencies the amounts are made of: the list is narrowed to them (intersected with a
 * currency filter or group), since payments in the others are in neither the sum nor the divisor.
 * `null` when none is left (a currency without a rate: its bucket has no value to list).
 */
export function drillHref(
  state: TrendsState,
  model: ChartModel,
  t: number,
  series: ChartSeries | undefined,
  converted: readonly string[] = [],
): string | null {
  const from = series?.compare ? t - model.compareOffset : t;
  const filters: Filters = { ...state.filters };
  const key = series?.key;
  const dim = state.groupBy;
  if (dim && series && key !== undefined) {
    if (key === null) return null;
    if (key === OTHER_KEY) {
      const known = FILTER_ENUMS[dim]?.values;
      if (!known) return null;
      const shown = new Set(model.series.filter((s) => s.compare === series.compare).map((s) => s.key));
      const chosen = filters[dim];
      filters[dim] = known.filter((v) => !shown.has(v) && (!chosen || chosen.includes(v)));
      if (filters[dim].length === 0) return null;
    } else filters[dim] = [key];
  }
  const counted = METRIC_STATUSES[state.metric];
  const chosen = filters.status;
  // An empty intersection (a status the metric does not count) keeps the chosen statuses: the
  // list is then as empty as the bucket, not widened to every status.
  const both = chosen ? chosen.filter((s) => counted.includes(s)) : [...counted];
  filters.status = both.length > 0 ? both : chosen;
  if (MONEY_METRICS.includes(state.metric) && converted.length > 0) {
    const currencies = filters.currency
      ? filters.currency.filter((c) => converted.includes(c))
      : [...converted];
    if (currencies.length === 0) return null;
    filters.currency = currencies;
  }
  // The list shows the bucket on the chart's clock (a UTC day read 01:00–01:00 in Berlin).
  return txHref({ from, to: bucketEnd(model, from), filters }, model.tz);
}
