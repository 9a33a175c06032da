import {
  UTC_ZONE,
  bucketStarts,
  bucketZone,
  isZonedBucket,
  nextBucketStart,
  withPointStarts,
  type MetricPoint,
  type Timeseries,
} from '@paywatch/contracts';
import type { Metric } from './trends-state.js';

/** How a metric's values are formatted. */
export type MetricUnit = 'count' | 'ratio' | 'money' | 'ms';

export const METRIC_UNITS: Record<Metric, MetricUnit> = {
  attempts: 'count',
  success_rate: 'ratio',
  gmv: 'money',
  avg_ticket: 'money',
  latency_p95: 'ms',
  decline_rate: 'ratio',
};

/** One line/area/bar series of the chart. `id` is a safe recharts dataKey (`s0`, `c0`, …). */
export interface ChartSeries {
  id: string;
  /** The group's value (`null` for "no value"; `undefined` when not grouped). */
  key: string | null | undefined;
  label: string;
  /** The CSV column name: canonical ids, never a translated label (exports stay machine-readable). */
  exportLabel: string;
  compare: boolean;
}

/** A row per bucket: `t` plus one value per series id (`null` = no value in that bucket). */
export type ChartRow = { t: number } & Record<string, number | null>;

/**
 * Exactly what the chart draws; the CSV export and the data table are generated from the same
 * object, so they cannot disagree with the picture.
 */
export interface ChartModel {
  metric: Metric;
  unit: MetricUnit;
  currency: string;
  /** Nominal bucket size; a zoned day bucket may last 23 or 25 hours (`bucketEnd`). */
  bucketMs: number;
  /** The IANA zone the buckets (6 h, 1 d) start in and times are shown in (`UTC` by default). */
  tz: string;
  from: number;
  to: number;
  /** Added to comparison timestamps to overlay them on the primary range (0 without compare). */
  compareOffset: number;
  /**
   * Start of the first bucket that was not complete when the data was read (the minute/hour in
   * progress; later buckets had not started), or `null` when every bucket is complete. The
   * partial bucket holds only the events of its first seconds: the chart draws it apart (dashed,
   * faded) so it never reads as a drop, and the CSV marks it.
   */
  partialFrom: number | null;
  series: ChartSeries[];
  rows: ChartRow[];
  /**
   * The attempts behind each value of a rate or latency (series id → bucket start → attempts;
   * for decline rates the bucket's attempts over every category). A 100 % from 1 attempt and
   * one from 500 draw the same point: the tooltip gives this so the analyst can tell them apart.
   */
  basis: Map<string, Map<number, number>>;
}

export const OTHER_KEY = '__other__';

function pointValue(metric: Metric, p: MetricPoint, bucketTotal: number): number | null {
  switch (metric) {
    case 'attempts':
      return p.attempts;
    case 'success_rate':
      return p.success_rate;
    case 'gmv':
      return p.gmv;
    case 'avg_ticket': {
      // Only the successes whose amount is in `gmv` (a currency with an FX rate) divide it: the
      // others would lower the average by payments it does not count (older servers: all).
      const n = p.gmv_succeeded ?? p.succeeded;
      return n > 0 ? p.gmv / n : null;
    }
    case 'latency_p95':
      return p.latency_p95;
    case 'decline_rate':
      return bucketTotal > 0 ? p.failed / bucketTotal : null;
  }
}

/** Value of a bucket with no point: zero for additive metrics, no value for rates and latencies. */
function emptyValue(metric: Metric, bucketTotal: number): number | null {
  if (metric === 'attempts' || metric === 'gmv') return 0;
  if (metric === 'decline_rate') return bucketTotal > 0 ? 0 : null;
  return null;
}

interface BuildInput {
  metric: Metric;
  primary: Timeseries;
  /** When the data was read (epoch ms); buckets ending after it are partial. Default: all complete. */
  asOf?: number | undefined;
  comparison?: { series: Timeseries; offset: number } | undefined;
  /** Label of a group key (`undefined` = the ungrouped total). */
  labelOf(key: string | null | undefined): string;
  compareLabel(label: string): string;
  /** Export names (CSV header); default: the display labels. */
  exportLabelOf?(key: string | null | undefined): string;
  exportCompareLabel?(label: string): string;
  /**
   * Currencies without an FX rate (money metrics): in no GMV of the time series. Grouped by
   * currency, their series have no value (not 0: they had sales, in a currency that cannot be
   * converted).
   */
  unconverted?: readonly string[];
}

function addSeries(
  model: ChartModel,
  ts: Timeseries,
  offset: number,
  compare: boolean,
  input: BuildInput,
  grid: Map<number, ChartRow>,
) {
  // Per-bucket total attempts over every group (including successes, which have no failure category).
  const totals = new Map<number, number>();
  // A comparison a week or a year back across a DST change starts its local days an hour off
  // the shifted ones: match each of its buckets to the current bucket within that hour.
  const snap = (t: number) => {
    if (grid.has(t) || offset === 0 || !isZonedBucket(model.bucketMs)) return t;
    for (const d of [3_600_000, -3_600_000]) if (grid.has(t + d)) return t + d;
    return t;
  };
  for (const s of ts.series)
    for (const p of s.points)
      totals.set(snap(p.t + offset), (totals.get(snap(p.t + offset)) ?? 0) + p.attempts);
  const grouped = ts.group_by !== null;
  // Decline rate is per failure category: the null group (successes) is not a series.
  const shown = input.metric === 'decline_rate' ? ts.series.filter((s) => s.key !== null) : ts.series;
  shown.forEach((s, i) => {
    const id = `${compare ? 'c' : 's'}${i}`;
    const key = grouped ? s.key : undefined;
    const base = input.labelOf(key);
    const exportBase = (input.exportLabelOf ?? input.labelOf)(key);
    const exportLabel = compare ? (input.exportCompareLabel ?? input.compareLabel)(exportBase) : exportBase;
    model.series.push({ id, key, label: compare ? input.compareLabel(base) : base, exportLabel, compare });
    const byT = new Map(s.points.map((p) => [snap(p.t + offset), p]));
    const basis = new Map<number, number>();
    model.basis.set(id, basis);
    const noRate =
      METRIC_UNITS[input.metric] === 'money' &&
      ts.group_by === 'currency' &&
      typeof s.key === 'string' &&
      (input.unconverted ?? []).includes(s.key);
    for (const [t, row] of grid) {
      const p = byT.get(t);
      const total = totals.get(t) ?? 0;
      // A primary bucket that had not started when the data was read has no value yet (not a
      // zero); a comparison bucket lies in the past and is complete.
      const notStarted = !compare && input.asOf !== undefined && t >= input.asOf;
      row[id] =
        notStarted || noRate
          ? null
          : p
            ? pointValue(input.metric, p, total)
            : emptyValue(input.metric, total);
      if (!notStarted) basis.set(t, input.metric === 'decline_rate' ? total : (p?.attempts ?? 0));
    }
  });
}

/** Start of the first bucket of `starts` that ends after `asOf`, or null. */
function partialFrom(
  starts: readonly number[],
  b: number,
  tz: string | null,
  asOf: number | undefined,
): number | null {
  if (asOf === undefined) return null;
  return starts.find((t) => nextBucketStart(t, b, tz) > asOf) ?? null;
}

/** End of the bucket starting at `t` (a zoned day may last 23 or 25 hours). */
export function bucketEnd(model: Pick<ChartModel, 'bucketMs' | 'tz'>, t: number): number {
  return nextBucketStart(t, model.bucketMs, bucketZone(model.tz));
}

/** Builds the chart model from the primary time series and the optional comparison. */
export function buildChartModel(input: BuildInput): ChartModel {
  const { primary } = input;
  const b = primary.bucket_ms;
  const tz = primary.tz ?? UTC_ZONE;
  const zone = bucketZone(tz);
  // The read API's buckets: epoch multiples, or local days of the zone (bucketStarts).
  const starts = withPointStarts(
    bucketStarts(primary.from, primary.to, b, zone, 10_000),
    primary.series.flatMap((s) => s.points),
  );
  const grid = new Map<number, ChartRow>();
  for (const t of starts) grid.set(t, { t } as ChartRow);
  const model: ChartModel = {
    metric: input.metric,
    unit: METRIC_UNITS[input.metric],
    currency: primary.reporting_currency,
    bucketMs: b,
    tz,
    from: primary.from,
    to: primary.to,
    compareOffset: input.comparison?.offset ?? 0,
    partialFrom: partialFrom(starts, b, zone, input.asOf),
    series: [],
    rows: [...grid.values()],
    basis: new Map(),
  };
  addSeries(model, primary, 0, false, input, grid);
  if (input.comparison) addSeries(model, input.comparison.series, input.comparison.offset, true, input, grid);
  return model;
}

/** Whether the bucket starting at `t` was still in progress (or not started) when the data was read. */
export function isPartial(model: ChartModel, t: number): boolean {
  return model.partialFrom !== null && t >= model.partialFrom;
}

/** The comparison series drawn for a primary series (the same group key), if any. */
function comparisonFor(model: ChartModel, s: ChartSeries): ChartSeries | undefined {
  if (s.compare) return undefined;
  return model.series.find((c) => c.compare && c.key === s.key);
}

/**
 * A primary value's change against its comparison in the same bucket: relative (`0.12` = +12 %)
 * for counts, money and latency; in percentage points (`-0.015` = −1.5 pp) for rates, where a
 * relative change of a percentage misleads. `null` when either side has no value, when the
 * comparison is 0 (no relative change from nothing), and for the bucket in progress: its value
 * counts only the part that had elapsed, the comparison a whole bucket.
 */
export function deltaOf(
  model: ChartModel,
  row: ChartRow,
  s: ChartSeries,
): { kind: 'relative' | 'points'; value: number } | null {
  const c = comparisonFor(model, s);
  if (!c || isPartial(model, row.t)) return null;
  const now = row[s.id];
  const then = row[c.id];
  if (typeof now !== 'number' || typeof then !== 'number') return null;
  if (model.unit === 'ratio') return { kind: 'points', value: now - then };
  return then === 0 ? null : { kind: 'relative', value: (now - then) / then };
}

/**
 * The attempts a rate or latency value was computed from (`null` for counts and money, whose
 * value says its own size, and for a bucket not started).
 */
export function basisOf(model: ChartModel, t: number, s: ChartSeries): number | null {
  if (model.unit !== 'ratio' && model.unit !== 'ms') return null;
  return model.basis.get(s.id)?.get(t) ?? null;
}
