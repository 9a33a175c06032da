// Guards delivery: retries with backoff on retryable failures only, fan-out where one broken channel does not block the other, fallback receiver, every outcome logged.
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier } from './notifier.js';
import { createDeliveryLog } from './delivery-log.js';
import { startHttpReceiver } from './testing/http-receiver.js';
import { sampleNotification } from './testing/fixtures.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()?.();
});

describe('notifier', () => {
  it('retries a 503 with exponential backoff, then succeeds; logs one sent record with 3 attempts', async () => {
    const rx = await startHttpReceiver((_, i) =>
      i < 2 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' },
    );
    closers.push(rx.close);
    const log = createDeliveryLog();
    const delays: number[] = [];
    const n = createNotifier(
      { log, sleep: async (ms) => void delays.push(ms), random: () => 1 },
      {
        receivers: [
          { name: 'oncall', locale: 'en', channels: [{ type: 'slack', webhook_url: `${rx.url}/hook` }] },
        ],
      },
    );
    const { locale: _l, receiver: _r, ...base } = sampleNotification();
    const out = await n.notify('oncall', base);
    expect(out).toEqual({ ok: true, sent: 1, failed: 0, fallback: null, delivered: true });
    expect(delays).toEqual([500, 1000]);
    expect(rx.requests).toHaveLength(3);
    const rec = log.list()[0]!;
    expect(rec).toMatchObject({
      receiver: 'oncall',
      channel: 'slack',
      status: 'sent',
      attempts: 3,
      error: null,
      target: rx.url.replace('http://', ''),
    });
  });

  it('does not retry a permanent failure, keeps the healthy channel, and uses the fallback when all channels fail', async () => {
    const good = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
    const bad = await startHttpReceiver(() => ({ status: 400, body: 'invalid_payload' }));
    const backup = await startHttpReceiver(() => ({ status: 200, body: '{"errcode":0}' }));
    closers.push(good.close, bad.close, backup.close);
    const log = createDeliveryLog();
    const n = createNotifier(
      { log, sleep: async () => undefined },
      {
        receivers: [
          {
            name: 'mixed',
            locale: 'en',
            channels: [
              { type: 'slack', webhook_url: `${bad.url}/a` },
              { type: 'slack', webhook_url: `${good.url}/b` },
            ],
          },
          {
            name: 'broken',
            locale: 'en',
            channels: [{ type: 'slack', webhook_url: `${bad.url}/c` }],
            fallback: 'backup',
          },
          {
            name: 'backup',
            locale: 'zh',
            channels: [{ type: 'wecom', webhook_url: `${backup.url}/send?key=k` }],
          },
        ],
      },
    );
    const { locale: _l, receiver: _r, ...base } = sampleNotification();
    // Resolved once the healthy channel took it (`failed` counts the channels failed by then);
    // the other is logged when done (`idle`).
    expect(await n.notify('mixed', base)).toMatchObject({
      ok: true,
      sent: 1,
      fallback: null,
      delivered: true,
    });
    await n.idle();
    expect(bad.requests).toHaveLength(1); // 400 is not retried
    expect(
      log
        .list()
        .map((x) => x.status)
        .sort(),
    ).toEqual(['failed', 'sent']);
    expect(await n.notify('broken', base)).toEqual({
      ok: false,
      sent: 0,
      failed: 1,
      fallback: 'backup',
      delivered: true,
    });
    expect(backup.requests).toHaveLength(1);
    expect(JSON.parse(backup.requests[0]!.body).markdown.content).toContain('告警中');
    const recs = log.list().filter((x) => x.receiver !== 'mixed');
    expect(recs[0]).toMatchObject({ receiver: 'backup', status: 'sent', fallback_for: 'broken' });
    expect(recs[1]).toMatchObject({ receiver: 'broken', status: 'failed', attempts: 1 });
    expect(recs[1]?.error).toMatch(/HTTP 400/);
  });

  it('sends a test notification on demand', async () => {
    const rx = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
    closers.push(rx.close);
    const n = createNotifier(
      { log: createDeliveryLog() },
      {
        receivers: [
          { name: 'oncall', locale: 'en', channels: [{ type: 'slack', webhook_url: `${rx.url}/h` }] },
        ],
      },
    );
    expect((await n.test('oncall')).ok).toBe(true);
    expect(JSON.parse(rx.requests[0]!.body).text).toBe('[TEST:1] paywatch_test');
  });
  it("a test notification says which receiver it tests, in the receiver's language, and when it came through the fallback", async () => {
    const rx = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
    const dead = await startHttpReceiver(() => ({ status: 400, body: 'no' }));
    closers.push(rx.close, dead.close);
    const n = createNotifier(
      { log: createDeliveryLog(), sleep: async () => undefined },
      {
        receivers: [
          { name: 'manager-zh', locale: 'zh', channels: [{ type: 'slack', webhook_url: `${rx.url}/zh` }] },
          {
            name: 'broken',
            locale: 'en',
            fallback: 'backup',
            channels: [{ type: 'slack', webhook_url: `${dead.url}/x` }],
          },
          { name: 'backup', locale: 'en', channels: [{ type: 'slack', webhook_url: `${rx.url}/backup` }] },
        ],
      },
    );
    await n.test('manager-zh');
    expect(JSON.parse(rx.requests[0]!.body).blocks[1].text.text).toContain(
      'paywatch 测试通知：接收方 "manager-zh" 工作正常。',
    );
    expect(await n.test('broken')).toMatchObject({ ok: false, fallback: 'backup', delivered: true });
    const viaFallback = JSON.parse(rx.requests[1]!.body).blocks[1].text.text as string;
    // Before: "this receiver works." — on the fallback, about a receiver that had just failed.
    expect(viaFallback).toContain(
      'Test notification from paywatch for receiver "broken": every channel of it failed, so it came through its fallback "backup".',
    );
    expect(viaFallback).not.toContain('works');
  });
});
