// Guards the Feishu/Lark channel: interactive card, timestamp+sign in the body verified independently, code handling, no secret leak.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createFeishuChannel } from './feishu.channel.js';
import { startHttpReceiver } from '../testing/http-receiver.js';
import { assertNoLeaks } from '../testing/no-leak.js';
import { sampleNotification } from '../testing/fixtures.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());
const SECRET = 'feishuSecretKeyABCDEFG12345';

describe('feishu channel', () => {
  it('posts a signed interactive card', async () => {
    const rx = await startHttpReceiver(() => ({ status: 200, body: '{"code":0,"msg":"success","data":{}}' }));
    close = rx.close;
    const now = 1767621600987;
    await createFeishuChannel(
      {
        type: 'feishu',
        webhook_url: `${rx.url}/open-apis/bot/v2/hook/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab`,
        secret: SECRET,
      },
      { now: () => now },
    ).send(sampleNotification());
    const body = JSON.parse(rx.requests[0]!.body) as {
      timestamp: string;
      sign: string;
      msg_type: string;
      card: {
        header: { template: string; title: { tag: string; content: string } };
        elements: {
          tag: string;
          text?: { tag: string; content: string };
          actions?: { tag: string; url: string }[];
        }[];
      };
    };
    expect(Object.keys(body)).toEqual(['timestamp', 'sign', 'msg_type', 'card']);
    expect(body.timestamp).toBe('1767621600');
    // Feishu's documented algorithm: HMAC-SHA256 keyed with "timestamp\nsecret" over an empty message.
    expect(body.sign).toBe(createHmac('sha256', `1767621600\n${SECRET}`).update('').digest('base64'));
    expect(body.msg_type).toBe('interactive');
    expect(body.card.header).toEqual({
      template: 'red',
      title: { tag: 'plain_text', content: '[FIRING:1] success_rate_drop provider=adyen' },
    });
    expect(body.card.elements[0]?.text?.tag).toBe('lark_md');
    expect(body.card.elements[0]?.text?.content).toContain('Revenue at risk');
    expect(body.card.elements[1]?.actions?.[0]?.url).toBe(
      'http://dash.example/alerts/a1b2c3d4e5f60718?from=1767621300000',
    );
    assertNoLeaks(rx.requests, [SECRET]);
  });

  it('fails on a non-zero code even with HTTP 200', async () => {
    const rx = await startHttpReceiver(() => ({
      status: 200,
      body: '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}',
    }));
    close = rx.close;
    await expect(
      createFeishuChannel({ type: 'feishu', webhook_url: `${rx.url}/hook`, secret: SECRET }).send(
        sampleNotification(),
      ),
    ).rejects.toMatchObject({ retryable: false });
  });
});
