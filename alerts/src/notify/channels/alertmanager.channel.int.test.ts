// Guards forwarding to a real Alertmanager (Debian prometheus-alertmanager): alerts arrive via /api/v2/alerts with labels and annotations, a finding label named mid-episode does not make a second alert there, and a resolve clears them.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertmanagerChannel, TEST_ENDS_AFTER_MS } from './alertmanager.channel.js';
import { freePort } from '../../../test/free-port.js';
import { sampleAlert, sampleNotification } from '../testing/fixtures.js';

const BIN = '/usr/bin/prometheus-alertmanager';
let proc: ChildProcess | undefined;
let dir = '';
let base = '';

beforeAll(async () => {
  if (!existsSync(BIN)) {
    throw new Error(
      `${BIN} is missing: install it with "apt-get install -y prometheus-alertmanager" to run this integration test`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'paywatch-am-'));
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    'route:\n  receiver: blackhole\n  group_wait: 1h\nreceivers:\n  - name: blackhole\n',
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  let stderr = '';
  proc = spawn(
    BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${base}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || proc.exitCode !== null)
      throw new Error(`alertmanager did not become ready: ${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  // Alertmanager writes its data directory as it stops: removed before it exited, rmdir failed
  // (ENOTEMPTY) and the file failed after its tests passed.
  // (A process killed by a signal keeps exitCode null: signalCode says it has exited.)
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((r) => proc!.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  status: { state: string };
}

describe('alertmanager forwarding', () => {
  it('creates the alert in Alertmanager and resolves it', async () => {
    const ch = createAlertmanagerChannel({ type: 'alertmanager', url: base, resolve_timeout_minutes: 60 });
    const a = sampleAlert({ starts_at: Date.now() - 60_000 });
    await ch.send(sampleNotification({ alerts: [a] }));
    const list = (await (await fetch(`${base}/api/v2/alerts`)).json()) as AmAlert[];
    const got = list.find((x) => x.labels['alertname'] === 'success_rate_drop');
    expect(got, JSON.stringify(list)).toBeDefined();
    expect(got!.labels).toEqual({
      alertname: 'success_rate_drop',
      severity: 'page',
      provider: 'adyen',
      method: 'card',
      country: 'DE',
    });
    expect(got!.annotations['summary']).toContain('411111******1111');
    expect(got!.annotations['summary']).not.toContain('4111 1111 1111 1111');
    expect(got!.annotations['revenue_at_risk']).toBe('12840.50');
    expect(got!.generatorURL).toBe(a.dashboard_url);
    expect(got!.status.state).toBe('active');

    await ch.send(
      sampleNotification({
        status: 'resolved',
        alerts: [{ ...a, status: 'resolved', ends_at: Date.now() - 1000 }],
      }),
    );
    const after = (await (await fetch(`${base}/api/v2/alerts`)).json()) as AmAlert[];
    expect(after.find((x) => x.labels['alertname'] === 'success_rate_drop')).toBeUndefined();
  });

  it('keeps one alert in Alertmanager when a finding label (country) is named mid-episode', async () => {
    // Alertmanager identifies an alert by its label set: pushed with country=AU after a first push
    // without it, the page was two alerts there (the first resolved at its endsAt, the outage on).
    const ch = createAlertmanagerChannel({ type: 'alertmanager', url: base, resolve_timeout_minutes: 60 });
    const labels = { alertname: 'provider_success_rate_drop', severity: 'page', provider: 'paypal' };
    const a = sampleAlert({ rule: 'provider_success_rate_drop', labels, starts_at: Date.now() - 60_000 });
    await ch.send(sampleNotification({ alerts: [a] }));
    await ch.send(
      sampleNotification({
        reason: 'refresh',
        alerts: [{ ...a, labels: { ...labels, country: 'AU' }, finding_labels: { country: 'AU' } }],
      }),
    );
    const list = (await (await fetch(`${base}/api/v2/alerts`)).json()) as AmAlert[];
    const got = list.filter((x) => x.labels['alertname'] === 'provider_success_rate_drop');
    expect(got.map((x) => x.labels)).toEqual([labels]);
    expect(got[0]!.annotations['country']).toBe('AU');
  });

  it('holds a test notification for 5 minutes, not the hour of a real alert', async () => {
    const ch = createAlertmanagerChannel({ type: 'alertmanager', url: base, resolve_timeout_minutes: 60 });
    const at = Date.now();
    const a = sampleAlert({
      id: 'test',
      rule: 'paywatch_test',
      labels: { alertname: 'paywatch_test' },
      starts_at: at,
    });
    await ch.send(sampleNotification({ reason: 'test', alerts: [a] }));
    const list = (await (await fetch(`${base}/api/v2/alerts`)).json()) as AmAlert[];
    const got = list.find((x) => x.labels['alertname'] === 'paywatch_test');
    expect(got?.status.state).toBe('active');
    const left = Date.parse(got!.endsAt) - at;
    expect(left).toBeGreaterThan(TEST_ENDS_AFTER_MS - 10_000);
    expect(left).toBeLessThanOrEqual(TEST_ENDS_AFTER_MS + 10_000);
  });
});
