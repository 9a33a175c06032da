// Guards `paywatch silence` against the alerts API on a real local Express server: add (matchers, duration, reason, author) → list → expire round trip, and bad command lines answered with exit 2 and a message naming the flag before any request is made.
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/free-port.js';
import { parseAlertsConfig } from '../config/load.js';
import { createAlertEngine } from '../engine/engine.js';
import type { AlertEngine } from '../engine/engine.js';
import { createAlertsRouter } from '../http/alerts.router.js';
import { createMemoryAlertStateStore } from '../state/store.js';
import { silenceCommand } from './silence.command.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0);
let server: Server;
let url = '';
let engine: AlertEngine;
let requests = 0;

beforeAll(async () => {
  engine = createAlertEngine(
    { store: createMemoryAlertStateStore(), now: () => T0 },
    parseAlertsConfig('rules: []\nreceivers: [{ name: default, channels: [] }]\n'),
  );
  await engine.start();
  const app = express();
  app.use((_req, _res, next) => {
    requests++;
    next();
  });
  app.use('/api/v1', createAlertsRouter({ engine, now: () => T0 }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await engine.stop();
  await new Promise((r) => server.close(r));
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await silenceCommand(
    argv,
    { stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (err += c) } },
    { now: () => T0 + 60_000 },
  );
  return { code, out, err };
}

describe('paywatch silence', () => {
  it('adds a silence the engine applies, lists it, and expires it', async () => {
    const add = await run(
      'add',
      '--url',
      url,
      '--matcher',
      'provider=adyen',
      '--matcher',
      'country=~"DE|NL"',
      '--duration',
      '2h',
      '--reason',
      'adyen maintenance window',
      '--author',
      'ana',
    );
    expect(add.err).toContain('provider="adyen",country=~"DE|NL" silenced until 2026-03-02T10:00:00Z by ana');
    expect(add.code).toBe(0);
    const id = add.out.trim();
    const [s] = engine.silences();
    expect(s).toMatchObject({
      id,
      created_by: 'ana',
      comment: 'adyen maintenance window',
      ends_at: T0 + 2 * 3_600_000,
    });
    expect(s?.matchers).toEqual([
      { name: 'provider', op: '=', value: 'adyen' },
      { name: 'country', op: '=~', value: 'DE|NL' },
    ]);

    const list = await run('list', '--url', `${url}/`);
    expect(list.code).toBe(0);
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+STATE\s+ENDS\s+AUTHOR\s+MATCHERS\s+REASON$/);
    expect(list.out).toMatch(
      new RegExp(
        `^${id}\\s+active\\s+2026-03-02T10:00:00Z\\s+ana\\s+provider="adyen",country=~"DE\\|NL"\\s+adyen maintenance window$`,
        'm',
      ),
    );

    const exp = await run('expire', id, '--url', url);
    expect([exp.code, exp.err]).toEqual([0, `paywatch silence: expired ${id}\n`]);
    expect(engine.silences()[0]?.ends_at).toBe(T0);
    expect((await run('list', '--url', url)).out).toBe('no silences\n');
    const all = JSON.parse((await run('list', '--all', '--json', '--url', url)).out) as {
      items: { id: string }[];
    };
    expect(all.items.map((x) => x.id)).toEqual([id]);

    // An unknown id is the server's 404, exit 1.
    const gone = await run('expire', 'no-such-id', '--url', url);
    expect([gone.code, gone.err]).toEqual([
      1,
      'paywatch silence: DELETE /silences/no-such-id: HTTP 404 no silence no-such-id\n',
    ]);
  });

  it('names the flag of a bad command line and sends nothing', async () => {
    const before = requests;
    const cases: [string[], string][] = [
      [['add', '--url', url, '--duration', '2h', '--reason', 'x'], '--matcher is required'],
      [
        ['add', '--url', url, '--matcher', 'provider', '--duration', '2h', '--reason', 'x'],
        '--matcher: invalid matcher "provider"',
      ],
      [['add', '--url', url, '--matcher', 'provider=adyen', '--reason', 'x'], '--duration is required'],
      [
        ['add', '--url', url, '--matcher', 'provider=adyen', '--duration', 'soon', '--reason', 'x'],
        '--duration: invalid duration "soon"',
      ],
      [
        ['add', '--url', url, '--matcher', 'provider=adyen', '--duration', '91d', '--reason', 'x'],
        '--duration may be at most 90d',
      ],
      [['add', '--url', url, '--matcher', 'provider=adyen', '--duration', '2h'], '--reason is required'],
      [
        ['add', '--url', 'adyen.example', '--matcher', 'provider=adyen', '--duration', '2h', '--reason', 'x'],
        '--url: expected an http(s) URL',
      ],
      [
        ['list', '--url', url, '--reason', 'x'],
        '--reason is an option of "silence add", not of "silence list"',
      ],
      [['expire', '--url', url], 'expire takes one silence ID'],
      [['mute', '--url', url], 'unknown subcommand "mute"'],
    ];
    for (const [argv, message] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toContain(`paywatch silence: ${message}`);
    }
    expect(requests).toBe(before);
  });

  it('says which URL it could not reach', async () => {
    // A port that was just free: nothing listens there.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await run('list', '--url', closed);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`paywatch silence: cannot reach ${closed} (--url): ECONNREFUSED\n`);
  });
});
