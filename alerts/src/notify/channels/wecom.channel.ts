import { z } from 'zod';
import { hostOf, postJson } from '../http.js';
import { markdown } from '../render.js';
import type { Channel, Notification } from '../types.js';
import { ChannelError } from '../types.js';

/**
 * WeCom (企业微信) group robot: markdown message (4096 bytes max). WeCom answers HTTP 200 with
 * `errcode` ≠ 0 on failure; 45009 (rate limit) is retryable. Mobiles are mentioned with
 * `<@mobile>`-less text since markdown messages do not support mentioned_mobile_list.
 */
export const WeComSpecSchema = z.strictObject({
  type: z.literal('wecom'),
  webhook_url: z.url(),
});
export type WeComSpec = z.infer<typeof WeComSpecSchema>;

export function wecomPayload(n: Notification): Record<string, unknown> {
  let content = markdown(n);
  while (Buffer.byteLength(content) > 4096)
    content = content.slice(0, Math.floor(content.length * 0.9)) + '…';
  return { msgtype: 'markdown', markdown: { content } };
}

export function createWeComChannel(spec: WeComSpec): Channel {
  return {
    type: 'wecom',
    target: hostOf(spec.webhook_url),
    async send(n, signal) {
      const text = await postJson(spec.webhook_url, wecomPayload(n), { signal });
      const res = JSON.parse(text || '{}') as { errcode?: number; errmsg?: string };
      if (res.errcode !== undefined && res.errcode !== 0)
        throw new ChannelError(`wecom errcode ${res.errcode}: ${res.errmsg ?? ''}`, {
          retryable: res.errcode === 45009 || res.errcode === -1,
        });
    },
  };
}
