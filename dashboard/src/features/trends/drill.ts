import type { Filters } from '@paywatch/contracts';
import { txHref } from '../transactions/tx-query.js';
import { OTHER_KEY, type ChartModel, type ChartSeries } from './chart-data.js';
import type { TrendsState } from './trends-state.js';

/**
 * The transaction list behind one bucket of the chart: the bucket's time range (shifted back
 * for a comparison series), the explorer's filters, and the clicked group as an extra filter.
 */
export function drillHref(
  state: TrendsState,
  model: ChartModel,
  t: number,
  series: ChartSeries | undefined,
): string {
  const from = series?.compare ? t - model.compareOffset : t;
  const filters: Filters = { ...state.filters };
  const key = series?.key;
  if (state.groupBy && typeof key === 'string' && key !== OTHER_KEY) filters[state.groupBy] = [key];
  if (state.metric === 'decline_rate') filters.status = ['failed'];
  return txHref({ from, to: from + model.bucketMs, filters });
}
