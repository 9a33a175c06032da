// Guards that a command's start refuses a bad alert rules file up front (file, line, path named; nothing started), as it does a bad variable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfigOrReport } from './load-config.js';

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  err.on('data', (c: Buffer) => (text += c.toString()));
  return { io: { stdout: out, stderr: err }, stderr: () => text };
}

function dataDir(): string {
  return mkdtempSync(join(tmpdir(), 'paywatch-load-config-'));
}

describe('loadConfigOrReport', () => {
  it('answers null and names the file and line of a malformed alert rules file', async () => {
    const d = dataDir();
    const rules = join(d, 'rules.yaml');
    writeFileSync(rules, 'rules: [\n  bad');
    const t = io();
    const c = await loadConfigOrReport(t.io, { env: { PAYWATCH_DATA_DIR: d, PAYWATCH_ALERTS_RULES: rules } });
    expect(c).toBeNull();
    expect(t.stderr()).toContain('paywatch: invalid alert rules (PAYWATCH_ALERTS_RULES): ');
    expect(t.stderr()).toContain(`${rules}:2:`);
  });

  it('names a placeholder whose variable is unset, and a rules file that does not exist', async () => {
    const d = dataDir();
    const rules = join(d, 'rules.yaml');
    writeFileSync(
      rules,
      "receivers:\n  - name: r\n    channels:\n      - { type: slack, webhook_url: '${QA_UNSET_SLACK_URL}' }\n",
    );
    const t = io();
    expect(
      await loadConfigOrReport(t.io, { env: { PAYWATCH_DATA_DIR: d, PAYWATCH_ALERTS_RULES: rules } }),
    ).toBeNull();
    expect(t.stderr()).toContain('QA_UNSET_SLACK_URL');
    const t2 = io();
    const missing = join(d, 'nope.yaml');
    expect(
      await loadConfigOrReport(t2.io, { env: { PAYWATCH_DATA_DIR: d, PAYWATCH_ALERTS_RULES: missing } }),
    ).toBeNull();
    expect(t2.stderr()).toBe(
      `paywatch: invalid configuration: PAYWATCH_ALERTS_RULES: no file at "${missing}"\n`,
    );
  });

  it('does not read the rules when this process runs no engine, unless asked to', async () => {
    const d = dataDir();
    const rules = join(d, 'rules.yaml');
    writeFileSync(rules, 'rules: [\n  bad');
    const env = { PAYWATCH_DATA_DIR: d, PAYWATCH_ALERTS_RULES: rules, PAYWATCH_ALERTS_ENABLED: 'false' };
    expect(await loadConfigOrReport(io().io, { env })).not.toBeNull();
    expect(await loadConfigOrReport(io().io, { env, alertRules: true })).toBeNull();
  });

  it('accepts a valid rules file and the default pack', async () => {
    const d = dataDir();
    const rules = join(d, 'rules.yaml');
    writeFileSync(rules, 'route: { receiver: r }\nreceivers: [{ name: r }]\n');
    expect(
      await loadConfigOrReport(io().io, { env: { PAYWATCH_DATA_DIR: d, PAYWATCH_ALERTS_RULES: rules } }),
    ).not.toBeNull();
    expect(await loadConfigOrReport(io().io, { env: { PAYWATCH_DATA_DIR: d } })).not.toBeNull();
  });
});
