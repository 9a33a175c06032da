// Guards the trends chart's numbers: a value-axis gridline is labelled with its own value in both languages (compact `2.3万` / `1.3M` labelled gridlines at 22,500 and 1,250,000), a latency axis keeps one unit (it read `8,000 ms` under `16 s`), and a change against the comparison has one decimal, never `-0 pp`.
import { describe, expect, it } from 'vitest';
import { formatterFor, translate, type I18n } from '../../i18n/index.js';
import type { ChartModel } from './chart-data.js';
import { deltaText, valueFormatters } from './trends-page.js';

const model = (unit: ChartModel['unit']) => ({ unit, currency: 'USD' }) as ChartModel;

describe('trends value axis', () => {
  it('labels GMV gridlines with their exact amounts, in English and Chinese', () => {
    // Ticks recharts drew for 6 h of GMV by currency (seen in Chromium, zh: US$2.3万 at 22,500).
    const en = valueFormatters(model('money'), formatterFor('en'));
    const zh = valueFormatters(model('money'), formatterFor('zh-CN'));
    expect([0, 7_500, 15_000, 22_500, 1_250_000].map(en.axis)).toEqual([
      '$0',
      '$7.5K',
      '$15K',
      '$22.5K',
      '$1.25M',
    ]);
    expect([0, 7_500, 15_000, 22_500, 1_250_000].map(zh.axis)).toEqual([
      'US$0',
      'US$7500',
      'US$1.5万',
      'US$2.25万',
      'US$125万',
    ]);
  });

  it('labels count gridlines exactly, without float noise', () => {
    const en = valueFormatters(model('count'), formatterFor('en'));
    const zh = valueFormatters(model('count'), formatterFor('zh-CN'));
    expect([5_500, 137_500, 1_250_000, 0.1 + 0.2].map(en.axis)).toEqual(['5.5K', '137.5K', '1.25M', '0.3']);
    expect([137_500, 1_250_000].map(zh.axis)).toEqual(['13.75万', '125万']);
  });
});

describe('latency axis', () => {
  const latency = (top: number) =>
    ({
      unit: 'ms',
      series: [{ id: 's0', key: undefined, label: 'All', exportLabel: 'all', compare: false }],
      rows: [
        { t: 0, s0: 800 },
        { t: 60_000, s0: top },
      ],
    }) as unknown as ChartModel;

  it('keeps one unit on the whole axis', () => {
    // p95 by provider with a 30 s outlier (seen in Chromium, zh): "0 ms, 8,000 ms, 16 s, 24 s, 32 s".
    const high = valueFormatters(latency(30_000), formatterFor('zh-CN'));
    expect([0, 8_000, 16_000, 32_000].map(high.axis)).toEqual(['0 s', '8 s', '16 s', '32 s']);
    expect(high.full(8_000)).toBe('8,000 ms');
    const low = valueFormatters(latency(1_200), formatterFor('en'));
    expect([0, 250, 1_250].map(low.axis)).toEqual(['0 ms', '250 ms', '1,250 ms']);
  });
});

describe('change against the comparison', () => {
  const rate = {
    unit: 'ratio',
    partialFrom: null,
    series: [
      { id: 's0', key: 'JP', label: 'JP', exportLabel: 'JP', compare: false },
      { id: 'c0', key: 'JP', label: 'JP (last week)', exportLabel: 'JP (last week)', compare: true },
    ],
  } as unknown as ChartModel;
  const row = (now: number, then: number) => ({ t: 0, s0: now, c0: then });
  const ui = (lang: 'en' | 'zh-CN') =>
    ({ t: ((k, v) => translate(lang, k, v)) as I18n['t'], fmt: formatterFor(lang), lang }) as const;
  const en = ui('en');
  const zh = ui('zh-CN');
  const s0 = rate.series[0]!;

  it('gives rates one decimal of percentage points, never "-0"', () => {
    // The data table of 1 h success rate by country vs last week read "(-0 pp)", "(+4 pp)", "(+3.7 pp)".
    expect(deltaText(rate, row(0.9233, 0.9237), s0, en)).toBe('0.0 pp');
    expect(deltaText(rate, row(0.948, 0.908), s0, en)).toBe('+4.0 pp');
    expect(deltaText(rate, row(0.9185, 0.9555), s0, en)).toBe('-3.7 pp');
    expect(deltaText(rate, row(0.948, 0.908), s0, zh)).toBe('+4.0 个百分点');
  });

  it('gives counts a relative change with one decimal', () => {
    const count = { ...rate, unit: 'count' } as ChartModel;
    expect(deltaText(count, row(1000, 1000.2), s0, en)).toBe('0.0%');
    expect(deltaText(count, row(1030, 1000), s0, en)).toBe('+3.0%');
    expect(deltaText(count, row(970, 1000), s0, zh)).toBe('-3.0%');
  });
});
