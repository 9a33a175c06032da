// Guards the alert sentences' wording: every metric a detector can watch (SERIES_METRICS) has a name in English and Chinese, and every sentence naming a metric reads that name, never its id ("Success rate 14.0% …", not "success_rate 14.0% …"); and English counts agree with their noun ("over 1 payment (1 attempt)", not "1 payments (1 attempts)").
import { describe, expect, it } from 'vitest';
import {
  CARD_TESTING_KEY_NAMES,
  METRIC_NAMES,
  SERIES_METRICS,
  summaryText,
  type SeriesMetric,
  type SummaryLocale,
  type SummaryMessage,
} from './alert-summary.js';

const LOCALES: SummaryLocale[] = ['en', 'zh'];

/** Every sentence that names a metric, for metric `metric`. */
function sentencesOf(metric: SeriesMetric): SummaryMessage[] {
  return [
    {
      key: 'threshold',
      params: { metric, value: 0.5, bad: true, op: 'below', threshold: 0.8, window_minutes: 5 },
    },
    {
      key: 'seasonal',
      params: { metric, value: 0.5, side: 'below', lower: 0.6, upper: 0.9, calendar: [] },
    },
    {
      key: 'level',
      params: { metric, value: 0.5, mean: 0.8, baseline_minutes: 60, side: 'below', edge: 0.6 },
    },
    {
      key: 'rate',
      params: { metric, value: 0.14, attempts: 407, lower: 0.08, upper: 0.233, baseline: 0.958 },
    },
    { key: 'forecast_breach', params: { metric, level: 0.8, breach: 'below', threshold: 0.85 } },
    { key: 'forecast_cross', params: { metric, threshold: 0.85, eta_minutes: 12, now: 0.9, trend: -0.004 } },
    { key: 'forecast', params: { metric, value: 400, mean: 380, half: 60 } },
    { key: 'eod', params: { metric, bad: true, shortfall_pct: 18, projected: 820, forecast: 1000 } },
    { key: 'univariate', params: { metric, value: 12, score: 0.97, expected: 48 } },
  ];
}

describe('alert sentences', () => {
  it('name every metric a detector watches in both languages, never by its id', () => {
    expect(SERIES_METRICS.length).toBeGreaterThanOrEqual(9);
    for (const metric of SERIES_METRICS) {
      const names = METRIC_NAMES[metric];
      expect(names?.en, metric).toBeTruthy();
      expect(names?.en, metric).not.toBe(metric);
      expect(names?.en, metric).not.toContain('_');
      expect(names?.zh, metric).toMatch(/[\u4e00-\u9fff]/);
      for (const m of sentencesOf(metric))
        for (const locale of LOCALES) {
          const text = summaryText(m, locale);
          const name = names?.[locale] ?? metric;
          expect(text.toLowerCase(), `${m.key}/${locale}: ${text}`).toContain(name.toLowerCase());
          // No identifier at all (success_rate, latency_gmean, technical_success_rate…).
          expect(text, `${m.key}/${locale}: ${text}`).not.toMatch(/[a-z]+_[a-z]/);
          expect(text, `${m.key}/${locale}: ${text}`).not.toMatch(new RegExp(`^${metric}\\b`));
        }
    }
  });

  it("read like the on-call's sentence in English, the Chinese one unchanged", () => {
    const rate: SummaryMessage = {
      key: 'rate',
      params: {
        metric: 'success_rate',
        value: 0.14,
        attempts: 407,
        lower: 0.08,
        upper: 0.233,
        baseline: 0.958,
      },
    };
    expect(summaryText(rate, 'en')).toBe(
      'Success rate 14.0% over 407 attempts (8.0%–23.3%) vs baseline 95.8%',
    );
    expect(summaryText(rate, 'zh')).toBe('成功率 14.0%（407 笔尝试，置信区间 8.0%–23.3%），基线 95.8%');
    const eod: SummaryMessage = {
      key: 'eod',
      params: { metric: 'gmv', bad: true, shortfall_pct: 18, projected: 82000, forecast: 100000 },
    };
    expect(summaryText(eod, 'en')).toBe(
      'End-of-day GMV will miss forecast by 18% (projected 82000 vs 100000)',
    );
    const succeeded: SummaryMessage = {
      key: 'eod',
      params: { metric: 'succeeded', bad: false, shortfall_pct: 2, projected: 9800, forecast: 10000 },
    };
    expect(summaryText(succeeded, 'en')).toBe(
      'End-of-day successful payments projected 9800 vs forecast 10000',
    );
  });

  it('write an English count of one in the singular', () => {
    const say = (m: SummaryMessage) => summaryText(m, 'en');
    expect(
      say({
        key: 'rate',
        params: {
          metric: 'success_rate',
          value: 0,
          payments: 1,
          attempts: 1,
          lower: 0,
          upper: 0.79,
          baseline: 0.95,
        },
      }),
    ).toBe('Success rate 0.0% over 1 payment (1 attempt) (0.0%–79.0%) vs baseline 95.0%');
    expect(say({ key: 'too_few_attempts', params: { attempts: 1, min: 30 } })).toBe('1 attempt < 30');
    expect(say({ key: 'too_few_failures', params: { failures: 1, min: 5 } })).toBe('1 failure < 5');
    expect(say({ key: 'silence', params: { observed: 1, minutes: 10, expected: 42, p: 1e-12 } })).toMatch(
      /^1 attempt in 10 min, 42 expected/,
    );
    expect(say({ key: 'too_few_attempts', params: { attempts: 2, min: 30 } })).toBe('2 attempts < 30');
  });

  it('name failure categories and card-testing keys, not their ids', () => {
    const shift: SummaryMessage = {
      key: 'mix_shifted',
      params: {
        jsd: 0.32,
        failures: 412,
        season_days: null,
        p: 1e-9,
        from: 'do_not_honor',
        to: 'provider_error',
        shifts: [{ category: 'provider_error', value: 0.553 }],
      },
    };
    expect(summaryText(shift, 'en')).toBe(
      'Decline mix shifted (JSD 0.320 over 412 failures, p=1.0e-9 (Do not honor → Provider error)): Provider error +55 pp',
    );
    for (const dimension of Object.keys(CARD_TESTING_KEY_NAMES))
      for (const locale of LOCALES) {
        const text = summaryText(
          {
            key: 'card_testing',
            params: {
              dimension,
              entity: 'ip_6dec35',
              attempts: 42,
              small_amount: 2,
              window_minutes: 10,
              declined: 39,
            },
          },
          locale,
        );
        expect(text, text).toContain(`${CARD_TESTING_KEY_NAMES[dimension]?.[locale]} ip_6dec35`);
        expect(text, text).not.toContain(`${dimension} `);
      }
  });
});
