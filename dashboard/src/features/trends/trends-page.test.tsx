// Guards the trends chart's value axis: a gridline is labelled with its own value in both languages (compact `2.3万` / `1.3M` labelled gridlines at 22,500 and 1,250,000).
import { describe, expect, it } from 'vitest';
import { formatterFor } from '../../i18n/index.js';
import type { ChartModel } from './chart-data.js';
import { valueFormatters } from './trends-page.js';

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
