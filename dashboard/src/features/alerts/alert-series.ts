import { DIMENSIONS, type Dimension, type Filters, type Timeseries } from '@paywatch/contracts';
import type { Alert } from '../../api/index.js';
import type { BandPoint } from '../../charts/band-chart.js';
import { txHref } from '../transactions/tx-query.js';

/** Alert label names that are read-API dimensions under another name. */
const LABEL_ALIASES: Record<string, Dimension> = {
  bin: 'card_bin',
  issuer_country: 'card_issuer_country',
  merchant: 'merchant_id',
};

/** The label value of a pooled dimension. */
const POOLED = '_pooled';

export type ObservedMetric = 'success_rate' | 'latency_p95' | 'attempts';

/**
 * How to draw an alert's observed series from the read API: the metric its rule watches
 * (from the rule name) and its labels as filters. Null when the rule watches something the
 * read API has no series for (fraud patterns, forecasts of GMV…).
 */
export function observedQueryFor(a: Alert): { metric: ObservedMetric; filters: Filters } | null {
  const r = a.rule.toLowerCase();
  const metric: ObservedMetric | null = r.includes('latency')
    ? 'latency_p95'
    : r.includes('success_rate') || r.includes('decline')
      ? 'success_rate'
      : r.includes('silence') || r.includes('volume')
        ? 'attempts'
        : null;
  if (!metric) return null;
  return { metric, filters: sliceFilters(a) };
}

/** An alert's labels as read-API filters (labels that are no dimension, and pooled values, left out). */
export function sliceFilters(a: Pick<Alert, 'labels'>): Filters {
  const filters: Filters = {};
  for (const [name, value] of Object.entries(a.labels)) {
    // The engine pools small slices under "_pooled" (alerts/src/engine/pooling.ts): not a value to
    // filter on (it would match nothing); the chart shows the slice without that dimension.
    if (value === POOLED) continue;
    const dim = (DIMENSIONS as readonly string[]).includes(name) ? (name as Dimension) : LABEL_ALIASES[name];
    if (dim) filters[dim] = [value];
  }
  return filters;
}

/**
 * Where the alert page's "Sample transactions" lead: the transaction list of the alert's slice,
 * failed attempts, over the episode (a minute either side). The samples themselves are masked
 * ids (`pay_…_1rg`): they name no payment the API can find, so they are not links.
 */
export function samplesHref(a: Pick<Alert, 'labels' | 'started_at' | 'resolved_at'>, now: number): string {
  return txHref({
    from: a.started_at - 60_000,
    to: (a.resolved_at ?? now) + 60_000,
    filters: { ...sliceFilters(a), status: ['failed'] },
  });
}

/**
 * Observed points with the alert's expected band. The engine exposes only its current band, so
 * it is drawn flat; counts per bucket are not comparable with a windowed expectation, so
 * `attempts` gets no band.
 */
export function bandPoints(ts: Timeseries, metric: ObservedMetric, a: Alert): BandPoint[] {
  const band = metric !== 'attempts';
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
