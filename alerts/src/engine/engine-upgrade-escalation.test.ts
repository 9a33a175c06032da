// Guards an upgrade from a release that kept escalations in memory only (376690e): the first start on its data does not send the ESCALATED notification of an alert it already escalated again, and still escalates what it had not.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAlertsConfig } from '../config/load.js';
import { createDeliveryLog } from '../notify/delivery-log.js';
import { createNotifier } from '../notify/notifier.js';
import { createFileAlertStateStore } from '../state/store.js';
import { createAlertEngine } from './engine.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', '376690e');
/** When 376690e escalated provider_success_rate_drop{adyen} (its delivery log's record 3). */
const ESCALATED_AT = 1795708991060;

const yaml = (port: number) => `
reporting_currency: USD
rules:
  - name: provider_success_rate_drop
    detector: { type: rate, metric: success_rate, window_minutes: 5, baseline_minutes: 120, min_attempts: 60, min_effect: 0.08 }
    group_by: [provider]
    severity: page
    keep_firing_for: 3m
  - name: decline_mix_shift
    detector: { type: mix, window_minutes: 10, min_failures: 40, p_value: 2.0e-6, min_jsd: 0.03 }
    severity: warning
    keep_firing_for: 5m
route:
  receiver: oncall
  group_by: [alertname, provider]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 4m
  routes:
    - matchers: ['severity="page"']
      receiver: oncall
      escalate: [{ after: 3m, receiver: manager }]
receivers:
  - name: oncall
    channels: [{ type: webhook, url: 'http://127.0.0.1:${port}/oncall' }]
  - name: manager
    channels: [{ type: webhook, url: 'http://127.0.0.1:${port}/manager' }]
`;

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

/** A webhook receiver on a free localhost port: the paths and alert names it was sent. */
async function receiver(): Promise<{ port: number; got: string[] }> {
  const got: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const j = JSON.parse(body) as { status: string; alerts: { labels: Record<string, string> }[] };
      got.push(`${req.url} ${j.status} ${j.alerts.map((a) => a.labels['alertname']).join(',')}`);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => server.close());
  return { port: (server.address() as AddressInfo).port, got };
}

/**
 * The 376690e data dir's alert files in a temp folder; with `escalated` false its escalation's
 * delivery is left out (as when that send had failed): the alert is due and was never escalated.
 */
function dataDir(opts: { escalated: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-upgrade-esc-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(join(FIXTURE, 'alerts-state.json'), join(dir, 'alerts-state.json'));
  const lines = readFileSync(join(FIXTURE, 'alerts-deliveries.jsonl'), 'utf8').split('\n');
  const kept = opts.escalated ? lines : lines.filter((l) => !l.includes('"reason":"escalation"'));
  expect(kept.length).toBe(opts.escalated ? 4 : 3); // 3 records (+ the final newline)
  writeFileSync(join(dir, 'alerts-deliveries.jsonl'), kept.join('\n'));
  return dir;
}

/** Starts this release on the data dir 30 s after the old one stopped, runs one flush (100 s after the escalation), stops. */
async function upgradeStart(dir: string, port: number): Promise<void> {
  let clock = ESCALATED_AT + 30_000; // before the oncall group's repeat_interval (4m) is due
  const cfg = parseAlertsConfig(yaml(port));
  const log = createDeliveryLog({ file: join(dir, 'alerts-deliveries.jsonl') });
  const engine = createAlertEngine(
    {
      store: createFileAlertStateStore({ path: join(dir, 'alerts-state.json') }),
      notifier: createNotifier({ log }, { receivers: cfg.receivers }),
      deliveryLog: log,
      now: () => clock,
    },
    cfg,
  );
  await engine.start();
  clock += 70_000; // past group_wait and group_interval: every restored group is flushed
  await engine.stop();
  await log.flush();
}

describe('upgrade from 376690e: escalations already sent', () => {
  it('are not sent again; the firing alerts are neither re-sent as new nor resolved', async () => {
    const hook = await receiver();
    const dir = dataDir({ escalated: true });
    await upgradeStart(dir, hook.port);
    expect(hook.got).toEqual([]);
  });

  it('an alert due for escalation that 376690e had not escalated (its send failed) is escalated once', async () => {
    const hook = await receiver();
    const dir = dataDir({ escalated: false });
    await upgradeStart(dir, hook.port);
    expect(hook.got).toEqual(['/manager firing provider_success_rate_drop']);
  });
});
