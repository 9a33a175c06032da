import { z } from 'zod';
import type { Channel } from '../types.js';
import { AlertmanagerSpecSchema, createAlertmanagerChannel } from './alertmanager.channel.js';
import { DingTalkSpecSchema, createDingTalkChannel } from './dingtalk.channel.js';
import { EmailSpecSchema, createEmailChannel } from './email.channel.js';
import { FeishuSpecSchema, createFeishuChannel } from './feishu.channel.js';
import { SlackSpecSchema, createSlackChannel } from './slack.channel.js';
import { TeamsSpecSchema, createTeamsChannel } from './teams.channel.js';
import { WebhookSpecSchema, createWebhookChannel } from './webhook.channel.js';
import { WeComSpecSchema, createWeComChannel } from './wecom.channel.js';

/** Every channel spec, discriminated by `type`. A new channel = one file + one entry here. */
export const ChannelSpecSchema = z.discriminatedUnion('type', [
  SlackSpecSchema,
  TeamsSpecSchema,
  DingTalkSpecSchema,
  FeishuSpecSchema,
  WeComSpecSchema,
  WebhookSpecSchema,
  EmailSpecSchema,
  AlertmanagerSpecSchema,
]);
export type ChannelSpec = z.infer<typeof ChannelSpecSchema>;

/** Dependencies a channel may use (an injectable clock for signatures). */
export interface ChannelDeps {
  now?: () => number;
}

type Factory<T extends ChannelSpec['type']> = (
  spec: Extract<ChannelSpec, { type: T }>,
  deps: ChannelDeps,
) => Channel;

/** The registry: channel type → factory. */
export const CHANNEL_FACTORIES: { [T in ChannelSpec['type']]: Factory<T> } = {
  slack: (s) => createSlackChannel(s),
  teams: (s) => createTeamsChannel(s),
  dingtalk: (s, d) => createDingTalkChannel(s, d),
  feishu: (s, d) => createFeishuChannel(s, d),
  wecom: (s) => createWeComChannel(s),
  webhook: (s) => createWebhookChannel(s),
  email: (s) => createEmailChannel(s),
  alertmanager: (s, d) => createAlertmanagerChannel(s, d),
};

export function createChannel(spec: ChannelSpec, deps: ChannelDeps = {}): Channel {
  const f = CHANNEL_FACTORIES[spec.type] as Factory<typeof spec.type>;
  return f(spec as never, deps);
}

/** Every secret value in a channel spec (for the no-secret-leak checks and log redaction). */
export function secretsOf(spec: ChannelSpec): string[] {
  const out: string[] = [];
  switch (spec.type) {
    case 'dingtalk':
    case 'feishu':
      if (spec.secret) out.push(spec.secret);
      break;
    case 'webhook':
      if (spec.bearer_token) out.push(spec.bearer_token);
      if (spec.signing_secret) out.push(spec.signing_secret);
      break;
    case 'email':
      if (spec.smtp.password) out.push(spec.smtp.password);
      break;
    case 'alertmanager':
      if (spec.basic_auth) out.push(spec.basic_auth.password);
      break;
    default:
      break;
  }
  // Webhook URLs embed tokens in their path or query.
  if ('webhook_url' in spec) {
    const u = new URL(spec.webhook_url);
    for (const v of u.searchParams.values()) if (v.length >= 8) out.push(v);
    const last = u.pathname.split('/').filter(Boolean).at(-1);
    if (last && last.length >= 16) out.push(last);
  }
  return out;
}
