import type { LiveAlertTransition } from '@paywatch/contracts';
import { useEffect, useRef, useState } from 'react';
import { notifyUnauthorized } from '../api/index.js';
import { ALERT_REFRESH_COALESCE_MS, createCoalescer } from './alert-refresh.js';
import { createLiveClient, type ConnectionState, type LiveHandlers } from './live-client.js';
import { connectLive, noTransactions } from './connect.js';

/**
 * What the alert pages take from the live socket: its state (which sets their fallback poll,
 * `alertPollMs`) and `version`, a counter that moves when they should re-read the alerts API — a
 * transition they care about arrived, or the socket came back (transitions sent meanwhile were missed).
 */
export interface AlertStream {
  state: ConnectionState;
  version: number;
}

/**
 * Live handlers that call `bump` (coalesced, `ALERT_REFRESH_COALESCE_MS`) on each transition or
 * acknowledgement (given or withdrawn) of an alert `match` accepts, and on every reconnect;
 * `stop()` drops a pending bump. Shared by the live screen's socket (`useLive`) and `useAlertStream`.
 */
export function alertRefreshHandlers(
  bump: () => void,
  match: (t: Pick<LiveAlertTransition, 'id' | 'rule' | 'labels'>) => boolean = () => true,
): Required<Pick<LiveHandlers, 'onAlert' | 'onAlertAck'>> & {
  onState(s: ConnectionState): void;
  stop(): void;
} {
  const c = createCoalescer(bump, ALERT_REFRESH_COALESCE_MS);
  let connectedBefore = false;
  let down = false;
  return {
    onAlert: (t) => {
      if (match(t)) c.fire();
    },
    onAlertAck: (a) => {
      if (match(a)) c.fire();
    },
    onState: (s) => {
      if (s === 'connected') {
        if (connectedBefore && down) c.fire();
        connectedBefore = true;
        down = false;
      } else if (connectedBefore) down = true;
    },
    stop: () => c.stop(),
  };
}

/**
 * Subscribes to the live socket's alert transitions while mounted (the alerts list, an alert's
 * page). `match`: which transitions concern the page (default: all), read at each event.
 */
export function useAlertStream(
  match?: (t: Pick<LiveAlertTransition, 'id' | 'rule' | 'labels'>) => boolean,
): AlertStream {
  const [stream, setStream] = useState<AlertStream>({ state: 'connecting', version: 0 });
  const matchRef = useRef(match);
  matchRef.current = match;
  useEffect(() => {
    const h = alertRefreshHandlers(
      () => setStream((s) => ({ ...s, version: s.version + 1 })),
      (t) => matchRef.current?.(t) ?? true,
    );
    const client = createLiveClient(
      // No transaction batches on this socket: the alert pages show no feed.
      { connect: () => connectLive({ transactions: false }), fetchMissed: noTransactions },
      {
        onAlert: h.onAlert,
        onAlertAck: h.onAlertAck,
        onState: (state) => {
          h.onState(state);
          setStream((s) => ({ ...s, state }));
        },
        onDenied: (reason) => {
          if (reason === 'unauthorized') notifyUnauthorized();
        },
      },
    );
    return () => {
      h.stop();
      client.stop();
    };
  }, []);
  return stream;
}

/** Calls `refetch` each time `version` moves (not on mount: the query has just loaded). */
export function useRefetchOn(version: number, refetch: () => void): void {
  const seen = useRef(version);
  const refetchRef = useRef(refetch);
  refetchRef.current = refetch;
  useEffect(() => {
    if (version === seen.current) return;
    seen.current = version;
    refetchRef.current();
  }, [version]);
}
