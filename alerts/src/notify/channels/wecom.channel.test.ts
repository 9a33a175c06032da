// Guards the WeCom robot channel: markdown payload within 4096 bytes, errcode handling.
import { afterEach, describe, expect, it } from 'vitest';
import { createWeComChannel } from './wecom.channel.js';
import { startHttpReceiver } from '../testing/http-receiver.js';
import { assertNoLeaks } from '../testing/no-leak.js';
import { sampleAlert, sampleNotification } from '../testing/fixtures.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

describe('wecom channel', () => {
  it('posts markdown content and keeps it under 4096 bytes', async () => {
    const rx = await startHttpReceiver();
    close = rx.close;
    const many = Array.from({ length: 40 }, (_, i) => sampleAlert({ id: `id${i}` }));
    await createWeComChannel({
      type: 'wecom',
      webhook_url: `${rx.url}/cgi-bin/webhook/send?key=wecomKEY-0000-1111`,
    }).send(sampleNotification({ alerts: many }));
    const r = rx.requests[0]!;
    expect(new URL(r.url, 'http://x').searchParams.get('key')).toBe('wecomKEY-0000-1111');
    const body = JSON.parse(r.body) as { msgtype: string; markdown: { content: string } };
    expect(Object.keys(body)).toEqual(['msgtype', 'markdown']);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content.startsWith('### [FIRING:40] success_rate_drop provider=adyen')).toBe(true);
    expect(Buffer.byteLength(body.markdown.content)).toBeLessThanOrEqual(4096);
    assertNoLeaks(
      rx.requests.map((x) => ({ ...x, url: x.url.split('?')[0]! })),
      ['wecomKEY-0000-1111'],
    );
  });
  it('rejects errcode 93000 (invalid key) as permanent', async () => {
    const rx = await startHttpReceiver(() => ({
      status: 200,
      body: '{"errcode":93000,"errmsg":"invalid webhook url"}',
    }));
    close = rx.close;
    await expect(
      createWeComChannel({ type: 'wecom', webhook_url: `${rx.url}/send?key=k` }).send(sampleNotification()),
    ).rejects.toMatchObject({ retryable: false });
  });
});
