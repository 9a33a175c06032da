// Guards reminders (repeat_interval): every channel's title and text say it is a reminder — still firing since when, for how long, not acknowledged — in English and Chinese, while a first page reads as before and the webhook JSON keeps its format with a `reminder` annotation.
import { afterEach, describe, expect, it } from 'vitest';
import { emailHtml } from './email.channel.js';
import { createChannel } from './registry.js';
import type { ChannelSpec } from './registry.js';
import { plainText, reminderLine, title } from '../render.js';
import { startHttpReceiver } from '../testing/http-receiver.js';
import { sampleAlert, sampleNotification } from '../testing/fixtures.js';
import type { Notification } from '../types.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

const FIRED = Date.UTC(2026, 0, 5, 14, 2);
const repeat = (over: Partial<Notification> = {}): Notification =>
  sampleNotification({
    reason: 'repeat',
    sent_at: FIRED + 38 * 60_000,
    alerts: [sampleAlert({ starts_at: FIRED })],
    ...over,
  });
const EN = 'Still firing since 14:02 UTC (38 min), not acknowledged';
const ZH = '仍在告警，开始于 14:02 UTC（38 分钟），尚未确认';

/** Every HTTP channel type, pointed at the local receiver. */
function specs(url: string): ChannelSpec[] {
  return [
    { type: 'slack', webhook_url: `${url}/slack` },
    { type: 'teams', webhook_url: `${url}/teams` },
    { type: 'dingtalk', webhook_url: `${url}/dingtalk`, at_mobiles: [], at_all: false },
    { type: 'feishu', webhook_url: `${url}/feishu` },
    { type: 'wecom', webhook_url: `${url}/wecom` },
    { type: 'webhook', url: `${url}/webhook` },
  ] as ChannelSpec[];
}

async function sendAll(n: Notification): Promise<Map<string, string>> {
  const rx = await startHttpReceiver(() => ({ status: 200, body: '{"errcode":0,"code":0}' }));
  close = rx.close;
  for (const spec of specs(rx.url)) await createChannel(spec).send(n);
  return new Map(rx.requests.map((r) => [r.url.split('?')[0]!.slice(1), r.body]));
}

describe('reminder notifications', () => {
  it('say "still firing since …, not acknowledged" in every channel, in English', async () => {
    const n = repeat();
    expect(title(n)).toBe('[REMINDER FIRING:1] success_rate_drop provider=adyen');
    expect(reminderLine(n)).toBe(EN);
    const bodies = await sendAll(n);
    expect([...bodies.keys()].sort()).toEqual(['dingtalk', 'feishu', 'slack', 'teams', 'webhook', 'wecom']);
    for (const [type, body] of bodies) {
      if (type === 'webhook') continue;
      expect(body, type).toContain('[REMINDER FIRING:1]');
      expect(body, type).toContain(EN);
    }
    const slack = JSON.parse(bodies.get('slack')!) as { text: string; blocks: { type: string }[] };
    expect(slack.text).toBe(`[REMINDER FIRING:1] success_rate_drop provider=adyen · ${EN}`);
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'context', 'section', 'actions']);
    // The generic webhook keeps Alertmanager's format; its alerts carry the reminder.
    const hook = JSON.parse(bodies.get('webhook')!) as {
      version: string;
      status: string;
      alerts: { annotations: Record<string, string> }[];
    };
    expect(hook.version).toBe('4');
    expect(hook.status).toBe('firing');
    expect(hook.alerts[0]?.annotations['reminder']).toBe(EN);
    // Email: the subject is the title; the text and HTML parts lead with the line.
    expect(plainText(n).split('\n').slice(0, 3)).toEqual([title(n), '', EN]);
    expect(emailHtml(n)).toContain(
      `<h2>[REMINDER FIRING:1] success_rate_drop provider=adyen</h2><p><strong>${EN}</strong></p>`,
    );
  });

  it('in Chinese for a zh receiver, and counts the unacknowledged alerts of a partly acknowledged group', async () => {
    const n = repeat({ locale: 'zh' });
    expect(title(n)).toBe('[提醒 告警中:1] success_rate_drop provider=adyen');
    const bodies = await sendAll(n);
    for (const [type, body] of bodies) if (type !== 'webhook') expect(body, type).toContain(ZH);
    const partly = repeat({
      alerts: [
        sampleAlert({ starts_at: FIRED }),
        sampleAlert({ id: 'b2', starts_at: FIRED + 60_000, acknowledged_by: 'ana' }),
      ],
    });
    expect(reminderLine(partly)).toBe('Still firing since 14:02 UTC (38 min), 1 of 2 not acknowledged');
    expect(reminderLine({ ...partly, locale: 'zh' })).toBe(
      '仍在告警，开始于 14:02 UTC（38 分钟），1/2 条尚未确认',
    );
  });

  it('leaves a first page and an update as they were', async () => {
    for (const reason of ['new', 'update'] as const) {
      const n = repeat({ reason });
      expect(title(n)).toBe('[FIRING:1] success_rate_drop provider=adyen');
      expect(reminderLine(n)).toBeNull();
      const bodies = await sendAll(n);
      for (const [type, body] of bodies) expect(body, type).not.toContain('Still firing');
      await close?.();
      close = undefined;
    }
  });
});
