import { useMemo } from 'react';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import {
  isPartial,
  OTHER_KEY,
  type ChartModel,
  type ChartRow,
  type ChartSeries,
} from '../features/trends/chart-data.js';
import type { ChartType } from '../features/trends/trends-state.js';
import { roundTimeTicks } from './time-ticks.js';

export interface TrendChartProps {
  model: ChartModel;
  type: ChartType;
  formatValue(v: number): string;
  formatAxisValue(v: number): string;
  formatTime(t: number): string;
  formatAxisTime(t: number): string;
  /** The IANA zone `formatAxisTime` shows times in: axis labels fall on its round times (the browser's when omitted). */
  timeZone?: string;
  /** Drill-down: a bucket (by its primary-range start) and, when known, the clicked series. */
  onSelect?(t: number, series: ChartSeries | undefined): void;
  /** Fixed size (tests, export); responsive to the container otherwise. */
  size?: { width: number; height: number };
  ariaLabel: string;
  /** Marks the bucket still in progress on the chart and in the tooltip ("in progress"). */
  partialLabel?: string;
  /** A primary value's change against its comparison (`+12.3 %`), shown after it in the tooltip. */
  deltaLabel?(row: ChartRow, s: ChartSeries): string | undefined;
  /** What a rate or latency was computed from (`12 attempts`), shown after it in the tooltip. */
  basisLabel?(t: number, s: ChartSeries): string | undefined;
}

/** dataKey of a primary series' partial segment (the last complete bucket → the one in progress). */
const partialKey = (id: string) => `${id}_partial`;
/** The series a partial segment's dataKey belongs to (a click on the in-progress bar drills into it). */
const seriesOfPartialKey = (key: string) => key.replace(/_partial$/, '');

/**
 * The rows as drawn. With a bucket in progress, each primary series stops at the last complete
 * bucket and a separate key carries the last complete and the partial values, drawn dashed (lines,
 * areas) or faded (bars): its first seconds never read as a drop, as in Mixpanel/Amplitude-style
 * "incomplete period" charts. Comparison series are complete and drawn as they are.
 */
export function drawnRows(model: ChartModel, type: ChartType): ChartRow[] {
  const from = model.partialFrom;
  if (from === null) return model.rows;
  const primary = model.series.filter((s) => !s.compare);
  return model.rows.map((r) => {
    const out: ChartRow = { ...r };
    const partial = isPartial(model, r.t);
    // Lines and areas join the partial segment to the last complete point; a bar stands alone.
    const joint = type !== 'bar' && r.t === from - model.bucketMs;
    for (const s of primary) {
      out[partialKey(s.id)] = partial || joint ? (r[s.id] ?? null) : null;
      if (partial) out[s.id] = null;
    }
    return out;
  });
}

/**
 * Series colour: comparison series reuse their primary series' colour, dashed. "Other" (the
 * groups beyond the top 8) is the muted grey: as the 9th series it took the 1st one's colour, so
 * the legend showed two blues (CN and Other) that read as the same group.
 */
export function seriesColor(model: ChartModel, s: ChartSeries): string {
  if (s.key === OTHER_KEY) return 'var(--muted)';
  const same = s.compare
    ? model.series.findIndex((p) => !p.compare && p.key === s.key)
    : model.series.indexOf(s);
  return `var(--series-${(same < 0 ? model.series.indexOf(s) : same) % 8})`;
}

/** Line, area or stacked-bar chart of a `ChartModel`, with legend, tooltip and click-to-drill. */
export function TrendChart({
  model,
  type,
  formatValue,
  formatAxisValue,
  formatTime,
  formatAxisTime,
  timeZone,
  onSelect,
  size,
  ariaLabel,
  partialLabel = 'partial',
  deltaLabel,
  basisLabel,
}: TrendChartProps) {
  const byId = new Map(model.series.map((s) => [s.id, s]));
  const rows = drawnRows(model, type);
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  // One zone look-up per bucket: computed again only when the buckets or the zone change.
  const timeTicks = useMemo(
    () =>
      roundTimeTicks(
        model.rows.map((r) => r.t),
        zone,
      ),
    [model.rows, zone],
  );
  const partialSeries = model.partialFrom === null ? [] : model.series.filter((s) => !s.compare);
  /** What a primary series' partial segment is, whatever the chart type draws it with. */
  const partialProps = (s: ChartSeries) => ({
    dataKey: partialKey(s.id),
    name: `${s.label} (${partialLabel})`,
    legendType: 'none' as const,
    isAnimationActive: false,
  });
  const select = (index: unknown, seriesId?: string) => {
    if (typeof index !== 'number' && typeof index !== 'string') return;
    const row = model.rows[Number(index)];
    if (row && onSelect)
      onSelect(
        row.t,
        seriesId
          ? (byId.get(seriesId) ?? byId.get(seriesOfPartialKey(seriesId)))
          : model.series.length === 1
            ? model.series[0]
            : undefined,
      );
  };
  /**
   * A bar knows its series: the click stops there. Bubbling on, it reached the chart's own
   * handler, which (with a bucket active from hovering, and no series key for bars) chose every
   * series, and its drill-down replaced the bar's.
   */
  const selectBar = (index: number, seriesId: string, e: { stopPropagation(): void }) => {
    e.stopPropagation();
    select(index, seriesId);
  };
  const common = {
    data: rows,
    margin: { top: 8, right: 16, bottom: 8, left: 8 },
    onClick: (e: { activeIndex?: unknown; activeDataKey?: unknown } | null) =>
      select(e?.activeIndex, typeof e?.activeDataKey === 'string' ? e.activeDataKey : undefined),
    accessibilityLayer: true,
    style: { cursor: onSelect ? 'pointer' : undefined },
    ...(size ?? {}),
  };
  const axes = [
    <CartesianGrid key="g" strokeDasharray="3 3" stroke="var(--border)" vertical={false} />,
    <XAxis
      key="x"
      dataKey="t"
      type="category"
      tickFormatter={(t: number) => formatAxisTime(t)}
      {...(timeTicks ? { ticks: timeTicks } : {})}
      stroke="var(--muted)"
      tick={{ fill: 'var(--muted)', fontSize: 12 }}
      minTickGap={24}
    />,
    <YAxis
      key="y"
      tickFormatter={(v: number) => formatAxisValue(v)}
      stroke="var(--muted)"
      tick={{ fill: 'var(--muted)', fontSize: 12 }}
      width={72}
    />,
    <Tooltip
      key="tt"
      isAnimationActive={false}
      content={({ active, payload, label }) => {
        if (!active || !payload || payload.length === 0) return null;
        // Values come from the model's row (the drawn rows split the partial bucket into other keys).
        const t = Number(label);
        const row = model.rows.find((r) => r.t === t);
        if (!row) return null;
        const entries = model.series
          .map((s) => ({ s, value: row[s.id] }))
          .filter((e): e is { s: ChartSeries; value: number } => typeof e.value === 'number')
          .sort((a, b) => b.value - a.value);
        return (
          <div className="tt">
            <strong>{formatTime(t)}</strong>
            {isPartial(model, t) && <em className="muted"> · {partialLabel}</em>}
            <ul>
              {entries.map(({ s, value }) => {
                const basis = basisLabel?.(t, s);
                const delta = deltaLabel?.(row, s);
                const color = seriesColor(model, s);
                return (
                  <li key={s.id}>
                    <span
                      className={`swatch${s.compare ? ' dashed' : ''}`}
                      style={{ background: color, color }}
                    />
                    {s.label}: <strong>{formatValue(value)}</strong>
                    {basis !== undefined && (
                      <span className="muted" data-testid="basis">
                        {' '}
                        · {basis}
                      </span>
                    )}
                    {delta !== undefined && (
                      <span className="muted" data-testid="delta">
                        {' '}
                        {delta}
                      </span>
                    )}
                  </li>
                );
              })}
            </ul>
          </div>
        );
      }}
    />,
    ...(model.partialFrom === null
      ? []
      : [
          <ReferenceLine
            key="partial"
            x={model.partialFrom}
            stroke="var(--muted)"
            strokeDasharray="2 4"
            label={{ value: partialLabel, position: 'insideTopRight', fill: 'var(--muted)', fontSize: 12 }}
          />,
        ]),
    <Legend
      key="l"
      itemSorter={null}
      formatter={(value: string) => <span style={{ color: 'var(--text)' }}>{value}</span>}
    />,
  ];

  let chart;
  if (type === 'bar') {
    chart = (
      <BarChart {...common}>
        {axes}
        {model.series.map((s) => (
          <Bar
            key={s.id}
            dataKey={s.id}
            name={s.label}
            stackId={s.compare ? 'compare' : 'primary'}
            fill={seriesColor(model, s)}
            fillOpacity={s.compare ? 0.45 : 0.9}
            isAnimationActive={false}
            onClick={(_d: unknown, index: number, e: { stopPropagation(): void }) =>
              selectBar(index, s.id, e)
            }
          />
        ))}
        {partialSeries.map((s) => (
          <Bar
            key={partialKey(s.id)}
            {...partialProps(s)}
            stackId="primary"
            fill={seriesColor(model, s)}
            fillOpacity={0.35}
            onClick={(_d: unknown, index: number, e: { stopPropagation(): void }) =>
              selectBar(index, s.id, e)
            }
          />
        ))}
      </BarChart>
    );
  } else if (type === 'area') {
    chart = (
      <AreaChart {...common}>
        {axes}
        {model.series.map((s) => (
          <Area
            key={s.id}
            dataKey={s.id}
            name={s.label}
            type="monotone"
            stroke={seriesColor(model, s)}
            fill={seriesColor(model, s)}
            fillOpacity={s.compare ? 0.05 : 0.18}
            strokeDasharray={s.compare ? '5 4' : undefined}
            connectNulls={false}
            isAnimationActive={false}
          />
        ))}
        {partialSeries.map((s) => (
          <Area
            key={partialKey(s.id)}
            {...partialProps(s)}
            type="linear"
            stroke={seriesColor(model, s)}
            fill={seriesColor(model, s)}
            fillOpacity={0.06}
            strokeDasharray="2 4"
            connectNulls={false}
          />
        ))}
      </AreaChart>
    );
  } else {
    chart = (
      <LineChart {...common}>
        {axes}
        {model.series.map((s) => (
          <Line
            key={s.id}
            dataKey={s.id}
            name={s.label}
            type="monotone"
            stroke={seriesColor(model, s)}
            strokeWidth={s.compare ? 1.5 : 2}
            strokeDasharray={s.compare ? '5 4' : undefined}
            dot={false}
            activeDot={{
              r: 4,
              onClick: (_e: unknown, d: unknown) => select((d as { index?: number }).index, s.id),
            }}
            connectNulls={false}
            isAnimationActive={false}
          />
        ))}
        {partialSeries.map((s) => (
          <Line
            key={partialKey(s.id)}
            {...partialProps(s)}
            type="linear"
            stroke={seriesColor(model, s)}
            strokeWidth={2}
            strokeOpacity={0.7}
            strokeDasharray="2 4"
            dot={false}
            activeDot={false}
            connectNulls={false}
          />
        ))}
      </LineChart>
    );
  }
  return (
    <figure
      role="figure"
      aria-label={ariaLabel}
      style={{ margin: 0, width: '100%', height: size ? size.height : '100%' }}
    >
      {size ? (
        chart
      ) : (
        <ResponsiveContainer width="100%" height="100%">
          {chart}
        </ResponsiveContainer>
      )}
    </figure>
  );
}
