import {
  Area,
  ComposedChart,
  CartesianGrid,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

export interface BandPoint {
  t: number;
  observed: number | null;
  expected_low?: number | null | undefined;
  expected_high?: number | null | undefined;
}

/** Observed value against the expected band (alert detail). */
export function BandChart({
  points,
  labels,
  formatValue,
  formatTime,
  size,
}: {
  points: readonly BandPoint[];
  labels: { observed: string; expected: string };
  formatValue(v: number): string;
  formatTime(t: number): string;
  size?: { width: number; height: number };
}) {
  const data = points.map((p) => ({
    t: p.t,
    observed: p.observed,
    band: p.expected_low != null && p.expected_high != null ? [p.expected_low, p.expected_high] : null,
  }));
  const chart = (
    <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} {...(size ?? {})}>
      <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" vertical={false} />
      <XAxis
        dataKey="t"
        tickFormatter={(t: number) => formatTime(t)}
        stroke="var(--muted)"
        tick={{ fill: 'var(--muted)', fontSize: 12 }}
        minTickGap={24}
      />
      <YAxis
        tickFormatter={(v: number) => formatValue(v)}
        stroke="var(--muted)"
        tick={{ fill: 'var(--muted)', fontSize: 12 }}
        width={72}
      />
      <Tooltip
        isAnimationActive={false}
        labelFormatter={(t) => formatTime(Number(t))}
        formatter={(v) =>
          Array.isArray(v) ? v.map((x) => formatValue(Number(x))).join(' – ') : formatValue(Number(v))
        }
        contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' }}
      />
      <Legend />
      <Area
        dataKey="band"
        name={labels.expected}
        stroke="none"
        fill="var(--series-0)"
        fillOpacity={0.2}
        isAnimationActive={false}
      />
      <Line
        dataKey="observed"
        name={labels.observed}
        stroke="var(--series-1)"
        strokeWidth={2}
        dot={false}
        isAnimationActive={false}
      />
    </ComposedChart>
  );
  return (
    <div style={{ width: '100%', height: size?.height ?? 300 }}>
      {size ? chart : <ResponsiveContainer>{chart}</ResponsiveContainer>}
    </div>
  );
}
