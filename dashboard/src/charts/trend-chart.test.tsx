// @vitest-environment jsdom
// Guards the trend chart: one drawn series per model series (comparison dashed, same colour), readable legend, bars stacked per period, the bucket in progress drawn apart (never a false drop).
import type { Timeseries } from '@paywatch/contracts';
import { cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { buildChartModel } from '../features/trends/chart-data.js';
import { TrendChart, seriesColor } from './trend-chart.js';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0);
const point = (t: number, attempts: number) => ({
  t,
  attempts,
  succeeded: attempts,
  failed: 0,
  success_rate: 1,
  gmv: attempts * 10,
  latency_p95: 100,
});
const series = (keys: string[], from: number): Timeseries => ({
  from,
  to: from + 5 * M,
  bucket_ms: M,
  group_by: 'provider',
  reporting_currency: 'USD',
  series: keys.map((key, i) => ({
    key,
    points: [0, 1, 2, 3, 4].map((j) => point(from + j * M, (i + 1) * (j + 1))),
  })),
});

const model = buildChartModel({
  metric: 'attempts',
  primary: series(['stripe', 'adyen'], T0),
  comparison: { series: series(['stripe', 'adyen'], T0 - 7 * 86_400_000), offset: 7 * 86_400_000 },
  labelOf: (k) => String(k),
  compareLabel: (n) => `${n} (last week)`,
});

const props = {
  model,
  formatValue: (v: number) => String(v),
  formatAxisValue: (v: number) => String(v),
  formatTime: (t: number) => new Date(t).toISOString(),
  formatAxisTime: (t: number) => new Date(t).toISOString().slice(11, 16),
  size: { width: 800, height: 360 },
  ariaLabel: 'attempts chart',
};

describe('TrendChart', () => {
  afterEach(cleanup);

  it('labels the time axis on round times of its zone: a 6 h chart of minute buckets on whole hours', () => {
    const from = Date.UTC(2026, 10, 26, 12, 27);
    const sixHours: Timeseries = {
      ...series(['stripe'], from),
      to: from + 360 * M,
      series: [{ key: 'stripe', points: Array.from({ length: 360 }, (_, j) => point(from + j * M, j % 7)) }],
    };
    const m = buildChartModel({
      metric: 'attempts',
      primary: sixHours,
      labelOf: (k) => String(k),
      compareLabel: (n) => n,
    });
    const labels = (timeZone: string) => {
      const { container, unmount } = render(
        <TrendChart {...props} model={m} type="line" timeZone={timeZone} />,
      );
      // The value axis shows plain numbers; time labels are HH:MM.
      const texts = [...container.querySelectorAll('.recharts-cartesian-axis-tick-value')]
        .map((e) => e.textContent)
        .filter((x) => x !== null && /^\d\d:\d\d$/.test(x));
      unmount();
      return texts;
    };
    // Every 19th bucket was labelled before (12:27, 12:46, …).
    expect(labels('UTC')).toEqual(['13:00', '14:00', '15:00', '16:00', '17:00', '18:00']);
    // Kathmandu's whole hours (+05:45) fall at :15 UTC, which the test's UTC formatter shows.
    expect(labels('Asia/Kathmandu')).toEqual(['13:15', '14:15', '15:15', '16:15', '17:15', '18:15']);
  });

  it('draws a line per series, comparison lines dashed in their primary colour', () => {
    const { container, getByRole } = render(<TrendChart {...props} type="line" />);
    expect(getByRole('figure').getAttribute('aria-label')).toBe('attempts chart');
    const curves = [...container.querySelectorAll('path.recharts-line-curve')];
    expect(curves).toHaveLength(4);
    const dashed = curves.filter((c) => c.getAttribute('stroke-dasharray') === '5 4');
    expect(dashed).toHaveLength(2);
    expect(seriesColor(model, model.series[2]!)).toBe(seriesColor(model, model.series[0]!));
    expect(curves.map((c) => c.getAttribute('stroke'))).toEqual([
      'var(--series-0)',
      'var(--series-1)',
      'var(--series-0)',
      'var(--series-1)',
    ]);
  });

  it('draws "Other" (the 9th series after the top 8) in the muted grey, not in the first series\' colour', () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '__other__'];
    const nine = buildChartModel({
      metric: 'attempts',
      primary: series(keys, T0),
      comparison: { series: series(keys, T0 - 7 * 86_400_000), offset: 7 * 86_400_000 },
      labelOf: (k) => String(k),
      compareLabel: (n) => `${n} (last week)`,
    });
    const colours = nine.series.map((s) => seriesColor(nine, s));
    expect(colours.slice(0, 9)).toEqual([
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `var(--series-${i})`),
      'var(--muted)',
    ]);
    expect(colours.slice(9)).toEqual(colours.slice(0, 9));
  });

  it('shows every series label in the legend', () => {
    const { container } = render(<TrendChart {...props} type="area" />);
    const legend = [...container.querySelectorAll('.recharts-legend-item-text')].map((e) => e.textContent);
    expect(legend).toEqual(['stripe', 'adyen', 'stripe (last week)', 'adyen (last week)']);
    expect(container.querySelectorAll('path.recharts-area-area')).toHaveLength(4);
  });

  it('stacks bars per period: one rectangle per series and bucket', () => {
    const { container } = render(<TrendChart {...props} type="bar" />);
    expect(container.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(4 * 5);
    const ticks = [...container.querySelectorAll('.recharts-cartesian-axis-tick-value')].map(
      (e) => e.textContent,
    );
    expect(ticks[0]).toBe('12:00');
  });

  describe('the bucket still in progress', () => {
    // Read 10 s into the last of five minutes: its few events would end the line in a cliff.
    const partial = buildChartModel({
      metric: 'attempts',
      primary: series(['stripe'], T0),
      asOf: T0 + 4 * M + 10_000,
      labelOf: (k) => String(k),
      compareLabel: (n) => `${n} (last week)`,
    });
    const lastX = (d: string) => Number(/([\d.]+)[ ,]([\d.]+)\s*$/.exec(d)?.[1]);
    const firstX = (d: string) => Number(/^M\s*([\d.]+)/.exec(d)?.[1]);

    it('ends the solid line at the last complete bucket and draws the partial one apart, dashed', () => {
      const { container, getByText } = render(
        <TrendChart {...props} model={partial} type="line" partialLabel="in progress" />,
      );
      const curves = [...container.querySelectorAll('path.recharts-line-curve')];
      const solid = curves.filter((c) => !c.getAttribute('stroke-dasharray'));
      const dashed = curves.filter((c) => c.getAttribute('stroke-dasharray') === '2 4');
      expect(solid).toHaveLength(1);
      expect(dashed).toHaveLength(1);
      const s = solid[0]!.getAttribute('d') ?? '';
      const p = dashed[0]!.getAttribute('d') ?? '';
      expect(lastX(s)).toBeLessThan(lastX(p));
      expect(firstX(p)).toBeCloseTo(lastX(s), 1);
      expect(dashed[0]!.getAttribute('stroke')).toBe(solid[0]!.getAttribute('stroke'));
      // Marked on the chart, and not a legend entry of its own.
      expect(getByText('in progress')).toBeTruthy();
      const legend = [...container.querySelectorAll('.recharts-legend-item-text')].map((e) => e.textContent);
      expect(legend).toEqual(['stripe']);
    });

    it('draws the partial bar faded, still one rectangle per bucket', () => {
      const { container } = render(
        <TrendChart {...props} model={partial} type="bar" partialLabel="in progress" />,
      );
      const rects = [...container.querySelectorAll('.recharts-bar-rectangle path')];
      expect(rects).toHaveLength(5);
      const opacities = rects.map((r) => r.getAttribute('fill-opacity'));
      expect(opacities.filter((o) => o === '0.35')).toHaveLength(1);
    });

    it('drills into the series of the partial bar clicked (its own handler; the chart-level one is checked in Chromium)', () => {
      const two = buildChartModel({
        metric: 'attempts',
        primary: series(['stripe', 'adyen'], T0),
        asOf: T0 + 4 * M + 10_000,
        labelOf: (k) => String(k),
        compareLabel: (n) => `${n} (last week)`,
      });
      const picked: (string | undefined)[] = [];
      const { container } = render(
        <TrendChart
          {...props}
          model={two}
          type="bar"
          partialLabel="in progress"
          onSelect={(_t, s) => picked.push(s?.id)}
        />,
      );
      const bar = container.querySelector('.recharts-bar-rectangle path[name="adyen (in progress)"]');
      expect(bar).not.toBeNull();
      fireEvent.click(bar!);
      expect(picked.length).toBeGreaterThan(0);
      expect(new Set(picked)).toEqual(new Set([two.series.find((x) => x.label === 'adyen')?.id]));
    });
  });
});
