import { z } from 'zod';
import { createTransport } from 'nodemailer';
import { alertLines, escapeHtml, plainText, reminderLine, strings, title } from '../render.js';
import { maskPans } from '../../lib/mask.js';
import type { Channel, Notification } from '../types.js';
import { ChannelError } from '../types.js';

/** Email through SMTP (nodemailer), multipart HTML + text. */
export const EmailSpecSchema = z.strictObject({
  type: z.literal('email'),
  to: z.array(z.email()).min(1),
  from: z.email(),
  smtp: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** Implicit TLS (port 465). */
    secure: z.boolean().default(false),
    /** Refuse to send without STARTTLS (recommended outside localhost). */
    require_tls: z.boolean().default(false),
    /** Do not attempt STARTTLS (local relays and tests). */
    ignore_tls: z.boolean().default(false),
    username: z.string().optional(),
    password: z.string().optional(),
  }),
});
export type EmailSpec = z.infer<typeof EmailSpecSchema>;

export function emailHtml(n: Notification): string {
  const s = strings(n.locale);
  const rows = n.alerts
    .map((a) => {
      const colour = a.status === 'firing' ? '#c0392b' : '#27ae60';
      const labels = Object.entries(a.labels)
        .filter(([k]) => k !== 'alertname')
        .map(([k, v]) => `<code>${escapeHtml(maskPans(`${k}=${v}`))}</code>`)
        .join(' ');
      const lines = alertLines(a, n.locale, n.sent_at)
        .map((l) => `<li>${escapeHtml(l)}</li>`)
        .join('');
      return `<div style="border-left:4px solid ${colour};padding:4px 12px;margin:12px 0"><h3 style="margin:0">${escapeHtml(a.rule)}</h3><p>${labels}</p><ul>${lines}</ul><p><a href="${escapeHtml(a.dashboard_url)}">${escapeHtml(s.open)}</a></p></div>`;
    })
    .join('');
  const reminder = reminderLine(n);
  const lead = reminder ? `<p><strong>${escapeHtml(reminder)}</strong></p>` : '';
  return `<!doctype html><html><body style="font-family:sans-serif"><h2>${escapeHtml(title(n))}</h2>${lead}${rows}</body></html>`;
}

export function createEmailChannel(spec: EmailSpec): Channel {
  const transport = createTransport({
    host: spec.smtp.host,
    port: spec.smtp.port,
    secure: spec.smtp.secure,
    requireTLS: spec.smtp.require_tls,
    ignoreTLS: spec.smtp.ignore_tls,
    ...(spec.smtp.username ? { auth: { user: spec.smtp.username, pass: spec.smtp.password ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    type: 'email',
    target: `${spec.smtp.host}:${spec.smtp.port}`,
    async send(n) {
      try {
        await transport.sendMail({
          from: spec.from,
          to: spec.to.join(', '),
          subject: title(n),
          text: plainText(n),
          html: emailHtml(n),
        });
      } catch (e) {
        const code = (e as { responseCode?: number }).responseCode;
        // 4xx SMTP replies and connection errors are transient; 5xx are permanent.
        throw new ChannelError(`smtp: ${(e as Error).message}`, {
          retryable: code === undefined || (code >= 400 && code < 500),
          status: code ?? null,
          cause: e,
        });
      }
    },
  };
}
