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
      ['rules.1', 4],
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
    expect(got.find((i) => i.path === 'route.routes.0')?.message).toMatch(/invalid regex/);
    expect(issues('rules: [{ name: r, detector: { type: slo }, for: 5 minutes }]')[0]?.message).toMatch(
      /invalid duration/,
    );
  });

  it('reports YAML syntax errors with a line', () => {
    expect(issues('rules:\n  - name: [unclosed\n')[0]?.line).toBeGreaterThan(0);
  });
});
