// Guards how notifications state observed vs expected: a rate's band is in percent at both ends (a band reaching 100 % or 0 % was printed "85.5%–1" / "0–3.0%"), a one-sided band reads ≤ / ≥ (was "––15"), other metrics keep their numbers; and every time in a message reads one way (14:02 UTC, the day only when it is not the sending day, in the receiver language) while machine payloads stay ISO 8601; and contributing dimensions are named for people in every channel (was 'failure_category=provider_error, bin=_pooled'), counts in whole payments, while the webhook JSON keeps its labels as keys.
import { describe, expect, it } from 'vitest';
import type { SummaryMessage } from '@paywatch/contracts';
import { alertmanagerAlerts } from './channels/alertmanager.channel.js';
import { dingtalkPayload } from './channels/dingtalk.channel.js';
import { emailHtml } from './channels/email.channel.js';
import { feishuCard } from './channels/feishu.channel.js';
import { slackPayload } from './channels/slack.channel.js';
import { teamsPayload } from './channels/teams.channel.js';
import { wecomPayload } from './channels/wecom.channel.js';
import { alertmanagerWebhookPayload } from './alertmanager-format.js';
import { alertLines, escapeHtml, plainText, title } from './render.js';
import { sampleAlert, sampleNotification } from './testing/fixtures.js';

const observedLine = (over: Parameters<typeof sampleAlert>[0], locale: 'en' | 'zh' = 'en') =>
  alertLines(sampleAlert(over), locale)[1];

describe('alertLines', () => {
  it('writes every figure of a rate alert in percent, a band touching 100 % included', () => {
    expect(observedLine({ value: 0.7152, expected: 0.935, lower: 0.855, upper: 1 })).toBe(
      'Observed: 71.5% · Expected: 93.5% (band 85.5%–100.0%)',
    );
    expect(observedLine({ value: 0.7152, expected: 0.935, lower: 0.855, upper: 1 }, 'zh')).toBe(
      '观测值：71.5% · 期望值：93.5%（区间 85.5%–100.0%）',
    );
  });

  it('a band starting at 0 and a rate of exactly 0 are percentages too', () => {
    expect(observedLine({ value: 0.269, expected: 0, lower: 0, upper: 0.03 })).toBe(
      'Observed: 26.9% · Expected: 0.0% (band 0.0%–3.0%)',
    );
    expect(observedLine({ value: 0, expected: 0.95, lower: 0.9, upper: 1 })).toBe(
      'Observed: 0.0% · Expected: 95.0% (band 90.0%–100.0%)',
    );
  });

  it('leaves figures that are not fractions as numbers (latency, counts)', () => {
    expect(observedLine({ value: 812.4, expected: 240, lower: 180, upper: 300.5 })).toBe(
      'Observed: 812.40 · Expected: 240 (band 180–300.50)',
    );
    expect(observedLine({ value: 0, expected: 42, lower: 20, upper: null })).toBe(
      'Observed: 0 · Expected: 42 (band ≥ 20)',
    );
    // A card-testing finding: only an upper bound (was "(band ––15)").
    expect(observedLine({ value: 162, expected: 15, lower: null, upper: 15 })).toBe(
      'Observed: 162 · Expected: 15 (band ≤ 15)',
    );
    expect(observedLine({ value: 3, expected: null, lower: null, upper: null })).toBe(
      'Observed: 3 · Expected: –',
    );
  });
});

describe('alertLines in Chinese', () => {
  it('use Chinese punctuation (full-width colon and parentheses) and name who acknowledged', () => {
    const lines = alertLines(
      sampleAlert({ value: 0.5, expected: 0.9, lower: 0.85, upper: null, acknowledged_by: 'ana' }),
      'zh',
    );
    expect(lines[1]).toBe('观测值：50.0% · 期望值：90.0%（区间 ≥ 85.0%）');
    expect(lines.at(-1)).toBe('确认人：ana');
    expect(lines.join('\n')).not.toMatch(/[\u4e00-\u9fff]: |\(区间/);
  });
});

describe('alertLines in the unit of the message', () => {
  it("prints a decline-mix shift's divergence as a JSD, not a percentage (was 'Observed: 32.0%')", () => {
    const message: SummaryMessage = {
      key: 'mix_shifted',
      params: { jsd: 0.32, failures: 412, season_days: null, p: 1e-9, from: null, to: null, shifts: [] },
    };
    const a = { value: 0.32, expected: 0, lower: null, upper: 0.03, message };
    expect(observedLine(a, 'zh')).toBe('观测值：0.320 · 期望值：0.000（区间 ≤ 0.030）');
    // A success rate's figures stay percentages, a latency's in ms, whatever their size.
    const rate = {
      metric: 'success_rate',
      value: 1,
      attempts: 40,
      lower: 0.9,
      upper: 1,
      baseline: 0.95,
    } as const;
    expect(
      observedLine({
        value: 1,
        expected: 0.95,
        lower: 0.9,
        upper: 1,
        message: { key: 'rate', params: rate },
      }),
    ).toBe('Observed: 100.0% · Expected: 95.0% (band 90.0%–100.0%)');
    const lat = {
      metric: 'latency_gmean',
      value: 412.35,
      mean: 240,
      baseline_minutes: 60,
      side: null,
      edge: 1,
    } as const;
    expect(
      observedLine({
        value: 412.35,
        expected: 240,
        lower: null,
        upper: null,
        message: { key: 'level', params: lat },
      }),
    ).toBe('Observed: 412 ms · Expected: 240 ms');
  });
});

describe('title', () => {
  it('names the rule once: the alertname group label is not repeated after it', () => {
    // Was "[FIRING:1] provider_success_rate_drop alertname=provider_success_rate_drop provider=adyen".
    const n = sampleNotification({
      group_labels: { alertname: 'provider_success_rate_drop', provider: 'adyen' },
      alerts: [sampleAlert({ rule: 'provider_success_rate_drop' })],
    });
    expect(title(n)).toBe('[FIRING:1] provider_success_rate_drop provider=adyen');
    expect(
      title({
        ...n,
        locale: 'zh',
        status: 'resolved',
        alerts: [sampleAlert({ rule: 'provider_success_rate_drop', status: 'resolved' })],
      }),
    ).toBe('[已恢复] provider_success_rate_drop provider=adyen');
  });
});

describe('times in messages', () => {
  // The alert's "Since" line read 2026-01-05T14:02Z while the reminder above it said "14:02 UTC":
  // two formats for one moment in the same message.
  const FIRED = Date.UTC(2026, 0, 5, 14, 2);
  const RESOLVED = Date.UTC(2026, 0, 5, 15, 30);
  const line = (n: ReturnType<typeof sampleNotification>, prefix: string) =>
    plainText(n)
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith(prefix));

  it('writes every time of a message one way, in the receiver language, the day only when not today', () => {
    const reminder = (locale: 'en' | 'zh', sent: number) =>
      sampleNotification({
        locale,
        reason: 'repeat',
        sent_at: sent,
        alerts: [sampleAlert({ starts_at: FIRED })],
      });
    const sameDay = reminder('en', FIRED + 38 * 60_000);
    expect(line(sameDay, 'Still firing since')).toMatch(/^Still firing since 14:02 UTC \(38 min\)/);
    expect(line(sameDay, 'Since:')).toBe('Since: 14:02 UTC');
    const nextDay = reminder('en', FIRED + 20 * 3_600_000);
    expect(line(nextDay, 'Still firing since')).toMatch(/^Still firing since 2026-01-05 14:02 UTC /);
    expect(line(nextDay, 'Since:')).toBe('Since: 2026-01-05 14:02 UTC');
    const zh = reminder('zh', FIRED + 20 * 3_600_000);
    expect(line(zh, '仍在告警')).toMatch(/^仍在告警，开始于 2026年1月5日 14:02 UTC（/);
    expect(line(zh, '开始时间')).toBe('开始时间：2026年1月5日 14:02 UTC');
    const resolved = sampleNotification({
      status: 'resolved',
      reason: 'update',
      sent_at: RESOLVED + 60_000,
      alerts: [sampleAlert({ status: 'resolved', starts_at: FIRED, ends_at: RESOLVED })],
    });
    expect(line(resolved, 'Resolved:')).toBe('Resolved: 15:30 UTC');
    // Without a send time (a preview), the full date.
    expect(line(sampleNotification({ alerts: [sampleAlert({ starts_at: FIRED })] }), 'Since:')).toBe(
      'Since: 2026-01-05 14:02 UTC',
    );
  });

  it('keeps machine payloads in ISO 8601 (Alertmanager and webhook JSON)', () => {
    const n = sampleNotification({ sent_at: FIRED + 60_000, alerts: [sampleAlert({ starts_at: FIRED })] });
    const [am] = alertmanagerAlerts(n, FIRED + 60_000, 3_600_000) as {
      startsAt: string;
      annotations: Record<string, string>;
    }[];
    expect(am!.startsAt).toBe('2026-01-05T14:02:00.000Z');
    expect(am!.annotations['description']).toContain('Since: 14:02 UTC');
  });
});

describe('contributing dimensions in messages', () => {
  const contributors = [
    { key: 'failure_category=provider_error', value: 331 },
    { key: 'bin=_pooled', value: 19.7 },
    { key: 'provider=adyen', value: 0.3 },
    { key: 'issuer_country=CA', value: 4.5 },
  ];
  const n = (locale: 'en' | 'zh') =>
    sampleNotification({
      locale,
      alerts: [sampleAlert({ contributors, labels: { ...sampleAlert().labels, bin: '_pooled' } })],
    });
  const EN =
    'Top contributors: Failure category: Provider error · 331 failures; BIN: small ones pooled · 20 more failures than its share of attempts; Provider: adyen · <1 more failure than its share of attempts; Issuer country: Canada (CA) · 5 more failures than its share of attempts';
  const ZH =
    '主要贡献维度：失败类别：渠道错误 · 331 笔失败；BIN：小流量合并 · 比其尝试占比多 20 笔失败；渠道：adyen · 比其尝试占比多 <1 笔失败；发卡国家：加拿大 (CA) · 比其尝试占比多 5 笔失败';

  it('names them like the dashboard, in the receiver language, with whole payments', () => {
    expect(alertLines(n('en').alerts[0]!, 'en')).toContain(EN);
    expect(alertLines(n('zh').alerts[0]!, 'zh')).toContain(ZH);
  });

  it('reads so in every channel; the webhook JSON keeps its labels as keys', () => {
    for (const [locale, line] of [
      ['en', EN],
      ['zh', ZH],
    ] as const) {
      const payloads: Record<string, unknown> = {
        slack: slackPayload(n(locale), {}),
        teams: teamsPayload(n(locale)),
        dingtalk: dingtalkPayload(n(locale), { at_mobiles: [], at_all: false }),
        feishu: feishuCard(n(locale)),
        wecom: wecomPayload(n(locale)),
        email: emailHtml(n(locale)),
        'email text': plainText(n(locale)),
        webhook: alertmanagerWebhookPayload(n(locale)),
      };
      for (const [channel, p] of Object.entries(payloads)) {
        const text = typeof p === 'string' ? p : JSON.stringify(p);
        expect(text, `${channel} ${locale}`).toContain(channel === 'email' ? escapeHtml(line) : line);
        expect(text, `${channel} ${locale}`).not.toMatch(/failure_category=provider_error|_pooled ·|19\.7/);
      }
      const am = alertmanagerWebhookPayload(n(locale)) as { alerts: { labels: Record<string, string> }[] };
      expect(am.alerts[0]?.labels).toMatchObject({ provider: 'adyen', bin: '_pooled' });
    }
  });
});
