// Guards the live client's handling of handshake refusals: one that says when to retry (rate limit, connection cap) is tried again, a denial is final.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveRetryData } from '@paywatch/contracts';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { afterEach, expect, it } from 'vitest';
import { createLiveClient, type ConnectionState, type LiveClient, type LiveSocket } from './live-client.js';

let http: HttpServer | undefined;
let server: Server | undefined;
let client: LiveClient | undefined;
afterEach(async () => {
  client?.stop();
  await server?.close();
  http?.closeAllConnections();
});

/** A socket.io server whose handshake middleware answers with `refusals` in turn, then accepts. */
async function serverRefusing(refusals: Error[]): Promise<{ url: string; handshakes: () => number }> {
  http = createServer();
  server = new Server(http);
  let n = 0;
  server.use((_s, next) => {
    const refusal = refusals[n++];
    next(refusal);
  });
  await new Promise<void>((r) => http?.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, handshakes: () => n };
}

function start(url: string): { states: ConnectionState[]; denied: string[] } {
  const states: ConnectionState[] = [];
  const denied: string[] = [];
  const connect = () => Promise.resolve(io(url, { transports: ['websocket'], forceNew: true }) as LiveSocket);
  client = createLiveClient(
    { connect, fetchMissed: () => Promise.resolve([]) },
    { onState: (s) => states.push(s), onDenied: (r) => denied.push(r) },
  );
  return { states, denied };
}

const until = async (ok: () => boolean, ms: number) => {
  for (const t0 = Date.now(); !ok() && Date.now() - t0 < ms;) await new Promise((r) => setTimeout(r, 20));
};

it('connects again after a refusal that says when (per-IP rate limit, connection cap), without reporting a denial', async () => {
  // Was: every middleware refusal was final — a wallboard refused once for the per-IP rate limit
  // or the 50-connection cap (669a607) showed 'offline' until the page was reloaded.
  const retrying = Object.assign(new Error('rate limit exceeded (per IP)'), {
    data: { retryAfterS: 0.2 } satisfies LiveRetryData,
  });
  const { url, handshakes } = await serverRefusing([retrying]);
  const { states, denied } = start(url);
  await until(() => states.includes('connected'), 3000);
  expect(states.at(-1)).toBe('connected');
  expect(states).not.toContain('offline');
  expect(denied).toEqual([]);
  expect(handshakes()).toBe(2);
});

it('stays offline after a refusal without a retry time, and reports it', async () => {
  const { url, handshakes } = await serverRefusing([new Error('forbidden')]);
  const { states, denied } = start(url);
  await until(() => denied.length > 0, 3000);
  await new Promise((r) => setTimeout(r, 300));
  expect(states.at(-1)).toBe('offline');
  expect(denied).toEqual(['forbidden']);
  expect(handshakes()).toBe(1);
});
