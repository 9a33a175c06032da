// Guards alerts YAML loading: the default pack is valid; errors name the path and the line; env placeholders; cross-references.
import { describe, expect, it } from 'vitest';
import { AlertsConfigError, parseAlertsConfig } from './load.js';
import { DEFAULT_RULES_YAML } from './default-rules.js';

function issues(yaml: string, env: Record<string, string> = {}) {
  try {
    parseAlertsConfig(yaml, { source: 'test.yaml', env });
  } catch (e) {
    if (e instanceof AlertsConfigError) return e.issues;
    throw e;
  }
  return [];
}

describe('alerts config', () => {
  it('accepts the default rule pack', () => {
    const c = parseAlertsConfig(DEFAULT_RULES_YAML);
    expect(c.rules.length).toBeGreaterThanOrEqual(10);
    expect(c.routeTree.receiver).toBe('default');
    expect(c.rules.find((r) => r.name === 'technical_slo_burn')?.detector.type).toBe('slo');
  });

  it('names the path and line of a bad detector field', () => {
    const yaml = [
      'rules:',
      '  - name: r1',
      '    detector:',
      '      type: rate',
      '      min_attempts: -3',
      '    severity: page',
    ].join('\n');
    const got = issues(yaml);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ path: 'rules.0.detector.min_attempts', line: 5 });
  });

  it('reports an unknown detector type and an unknown field at their lines', () => {
    const yaml = [
      'rules:',
      '  - name: r1',
      '    detector: { type: magic }',
      '  - name: r2',
      '    detector: { type: slo }',
      '    colour: red',
    ].join('\n');
    const got = issues(yaml);
    expect(got.map((i) => [i.path, i.line])).toEqual([
      ['rules.0.detector.type', 3],
      ['rules.1.colour', 6],
    ]);
    expect(got[1]?.message).toMatch(/colour/);
  });

  it('substitutes ${ENV} secrets and fails clearly when one is unset', () => {
    const yaml = [
      'receivers:',
      '  - name: slack',
      '    channels:',
      '      - type: slack',
      '        webhook_url: ${SLACK_URL}',
    ].join('\n');
    const ok = parseAlertsConfig(yaml, { env: { SLACK_URL: 'https://hooks.slack.com/services/T/B/C' } });
    expect(ok.receivers[0]?.channels[0]).toMatchObject({
      type: 'slack',
      webhook_url: 'https://hooks.slack.com/services/T/B/C',
    });
    expect(issues(yaml)[0]).toMatchObject({
      path: 'receivers.0.channels.0.webhook_url',
      line: 5,
      message: 'environment variable SLACK_URL is not set',
    });
  });

  it('checks receiver references and bad matchers and durations', () => {
    const yaml = [
      'receivers: [{ name: a }]',
      'route:',
      '  receiver: a',
      '  routes:',
      '    - receiver: nope',
      '      matchers: ["severity=~\\"(\\""]',
    ].join('\n');
    const got = issues(yaml);
    expect(got.map((i) => i.path)).toContain('route.routes.0.receiver');
    expect(got.find((i) => i.path === 'route.routes.0.matchers.0')?.message).toMatch(/invalid regex/);
    expect(issues('rules: [{ name: r, detector: { type: slo }, for: 5 minutes }]')[0]?.message).toMatch(
      /invalid duration/,
    );
  });

  it('names the key and line of a bad route timing, and refuses zero intervals (Alertmanager does too)', () => {
    const yaml = [
      'receivers: [{ name: a }]',
      'route:',
      '  receiver: a',
      '  group_wait: 5 sec',
      '  repeat_interval: 0s',
      '  routes:',
      "    - matchers: ['severity=\"page']",
      '      group_interval: 0',
      '      escalate: [{ after: soon, receiver: a }]',
    ].join('\n');
    expect(issues(yaml).map((i) => [i.path, i.line])).toEqual([
      ['route.group_wait', 4],
      ['route.repeat_interval', 5],
      ['route.routes.0.matchers.0', 7],
      ['route.routes.0.group_interval', 8],
      ['route.routes.0.escalate.0.after', 9],
    ]);
    expect(issues(yaml)[2]?.message).toMatch(/unbalanced quote/);
  });

  it('refuses a misspelt channel setting (a DingTalk `secrit` would send unsigned) and a duplicate receiver', () => {
    const yaml = [
      'receivers:',
      '  - name: cn',
      '    channels:',
      '      - type: dingtalk',
      '        webhook_url: https://oapi.dingtalk.com/robot/send?access_token=abc',
      '        secrit: SEC123',
      '  - name: cn',
      '    channels: [{ type: email, to: [a@example.com], from: b@example.com, smtp: { host: h, pasword: x } }]',
    ].join('\n');
    expect(issues(yaml).map((i) => [i.path, i.line, i.message])).toEqual([
      ['receivers.0.channels.0.secrit', 6, 'unknown key "secrit"'],
      ['receivers.1.channels.0.smtp.pasword', 8, 'unknown key "pasword"'],
    ]);
    expect(issues('receivers: [{ name: a }, { name: a }]').map((i) => [i.path, i.message])).toEqual([
      ['receivers.1.name', 'duplicate receiver name "a"'],
    ]);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(issues('rules:\n  - name: [unclosed\n')[0]?.line).toBeGreaterThan(0);
  });
});
