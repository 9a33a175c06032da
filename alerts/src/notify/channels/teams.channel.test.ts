// Guards the Teams channel: a Workflows webhook message carrying exactly one Adaptive Card 1.4 attachment.
import { afterEach, describe, expect, it } from 'vitest';
import { createTeamsChannel } from './teams.channel.js';
import { startHttpReceiver } from '../testing/http-receiver.js';
import { assertNoLeaks } from '../testing/no-leak.js';
import { sampleNotification } from '../testing/fixtures.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

describe('teams channel', () => {
  it('posts a message with an Adaptive Card attachment', async () => {
    const rx = await startHttpReceiver(() => ({ status: 202, body: '' }));
    close = rx.close;
    await createTeamsChannel({
      type: 'teams',
      webhook_url: `${rx.url}/workflows/abc/triggers/manual/paths/invoke?sig=teamsSIGsecret123`,
    }).send(sampleNotification({ locale: 'zh' }));
    const body = JSON.parse(rx.requests[0]!.body) as {
      type: string;
      attachments: {
        contentType: string;
        contentUrl: null;
        content: {
          type: string;
          version: string;
          $schema: string;
          body: { type: string; text?: string; facts?: { title: string; value: string }[] }[];
          actions: { type: string; url: string }[];
        };
      }[];
    };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const a = body.attachments[0]!;
    expect(a.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(a.contentUrl).toBeNull();
    expect(a.content.type).toBe('AdaptiveCard');
    expect(a.content.version).toBe('1.4');
    expect(a.content.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    expect(a.content.body[0]).toMatchObject({
      type: 'TextBlock',
      text: '[告警中:1] success_rate_drop provider=adyen',
      color: 'Attention',
    });
    expect(a.content.body.find((b) => b.type === 'FactSet')?.facts).toContainEqual({
      title: 'provider',
      value: 'adyen',
    });
    expect(a.content.body.some((b) => b.text?.includes('风险营收'))).toBe(true);
    expect(a.content.actions[0]).toMatchObject({
      type: 'Action.OpenUrl',
      url: 'http://dash.example/alerts/a1b2c3d4e5f60718?from=1767621300000',
    });
    // The signature is part of the destination URL (allowed), never of the body or headers.
    expect(rx.requests[0]!.body).not.toContain('teamsSIGsecret123');
    expect(JSON.stringify(rx.requests[0]!.headers)).not.toContain('teamsSIGsecret123');
    assertNoLeaks(
      rx.requests.map((r) => ({ ...r, url: r.url.split('?')[0]! })),
      ['teamsSIGsecret123'],
    );
  });
});
