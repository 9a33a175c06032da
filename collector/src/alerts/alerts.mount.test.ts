// Guards the alerts API as the collector mounts it (actor stamping, error shapes) and as its OpenAPI description tells an integrator to call it.
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../auth/roles.js';
import { errorHandler } from '../http/errors.js';
import { createLogger } from '../lib/logger.js';
import { createAlertsInCollector, type AlertsInCollector } from './alerts.mount.js';

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
