import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { alertmanagerWebhookPayload } from '../alertmanager-format.js';
import { hostOf, post } from '../http.js';
import type { Channel } from '../types.js';

/**
 * Generic webhook: the Alertmanager webhook JSON (version 4). Optional bearer token, and an
 * optional `X-Paywatch-Signature: sha256=<hex HMAC of the body>` when `signing_secret` is set.
 */
export const WebhookSpecSchema = z.strictObject({
  type: z.literal('webhook'),
  url: z.url(),
  bearer_token: z.string().min(1).optional(),
  signing_secret: z.string().min(1).optional(),
});
export type WebhookSpec = z.infer<typeof WebhookSpecSchema>;

export function createWebhookChannel(spec: WebhookSpec): Channel {
  return {
    type: 'webhook',
    target: hostOf(spec.url),
    async send(n, signal) {
      const body = JSON.stringify(alertmanagerWebhookPayload(n));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'paywatch-alerts',
      };
      if (spec.bearer_token) headers['authorization'] = `Bearer ${spec.bearer_token}`;
      if (spec.signing_secret)
        headers['x-paywatch-signature'] =
          `sha256=${createHmac('sha256', spec.signing_secret).update(body).digest('hex')}`;
      await post(spec.url, body, headers, { signal });
    },
  };
}
