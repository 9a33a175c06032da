// Guards the generic webhook: Alertmanager-compatible (version 4) JSON, bearer auth, body HMAC signature.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookChannel } from './webhook.channel.js';
import { startHttpReceiver } from '../testing/http-receiver.js';
import { assertNoLeaks } from '../testing/no-leak.js';
import { sampleAlert, sampleNotification } from '../testing/fixtures.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

describe('webhook channel', () => {
  it('posts the Alertmanager webhook format with a verifiable signature', async () => {
    const rx = await startHttpReceiver();
    close = rx.close;
    const resolved = sampleAlert({ id: 'r1', status: 'resolved', ends_at: Date.UTC(2026, 0, 5, 14, 30) });
    await createWebhookChannel({
      type: 'webhook',
      url: `${rx.url}/hook`,
      bearer_token: 'bearerTOKEN123',
      signing_secret: 'hmacSECRET456',
    }).send(sampleNotification({ alerts: [sampleAlert(), resolved] }));
    const r = rx.requests[0]!;
    expect(r.headers['authorization']).toBe('Bearer bearerTOKEN123');
    expect(r.headers['x-paywatch-signature']).toBe(
      `sha256=${createHmac('sha256', 'hmacSECRET456').update(r.body).digest('hex')}`,
    );
    const body = JSON.parse(r.body) as Record<string, unknown> & { alerts: Record<string, unknown>[] };
    expect(Object.keys(body).sort()).toEqual([
      'alerts',
      'commonAnnotations',
      'commonLabels',
      'externalURL',
      'groupKey',
      'groupLabels',
      'receiver',
      'status',
      'truncatedAlerts',
      'version',
    ]);
    expect(body.version).toBe('4');
    expect(body.status).toBe('firing');
    expect(body.receiver).toBe('payments-oncall');
    expect(body.groupLabels).toEqual({ provider: 'adyen' });
    expect(body.commonLabels).toEqual({
      alertname: 'success_rate_drop',
      severity: 'page',
      provider: 'adyen',
      method: 'card',
      country: 'DE',
    });
    expect(body.alerts[0]).toMatchObject({
      status: 'firing',
      startsAt: '2026-01-05T14:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: 'a1b2c3d4e5f60718',
    });
    expect(body.alerts[1]).toMatchObject({ status: 'resolved', endsAt: '2026-01-05T14:30:00.000Z' });
    expect((body.alerts[0]!['annotations'] as Record<string, string>)['revenue_at_risk']).toBe('12840.50');
    // The bearer token belongs in the Authorization header; it must not appear anywhere else.
    expect(r.body).not.toContain('bearerTOKEN123');
    assertNoLeaks(
      [{ ...r, headers: { ...r.headers, authorization: undefined } }],
      ['bearerTOKEN123', 'hmacSECRET456'],
    );
  });
});
