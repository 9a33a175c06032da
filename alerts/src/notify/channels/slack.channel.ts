import { z } from 'zod';
import { hostOf, postJson } from '../http.js';
import { alertLines, reminderLine, title } from '../render.js';
import { maskPans } from '../../lib/mask.js';
import type { Channel, Notification } from '../types.js';
import { strings } from '../render.js';

/** Slack incoming webhook with Block Kit blocks (header, one section per alert, dashboard button). */
export const SlackSpecSchema = z.strictObject({
  type: z.literal('slack'),
  webhook_url: z.url(),
  /** Optional channel override (legacy webhooks honour it). */
  channel: z.string().optional(),
});
export type SlackSpec = z.infer<typeof SlackSpecSchema>;

/** Slack's Block Kit payload for a notification (exported for tests and previews). */
export function slackPayload(n: Notification, spec: Pick<SlackSpec, 'channel'>): Record<string, unknown> {
  const s = strings(n.locale);
  const head = title(n).slice(0, 150);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: head, emoji: true } },
  ];
  const reminder = reminderLine(n);
  if (reminder)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:repeat: ${reminder}` }] });
  for (const a of n.alerts.slice(0, 20)) {
    const labels = Object.entries(a.labels)
      .filter(([k]) => k !== 'alertname')
      .map(([k, v]) => `\`${k}=${v}\``)
      .join(' ');
    const [summary, ...rest] = alertLines(a, n.locale, n.sent_at);
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${a.status === 'firing' ? ':red_circle:' : ':large_green_circle:'} *${a.rule}* ${maskPans(labels)}\n${summary ?? ''}\n${rest.join('\n')}`.slice(
          0,
          3000,
        ),
      },
    });
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: s.open }, url: a.dashboard_url }],
    });
  }
  return {
    text: reminder ? `${head} · ${reminder}` : head,
    blocks,
    ...(spec.channel ? { channel: spec.channel } : {}),
  };
}

export function createSlackChannel(spec: SlackSpec): Channel {
  return {
    type: 'slack',
    target: hostOf(spec.webhook_url),
    async send(n, signal) {
      await postJson(spec.webhook_url, slackPayload(n, spec), { signal });
    },
  };
}
