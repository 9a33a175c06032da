// Guards what the alertmanager channel pushes: a "send test notification" with a short endsAt (not an hour in Alertmanager looking like an incident), and an alert whose label set changes mid-episode (an slo rule's severity) with its old label set resolved at once.
import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryLog } from '../delivery-log.js';
import { createNotifier } from '../notifier.js';
import { startHttpReceiver } from '../testing/http-receiver.js';
import { sampleAlert, sampleNotification } from '../testing/fixtures.js';
import { createAlertmanagerChannel, TEST_ENDS_AFTER_MS } from './alertmanager.channel.js';
import type { AmAlert } from './alertmanager.channel.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

describe('alertmanager channel', () => {
  it('pushes a test notification that ends 5 minutes later, a real alert at resolve_timeout', async () => {
    // The test was pushed like a real firing alert (endsAt = now + 60 min): Alertmanager showed
    // and routed an active paywatch_test for an hour.
    const rx = await startHttpReceiver(() => ({ status: 200, body: '' }));
    close = rx.close;
    const now = Date.UTC(2026, 10, 26, 17, 57);
    const notifier = createNotifier(
      {
        log: createDeliveryLog(),
        sleep: async () => undefined,
        now: () => now,
        channelDeps: { now: () => now },
      },
      {
        receivers: [
          {
            name: 'am',
            locale: 'en',
            channels: [{ type: 'alertmanager', url: rx.url, resolve_timeout_minutes: 60 }],
          },
        ],
      },
    );
    expect((await notifier.test('am')).ok).toBe(true);
    const [pushed] = JSON.parse(rx.requests[0]!.body) as { labels: Record<string, string>; endsAt: string }[];
    expect(pushed!.labels['alertname']).toBe('paywatch_test');
    expect(TEST_ENDS_AFTER_MS).toBe(5 * 60_000);
    expect(Date.parse(pushed!.endsAt) - now).toBe(TEST_ENDS_AFTER_MS);
  });

  it('resolves the label set an alert was pushed with when its severity changes (slo page → ticket)', async () => {
    // An slo rule's episode moving from its page window to its ticket window was pushed as a
    // second alert (severity=ticket), and the severity=page one, no longer refreshed, stayed
    // firing in Alertmanager until its endsAt: an hour after paywatch resolved the alert.
    const rx = await startHttpReceiver(() => ({ status: 200, body: '' }));
    close = rx.close;
    let now = Date.UTC(2026, 10, 26, 17, 0);
    const ch = createAlertmanagerChannel(
      { type: 'alertmanager', url: rx.url, resolve_timeout_minutes: 60 },
      { now: () => now },
    );
    const labels = { alertname: 'checkout_slo', severity: 'page' };
    const a = sampleAlert({ id: 'slo1', rule: 'checkout_slo', labels, starts_at: now });
    await ch.send(sampleNotification({ alerts: [a] }));
    now += 40 * 60_000;
    const ticket = { ...a, labels: { ...labels, severity: 'ticket' } };
    await ch.send(sampleNotification({ reason: 'update', alerts: [ticket] }));
    now += 10 * 60_000;
    await ch.send(sampleNotification({ reason: 'refresh', alerts: [ticket] }));
    const bodies = rx.requests.map((r) => JSON.parse(r.body) as AmAlert[]);
    const severities = (b: AmAlert[]) => b.map((x) => `${x.labels['severity']} ${x.endsAt}`);
    const iso = (t: number) => new Date(t).toISOString();
    const switched = Date.UTC(2026, 10, 26, 17, 40);
    expect(bodies.map(severities)).toEqual([
      [`page ${iso(switched - 40 * 60_000 + 3_600_000)}`],
      // The page's label set ends when the ticket's is first pushed; not pushed again after.
      [`page ${iso(switched)}`, `ticket ${iso(switched + 3_600_000)}`],
      [`ticket ${iso(switched + 10 * 60_000 + 3_600_000)}`],
    ]);
    // Resolved, it is forgotten: a new episode pushed with the other severity ends nothing.
    now += 60_000;
    await ch.send(
      sampleNotification({ reason: 'update', alerts: [{ ...ticket, status: 'resolved', ends_at: now }] }),
    );
    await ch.send(sampleNotification({ alerts: [a] }));
    expect(rx.requests.slice(3).map((r) => severities(JSON.parse(r.body) as AmAlert[]))).toEqual([
      [`ticket ${iso(now)}`],
      [`page ${iso(now + 3_600_000)}`],
    ]);
  });
});
