import type { IncomingMessage } from 'node:http';

/** Express's compiled `trust proxy` setting (`app.get('trust proxy fn')`). */
export type TrustFn = (addr: string, hop: number) => boolean;

/**
 * The client address of a raw request as Express's `req.ip` computes it (proxy-addr): from the
 * peer back along `X-Forwarded-For`, the first address that is not a trusted proxy. For the
 * requests Express does not see — socket.io answers its handshakes itself.
 */
export function clientIp(req: IncomingMessage, trust: TrustFn): string {
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
    .reverse();
  const chain = [req.socket.remoteAddress ?? 'unknown', ...forwarded];
  for (let hop = 0; hop < chain.length - 1; hop++) if (!trust(chain[hop]!, hop)) return chain[hop]!;
  return chain[chain.length - 1]!;
}

/** The eight 16-bit groups of an IPv6 address (an embedded dotted quad included, no zone), or null. */
export function parseIpv6(addr: string): number[] | null {
  const halves = addr.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (i === pieces.length - 1 && p.includes('.')) {
        const q = p.split('.').map(Number);
        if (q.length !== 4 || q.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return null;
        out.push((q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!);
      } else if (/^[0-9a-f]{1,4}$/i.test(p)) out.push(parseInt(p, 16));
      else return null;
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:203.0.113.9`) stands for, else null. */
export function mappedIpv4(g: readonly number[]): string | null {
  if (g[5] !== 0xffff || g[0] !== 0 || g[1] !== 0 || g[2] !== 0 || g[3] !== 0 || g[4] !== 0) return null;
  return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
}

const V4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;

/**
 * The key a per-client limit counts a client address under: an IPv6 address's /64 (one host, a
 * home or a phone, owns a whole /64 — SLAAC, privacy addresses — and picks any address in it, so
 * per address it had 2^64 budgets), an IPv4-mapped IPv6 address (`::ffff:203.0.113.9`, as a
 * dual-stack socket reports IPv4 peers) as its IPv4 address, either without a port a proxy wrote
 * after it, anything else as it is.
 */
export function clientLimitKey(ip: string): string {
  if (!ip.includes(':')) return ip;
  // With its port, as some proxies write X-Forwarded-For (Azure Application Gateway: '203.0.113.9:51234',
  // '[2001:db8::1]:51234'; req.ip keeps it): else every connection of one client had its own budget.
  const v4 = V4_WITH_PORT.exec(ip);
  if (v4) return v4[1]!;
  const bracket = ip.startsWith('[') ? ip.indexOf(']') : -1;
  const addr = bracket > 0 ? ip.slice(1, bracket) : ip;
  const zone = addr.indexOf('%');
  const groups = parseIpv6(zone === -1 ? addr : addr.slice(0, zone));
  if (!groups) return ip;
  const mapped = mappedIpv4(groups);
  if (mapped !== null) return mapped;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
