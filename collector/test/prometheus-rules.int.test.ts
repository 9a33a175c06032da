// Guards the platform alerts as shipped: promtool unit tests fire every rule at its expected time with its labels and annotations (and keep it quiet where it must), each alert is documented, amtool routes each to the expected receiver, and a real Alertmanager applies the inhibition.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startAlertmanager, waitUntil, type PrometheusProcess } from './scrape-harness.js';
import { REPO_DIR, serviceBin } from './services.js';

const run = promisify(execFile);
const g = (...p: string[]) => path.join(REPO_DIR, 'grafana', ...p);
const RULES_DIR = g('prometheus', 'rules');
const TESTS_DIR = g('prometheus', 'tests');
const ALERTMANAGER_YML = g('alertmanager', 'alertmanager.yml');

async function tool(name: string, args: string[]) {
  const bin = serviceBin(name); // fails naming what to install when the tool is missing
  try {
    const r = await run(bin, args, { cwd: REPO_DIR, timeout: 60_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

interface AlertRule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTestFile {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

const ruleFiles = readdirSync(RULES_DIR).filter((f) => f.endsWith('.yml'));
const alertsOf = (file: string): AlertRule[] =>
  (parse(readFileSync(path.join(RULES_DIR, file), 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups
    .flatMap((gr) => gr.rules)
    .filter((r) => r.alert !== undefined);
const allAlerts = ruleFiles.flatMap(alertsOf);
const testFileOf = (ruleFile: string) => path.join(TESTS_DIR, ruleFile.replace(/\.yml$/, '.test.yml'));

/** Receiver each severity must reach (a new severity fails the routing test until it is added). */
const RECEIVER_BY_SEVERITY: Record<string, string> = { critical: 'ops-pager', warning: 'ops' };

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

describe('promtool test rules', () => {
  it('every rule file has a test file, and promtool runs them all green', async () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    for (const f of ruleFiles) {
      const t = parse(readFileSync(testFileOf(f), 'utf8')) as RuleTestFile;
      expect(t.rule_files, `${testFileOf(f)} tests ../rules/${f}`).toEqual([`../rules/${f}`]);
    }
    const r = await tool('promtool', ['test', 'rules', ...ruleFiles.map(testFileOf)]);
    expect(r.code, r.out).toBe(0);
    expect(r.out.match(/SUCCESS/g)?.length, r.out).toBe(ruleFiles.length);
  });

  it('every alert is tested firing and not firing', () => {
    for (const f of ruleFiles) {
      const cases = (parse(readFileSync(testFileOf(f), 'utf8')) as RuleTestFile).tests.flatMap(
        (t) => t.alert_rule_test ?? [],
      );
      for (const a of alertsOf(f)) {
        const mine = cases.filter((c) => c.alertname === a.alert);
        expect(
          mine.some((c) => (c.exp_alerts ?? []).length > 0),
          `${a.alert}: a case where it fires`,
        ).toBe(true);
        expect(
          mine.some((c) => (c.exp_alerts ?? []).length === 0),
          `${a.alert}: a case where it must not fire`,
        ).toBe(true);
      }
    }
  });

  it('a changed rule fails its unit test (the tests pin timing and text)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-rules-'));
    try {
      const rules = path.join(dir, 'rules');
      const tests = path.join(dir, 'tests');
      for (const d of [rules, tests]) mkdirSync(d);
      const original = readFileSync(path.join(RULES_DIR, 'alert-engine.yml'), 'utf8');
      // The classic slip: a longer `for` than the annotations and the runbook promise.
      const changed = original.replace(
        /(alert: PaywatchAlertEngineDown[\s\S]*?for: )2m/,
        (_, head: string) => `${head}5m`,
      );
      expect(changed).not.toBe(original);
      writeFileSync(path.join(rules, 'alert-engine.yml'), changed);
      copyFileSync(testFileOf('alert-engine.yml'), path.join(tests, 'alert-engine.test.yml'));
      const r = await tool('promtool', ['test', 'rules', path.join(tests, 'alert-engine.test.yml')]);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/alertname: PaywatchAlertEngineDown, time: 3m/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every alert says what and where, has a known severity and a runbook section in docs/deploy.md', () => {
    const deploy = readFileSync(path.join(REPO_DIR, 'docs', 'deploy.md'), 'utf8');
    const anchors = new Set([...deploy.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!)));
    expect(allAlerts.length).toBeGreaterThan(0);
    for (const a of allAlerts) {
      expect(Object.keys(RECEIVER_BY_SEVERITY), `${a.alert} severity`).toContain(a.labels?.severity);
      expect(a.annotations?.summary, `${a.alert} summary`).toBeTruthy();
      expect(a.annotations?.description, `${a.alert} description`).toBeTruthy();
      // Per-instance alerts name the instance in their summary.
      if (/\binstance\b|up\{/.test(a.expr))
        expect(a.annotations?.summary, `${a.alert} names the instance`).toContain('$labels.instance');
      const runbook = a.annotations?.runbook ?? '';
      expect(runbook, `${a.alert} runbook`).toBe(`docs/deploy.md#${a.alert.toLowerCase()}`);
      expect(anchors.has(a.alert.toLowerCase()), `docs/deploy.md has a '${a.alert}' heading`).toBe(true);
    }
  });
});

describe('Alertmanager routing (amtool config routes test)', () => {
  const routeTest = (labels: Record<string, string>, receiver: string) =>
    tool('amtool', [
      'config',
      'routes',
      'test',
      `--config.file=${ALERTMANAGER_YML}`,
      `--verify.receivers=${receiver}`,
      ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ]);

  it('every rule reaches the receiver of its severity', async () => {
    for (const a of allAlerts) {
      const severity = a.labels?.severity ?? '';
      const labels = { alertname: a.alert, severity, system: 'paywatch', instance: 'collector:8080' };
      const r = await routeTest(labels, RECEIVER_BY_SEVERITY[severity] ?? '(none)');
      expect(r.code, `${a.alert} (${severity}): ${r.out}`).toBe(0);
    }
  });

  it('an alert without a severity reaches the default receiver; a wrong expectation fails', async () => {
    expect((await routeTest({ alertname: 'SomethingElse' }, 'ops')).code).toBe(0);
    const wrong = await routeTest({ alertname: 'PaywatchCollectorDown', severity: 'critical' }, 'ops');
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toContain('ops-pager');
  });
});

describe('Alertmanager inhibition (real Alertmanager with grafana/alertmanager/alertmanager.yml)', () => {
  let am: PrometheusProcess | undefined;
  let amUrl = '';

  beforeAll(async () => {
    am = await startAlertmanager(ALERTMANAGER_YML);
    amUrl = am.url;
  });

  afterAll(async () => {
    await am?.stop();
  });

  type AmAlert = { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } };
  const post = async (alerts: Record<string, string>[]) => {
    const res = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((labels) => ({ labels }))),
    });
    expect(res.status).toBe(200);
  };
  const stateOf = async (labels: Record<string, string>) => {
    const filter = Object.entries(labels)
      .map(([k, v]) => `filter=${encodeURIComponent(`${k}="${v}"`)}`)
      .join('&');
    return waitUntil(
      async () => ((await (await fetch(`${amUrl}/api/v2/alerts?${filter}`)).json()) as AmAlert[])[0],
      (a) => a !== undefined && a.status.state !== 'unprocessed',
      10_000,
    );
  };

  it('PaywatchCollectorDown on one instance suppresses PaywatchNoPayments of the same system only', async () => {
    await post([
      {
        alertname: 'PaywatchCollectorDown',
        severity: 'critical',
        system: 'paywatch',
        instance: 'c1:8080',
        job: 'paywatch-collector',
      },
      { alertname: 'PaywatchNoPayments', severity: 'warning', system: 'paywatch' },
      { alertname: 'PaywatchNoPayments', severity: 'warning', system: 'paywatch-eu' },
    ]);
    const same = await stateOf({ alertname: 'PaywatchNoPayments', system: 'paywatch' });
    expect(same?.status.state).toBe('suppressed');
    expect(same?.status.inhibitedBy.length).toBe(1);
    const other = await stateOf({ alertname: 'PaywatchNoPayments', system: 'paywatch-eu' });
    expect(other?.status.state).toBe('active');
    const source = await stateOf({ alertname: 'PaywatchCollectorDown' });
    expect(source?.status.state).toBe('active');
  });
});
