import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { hostOf, postJson } from '../http.js';
import { alertLines, reminderLine, strings, title } from '../render.js';
import { maskPans } from '../../lib/mask.js';
import type { Channel, Notification } from '../types.js';
import { ChannelError } from '../types.js';

/**
 * Feishu / Lark custom bot with an interactive card. With a `secret` ("签名校验") the body
 * carries `timestamp` (seconds, string) and `sign` = base64(HMAC-SHA256(key = timestamp +
 * "\n" + secret, message = "")). Feishu answers HTTP 200 with `code` ≠ 0 on failure
 * (11232 = rate limited, retryable).
 */
export const FeishuSpecSchema = z.strictObject({
  type: z.literal('feishu'),
  webhook_url: z.url(),
  secret: z.string().min(1).optional(),
});
export type FeishuSpec = z.infer<typeof FeishuSpecSchema>;

export function feishuSign(secret: string, timestampS: number): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

export function feishuCard(n: Notification): Record<string, unknown> {
  const s = strings(n.locale);
  const elements: Record<string, unknown>[] = [];
  const reminder = reminderLine(n);
  if (reminder)
    elements.push({ tag: 'div', text: { tag: 'lark_md', content: `**${reminder}**` } }, { tag: 'hr' });
  for (const a of n.alerts.slice(0, 20)) {
    const labels = Object.entries(a.labels)
      .filter(([k]) => k !== 'alertname')
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    elements.push({
      tag: 'div',
      text: {
        tag: 'lark_md',
        content: `**${a.rule}** ${maskPans(labels)}\n${alertLines(a, n.locale, n.sent_at).join('\n')}`,
      },
    });
    elements.push({
      tag: 'action',
      actions: [
        {
          tag: 'button',
          text: { tag: 'plain_text', content: s.open },
          type: 'primary',
          url: a.dashboard_url,
        },
      ],
    });
    elements.push({ tag: 'hr' });
  }
  if (elements.at(-1)?.['tag'] === 'hr') elements.pop();
  return {
    config: { wide_screen_mode: true },
    header: {
      template: n.status === 'firing' ? 'red' : 'green',
      title: { tag: 'plain_text', content: title(n) },
    },
    elements,
  };
}

export function createFeishuChannel(spec: FeishuSpec, deps: { now?: () => number } = {}): Channel {
  const now = deps.now ?? Date.now;
  return {
    type: 'feishu',
    target: hostOf(spec.webhook_url),
    async send(n, signal) {
      const body: Record<string, unknown> = {};
      if (spec.secret) {
        const ts = Math.floor(now() / 1000);
        body['timestamp'] = String(ts);
        body['sign'] = feishuSign(spec.secret, ts);
      }
      body['msg_type'] = 'interactive';
      body['card'] = feishuCard(n);
      const text = await postJson(spec.webhook_url, body, { signal });
      const res = JSON.parse(text || '{}') as { code?: number; StatusCode?: number; msg?: string };
      const code = res.code ?? res.StatusCode ?? 0;
      if (code !== 0)
        throw new ChannelError(`feishu code ${code}: ${res.msg ?? ''}`, {
          retryable: code === 11232 || code === 9499,
        });
    },
  };
}
