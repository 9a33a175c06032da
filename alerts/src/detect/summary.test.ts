// Guards the detectors' sentences per language: every message every detector (and the engine's retire) can write renders in Chinese with no English left but identifiers and labels, its English is the detectors' historical wording, all 15 detector types driven by real events say everything as data, and a zh receiver's notification shows the Chinese one.
import { describe, expect, it } from 'vitest';
import { alertLines } from '../notify/render.js';
import { sampleAlert } from '../notify/testing/fixtures.js';
import { FAILURE_CATEGORIES, type PaymentEvent } from '@paywatch/contracts';
import { addEvent } from '../input/aggregate.js';
import { DetectorSpecSchema, asEvent, asSeries, createDetector } from './registry.js';
import { SummaryMessageSchema, say, summaryText } from './summary.js';
import type { SummaryMessage } from './summary.js';
import type { Evaluation, EventDetector, MinuteAggregate } from './types.js';
import { MINUTE_MS, SERIES_METRICS, emptyMinute } from './types.js';
import { eventStream, makeEvent } from './synthetic.js';

type Key = SummaryMessage['key'];
type Of<K extends Key> = Extract<SummaryMessage, { key: K }>;
const m = <K extends Key>(key: K, params: Of<K>['params']) => ({ key, params }) as Of<K>;

/** Every sentence, each variant (typed by key: a new message kind without a sample fails to compile). */
const SAMPLES: { [K in Key]: Of<K>[] } = {
  learning: (
    [
      'baseline',
      'recent_level',
      'seasonal_baseline',
      'forecast',
      'daily_totals',
      'expected_volume',
      'decline_mix',
    ] as const
  ).map((what) => m('learning', { what })),
  too_few_attempts: [
    m('too_few_attempts', { attempts: 12, min: 30 }),
    m('too_few_attempts', { attempts: 12, min: 30, merged: true }),
  ],
  too_few_failures: [m('too_few_failures', { failures: 4, min: 20 })],
  threshold: [
    m('threshold', {
      metric: 'success_rate',
      value: 0.71,
      bad: true,
      op: 'below',
      threshold: 0.85,
      window_minutes: 5,
    }),
    m('threshold', {
      metric: 'latency_avg',
      value: 310,
      bad: false,
      op: 'above',
      threshold: 800,
      window_minutes: 5,
    }),
  ],
  seasonal: [
    m('seasonal', {
      metric: 'gmv',
      value: 1200,
      side: 'below',
      lower: 4000,
      upper: 6100.5,
      calendar: ['Singles Day'],
    }),
    m('seasonal', { metric: 'attempts', value: 500, side: null, lower: 400, upper: 600, calendar: [] }),
    m('seasonal', { metric: 'attempts', value: 900, side: 'above', lower: 400, upper: 600, calendar: [] }),
  ],
  level: [
    m('level', {
      metric: 'decline_rate',
      value: 0.3,
      mean: 0.1,
      baseline_minutes: 60,
      side: 'above',
      edge: 0.18,
    }),
    m('level', { metric: 'latency_gmean', value: 240, mean: 230, baseline_minutes: 60, side: null, edge: 0 }),
  ],
  rate: [
    m('rate', {
      metric: 'success_rate',
      value: 0.62,
      attempts: 312,
      lower: 0.57,
      upper: 0.67,
      baseline: 0.915,
    }),
    m('rate', {
      metric: 'technical_success_rate',
      value: null,
      attempts: 0,
      lower: 0,
      upper: 1,
      baseline: 0.99,
    }),
    m('rate', {
      metric: 'success_rate',
      value: 0.813,
      attempts: 3115,
      lower: 0.744,
      upper: 0.867,
      baseline: 0.92,
      held_minutes: 15,
    }),
  ],
  slo: [
    m('slo', {
      value: 0.9712,
      long_minutes: 60,
      short_minutes: 5,
      long_burn: 14.6,
      short_burn: 20.1,
      burn_rate: 14.4,
      objective: 0.999,
    }),
    m('slo', {
      value: null,
      long_minutes: 360,
      short_minutes: 30,
      long_burn: 0,
      short_burn: 0,
      burn_rate: 6,
      objective: 0.999,
    }),
  ],
  forecast_breach: [
    m('forecast_breach', { metric: 'success_rate', level: 0.8, breach: 'below', threshold: 0.85 }),
  ],
  forecast_cross: [
    m('forecast_cross', {
      metric: 'success_rate',
      threshold: 0.85,
      eta_minutes: 12,
      now: 0.9,
      trend: -0.004,
    }),
  ],
  forecast: [m('forecast', { metric: 'latency_avg', value: 400, mean: 380, half: 60 })],
  eod: [
    m('eod', { metric: 'gmv', bad: true, shortfall_pct: 23, projected: 77000, forecast: 100000 }),
    m('eod', { metric: 'succeeded', bad: false, projected: 9800, forecast: 10000, shortfall_pct: 2 }),
  ],
  silence: [
    m('silence', { observed: 0, minutes: 6, expected: 41.2, p: 1.3e-18 }),
    // 07:59 UTC, 2 Mar 2026: a stop or a delivery delay, not known yet; a stop beside live traffic.
    m('silence', {
      observed: 0,
      minutes: 2,
      expected: 60,
      p: 1.2e-26,
      last_at: 1772438399056,
      via: 'webhook',
      provider: 'adyen',
      provider_live: false,
    }),
    m('silence', {
      observed: 0,
      minutes: 2,
      expected: 60,
      p: 6.7e-27,
      last_at: 1772438399056,
      provider: 'adyen',
      provider_live: true,
    }),
  ],
  mix_stable: [
    m('mix_stable', { jsd: 0.012, season_days: null, adopted_minutes: null }),
    m('mix_stable', { jsd: 0.02, season_days: 7, adopted_minutes: 45 }),
  ],
  mix_shifted: [
    m('mix_shifted', {
      jsd: 0.21,
      failures: 180,
      season_days: 7,
      p: 2e-9,
      from: 'insufficient_funds',
      to: 'do_not_honor',
      shifts: [
        { category: 'do_not_honor', value: 0.34 },
        { category: 'timeout', value: 0.05 },
      ],
    }),
    m('mix_shifted', {
      jsd: 0.1,
      failures: 60,
      season_days: null,
      p: 0.001,
      from: null,
      to: null,
      shifts: [],
    }),
  ],
  univariate: [m('univariate', { metric: 'attempts', value: 12, score: 0.97, expected: 48 })],
  card_testing: [
    m('card_testing', {
      dimension: 'bin',
      entity: '411111',
      attempts: 42,
      small_amount: 2,
      window_minutes: 10,
      declined: 39,
    }),
  ],
  velocity: [
    m('velocity', {
      customer: 'cus_…9a1f',
      over: 'count',
      value: 14,
      window_minutes: 60,
      limit: 10,
      level: 'default',
    }),
    m('velocity', {
      customer: 'cus_…9a1f',
      over: 'amount',
      value: 5200,
      window_minutes: 60,
      limit: 5000,
      level: 'gold',
    }),
  ],
  aml: [
    m('aml', { payment: 'pay_…77c1', amount: 10000, currency: 'EUR', threshold: 10000 }),
    m('aml', { payment: 'pay_…77c1', amount: 15000, currency: '*', threshold: 10000 }),
  ],
  structuring: [
    m('structuring', { customer: 'cus_…9a1f', count: 4, threshold: 10000, window_hours: 24, total: 38400 }),
  ],
  limit: [
    m('limit', { per_transaction: true, value: 6000, limit: 5000, level: 'default' }),
    m('limit', { per_transaction: false, value: 21000, limit: 20000, level: 'verified' }),
  ],
  retired: [
    m('retired', {
      reason: 'rule_removed',
      was: 'success_rate 62.0% over 312 attempts (57.0%–67.0%) vs baseline 91.5%',
      was_message: m('rate', {
        metric: 'success_rate',
        value: 0.62,
        attempts: 312,
        lower: 0.57,
        upper: 0.67,
        baseline: 0.915,
      }),
    }),
    m('retired', { reason: 'rule_changed', was: '', was_message: null }),
  ],
};
const ALL: SummaryMessage[] = Object.values(SAMPLES).flat();

/**
 * The ids an English sentence must name in words: metrics, failure categories, card-testing keys
 * (those that are no English word too: "412 attempts" is a sentence, `success_rate` is not).
 */
const IDS = new RegExp(
  `\\b(${[...SERIES_METRICS, ...FAILURE_CATEGORIES, 'gmv', 'bin', 'device_ref', 'ip_ref']
    .filter((id) => id.includes('_') || id === 'gmv' || id === 'bin')
    .join('|')})\\b`,
);

/** Words the message itself carries (identifiers, labels, masked ids): these stay as they are. */
function carried(x: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const w of v.match(/[A-Za-z_]+/g) ?? []) out.add(w);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, y] of Object.entries(v)) if (k !== 'was') walk(y);
  };
  walk(x);
  return out;
}

/** ASCII words of 4+ letters that are neither carried by the message nor a unit or acronym. */
function english(text: string, msg: SummaryMessage): string[] {
  const ok = carried(msg.params);
  return (text.match(/[A-Za-z_]+/g) ?? []).filter(
    (w) => w.replace(/_/g, '').length >= 4 && !ok.has(w) && !['SLO', 'JSD'].includes(w),
  );
}

describe('detector summaries', () => {
  it('render every message in Chinese without an English sentence left', () => {
    expect(ALL.length).toBeGreaterThan(30);
    for (const msg of ALL) {
      const zh = summaryText(msg, 'zh');
      expect(english(zh, msg), `${msg.key}: ${zh}`).toEqual([]);
      expect(zh, msg.key).toMatch(/[\u4e00-\u9fff]/);
      expect(zh, msg.key).not.toBe(summaryText(msg, 'en'));
    }
    // The word check itself catches the English sentence.
    const rate = SAMPLES.rate[0]!;
    expect(english(summaryText(rate, 'en'), rate)).toEqual([
      'Success',
      'rate',
      'over',
      'attempts',
      'baseline',
    ]);
  });

  it('read in English as an on-call reads: metrics, categories and keys by name, a capital first (replay output, API and tests read it)', () => {
    const en = (k: Key, i = 0) => summaryText(SAMPLES[k][i]!, 'en');
    expect(en('rate')).toBe('Success rate 62.0% over 312 attempts (57.0%–67.0%) vs baseline 91.5%');
    expect(en('learning', 4)).toBe('Learning daily totals');
    expect(en('too_few_attempts', 1)).toBe('12 attempts < 30: merged into the next step');
    expect(en('mix_shifted')).toBe(
      'Decline mix shifted (JSD 0.210 over 180 failures vs this time of day on 7 past days, p=2.0e-9 (Insufficient funds → Do not honor)): Do not honor +34 pp, Timeout +5 pp',
    );
    expect(en('slo')).toBe(
      'Technical success rate 97.12% over 60 min; burn rate 14.6× (60 min) and 20.1× (5 min) vs 14.4× for SLO 99.90%',
    );
    expect(en('retired')).toBe(
      'Resolved: rule removed from the configuration (was: Success rate 62.0% over 312 attempts (57.0%–67.0%) vs baseline 91.5%)',
    );
    expect(say(SAMPLES.limit[1]!).summary).toBe(
      '24 h total 21000.00 exceeds the daily limit 20000 for level verified',
    );
  });

  it('write an underflowed p-value as p<1e-300 (was "p=0.0e+0") and the categories of a Chinese mix shift by their names (shifts and transfer alike)', () => {
    const shift = m('mix_shifted', {
      jsd: 0.32,
      failures: 412,
      season_days: null,
      p: 0,
      from: 'do_not_honor',
      to: 'provider_error',
      shifts: [{ category: 'provider_error', value: 0.553 }],
    });
    expect(summaryText(shift, 'en')).toBe(
      'Decline mix shifted (JSD 0.320 over 412 failures, p<1e-300 (Do not honor → Provider error)): Provider error +55 pp',
    );
    expect(summaryText(shift, 'zh')).toBe(
      '失败原因构成突变（412 笔失败，JSD 0.320，p<1e-300，发卡行拒绝 → 渠道错误）：渠道错误 +55 个百分点',
    );
    expect(summaryText(m('silence', { observed: 0, minutes: 5, expected: 900, p: 1e-320 }), 'en')).toBe(
      '0 attempts in 5 min, 900 expected (P<1e-300)',
    );
    expect(summaryText(m('silence', { observed: 0, minutes: 5, expected: 900, p: 1e-320 }), 'zh')).toBe(
      '5 分钟内仅 0 笔尝试，预期 900 笔（P<1e-300）',
    );
    // A silence no late arrival explains yet says what is known, not a stop.
    const [, unknown, stopped] = SAMPLES.silence;
    expect(summaryText(unknown as SummaryMessage, 'en')).toBe(
      '0 attempts in 2 min, 60 expected (P=1.2e-26); last one at 07:59 UTC (by webhook), nothing from adyen since: stopped or delivery delayed, not known yet',
    );
    expect(summaryText(unknown as SummaryMessage, 'zh')).toBe(
      '2 分钟内仅 0 笔尝试，预期 60 笔（P=1.2e-26）；最后一笔在 UTC 07:59（webhook），此后未收到 adyen 的任何事件：交易停止或送达延迟，尚无法判断',
    );
    expect(summaryText(stopped as SummaryMessage, 'en')).toMatch(
      /; last one at 07:59 UTC, while adyen's other events still arrive: stopped, not a delivery delay$/,
    );
    expect(summaryText(stopped as SummaryMessage, 'zh')).toMatch(
      /adyen 的其他事件仍按时到达：交易已停止，并非送达延迟$/,
    );
    // A held drop says for how long.
    const held = SAMPLES.rate[2] as SummaryMessage;
    expect(summaryText(held, 'en')).toMatch(/vs baseline 92\.0%, held 15 min$/);
    expect(summaryText(held, 'zh')).toMatch(/基线 92\.0%，已持续 15 分钟$/);
    // The normal evaluation of an alert held by keep_firing_for (and its resolve): not "only".
    expect(summaryText(m('silence', { observed: 940, minutes: 10, expected: 772.4, p: 1 }), 'zh')).toBe(
      '10 分钟内 940 笔尝试，预期 772 笔（P=1.0e+0）',
    );
  });

  it('read back through the contract schema as the API sends them (an unreadable one is refused)', () => {
    for (const msg of ALL) {
      const sent: unknown = JSON.parse(JSON.stringify(msg));
      expect(SummaryMessageSchema.parse(sent), msg.key).toEqual(sent);
    }
    // JSON turns a non-finite figure into null; a reader must fall back, not render "null".
    const inf = JSON.parse(
      JSON.stringify(m('silence', { observed: 0, minutes: 5, expected: Infinity, p: 0 })),
    );
    expect(SummaryMessageSchema.safeParse(inf).success).toBe(false);
    expect(SummaryMessageSchema.safeParse({ key: 'not_yet_known', params: {} }).success).toBe(false);
  });

  it("reach a zh receiver's notification in Chinese, straight from a detector's finding", () => {
    // A real finding: an AML threshold crossed by one event.
    const det = createDetector(DetectorSpecSchema.parse({ type: 'aml_threshold' })) as EventDetector;
    const e = makeEvent({ ts: Date.UTC(2026, 0, 5, 14, 0), amount_minor: 1_200_000, customer_ref: 'cus_1' });
    const [f] = det.observe(e, 13000);
    expect(f?.evaluation.message?.key).toBe('aml');
    const a = sampleAlert({ summary: f!.evaluation.summary, message: f!.evaluation.message });
    expect(alertLines(a, 'en')[0]).toMatch(/^Transaction .* reaches the AML threshold 10000$/);
    const zh = alertLines(a, 'zh')[0]!;
    expect(zh).toMatch(/^交易 .*，达到反洗钱阈值 10000$/);
    expect(english(zh, f!.evaluation.message!)).toEqual([]);
  });

  it('come from every detector type as data: real evaluations carry a message whose English is their summary and whose Chinese has no English left', () => {
    const T0 = Date.UTC(2026, 2, 2, 8, 0);
    const onset = T0 + 150 * MINUTE_MS;
    const events: PaymentEvent[] = eventStream({
      from: T0,
      minutes: 180,
      perMinute: 40,
      providers: ['adyen', 'stripe'],
      successRate: (t, p) => (p === 'adyen' && t >= onset ? 0.2 : 0.92),
      failure: (t, p) => (p === 'adyen' && t >= onset ? 'provider_error' : 'do_not_honor'),
    });
    // The event rules' cases: a card-testing burst, a fast customer, amounts near and above the
    // AML threshold by one customer.
    const extra = (i: number, over: Partial<PaymentEvent>) =>
      makeEvent({ ts: onset + i * 1000, event_id: `evt_x${i}`, payment_id: `pay_x${i}`, ...over });
    for (let i = 0; i < 14; i++)
      events.push(
        extra(i, {
          status: 'failed',
          failure: { category: 'do_not_honor', code: null, message: null },
          amount_minor: 100,
          device_ref: 'dev_burst',
          ip_ref: 'ip_burst',
          customer_ref: `cus_burst${i}`,
        }),
      );
    for (let i = 20; i < 46; i++) events.push(extra(i, { customer_ref: 'cus_fast', amount_minor: 2000 }));
    for (let i = 50; i < 54; i++) events.push(extra(i, { customer_ref: 'cus_big', amount_minor: 950_000 }));
    events.push(extra(60, { customer_ref: 'cus_big', amount_minor: 1_200_000 }));
    events.sort((a, b) => a.ts - b.ts);

    const specs = [
      { type: 'threshold', op: 'below', threshold: 0.9 },
      { type: 'seasonal' },
      { type: 'level', metric: 'latency_avg' },
      { type: 'rate' },
      { type: 'slo' },
      { type: 'forecast', threshold: 0.8, warmup_steps: 20 },
      { type: 'eod' },
      { type: 'silence' },
      { type: 'mix' },
      { type: 'univariate' },
      { type: 'card_testing' },
      { type: 'velocity' },
      { type: 'aml_threshold' },
      { type: 'structuring' },
      { type: 'limit', limits: { default: { per_transaction: 5000 } } },
    ];
    // Every detector type of the registry is driven here.
    expect(specs.map((x) => x.type).sort()).toEqual(
      DetectorSpecSchema.options.map((o) => o.shape.type.value).sort(),
    );
    const minutes = new Map<number, MinuteAggregate>();
    for (const e of events) {
      const t = Math.floor(e.ts / MINUTE_MS) * MINUTE_MS;
      const m = minutes.get(t) ?? emptyMinute(t);
      minutes.set(t, m);
      addEvent(m, e, e.amount_minor / 100);
    }
    const anomalous = new Set<string>();
    for (const raw of specs) {
      const spec = DetectorSpecSchema.parse(raw);
      const det = createDetector(spec);
      const evs: Evaluation[] = [];
      if (det.kind === 'series') {
        const d = asSeries(det);
        for (const m of [...minutes.values()].sort((a, b) => a.t - b.t)) evs.push(d.evaluate(m));
      } else {
        const d = asEvent(det);
        for (const e of events) evs.push(...d.observe(e, e.amount_minor / 100).map((f) => f.evaluation));
      }
      const said = evs.filter((ev) => ev.summary !== '');
      expect(said.length, spec.type).toBeGreaterThan(0);
      for (const ev of said) {
        expect(ev.message, `${spec.type}: ${ev.summary}`).not.toBeNull();
        expect(summaryText(ev.message!, 'en'), spec.type).toBe(ev.summary);
        // No metric, failure category or key by its id (success_rate, provider_error, ip_ref).
        expect(ev.summary, spec.type).not.toMatch(IDS);
        const zh = summaryText(ev.message!, 'zh');
        expect(english(zh, ev.message!), `${spec.type}: ${zh}`).toEqual([]);
        if (ev.verdict === 'anomalous') anomalous.add(spec.type);
      }
      // Nothing to say is said as nothing.
      for (const ev of evs) if (ev.summary === '') expect(ev.message, spec.type).toBeNull();
    }
    // The incident was found by the detectors that can see it within three hours of history.
    expect([...anomalous].sort()).toEqual(
      expect.arrayContaining([
        'aml_threshold',
        'card_testing',
        'forecast',
        'limit',
        'mix',
        'rate',
        'slo',
        'structuring',
        'threshold',
        'velocity',
      ]),
    );
  });
});
