// Guards the port held from the first moment of `paywatch start` (bindServer): taken at once, "starting" (503) and no live socket until the collector is built on it, then served by it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { bindServer, type BoundServer } from '../src/http/bound-server.js';
import { createFx } from '../src/lib/fx.js';
import { createLogger } from '../src/lib/logger.js';
import { createLiveGateway } from '../src/live/live.gateway.js';
import { startServer } from '../src/main.js';
import { TEST_ADMIN_PASSWORD } from './harness.js';
import { signIn } from './sign-in.js';

const dirs: string[] = [];
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function configOn(port: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'paywatch-bound-'));
  dirs.push(dataDir);
  return loadConfig({
    PAYWATCH_DATA_DIR: dataDir,
    PAYWATCH_HOST: '127.0.0.1',
    PAYWATCH_PORT: String(port),
    PAYWATCH_HASH_KEY: 'integration-test-hash-key-0123456789',
    PAYWATCH_LOG_LEVEL: 'warn',
    PAYWATCH_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  });
}

const portOf = (b: BoundServer) => (b.server.address() as { port: number }).port;

/** Whether another process could listen on the port now (EADDRINUSE → false). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Connects without credentials: true when the server let the socket in. */
function socketAdmitted(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(url, { transports: ['websocket'], reconnection: false, timeout: 5_000 });
    s.once('connect', () => (s.close(), resolve(true)));
    s.once('connect_error', () => (s.close(), resolve(false)));
  });
}

describe('bindServer', () => {
  it('holds the port and answers 503 "starting" until the collector serves on it', async () => {
    const bound = await bindServer(configOn(0));
    cleanup.push(() => new Promise((r) => bound.server.close(r)));
    const port = portOf(bound);
    expect(await canListen(port)).toBe(false);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.text()).toContain('starting');
  });

  it('rejects with EADDRINUSE when the port is taken, leaving nothing open', async () => {
    const first = await bindServer(configOn(0));
    cleanup.push(() => new Promise((r) => first.server.close(r)));
    const err = await bindServer(configOn(portOf(first))).catch((e: NodeJS.ErrnoException) => e);
    expect((err as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });

  it('a live gateway on the bound server refuses every socket until access control is set', async () => {
    const bound = await bindServer(configOn(0));
    const live = createLiveGateway(bound.server, {
      fx: createFx('EUR'),
      logger: createLogger({ level: 'silent' }),
    });
    cleanup.push(() => new Promise((r) => bound.server.close(r)));
    cleanup.push(() => live.stop());
    const url = `http://127.0.0.1:${portOf(bound)}`;
    expect(await socketAdmitted(url)).toBe(false);
    live.authorize((_socket, next) => next());
    expect(await socketAdmitted(url)).toBe(true);
    // Requests outside socket.io's path still reach the bound server's handler.
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
  });

  it('startServer takes the bound server over: same port, the API and live sockets answer behind access control', async () => {
    const config = configOn(0);
    const bound = await bindServer(config);
    const port = portOf(bound);
    const url = `http://127.0.0.1:${port}`;
    const running = await startServer(config, { server: bound, defaultMetrics: false, dashboard: false });
    cleanup.push(() => running.close());
    expect(running.port).toBe(port);
    expect(running.url).toBe(url);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await socketAdmitted(url)).toBe(false); // access control, now from the app
    const { cookie } = await signIn(url, 'admin', TEST_ADMIN_PASSWORD);
    const s = connect(url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    s.close();
  });
});
