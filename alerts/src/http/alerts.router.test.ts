// Guards the alerts HTTP API on a real Express server: list/detail, acknowledge, silences with author/reason/expiry, delivery log, test notification, and error shapes (unknown query parameters, non-JSON bodies).
import express from 'express';
import type { AddressInfo } from 'node:net';
import { request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertsRouter } from './alerts.router.js';
import { createAlertEngine } from '../engine/engine.js';
import type { AlertEngine } from '../engine/engine.js';
import { parseAlertsConfig } from '../config/load.js';
import { eventStream } from '../detect/synthetic.js';
import { createMemoryAlertStateStore } from '../state/store.js';
import { createNotifier } from '../notify/notifier.js';
import { createDeliveryLog } from '../notify/delivery-log.js';
import { startHttpReceiver } from '../notify/testing/http-receiver.js';
import { SummaryMessageSchema, summaryText } from '@paywatch/contracts';
import {
  AlertListSchema,
  AlertViewSchema,
  DeliveryListSchema,
  ReceiverListSchema,
  SilenceListSchema,
  SilenceSchema,
  TestOutcomeSchema,
} from './alerts.schemas.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0);
let server: Server;
let base = '';
let engine: AlertEngine;
let rx: Awaited<ReturnType<typeof startHttpReceiver>>;

beforeAll(async () => {
  rx = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
  const cfg = parseAlertsConfig(`
fx: { EUR: 1.1 }
rules:
  - name: provider_success_rate_drop
    detector: { type: rate, min_attempts: 30 }
    group_by: [provider]
    severity: page
receivers:
  - name: oncall
    channels: [{ type: webhook, url: "${rx.url}/hook" }]
`);
  const log = createDeliveryLog();
  engine = createAlertEngine(
    {
      store: createMemoryAlertStateStore(),
      notifier: createNotifier({ log }, { receivers: cfg.receivers }),
      deliveryLog: log,
      now: () => T0,
    },
    cfg,
  );
  await engine.start();
  engine.onEvents(
    eventStream({
      from: T0,
      minutes: 200,
      perMinute: 40,
      providers: ['stripe', 'adyen'],
      // stripe fails from minute 180 on (firing); adyen failed for minutes 120–130 (resolved since).
      successRate: (t, p) =>
        p === 'adyen'
          ? t > T0 + 120 * 60_000 && t < T0 + 130 * 60_000
            ? 0.3
            : 0.92
          : t > T0 + 180 * 60_000
            ? 0.3
            : 0.92,
    }),
  );
  const app = express();
  app.use('/api/v1', createAlertsRouter({ engine, now: () => T0, reportingCurrency: 'EUR' }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});
afterAll(async () => {
  await engine.stop();
  await new Promise((r) => server.close(r));
  await rx.close();
});

const j = async (path: string, init?: RequestInit) => {
  const res = await fetch(base + path, { ...init, headers: { 'content-type': 'application/json' } });
  return {
    status: res.status,
    body: res.status === 204 ? null : ((await res.json()) as Record<string, unknown>),
  };
};

describe('alerts router', () => {
  it('lists firing alerts and returns one in detail', async () => {
    const list = await j('/alerts?status=firing');
    expect(list.status).toBe(200);
    const items = list.body!['items'] as {
      id: string;
      labels: Record<string, string>;
      revenue_at_risk: number;
      dashboard_url: string;
    }[];
    expect(items).toHaveLength(1);
    expect(items[0]!.labels['provider']).toBe('stripe');
    expect(items[0]!.revenue_at_risk).toBeGreaterThan(0);
    const one = await j(`/alerts/${items[0]!.id}`);
    expect(one.body).toMatchObject({
      id: items[0]!.id,
      status: 'firing',
      muted: { silenced_by: [], inhibited_by: null },
    });
    // The summary as data (what the dashboard renders in its language) is the same sentence.
    const message = SummaryMessageSchema.parse(one.body!['message']);
    expect(message.key).toBe('rate');
    expect(summaryText(message, 'en')).toBe(one.body!['summary']);
    expect(summaryText(message, 'zh')).toMatch(/^成功率 /);
    expect((await j('/alerts/nope')).status).toBe(404);
    expect((await j('/alerts?status=bogus')).body).toMatchObject({
      error: { code: 'invalid_parameter', field: 'status' },
    });
  });

  it('refuses with 409 to acknowledge an alert that is not pending or firing', async () => {
    // It answered 200 and the resolved alert read "acknowledged_by: alice", though nobody was paged any more.
    const resolved = (await j('/alerts?status=resolved')).body!['items'] as {
      id: string;
      labels: Record<string, string>;
    }[];
    expect(resolved.map((a) => a.labels['provider'])).toEqual(['adyen']);
    const id = resolved[0]!.id;
    const r = await j(`/alerts/${id}/ack`, { method: 'POST', body: JSON.stringify({ by: 'alice' }) });
    expect([r.status, r.body]).toEqual([
      409,
      {
        error: {
          code: 'conflict',
          message: `alert ${id} is resolved: only a pending or firing alert can be acknowledged`,
        },
      },
    ]);
    expect((await j(`/alerts/${id}`)).body).toMatchObject({ acknowledged_by: null, acknowledged_at: null });
    // Nor is the acknowledgement of an ended episode withdrawn (acknowledged while it fired): there
    // is nothing to remind or escalate, and it took "acknowledged by" off its record.
    engine.acknowledge(id, 'alice');
    const un = await j(`/alerts/${id}/ack`, { method: 'DELETE', body: JSON.stringify({ by: 'bob' }) });
    expect([un.status, un.body]).toEqual([
      409,
      {
        error: {
          code: 'conflict',
          message: `alert ${id} is resolved: only a pending or firing alert's acknowledgement can be withdrawn`,
        },
      },
    ]);
    expect((await j(`/alerts/${id}`)).body).toMatchObject({ acknowledged_by: 'alice', acknowledged_at: T0 });
    const none = await j('/alerts/nope/ack', { method: 'POST', body: JSON.stringify({ by: 'alice' }) });
    expect([none.status, none.body]).toEqual([
      404,
      { error: { code: 'not_found', message: 'no alert nope' } },
    ]);
  });

  it('acknowledges an alert, requiring who', async () => {
    const id = ((await j('/alerts')).body!['items'] as { id: string }[])[0]!.id;
    expect((await j(`/alerts/${id}/ack`, { method: 'POST', body: '{}' })).body).toMatchObject({
      error: { field: 'by' },
    });
    const ack = await j(`/alerts/${id}/ack`, { method: 'POST', body: JSON.stringify({ by: 'alice' }) });
    expect(ack.body).toMatchObject({ acknowledged_by: 'alice', acknowledged_at: T0 });
    // A second acknowledgement leaves the first (it replaced alice by bob, and the resolve credited bob).
    const again = await j(`/alerts/${id}/ack`, { method: 'POST', body: JSON.stringify({ by: 'bob' }) });
    expect([again.status, again.body]).toEqual([200, expect.objectContaining({ acknowledged_by: 'alice' })]);
    expect((await j(`/alerts/${id}`)).body).toMatchObject({ acknowledged_by: 'alice' });
  });

  it('withdraws an acknowledgement (409 when there is none) and keeps the reason of one', async () => {
    // An acknowledgement could not be taken back (the on-call who clicked it went home: the
    // alert stayed without reminders or escalation), and it could say who but not why.
    const id = ((await j('/alerts?status=firing')).body!['items'] as { id: string }[])[0]!.id;
    const seen: unknown[] = [];
    const off = engine.onAcknowledgement((a) => seen.push(a));
    if ((await j(`/alerts/${id}`)).body!['acknowledged_by'] === null)
      await j(`/alerts/${id}/ack`, { method: 'POST', body: JSON.stringify({ by: 'alice' }) });
    const un = await j(`/alerts/${id}/ack`, { method: 'DELETE', body: JSON.stringify({ by: 'bob' }) });
    expect(un.status).toBe(200);
    expect(AlertViewSchema.parse(un.body)).toMatchObject({
      acknowledged_by: null,
      acknowledged_at: null,
      acknowledged_reason: null,
      unacknowledged_at: T0,
    });
    const again = await j(`/alerts/${id}/ack`, { method: 'DELETE', body: JSON.stringify({ by: 'bob' }) });
    expect([again.status, again.body]).toEqual([
      409,
      { error: { code: 'conflict', message: `alert ${id} is not acknowledged: nothing to withdraw` } },
    ]);
    expect((await j('/alerts/nope/ack', { method: 'DELETE' })).status).toBe(404);
    const why = 'stripe confirmed an incident, fix rolling out';
    const ack = await j(`/alerts/${id}/ack`, {
      method: 'POST',
      body: JSON.stringify({ by: 'carol', reason: why }),
    });
    expect(AlertViewSchema.parse(ack.body)).toMatchObject({
      acknowledged_by: 'carol',
      acknowledged_reason: why,
    });
    expect((await j(`/alerts/${id}`)).body).toMatchObject({ acknowledged_reason: why });
    const long = await j(`/alerts/${id}/ack`, {
      method: 'POST',
      body: JSON.stringify({ by: 'dan', reason: 'x'.repeat(501) }),
    });
    expect(long.body).toMatchObject({ error: { field: 'reason' } });
    off();
    expect(seen).toEqual([
      expect.objectContaining({ id, acknowledged: false, by: 'bob', at: T0, reason: null }),
      expect.objectContaining({ id, acknowledged: true, by: 'carol', at: T0, reason: why }),
    ]);
  });

  it('creates a silence (author, reason, expiry) that mutes the alert, and expires it', async () => {
    const bad = await j('/silences', {
      method: 'POST',
      body: JSON.stringify({ matchers: ['provider="stripe"'], duration: '1h', created_by: 'bob' }),
    });
    expect(bad.status).toBe(400);
    const created = await j('/silences', {
      method: 'POST',
      body: JSON.stringify({
        matchers: ['provider="stripe"'],
        duration: '1h',
        created_by: 'bob',
        comment: 'provider maintenance',
      }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      created_by: 'bob',
      comment: 'provider maintenance',
      starts_at: T0,
      ends_at: T0 + 3_600_000,
    });
    const id = ((await j('/alerts')).body!['items'] as { id: string }[])[0]!.id;
    expect(((await j(`/alerts/${id}`)).body!['muted'] as { silenced_by: string[] }).silenced_by).toEqual([
      created.body!['id'],
    ]);
    expect((await j(`/silences/${String(created.body!['id'])}`, { method: 'DELETE' })).status).toBe(204);
    expect(((await j(`/alerts/${id}`)).body!['muted'] as { silenced_by: string[] }).silenced_by).toEqual([]);
    expect(
      (
        await j('/silences', {
          method: 'POST',
          body: JSON.stringify({
            matchers: ['provider=~"("'],
            duration: '1h',
            created_by: 'b',
            comment: 'c',
          }),
        })
      ).body,
    ).toMatchObject({ error: { field: 'matchers' } });
  });

  it('masks a card number typed into an acknowledgement reason or a silence comment before storing it', async () => {
    // Was: free text people type was stored, shown and broadcast as typed, so a pasted card
    // number went to the state file, the API, the live stream and the audit log whole.
    const id = ((await j('/alerts?status=firing')).body!['items'] as { id: string }[])[0]!.id;
    const seen: unknown[] = [];
    const off = engine.onAcknowledgement((a) => seen.push(a));
    if ((await j(`/alerts/${id}`)).body!['acknowledged_by'] !== null)
      await j(`/alerts/${id}/ack`, { method: 'DELETE', body: JSON.stringify({ by: 'bob' }) });
    const ack = await j(`/alerts/${id}/ack`, {
      method: 'POST',
      body: JSON.stringify({ by: 'erin', reason: 'shopper with card 4111 1111 1111 1111 called in' }),
    });
    off();
    expect(ack.body).toMatchObject({ acknowledged_reason: 'shopper with card 411111******1111 called in' });
    expect(JSON.stringify([seen, (await j(`/alerts/${id}`)).body])).not.toContain('1111 1111');
    const sil = await j('/silences', {
      method: 'POST',
      body: JSON.stringify({
        matchers: ['provider="nobody"'],
        duration: '1h',
        created_by: 'erin',
        comment: 'test card 5555-5555-5555-4444 only',
      }),
    });
    expect(sil.body).toMatchObject({ comment: 'test card 555555******4444 only' });
    expect(JSON.stringify(engine.silences())).not.toContain('5555-5555');
  });

  it('gives each silence its state: pending, active or expired', async () => {
    // A bot listing silences had to compare starts_at/ends_at with its own clock to know which mute.
    const make = async (extra: Record<string, unknown>) =>
      (
        await j('/silences', {
          method: 'POST',
          body: JSON.stringify({ matchers: ['provider="nl"'], created_by: 'b', comment: 'c', ...extra }),
        })
      ).body!;
    const active = await make({ duration: '1h' });
    const pending = await make({ starts_at: T0 + 60_000, duration: '1h' });
    expect([active['state'], pending['state']]).toEqual(['active', 'pending']);
    await j(`/silences/${String(active['id'])}`, { method: 'DELETE' });
    const listed = SilenceListSchema.parse((await j('/silences')).body).items;
    expect([active['id'], pending['id']].map((id) => listed.find((s) => s.id === id)?.state)).toEqual([
      'expired',
      'pending',
    ]);
    // Expired before it began: expired, not pending.
    expect((await j(`/silences/${String(pending['id'])}`, { method: 'DELETE' })).status).toBe(204);
    const after = SilenceListSchema.parse((await j('/silences')).body).items;
    expect(after.find((s) => s.id === pending['id'])?.state).toBe('expired');
  });

  it('refuses with 409 to expire a silence that has already ended', async () => {
    // Expiring it again answered 204, as if this call had ended it.
    const created = await j('/silences', {
      method: 'POST',
      body: JSON.stringify({
        matchers: ['provider="adyen"'],
        duration: '1h',
        created_by: 'bob',
        comment: 'c',
      }),
    });
    const id = String(created.body!['id']);
    expect((await j(`/silences/${id}`, { method: 'DELETE' })).status).toBe(204);
    const again = await j(`/silences/${id}`, { method: 'DELETE' });
    expect([again.status, again.body]).toEqual([
      409,
      {
        error: {
          code: 'conflict',
          message: `silence ${id} already expired at ${new Date(T0).toISOString()}`,
        },
      },
    ]);
    const none = await j('/silences/nope', { method: 'DELETE' });
    expect([none.status, none.body]).toEqual([
      404,
      { error: { code: 'not_found', message: 'no silence nope' } },
    ]);
  });

  it('names the currency of revenue at risk on every alert it returns', async () => {
    // A bot read `revenue_at_risk: 1234.5` with no currency (the reporting currency is the server's setting).
    const list = (await j('/alerts?status=firing')).body!['items'] as Record<string, unknown>[];
    expect(list.map((a) => a['revenue_at_risk_currency'])).toEqual(['EUR']);
    const id = String(list[0]!['id']);
    expect((await j(`/alerts/${id}`)).body).toMatchObject({ revenue_at_risk_currency: 'EUR' });
    const ack = await j(`/alerts/${id}/ack`, { method: 'POST', body: JSON.stringify({ by: 'carol' }) });
    expect(ack.body).toMatchObject({ revenue_at_risk_currency: 'EUR' });
  });

  it('refuses a silence longer than 90 days with a 400 naming duration or ends_at', async () => {
    // No maximum: a typo ("2000h", an ends_at in ms read as seconds elsewhere) muted pages for years.
    const post = (extra: Record<string, unknown>) =>
      j('/silences', {
        method: 'POST',
        body: JSON.stringify({ matchers: ['provider="stripe"'], created_by: 'bob', comment: 'c', ...extra }),
      });
    const DAY = 86_400_000;
    expect((await post({ duration: '91d' })).body).toMatchObject({
      error: { code: 'bad_request', field: 'duration', message: expect.stringContaining('90d') },
    });
    expect((await post({ ends_at: T0 + 91 * DAY })).body).toMatchObject({
      error: { code: 'bad_request', field: 'ends_at' },
    });
    // Starting later does not stretch it: the end is what counts, from now.
    expect((await post({ starts_at: T0 + 10 * DAY, duration: '85d' })).body).toMatchObject({
      error: { field: 'duration' },
    });
    const ok = await post({ duration: '90d' });
    expect(ok.status).toBe(201);
    expect((await j(`/silences/${String(ok.body!['id'])}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('names ends_at or duration when a silence would end before it starts', async () => {
    // The registry's "ends_at must be after starts_at" came without a field, and for a duration named ends_at.
    const post = (extra: Record<string, unknown>) =>
      j('/silences', {
        method: 'POST',
        body: JSON.stringify({ matchers: ['provider="stripe"'], created_by: 'b', comment: 'c', ...extra }),
      });
    for (const [extra, field] of [
      [{ ends_at: 1000 }, 'ends_at'],
      [{ starts_at: T0, ends_at: T0 }, 'ends_at'],
      [{ duration: '0s' }, 'duration'],
    ] as const) {
      const r = await post(extra);
      expect([r.status, r.body]).toEqual([
        400,
        { error: { code: 'bad_request', message: `${field}: the silence must end after it starts`, field } },
      ]);
    }
  });

  it('refuses a silence whose matchers would mute every alert (provider=~".*" muted pages of every rule)', async () => {
    for (const matchers of [['provider=~".*"'], ['team!="fraud"', 'provider=~"|stripe"']]) {
      const res = await j('/silences', {
        method: 'POST',
        body: JSON.stringify({ matchers, duration: '1h', created_by: 'b', comment: 'c' }),
      });
      expect(res.status).toBe(400);
      expect(res.body!['error']).toMatchObject({
        field: 'matchers',
        message: expect.stringMatching(/match every alert/),
      });
    }
    const ok = await j('/silences', {
      method: 'POST',
      body: JSON.stringify({
        matchers: ['provider=~".+"', 'team!="fraud"'],
        duration: '1h',
        created_by: 'b',
        comment: 'c',
      }),
    });
    expect(ok.status).toBe(201);
    expect((await j(`/silences/${String(ok.body!['id'])}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('sends a test notification and shows it in the delivery log', async () => {
    const t = await j('/receivers/oncall/test', { method: 'POST' });
    expect(t.body).toMatchObject({ ok: true, sent: 1 });
    expect(rx.requests.some((r) => r.body.includes('paywatch_test'))).toBe(true);
    const d = await j('/alerts-deliveries?limit=5');
    expect((d.body!['items'] as { receiver: string; status: string; reason: string }[])[0]).toMatchObject({
      receiver: 'oncall',
      status: 'sent',
      reason: 'test',
    });
    expect((await j('/receivers/ghost/test', { method: 'POST' })).status).toBe(404);
    // One alert's deliveries (`alert`, as the OpenAPI says: it answered 400 "unknown query parameter").
    const one = await j('/alerts-deliveries?alert=test');
    expect(one.status).toBe(200);
    const items = one.body!['items'] as { alert_ids: string[] }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((r) => r.alert_ids.includes('test'))).toBe(true);
    expect((await j('/alerts-deliveries?alert=nope').then((r) => r.body!['items'])) as unknown[]).toEqual([]);
  });

  it('answers exactly what the documented schemas (the OpenAPI description) say', async () => {
    // Strict: a field the engine adds, renames or retypes fails here until alerts.schemas.ts says so.
    const list = AlertListSchema.parse((await j('/alerts')).body);
    expect(list.items.map((a) => a.status).sort()).toEqual(['firing', 'resolved']);
    for (const a of list.items) AlertViewSchema.parse((await j(`/alerts/${a.id}`)).body);
    const created = await j('/silences', {
      method: 'POST',
      body: JSON.stringify({ matchers: ['provider="x"'], duration: '1h', created_by: 'b', comment: 'c' }),
    });
    SilenceSchema.parse(created.body);
    SilenceListSchema.parse((await j('/silences')).body);
    expect(TestOutcomeSchema.parse((await j('/receivers/oncall/test', { method: 'POST' })).body).ok).toBe(
      true,
    );
    expect(DeliveryListSchema.parse((await j('/alerts-deliveries')).body).items.length).toBeGreaterThan(0);
    expect(ReceiverListSchema.parse((await j('/receivers')).body)).toEqual({ items: ['oncall'] });
  });

  it('filters alerts by label matchers and pages through them with a cursor', async () => {
    // A bot could filter by status, rule and severity only (`provider=` was a 400) and read the first
    // `limit` alerts only, with no way to the next page.
    const ids = async (q: string) => {
      const r = await j(`/alerts?${q}`);
      expect(r.status, q).toBe(200);
      return AlertListSchema.parse(r.body);
    };
    const all = (await ids('')).items.map((a) => a.id);
    expect(all).toHaveLength(2);
    const adyen = await ids(`filter=${encodeURIComponent('provider="adyen"')}`);
    expect(adyen.items.map((a) => a.labels['provider'])).toEqual(['adyen']);
    const two = await ids(
      `filter=${encodeURIComponent('provider=~"adyen|stripe"')}&filter=${encodeURIComponent('provider!="stripe"')}`,
    );
    expect(two.items.map((a) => a.labels['provider'])).toEqual(['adyen']);
    const p1 = await ids('limit=1');
    expect(p1.items.map((a) => a.id)).toEqual([all[0]]);
    expect(p1.next_cursor).toEqual(expect.any(String));
    const p2 = await ids(`limit=1&cursor=${p1.next_cursor}`);
    expect([p2.items.map((a) => a.id), p2.next_cursor]).toEqual([[all[1]], null]);
    for (const [q, field] of [
      [`filter=${encodeURIComponent('provider="adyen')}`, 'filter'],
      ['cursor=nope', 'cursor'],
      // Not one this API wrote: a third element, an infinite position, characters Buffer skips.
      ...['[1,"a",3]', '[1e999,"a"]'].map((c) => [
        `cursor=${Buffer.from(c).toString('base64url')}`,
        'cursor',
      ]),
      [`cursor=${p1.next_cursor}!!`, 'cursor'],
      // Polynomial backtracking on every alert's labels, per request of any viewer.
      [`filter=${encodeURIComponent(`alertname=~"${'.*'.repeat(12)}x"`)}`, 'filter'],
    ]) {
      const r = await j(`/alerts?${q}`);
      expect([r.status, (r.body!['error'] as { field: string }).field]).toEqual([400, field]);
    }
  });

  it('pages on from its cursor while alerts start and resolve between the pages', async () => {
    // An offset would shift: an alert starting between two pages pushed the next page's first
    // alert back onto it (read twice), one ending pulled an alert forward (never read).
    const e = createAlertEngine(
      { store: createMemoryAlertStateStore(), now: () => T0 },
      parseAlertsConfig(`
rules:
  - name: provider_success_rate_drop
    detector: { type: rate, min_attempts: 30 }
    group_by: [provider]
receivers: [{ name: none, channels: [] }]
`),
    );
    await e.start();
    const app = express().use(createAlertsRouter({ engine: e, now: () => T0 }));
    const srv = app.listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    // klarna, paypal and braintree start failing at minutes 100, 110 and 120; worldpay at 175;
    // paypal recovers at 170.
    const startsAt: Record<string, number> = { klarna: 100, paypal: 110, braintree: 120, worldpay: 175 };
    const rate = (t: number, p: string) =>
      t > T0 + (startsAt[p] ?? 0) * 60_000 && !(p === 'paypal' && t > T0 + 170 * 60_000) ? 0.3 : 0.92;
    const feed = (fromMin: number, minutes: number) =>
      e.onEvents(
        eventStream({
          from: T0 + fromMin * 60_000,
          minutes,
          perMinute: 40,
          providers: ['klarna', 'paypal', 'braintree', 'worldpay'],
          successRate: rate,
          seed: fromMin + 1,
        }),
      );
    const page = async (q: string) => {
      const r = await fetch(`${url}/alerts?${q}`);
      expect(r.status, q).toBe(200);
      const b = AlertListSchema.parse(await r.json());
      return { providers: b.items.map((a) => `${a.labels['provider']} ${a.status}`), next: b.next_cursor };
    };
    try {
      feed(0, 160);
      const p1 = await page('limit=1');
      expect(p1.providers).toEqual(['braintree firing']);
      feed(160, 60);
      const p2 = await page(`limit=1&cursor=${p1.next}`);
      const p3 = await page(`limit=1&cursor=${p2.next}`);
      // worldpay started (top, not in these pages), paypal resolved (kept its place).
      expect([p2.providers, p3.providers, p3.next]).toEqual([['paypal resolved'], ['klarna firing'], null]);
      expect((await page('')).providers).toEqual([
        'worldpay firing',
        'braintree firing',
        'paypal resolved',
        'klarna firing',
      ]);
    } finally {
      await e.stop();
      await new Promise((r) => srv.close(r));
    }
  });

  it('answers 400 naming an unknown query parameter, keeping the documented ones', async () => {
    for (const path of ['/alerts?foo=1', '/alerts?status=firing&foo=1', '/alerts-deliveries?limit=5&foo=1']) {
      const r = await j(path);
      expect([path, r.status, r.body]).toEqual([
        path,
        400,
        { error: { code: 'invalid_parameter', message: 'unknown query parameter "foo"', field: 'foo' } },
      ]);
    }
    expect((await j('/alerts?status=active&rule=x&severity=page&limit=5')).status).toBe(200);
    expect((await j('/alerts-deliveries?limit=5&receiver=oncall&status=sent')).status).toBe(200);
  });

  it('answers 415 to a body that is not application/json (it read as an empty object)', async () => {
    const body = JSON.stringify({
      matchers: ['provider="stripe"'],
      duration: '1h',
      created_by: 'b',
      comment: 'c',
    });
    for (const [path, type] of [
      ['/silences', 'text/plain'],
      ['/silences', 'application/x-www-form-urlencoded'],
      ['/alerts/x/ack', 'text/plain'],
    ] as const) {
      const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': type }, body });
      expect([path, type, res.status, await res.json()]).toEqual([
        path,
        type,
        415,
        { error: { code: 'unsupported_media_type', message: 'send the body as application/json' } },
      ]);
    }
    // No body at all is not a content-type question: the test notification takes none.
    const t = await fetch(base + '/receivers/oncall/test', { method: 'POST' });
    expect(t.status).toBe(200);
  });

  it('answers 413 to a body over 64 KiB: at once for a declared length, when passed for a chunked one', async () => {
    // The old reader waited for the whole declared body, and cut a chunked one without an answer.
    const post = (headers: Record<string, string>, chunks: string[]) =>
      new Promise<{ status: number; body: string; closed: boolean }>((resolve, reject) => {
        const req = request(
          `${base}/silences`,
          { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => {
              resolve({
                status: res.statusCode ?? 0,
                body: text,
                closed: res.headers.connection === 'close',
              });
              req.destroy();
            });
          },
        );
        req.on('error', reject);
        for (const c of chunks) req.write(c);
        setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref();
      });
    const expected = {
      status: 413,
      body: JSON.stringify({
        error: { code: 'payload_too_large', message: 'request body exceeds the limit of 65536 bytes' },
      }),
      closed: true,
    };
    expect(await post({ 'content-length': String(1 << 30) }, ['{"matchers":['])).toEqual(expected);
    expect(await post({}, ['{"comment":"', 'x'.repeat(40_000), 'x'.repeat(40_000)])).toEqual(expected);
  });
});
