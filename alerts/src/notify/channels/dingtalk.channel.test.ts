// Guards the DingTalk channel: markdown payload with @mobiles (within DingTalk's 20000-byte body, mentions kept), timestamp+HMAC-SHA256 sign verified independently, errcode handling, no secret leak.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDingTalkChannel, dingtalkPayload, dingtalkSign } from './dingtalk.channel.js';
import { startHttpReceiver } from '../testing/http-receiver.js';
import { assertNoLeaks } from '../testing/no-leak.js';
import { sampleAlert, sampleNotification } from '../testing/fixtures.js';
import { markdown } from '../render.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());
const SECRET = 'SEC0123456789abcdefDINGTALKsecret';

describe('dingtalk channel', () => {
  it('signs the request and posts markdown with mentions', async () => {
    const rx = await startHttpReceiver();
    close = rx.close;
    const ts = 1767621600123;
    await createDingTalkChannel(
      {
        type: 'dingtalk',
        webhook_url: `${rx.url}/robot/send?access_token=tok_abcdef123456`,
        secret: SECRET,
        at_mobiles: ['13800000000'],
        at_all: false,
      },
      { now: () => ts },
    ).send(sampleNotification({ locale: 'zh' }));
    const r = rx.requests[0]!;
    const q = new URL(r.url, 'http://x').searchParams;
    expect(q.get('access_token')).toBe('tok_abcdef123456');
    expect(q.get('timestamp')).toBe(String(ts));
    // Independent computation of DingTalk's documented algorithm.
    const expected = createHmac('sha256', SECRET).update(`${ts}\n${SECRET}`).digest('base64');
    expect(q.get('sign')).toBe(expected);
    expect(dingtalkSign(SECRET, ts)).toBe(expected);
    expect(r.url).toContain(`sign=${encodeURIComponent(expected)}`);
    const body = JSON.parse(r.body) as {
      msgtype: string;
      markdown: { title: string; text: string };
      at: { atMobiles: string[]; isAtAll: boolean };
    };
    expect(body.msgtype).toBe('markdown');
    expect(body.at).toEqual({ atMobiles: ['13800000000'], isAtAll: false });
    expect(body.markdown.title).toBe('[告警中:1] success_rate_drop provider=adyen');
    expect(body.markdown.text.startsWith('### [告警中:1] success_rate_drop provider=adyen')).toBe(true);
    expect(body.markdown.text).toContain('@13800000000');
    expect(body.markdown.text).toContain('风险营收');
    assertNoLeaks(rx.requests, [SECRET]);
  });

  it('@-mentions only on the first firing page and on escalation, never on a reminder, update or resolve', async () => {
    // atMobiles went with every message: a RESOLVED at 3 a.m. rang the on-call's phone like a page.
    const rx = await startHttpReceiver();
    close = rx.close;
    const ch = createDingTalkChannel({
      type: 'dingtalk',
      webhook_url: `${rx.url}/robot/send?access_token=t`,
      at_mobiles: ['13800000000'],
      at_all: true,
    });
    const resolved = sampleNotification({
      status: 'resolved',
      reason: 'update',
      alerts: [sampleAlert({ status: 'resolved', ends_at: Date.UTC(2026, 0, 5, 15, 0) })],
    });
    const cases = [
      sampleNotification({ reason: 'new' }),
      sampleNotification({ reason: 'escalation' }),
      sampleNotification({ reason: 'repeat', sent_at: Date.UTC(2026, 0, 5, 14, 40) }),
      sampleNotification({ reason: 'update' }),
      resolved,
      { ...resolved, reason: 'new' as const },
      sampleNotification({ reason: 'test' }),
    ];
    for (const n of cases) await ch.send(n);
    const seen = rx.requests.map((r) => {
      const b = JSON.parse(r.body) as {
        markdown: { text: string };
        at: { atMobiles: string[]; isAtAll: boolean };
      };
      return [b.at.atMobiles.length > 0, b.at.isAtAll, b.markdown.text.includes('@13800000000')];
    });
    expect(seen).toEqual([
      [true, true, true],
      [true, true, true],
      [false, false, false],
      [false, false, false],
      [false, false, false],
      [false, false, false],
      [false, false, false],
    ]);
  });

  it('treats errcode 310000 (bad sign) as a permanent failure and 130101 (rate limit) as retryable', async () => {
    const rx = await startHttpReceiver((_, i) => ({
      status: 200,
      body:
        i === 0
          ? '{"errcode":310000,"errmsg":"sign not match"}'
          : '{"errcode":130101,"errmsg":"send too fast"}',
    }));
    close = rx.close;
    const ch = createDingTalkChannel({
      type: 'dingtalk',
      webhook_url: `${rx.url}/robot/send?access_token=t`,
      secret: SECRET,
      at_mobiles: [],
      at_all: false,
    });
    await expect(ch.send(sampleNotification())).rejects.toMatchObject({ retryable: false });
    await expect(ch.send(sampleNotification())).rejects.toMatchObject({ retryable: true });
  });

  it.each(['en', 'zh'] as const)(
    '%s: keeps a large group within the 20000-byte body DingTalk accepts, mentions kept',
    (locale) => {
      // DingTalk answers errcode 460101 "message too long, exceed 20000 bytes" (permanent): a page lost.
      const contributors = [
        'failure_category=provider_error',
        'country=CN',
        'method=card',
        'provider=adyen',
        'bin=_pooled',
      ].map((key, i) => ({ key, value: 331 - i * 50 }));
      const alerts = Array.from({ length: 50 }, (_, i) => sampleAlert({ id: `alert${i}`, contributors }));
      const body = dingtalkPayload(sampleNotification({ locale, alerts }), {
        at_mobiles: ['13800000000'],
        at_all: false,
      }) as { markdown: { text: string }; at: { atMobiles: string[] } };
      expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(20_000);
      expect(body.markdown.text.endsWith('@13800000000')).toBe(true);
      expect(body.at.atMobiles).toEqual(['13800000000']);
      // A small group is sent whole.
      const one = dingtalkPayload(sampleNotification({ locale }), { at_mobiles: [], at_all: false }) as {
        markdown: { text: string };
      };
      expect(one.markdown.text).toBe(markdown(sampleNotification({ locale })));
    },
  );
});
