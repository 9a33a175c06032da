// Guards that an alert forwarded to Alertmanager keeps one label set for its whole episode: a live engine's decline_mix_shift names the provider (finding label) a minute after it fired, and every push to /api/v2/alerts still carries the same labels (the provider as an annotation), so Alertmanager sees one alert, not a second one beside a first it then resolves.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FailureCategory } from '@paywatch/contracts';
import { DEFAULT_RULES_YAML } from '../config/default-rules.js';
import { eventStream } from '../detect/synthetic.js';
import { startLiveEngine } from './testing/live-engine.js';

const MIN = 60_000;
const W = Date.UTC(2026, 2, 2, 12, 0);
const start = W + MIN;
const usual = (r: number): FailureCategory => (r < 0.6 ? 'do_not_honor' : 'insufficient_funds');
const draw = (t: number) => ((t * 9301 + 49297) % 233280) / 233280;

afterEach(() => vi.useRealTimers());

describe('forwarding to Alertmanager while a finding label is named mid-episode', () => {
  it('pushes decline_mix_shift with the same labels before and after it names the provider', async () => {
    // The default pack forwarded to Alertmanager, without its inhibit rules and the mix's 2-minute
    // hold, so the mix is pushed as soon as it fires (before it names adyen).
    const yaml = (url: string) =>
      DEFAULT_RULES_YAML.slice(0, DEFAULT_RULES_YAML.indexOf('inhibit_rules:'))
        .replace(
          'channels: []',
          `channels: [{ type: alertmanager, url: "${url}", resolve_timeout_minutes: 4 }]`,
        )
        .replace('group_wait: 2m', 'group_wait: 0s');
    const { rx, engine, sendHistory, sendMinutes } = await startLiveEngine(yaml, W);
    // An adyen outage whose first minute only half-fails: the mix shifts before adyen carries most
    // of the latest failures, and names it a minute later.
    const down = (t: number, p: string) => p === 'adyen' && t >= start && t < start + 6 * MIN;
    const traffic = (from: number, minutes: number, seed: number) =>
      eventStream({
        from,
        minutes,
        perMinute: 60,
        providers: ['adyen', 'stripe'],
        seed,
        successRate: (t, p) => (down(t, p) ? (t < start + MIN ? 0.7 : 0.25) : 0.92),
        failure: (t, p) => (down(t, p) ? 'provider_error' : usual(draw(t))),
      });
    await sendHistory(traffic(W - 150 * MIN, 150, 3));
    await sendMinutes(traffic(W, 12, 4), W, 12);
    const mix = engine.list().find((a) => a.rule === 'decline_mix_shift');
    await engine.stop();
    await rx.close();
    const pushed = rx.requests
      .filter((r) => r.url === '/api/v2/alerts')
      .flatMap(
        (r) =>
          JSON.parse(r.body) as { labels: Record<string, string>; annotations: Record<string, string> }[],
      )
      .filter((a) => a.labels['alertname'] === 'decline_mix_shift');
    expect(mix?.finding_labels).toEqual({ provider: 'adyen' });
    expect(pushed.length).toBeGreaterThan(1);
    // Named after its first push, so the label would have changed the label set.
    expect(pushed[0]!.annotations['provider']).toBeUndefined();
    expect(pushed.at(-1)!.annotations['provider']).toBe('adyen');
    expect(pushed.map((a) => a.labels)).toEqual(
      pushed.map(() => ({ alertname: 'decline_mix_shift', severity: 'warning' })),
    );
  });
});
