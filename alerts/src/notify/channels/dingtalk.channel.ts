import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { hostOf, postJson } from '../http.js';
import { markdown, mentionsPeople, title } from '../render.js';
import type { Channel, Notification } from '../types.js';
import { ChannelError } from '../types.js';

/**
 * DingTalk custom robot. With a `secret` ("加签"), every request carries `timestamp` (ms) and
 * `sign` = URL-encoded base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)).
 * `at_mobiles` (and `at_all`) are mentioned on a first firing page and an escalation only
 * (`mentionsPeople`), in the text too (DingTalk requires the @mobile there).
 * DingTalk answers HTTP 200 with `errcode` ≠ 0 on failure; 130101 (rate limit) is retryable.
 */
export const DingTalkSpecSchema = z.strictObject({
  type: z.literal('dingtalk'),
  webhook_url: z.url(),
  secret: z.string().min(1).optional(),
  at_mobiles: z.array(z.string().regex(/^\+?[\d-]{5,20}$/)).default([]),
  at_all: z.boolean().default(false),
});
export type DingTalkSpec = z.infer<typeof DingTalkSpecSchema>;

/** DingTalk signature for a timestamp (ms). */
export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

/** DingTalk's limit on a robot message's body ("message too long, exceed 20000 bytes"). */
const DINGTALK_MAX_BYTES = 20_000;

export function dingtalkPayload(
  n: Notification,
  spec: Pick<DingTalkSpec, 'at_mobiles' | 'at_all'>,
): Record<string, unknown> {
  // Only a first page and an escalation wake anyone: a reminder or a RESOLVED at night must not.
  const wake = mentionsPeople(n);
  const atMobiles = wake ? spec.at_mobiles : [];
  const mentions = atMobiles.map((m) => `@${m}`).join(' ');
  const payload = (text: string) => ({
    msgtype: 'markdown',
    markdown: { title: title(n).slice(0, 64), text: mentions ? `${text}\n\n${mentions}` : text },
    at: { atMobiles, isAtAll: wake && spec.at_all },
  });
  // DingTalk refuses a body over 20000 bytes (errcode 460101, permanent): a large group is cut,
  // the @mobiles kept at the end (DingTalk needs them in the text to notify).
  let text = markdown(n);
  let p = payload(text);
  while (Buffer.byteLength(JSON.stringify(p)) > DINGTALK_MAX_BYTES) {
    text = `${text.slice(0, Math.floor(text.length * 0.9))}…`;
    p = payload(text);
  }
  return p;
}

export function createDingTalkChannel(spec: DingTalkSpec, deps: { now?: () => number } = {}): Channel {
  const now = deps.now ?? Date.now;
  return {
    type: 'dingtalk',
    target: hostOf(spec.webhook_url),
    async send(n, signal) {
      const url = new URL(spec.webhook_url);
      if (spec.secret) {
        const ts = now();
        url.searchParams.set('timestamp', String(ts));
        url.searchParams.set('sign', dingtalkSign(spec.secret, ts));
      }
      const text = await postJson(url.toString(), dingtalkPayload(n, spec), { signal });
      const res = JSON.parse(text || '{}') as { errcode?: number; errmsg?: string };
      if (res.errcode !== undefined && res.errcode !== 0) {
        throw new ChannelError(`dingtalk errcode ${res.errcode}: ${res.errmsg ?? ''}`, {
          retryable: res.errcode === 130101 || res.errcode === -1,
        });
      }
    },
  };
}
