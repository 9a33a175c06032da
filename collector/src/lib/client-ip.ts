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
