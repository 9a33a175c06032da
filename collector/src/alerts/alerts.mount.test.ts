// Guards the alerts API as the collector mounts it (actor stamping, error shapes) and as its OpenAPI description tells an integrator to call it.
import express from 'express';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../auth/roles.js';
import { errorHandler } from '../http/errors.js';
import { createLogger } from '../lib/logger.js';
import { buildOpenApi } from '../http/openapi.js';
import { createMasker } from '../pipeline/steps/mask.step.js';
import { ALERT_ROUTE_DOCS, createAlertsInCollector, type AlertsInCollector } from './alerts.mount.js';

const logger = createLogger({ level: 'silent' });
const alice: Principal = { kind: 'user', id: 'u1', name: 'alice', role: 'oncall', sessionId: 's', csrf: 'c' };
let dir = '';
let alerts: AlertsInCollector;
let server: Server;
let base = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-alerts-mount-'));
  alerts = createAlertsInCollector(
    { rulesPath: undefined, env: {}, dataDir: dir, reportingCurrency: 'EUR' },
    { logger },
  );
  await alerts.start();
  const app = express();
  app.use((_req, res, next) => {
    res.locals.principal = alice;
    next();
  });
  app.use(alerts.mount.router);
  app.use(errorHandler(logger));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});
afterAll(async () => {
  await alerts.stop();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const post = async (path: string, body: string) => {
  const res = await fetch(base + path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, body: (await res.json()) as unknown };
};

describe('alerts API mounted in the collector', () => {
  it('refuses a JSON array body with a 400 instead of reading it as {}', async () => {
    // `[1]` acknowledged a firing alert (200), and a silence sent as its bare matcher list read
    // "matchers: expected array, received undefined".
    const bad = { error: { code: 'bad_request', message: 'the body must be a JSON object' } };
    expect(await post('/alerts/nope/ack', '[1]')).toEqual({ status: 400, body: bad });
    expect(await post('/silences', '["provider=\\"adyen\\""]')).toEqual({ status: 400, body: bad });
    // An object still gets the caller as its author, whatever it says.
    const s = await post(
      '/silences',
      JSON.stringify({ matchers: ['provider="adyen"'], duration: '1h', comment: 'c', created_by: 'mallory' }),
    );
    expect(s).toMatchObject({ status: 201, body: { created_by: 'alice' } });
  });
});

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  oneOf?: Schema[];
};
type Op = {
  parameters?: { name: string; schema: Schema }[];
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
};

describe('the OpenAPI description of the alerts API', () => {
  const doc = buildOpenApi(ALERT_ROUTE_DOCS, { version: 't' }) as {
    paths: Record<string, Record<string, Op>>;
  };
  const op = (path: string, method: string) => doc.paths[path]![method]!;
  const ok = (o: Op) => Object.entries(o.responses).find(([s]) => s.startsWith('2'))![1];

  it('describes every JSON answer as what it is, never a string', () => {
    // Every 200 was `{type: "string"}`: a generated client parsed `{items: [...]}` as a string.
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, o] of Object.entries(methods)) {
        const schema = ok(o).content?.['application/json']?.schema;
        if (schema) expect(schema.type, `${method} ${path}`).toBe('object');
      }
    const alert = op('/api/v1/alerts', 'get').responses['200']!.content!['application/json']!.schema
      .properties!.items!.items!;
    expect(Object.keys(alert.properties!)).toEqual(
      expect.arrayContaining([
        'id',
        'status',
        'revenue_at_risk',
        'revenue_at_risk_currency',
        'dashboard_url',
        'muted',
      ]),
    );
    expect(
      op('/api/v1/silences', 'post').responses['201']!.content!['application/json']!.schema.properties,
    ).toHaveProperty('ends_at');
  });

  it('says what GET /alerts returns without a status', () => {
    // The summary read "active by default" while resolved and inactive alerts came back too: a bot
    // polling GET /alerts for its incident channel re-announced every resolved alert.
    const o = op('/api/v1/alerts', 'get') as Op & { summary: string };
    expect(o.summary).toMatch(/every state unless `status` is given/);
    expect(o.summary).not.toMatch(/active by default/);
  });

  it('types the query parameters as the router checks them', () => {
    // `status` and `limit` were plain strings: `status=open` or `limit=all` looked valid and answered 400.
    const params = Object.fromEntries(op('/api/v1/alerts', 'get').parameters!.map((p) => [p.name, p.schema]));
    expect(params['status']!.enum).toEqual(['inactive', 'pending', 'firing', 'resolved', 'active']);
    expect(params['limit']!.type).toBe('integer');
    const d = Object.fromEntries(
      op('/api/v1/alerts-deliveries', 'get').parameters!.map((p) => [p.name, p.schema]),
    );
    expect(d['status']!.enum).toEqual(['sent', 'failed']);
  });

  it('documents the 502 of a test notification nobody accepted, with its outcome body', () => {
    const r = op('/api/v1/receivers/{name}/test', 'post').responses;
    expect(r['502']!.content!['application/json']!.schema.oneOf?.[1]?.properties).toHaveProperty('delivered');
    expect(r['200']!.content!['application/json']!.schema.properties).toHaveProperty('ok');
  });
});

describe('a second acknowledgement, as the audit log records it', () => {
  // The first acknowledgement stands (3751f41) and a second answers 200 unchanged, but the audit
  // entry read "alert.ack, success, bob" — as if bob had acknowledged the alert alice took.
  const T = Date.UTC(2026, 10, 26, 9, 0);
  const firing = (id: string, by: string | null) => ({
    id,
    rule: 'provider_success_rate_drop',
    labels: { alertname: 'provider_success_rate_drop', provider: id },
    status: 'firing',
    severity: 'page',
    active_since: T - 600_000,
    fired_at: T - 300_000,
    resolved_at: null,
    last_eval_at: T,
    last_anomalous_at: T,
    value: 0.4,
    expected: 0.92,
    lower: 0.9,
    upper: 0.95,
    score: 1,
    summary: `${id} success rate 40%`,
    revenue_at_risk: 0,
    samples: [],
    contributors: [],
    transitions: [T - 300_000],
    flapping: false,
    no_data: false,
    acknowledged_by: by,
    acknowledged_at: by ? T - 60_000 : null,
  });
  /**
   * Runs `run` against the alerts API mounted in an express app for `principal`, the module started
   * on a state file holding `states` (and masking with `maskText`); `audited` collects each
   * response's audit details as the access-control middleware writes them at `finish`
   * (access-control.ts). The module is stopped, the server closed and the directory removed after.
   */
  const withMounted = async (
    setup: { prefix: string; states: unknown[]; principal: Principal; maskText?: (s: string) => string },
    run: (m: { a: AlertsInCollector; api: string; audited: unknown[] }) => Promise<void>,
  ): Promise<void> => {
    const d = mkdtempSync(join(tmpdir(), setup.prefix));
    writeFileSync(
      join(d, 'alerts-state.json'),
      JSON.stringify({ version: 1, states: setup.states, nflog: [], silences: [] }),
    );
    const a = createAlertsInCollector(
      { rulesPath: undefined, env: {}, dataDir: d, reportingCurrency: 'EUR' },
      { logger, maskText: setup.maskText },
    );
    await a.start();
    const audited: unknown[] = [];
    const app = express();
    app.use((_req, res, next) => {
      res.locals.principal = setup.principal;
      res.on('finish', () => audited.push(res.locals.auditDetails));
      next();
    });
    app.use(a.mount.router);
    app.use(errorHandler(logger));
    const srv = app.listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    try {
      await run({ a, api: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/api/v1`, audited });
    } finally {
      await a.stop();
      await new Promise((r) => srv.close(r));
      rmSync(d, { recursive: true, force: true });
    }
  };

  it('says the alert was already acknowledged, and by whom, instead of crediting the second caller', async () => {
    await withMounted(
      {
        prefix: 'pw-alerts-ack-',
        states: [firing('taken', 'alice'), firing('open', null)],
        principal: { ...alice, id: 'u2', name: 'bob' } satisfies Principal,
      },
      async ({ api: url, audited }) => {
        const ack = async (id: string) => {
          const res = await fetch(`${url}/alerts/${id}/ack`, {
            method: 'POST',
            body: '{}',
            headers: { 'content-type': 'application/json' },
          });
          await new Promise((r) => setImmediate(r));
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        };
        expect(await ack('taken')).toMatchObject({ status: 200, body: { acknowledged_by: 'alice' } });
        expect(audited.at(-1)).toEqual({
          result: 'already_acknowledged',
          acknowledged_by: 'alice',
          acknowledged_at: T - 60_000,
        });
        // bob's own acknowledgement of an alert nobody took is his, with no such note.
        expect(await ack('open')).toMatchObject({ status: 200, body: { acknowledged_by: 'bob' } });
        expect(audited.at(-1)).toBeUndefined();
      },
    );
  });

  it("audits an acknowledgement's reason, and its withdrawal by the caller with what was withdrawn", async () => {
    // An acknowledgement could say who but not why, and could not be withdrawn at all.
    await withMounted(
      {
        prefix: 'pw-alerts-unack-',
        states: [firing('open', null)],
        principal: { ...alice, id: 'u2', name: 'bob' } satisfies Principal,
      },
      async ({ a, api, audited }) => {
        const changes: unknown[] = [];
        a.module.engine.onAcknowledgement((c) => changes.push(c));
        const url = `${api}/alerts/open/ack`;
        const call = async (method: string, body?: unknown) => {
          const res = await fetch(url, {
            method,
            ...(body === undefined
              ? {}
              : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
          });
          await new Promise((r) => setImmediate(r));
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        };
        const why = 'adyen confirmed, fix rolling out';
        expect(await call('POST', { reason: why, by: 'mallory' })).toMatchObject({
          status: 200,
          body: { acknowledged_by: 'bob', acknowledged_reason: why },
        });
        expect(audited.at(-1)).toEqual({ reason: why });
        expect(await call('DELETE')).toMatchObject({ status: 200, body: { acknowledged_by: null } });
        expect(audited.at(-1)).toEqual({ acknowledged_by: 'bob', reason: why });
        expect(await call('DELETE')).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
        expect(changes).toEqual([
          expect.objectContaining({ id: 'open', acknowledged: true, by: 'bob', reason: why }),
          expect.objectContaining({ id: 'open', acknowledged: false, by: 'bob', reason: null }),
        ]);
        const doc = buildOpenApi(ALERT_ROUTE_DOCS, { version: 't' }) as {
          paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        };
        expect(Object.keys(doc.paths['/api/v1/alerts/{id}/ack']!['delete']!.responses)).toEqual(
          expect.arrayContaining(['200', '409']),
        );
      },
    );
  });
  it('masks e-mails and card numbers in an acknowledgement reason and a silence comment with the pipeline masker', async () => {
    // Was: free text people type was stored and audited as typed.
    const masker = createMasker(Buffer.alloc(32, 7));
    await withMounted(
      {
        prefix: 'pw-alerts-mask-',
        states: [firing('open', null)],
        principal: alice,
        maskText: masker.maskText,
      },
      async ({ api, audited }) => {
        const send = async (path: string, body: unknown) => {
          const res = await fetch(api + path, {
            method: 'POST',
            body: JSON.stringify(body),
            headers: { 'content-type': 'application/json' },
          });
          await new Promise((r) => setImmediate(r));
          return (await res.json()) as Record<string, unknown>;
        };
        const why = 'jane.doe@example.com, card 4111 1111 1111 1111, says paid twice';
        const acked = await send('/alerts/open/ack', { reason: why });
        expect(acked['acknowledged_reason']).toBe(masker.maskText(why));
        expect(JSON.stringify([acked, audited])).not.toMatch(/jane\.doe|1111 1111/);
        const sil = await send('/silences', {
          matchers: ['provider="adyen"'],
          duration: '1h',
          comment: 'asked by jane.doe@example.com',
        });
        expect(sil['comment']).toBe(masker.maskText('asked by jane.doe@example.com'));
        expect(sil['comment']).not.toContain('jane.doe');
      },
    );
  });
});
