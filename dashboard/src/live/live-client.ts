import type {
  ClientToServerEvents,
  LiveAlertAck,
  LiveAlertTransition,
  LiveKpis,
  LiveRetryData,
  LiveTransaction,
  ServerToClientEvents,
} from '@paywatch/contracts';
import type { Socket } from 'socket.io-client';

/** How far back the feed is filled when the screen opens. */
export const INITIAL_HISTORY_MS = 10 * 60_000;

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** The typed socket (same event maps as the server, STYLE.md §8). */
export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What a live screen receives; every callback is optional. */
export interface LiveHandlers {
  onState?(state: ConnectionState): void;
  /**
   * `backfill`: false for stream batches; `initial` for the recent history loaded on first
   * connect; `reconnect` for what was missed while disconnected.
   */
  onTransactions?(
    rows: LiveTransaction[],
    info: { dropped: number; backfill: false | 'initial' | 'reconnect' },
  ): void;
  onKpis?(kpis: LiveKpis): void;
  /** An alert changed state (the engine's transition, pushed by the collector running it). */
  onAlert?(transition: LiveAlertTransition): void;
  /** An alert's acknowledgement given or withdrawn (by anyone: another on-call, a ChatOps bot). */
  onAlertAck?(ack: LiveAlertAck): void;
  /**
   * The server refused the handshake for good (`unauthorized` / `forbidden`); socket.io will not
   * retry. A refusal that passes (a rate limit, the connection cap) is tried again, not reported.
   */
  onDenied?(reason: string): void;
}

export interface LiveClientDeps {
  /** Creates the socket (lazy so the socket.io chunk loads only on the live screen). */
  connect(): Promise<LiveSocket>;
  /** Fetches transactions in `[from, to)` missed while disconnected (the read API). */
  fetchMissed(from: number, to: number): Promise<LiveTransaction[]>;
  now?(): number;
}

/** A running live stream; `stop()` is idempotent and closes the socket. */
export interface LiveClient {
  stop(): void;
}

/**
 * Connects to the live stream and keeps it up: socket.io reconnects with backoff by itself; on
 * every reconnect the client backfills the interval it missed from the read API and asks for
 * a fresh KPI snapshot, so the screen has no silent gap.
 */
export function createLiveClient(deps: LiveClientDeps, handlers: LiveHandlers): LiveClient {
  const now = deps.now ?? Date.now;
  let socket: LiveSocket | undefined;
  let stopped = false;
  let everConnected = false;
  /** Event time of the newest transaction seen, or when the connection dropped. */
  let lastSeen: number | undefined;
  let disconnectedAt: number | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const setState = (s: ConnectionState) => handlers.onState?.(s);
  setState('connecting');

  const backfill = (from: number, reason: 'initial' | 'reconnect') => {
    const to = now() + 5_000;
    deps.fetchMissed(from, to).then(
      (rows) => {
        if (!stopped && rows.length > 0) handlers.onTransactions?.(rows, { dropped: 0, backfill: reason });
      },
      () => undefined, // a failed backfill leaves the gap visible in the trends view; the stream goes on
    );
  };

  // Recent history first, in parallel with connecting, so a freshly opened screen is never blank.
  backfill(now() - INITIAL_HISTORY_MS, 'initial');

  deps.connect().then(
    (s) => {
      if (stopped) {
        s.close();
        return;
      }
      socket = s;
      s.on('connect', () => {
        setState('connected');
        s.emit('kpis:get', (k) => handlers.onKpis?.(k));
        if (everConnected && disconnectedAt !== undefined) {
          // Overlap by a few seconds: events arrive slightly out of event-time order.
          backfill(Math.min(lastSeen ?? disconnectedAt, disconnectedAt) - 5_000, 'reconnect');
        }
        everConnected = true;
        disconnectedAt = undefined;
      });
      s.on('disconnect', () => {
        disconnectedAt ??= now();
        if (!stopped) setState('reconnecting');
      });
      s.on('connect_error', (err) => {
        disconnectedAt ??= now();
        if (stopped) return;
        // socket.io does not retry a refusal by the server's middleware. One that says when to
        // come back (the per-IP rate limit, the connection cap) is tried again then: else a
        // wallboard refused once, e.g. while reconnecting with many others, stayed offline.
        const retryAfterS = retryAfterOf(err);
        if (!s.active && retryAfterS !== undefined) {
          setState(everConnected ? 'reconnecting' : 'connecting');
          retry = setTimeout(() => {
            if (!stopped) s.connect();
          }, retryAfterS * 1000);
          return;
        }
        if (!s.active) {
          setState('offline');
          handlers.onDenied?.(err.message);
          return;
        }
        setState(everConnected ? 'reconnecting' : 'connecting');
      });
      s.io.on('reconnect_failed', () => setState('offline'));
      s.on('transactions', (batch) => {
        for (const e of batch.events) if (lastSeen === undefined || e.ts > lastSeen) lastSeen = e.ts;
        handlers.onTransactions?.(batch.events, { dropped: batch.dropped, backfill: false });
      });
      s.on('kpis', (k) => handlers.onKpis?.(k));
      s.on('alert', (t) => handlers.onAlert?.(t));
      s.on('alert_ack', (a) => handlers.onAlertAck?.(a));
    },
    () => setState('offline'),
  );

  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    },
  };
}

/** `retryAfterS` of a refusal that passes (`LiveRetryData`), else undefined. */
function retryAfterOf(err: Error): number | undefined {
  const data = (err as Error & { data?: Partial<LiveRetryData> }).data;
  const s = data?.retryAfterS;
  return typeof s === 'number' && Number.isFinite(s) && s >= 0 ? s : undefined;
}
