// Guards what the delivery log says when a receiver cannot be reached: the system error code (a dead port reads ECONNREFUSED, not only "fetch failed"), retryable, and never the URL.
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { post } from './http.js';
import { ChannelError } from './types.js';

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('post', () => {
  it('names the refused connection, is retryable, and leaves the URL out', async () => {
    const url = `http://127.0.0.1:${await deadPort()}/services/T000/B000/SECRETTOKEN`;
    const err = await post(url, '{}', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    const e = err as ChannelError;
    expect(e.retryable).toBe(true);
    expect(e.message).toBe('request failed: fetch failed (ECONNREFUSED)');
    expect(e.message).not.toContain('SECRETTOKEN');
  });

  it('says timeout when the receiver does not answer in time', async () => {
    const sockets: Socket[] = [];
    const s = createServer((sock) => void sockets.push(sock)); // accepts, never answers
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/x`;
      const err = (await post(url, '{}', {}, { timeoutMs: 200 }).catch((e: unknown) => e)) as ChannelError;
      expect(err.message).toBe('request failed: timeout');
      expect(err.retryable).toBe(true);
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });
});
