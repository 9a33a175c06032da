// Guards the Slack channel: exact Block Kit payload posted to the incoming webhook, masked PANs, no secret leaks, retryable 5xx.
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackChannel } from './slack.channel.js';
import { startHttpReceiver } from '../testing/http-receiver.js';
import { assertNoLeaks } from '../testing/no-leak.js';
import { sampleNotification } from '../testing/fixtures.js';
import { ChannelError } from '../types.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

describe('slack channel', () => {
  it('posts header + section + button blocks', async () => {
    const rx = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
    close = rx.close;
    const url = `${rx.url}/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX`;
    await createSlackChannel({ type: 'slack', webhook_url: url }).send(sampleNotification());
    expect(rx.requests).toHaveLength(1);
    const r = rx.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX');
    expect(r.headers['content-type']).toBe('application/json');
    const body = JSON.parse(r.body) as {
      text: string;
      blocks: { type: string; text?: { type: string; text: string }; elements?: { url: string }[] }[];
    };
    expect(body.text).toBe('[FIRING:1] success_rate_drop provider=adyen');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions']);
    expect(body.blocks[0]?.text).toEqual({
      type: 'plain_text',
      text: '[FIRING:1] success_rate_drop provider=adyen',
      emoji: true,
    });
    expect(body.blocks[1]?.text?.type).toBe('mrkdwn');
    expect(body.blocks[1]?.text?.text).toContain('*success_rate_drop* `severity=page` `provider=adyen`');
    expect(body.blocks[1]?.text?.text).toContain('Revenue at risk: $12,841');
    expect(body.blocks[1]?.text?.text).toContain('411111******1111');
    expect(body.blocks[2]?.elements?.[0]?.url).toBe(
      'http://dash.example/alerts/a1b2c3d4e5f60718?from=1767621300000',
    );
    assertNoLeaks(rx.requests, ['XXXXXXXXXXXXXXXXXXXXXXXX']);
  });

  it('reports a 500 as retryable and a 404 as permanent', async () => {
    const rx = await startHttpReceiver((_, i) => ({ status: i === 0 ? 500 : 404, body: 'no_service' }));
    close = rx.close;
    const ch = createSlackChannel({ type: 'slack', webhook_url: `${rx.url}/hook` });
    await expect(ch.send(sampleNotification())).rejects.toMatchObject({ retryable: true, status: 500 });
    const err = await ch.send(sampleNotification()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).retryable).toBe(false);
    expect((err as ChannelError).message).not.toContain(rx.url);
  });
});
