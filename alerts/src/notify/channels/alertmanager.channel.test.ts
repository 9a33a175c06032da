// Guards what the alertmanager channel pushes for a "send test notification": a short endsAt, so the test does not sit in Alertmanager for an hour looking like an incident.
import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryLog } from '../delivery-log.js';
import { createNotifier } from '../notifier.js';
import { startHttpReceiver } from '../testing/http-receiver.js';
import { TEST_ENDS_AFTER_MS } from './alertmanager.channel.js';

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
});
