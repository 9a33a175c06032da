// Guards the client address: the socket handshake's is Express's req.ip for every trust setting, and per-client limits key IPv6 by /64.
import { createServer, type IncomingMessage } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { clientIp, clientLimitKey, type TrustFn } from './client-ip.js';

/** req.ip of a real Express app and clientIp of the same request, for a trust setting and headers. */
async function both(trust: unknown, xff?: string): Promise<[string | undefined, string]> {
  const app = express();
  app.set('trust proxy', trust);
  const fn = app.get('trust proxy fn') as TrustFn;
  let ours = '';
  app.get('/', (req, res) => {
    ours = clientIp(req as IncomingMessage, fn);
    res.send(req.ip);
  });
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    const r = await fetch(`http://127.0.0.1:${port}/`, { headers: xff ? { 'x-forwarded-for': xff } : {} });
    return [await r.text(), ours];
  } finally {
    server.close();
  }
}

describe('clientIp', () => {
  it('is the peer without trust, whatever X-Forwarded-For claims', async () => {
    expect(await both(false, '203.0.113.5')).toEqual(['127.0.0.1', '127.0.0.1']);
  });
  it('walks X-Forwarded-For back through trusted proxies only, as req.ip does', async () => {
    for (const [trust, xff, want] of [
      ['loopback', '203.0.113.5', '203.0.113.5'],
      ['loopback', '198.51.100.7, 203.0.113.5', '203.0.113.5'],
      [['loopback', '203.0.113.0/24'], '198.51.100.7, 203.0.113.5', '198.51.100.7'],
      [1, '198.51.100.7, 203.0.113.5', '203.0.113.5'],
      [2, '198.51.100.7, 203.0.113.5', '198.51.100.7'],
      ['10.0.0.0/8', '203.0.113.5', '127.0.0.1'],
      ['loopback', undefined, '127.0.0.1'],
    ] as const)
      expect(await both(trust, xff), `${JSON.stringify(trust)} ${xff}`).toEqual([want, want]);
  });
});

describe('clientLimitKey', () => {
  it('keys an IPv6 address by its /64 however it is written, IPv4-mapped ones as IPv4', () => {
    for (const a of [
      '2001:db8:1:2::a',
      '2001:0DB8:0001:0002:ffff:ffff:ffff:ffff',
      '2001:db8:1:2:0:0:0:1%eth0',
    ])
      expect(clientLimitKey(a)).toBe('2001:db8:1:2::/64');
    expect(clientLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientLimitKey('::1')).toBe('0:0:0:0::/64');
    expect(clientLimitKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientLimitKey('::ffff:cb00:7109')).toBe('203.0.113.9');
    expect(clientLimitKey('64:ff9b::203.0.113.9')).toBe('64:ff9b:0:0::/64'); // NAT64: a gateway's /64
  });
  it('keys an address a proxy wrote with its port (req.ip keeps it) without the port', async () => {
    // Azure Application Gateway writes X-Forwarded-For as ip:port: each connection was its own client.
    const [v4] = await both('loopback', '203.0.113.5:51234');
    expect(v4).toBe('203.0.113.5:51234');
    expect(clientLimitKey(v4!)).toBe('203.0.113.5');
    const [v6] = await both('loopback', '[2001:db8:1:2::a]:51234');
    expect(clientLimitKey(v6!)).toBe('2001:db8:1:2::/64');
    expect(clientLimitKey('[::ffff:203.0.113.5]:443')).toBe('203.0.113.5');
  });
  it('keeps IPv4 addresses and anything it cannot read as they are', () => {
    for (const a of ['203.0.113.9', 'unknown', '1:2:3', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9'])
      expect(clientLimitKey(a)).toBe(a);
  });
});
