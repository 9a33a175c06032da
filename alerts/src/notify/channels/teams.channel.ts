import { z } from 'zod';
import { hostOf, postJson } from '../http.js';
import { alertLines, reminderLine, strings, title } from '../render.js';
import { maskPans } from '../../lib/mask.js';
import type { Channel, Notification } from '../types.js';

/**
 * Microsoft Teams through a Workflows ("When a Teams webhook request is received") URL: a
 * message with one Adaptive Card 1.4 attachment (the Office 365 connector format is retired).
 */
export const TeamsSpecSchema = z.strictObject({
  type: z.literal('teams'),
  webhook_url: z.url(),
});
export type TeamsSpec = z.infer<typeof TeamsSpecSchema>;

export function teamsPayload(n: Notification): Record<string, unknown> {
  const s = strings(n.locale);
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: title(n),
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
      color: n.status === 'firing' ? 'Attention' : 'Good',
    },
  ];
  const reminder = reminderLine(n);
  if (reminder) body.push({ type: 'TextBlock', text: reminder, wrap: true, isSubtle: true });
  const actions: Record<string, unknown>[] = [];
  for (const a of n.alerts.slice(0, 20)) {
    const lines = alertLines(a, n.locale, n.sent_at);
    body.push({ type: 'TextBlock', text: `**${a.rule}**`, wrap: true, separator: true });
    body.push({
      type: 'FactSet',
      facts: Object.entries(a.labels)
        .filter(([k]) => k !== 'alertname')
        .map(([k, v]) => ({ title: k, value: maskPans(v) })),
    });
    body.push({ type: 'TextBlock', text: lines.join('\n\n'), wrap: true });
    if (actions.length < 5)
      actions.push({ type: 'Action.OpenUrl', title: `${s.open}${s.colon}${a.rule}`, url: a.dashboard_url });
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions,
        },
      },
    ],
  };
}

export function createTeamsChannel(spec: TeamsSpec): Channel {
  return {
    type: 'teams',
    target: hostOf(spec.webhook_url),
    async send(n, signal) {
      await postJson(spec.webhook_url, teamsPayload(n), { signal });
    },
  };
}
