import {
  isRateMetric,
  labelDimension,
  POOLED,
  type Filters,
  type SeriesMetric,
  type Timeseries,
} from '@paywatch/contracts';
import type { Alert } from '../../api/index.js';
import type { BandPoint } from '../../charts/band-chart.js';
import { txHref } from '../transactions/tx-query.js';

export type ObservedMetric = 'success_rate' | 'latency_p95' | 'attempts';

/** The read-API series drawn for each metric a detector's message names (others have none). */
const OBSERVED_OF: Partial<Record<SeriesMetric, ObservedMetric>> = {
  success_rate: 'success_rate',
  attempts: 'attempts',
  latency_avg: 'latency_p95',
  latency_gmean: 'latency_p95',
};

/**
 * How to draw an alert's observed series from the read API: the metric its detector watches (the
 * `metric` of its message, else guessed from the rule name for alerts saved before messages) and
 * its labels as filters. `band` says whether the alert's expected band is in that series' unit:
 * only for the success rate — a latency rule watches the typical (geometric-mean) latency, not the
 * p95 the read API has, and a count per bucket is not a windowed expectation. Null when the read
 * API has no series for what the rule watches (a decline-mix divergence, fraud patterns, GMV
 * forecasts…): a success-rate line under a JSD band of 0–0.03 read as a permanent breach.
 */
export function observedQueryFor(
  a: Pick<Alert, 'rule' | 'labels' | 'sliceLabels' | 'message'>,
): { metric: ObservedMetric; filters: Filters; band: boolean } | null {
  const watched = a.message && 'metric' in a.message.params ? a.message.params.metric : undefined;
  const r = a.rule.toLowerCase();
  const metric: ObservedMetric | null | undefined =
    watched !== undefined
      ? OBSERVED_OF[watched]
      : a.message?.key === 'mix_shifted'
        ? null
        : r.includes('latency')
          ? 'latency_p95'
          : r.includes('success_rate')
            ? 'success_rate'
            : r.includes('silence') || r.includes('volume')
              ? 'attempts'
              : null;
  if (!metric) return null;
  return { metric, filters: sliceFilters(a), band: metric === 'success_rate' };
}

/**
 * How the detail page prints an alert's value and expected band: in the unit of the metric its
 * message names (a rate as a percentage, a latency in ms); without one (alerts saved before
 * messages, detectors of no series metric) a value ≤ 1 of a rule named "…rate…" is a percentage.
 */
export function valueKind(a: Pick<Alert, 'rule' | 'message' | 'value'>): 'percent' | 'ms' | 'number' {
  const watched = a.message && 'metric' in a.message.params ? a.message.params.metric : undefined;
  if (watched !== undefined)
    return isRateMetric(watched) ? 'percent' : watched.startsWith('latency') ? 'ms' : 'number';
  return a.value != null && Math.abs(a.value) <= 1 && a.rule.includes('rate') ? 'percent' : 'number';
}

/**
 * An alert's slice labels as read-API filters (labels that are no dimension, and pooled values,
 * left out). The rule's slice (`sliceLabels`), not the finding labels `labels` also holds.
 */
export function sliceFilters(a: Pick<Alert, 'labels' | 'sliceLabels'>): Filters {
  const filters: Filters = {};
  for (const [name, value] of Object.entries(a.sliceLabels ?? a.labels)) {
    // The engine pools small slices under "_pooled" (alerts/src/engine/pooling.ts): not a value to
    // filter on (it would match nothing); the chart shows the slice without that dimension.
    if (value === POOLED) continue;
    const dim = labelDimension(name);
    if (dim) filters[dim] = [value];
  }
  return filters;
}

/**
 * Where the alert page's "Sample transactions" lead: the transaction list of the alert's slice,
 * failed attempts, over the episode (a minute either side). The samples themselves are masked
 * ids (`pay_…_1rg`): they name no payment the API can find, so they are not links.
 */
export function samplesHref(
  a: Pick<Alert, 'labels' | 'sliceLabels' | 'started_at' | 'resolved_at'>,
  now: number,
): string {
  return txHref({
    from: a.started_at - 60_000,
    to: (a.resolved_at ?? now) + 60_000,
    filters: { ...sliceFilters(a), status: ['failed'] },
  });
}

/**
 * Observed points with the alert's expected band (when `band`: the series is in the band's unit).
 * The engine exposes only its current band, so it is drawn flat.
 */
export function bandPoints(ts: Timeseries, metric: ObservedMetric, a: Alert, band: boolean): BandPoint[] {
  return (ts.series[0]?.points ?? []).map((p) => ({
    t: p.t,
    observed: metric === 'attempts' ? p.attempts : metric === 'latency_p95' ? p.latency_p95 : p.success_rate,
    expected_low: band ? a.expected.low : null,
    expected_high: band ? a.expected.high : null,
  }));
}

/**
 * The expected band as text: `low – high`, or a one-sided bound (`≤ high`, `≥ low`) when the
 * rule only has one (a count with a ceiling, for instance); null without either.
 */
export function bandText(
  low: number | null | undefined,
  high: number | null | undefined,
  fmtV: (v: number) => string,
): string | null {
  if (low != null && high != null) return `${fmtV(low)} – ${fmtV(high)}`;
  if (high != null) return `≤ ${fmtV(high)}`;
  if (low != null) return `≥ ${fmtV(low)}`;
  return null;
}
