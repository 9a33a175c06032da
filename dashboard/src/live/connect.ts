import type { LiveHandshakeAuth } from '@paywatch/contracts';
import type { LiveSocket } from './live-client.js';

/**
 * Opens the live socket (the socket.io chunk loads on first use). `transactions: false`: a socket
 * for alert events and KPIs only — the server sends it no transaction batches.
 */
export async function connectLive({
  transactions = true,
}: { transactions?: boolean } = {}): Promise<LiveSocket> {
  const { io } = await import('socket.io-client');
  // A short connect timeout: a half-open attempt must not keep the wall screen stale for 20 s.
  return io({
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    reconnectionDelayMax: 5_000,
    timeout: 5_000,
    // One manager per screen: a closed client (e.g. StrictMode's double mount) never shares it.
    forceNew: true,
    auth: transactions ? {} : ({ transactions: false } satisfies LiveHandshakeAuth),
  });
}

/**
 * `fetchMissed` of a socket with no transaction feed (a viewer's KPIs, the alert pages): nothing to
 * backfill.
 */
export const noTransactions = (): Promise<never[]> => Promise.resolve([]);
