// Guards the email channel against a real SMTP server (smtp-server) started here: multipart HTML + text, subject, recipients, auth, masked PANs.
import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { createEmailChannel } from './email.channel.js';
import { assertNoLeaks } from '../testing/no-leak.js';
import { sampleNotification } from '../testing/fixtures.js';

let server: SMTPServer | undefined;
afterEach(async () => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function startSmtp(): Promise<{
  port: number;
  mails: { from: string; to: string[]; raw: string; user: string | undefined }[];
}> {
  const mails: { from: string; to: string[]; raw: string; user: string | undefined }[] = [];
  server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (auth.username === 'alerts' && auth.password === 'smtpPASSWORD789') cb(null, { user: 'alerts' });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { port: (server.server.address() as AddressInfo).port, mails };
}

describe('email channel', () => {
  it('delivers an authenticated multipart message over SMTP', async () => {
    const smtp = await startSmtp();
    await createEmailChannel({
      type: 'email',
      from: 'paywatch@example.com',
      to: ['oncall@example.com', 'lead@example.com'],
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        require_tls: false,
        ignore_tls: true,
        username: 'alerts',
        password: 'smtpPASSWORD789',
      },
    }).send(sampleNotification());
    expect(smtp.mails).toHaveLength(1);
    const m = smtp.mails[0]!;
    expect(m.user).toBe('alerts');
    expect(m.from).toBe('paywatch@example.com');
    expect(m.to).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(m.raw).toMatch(/^Subject: \[FIRING:1\] success_rate_drop provider=adyen\r?$/m);
    expect(m.raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(m.raw).toMatch(/Content-Type: text\/plain/);
    expect(m.raw).toMatch(/Content-Type: text\/html/);
    const unfolded = m.raw.replace(/=\r?\n/g, '');
    expect(unfolded).toContain('Revenue at risk');
    expect(unfolded).toContain('411111******1111');
    assertNoLeaks([{ url: '/', headers: {}, body: unfolded }], ['smtpPASSWORD789']);
  });

  it('classifies a refused login as permanent (535)', async () => {
    const smtp = await startSmtp();
    const ch = createEmailChannel({
      type: 'email',
      from: 'paywatch@example.com',
      to: ['oncall@example.com'],
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        require_tls: false,
        ignore_tls: true,
        username: 'alerts',
        password: 'wrong',
      },
    });
    await expect(ch.send(sampleNotification())).rejects.toMatchObject({ retryable: false });
  });
});
