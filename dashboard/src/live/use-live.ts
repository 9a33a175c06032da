import type { LiveKpis } from '@paywatch/contracts';
import { useEffect, useState } from 'react';
import { notifyUnauthorized, readApi } from '../api/index.js';
import { mergeFeed, toLiveTransaction, type FeedRow } from './feed.js';
import { connectLive, noTransactions } from './connect.js';
import { createLiveClient, type ConnectionState } from './live-client.js';
import { alertRefreshHandlers } from './use-alert-stream.js';

const FEED_MAX = 60;

/** Live state the on-call screen renders. */
export interface LiveView {
  state: ConnectionState;
  feed: FeedRow[];
  kpis: LiveKpis | undefined;
  dropped: number;
  lastEventAt: number | undefined;
  backfilled: number;
  /** Moves when the active alerts should be re-read (`alertRefreshHandlers`: a transition, a reconnect). */
  alertVersion: number;
}

async function fetchMissed(from: number, to: number) {
  const res = await readApi.transactions({ from, to, limit: 200 });
  return res.items.map(toLiveTransaction);
}

/**
 * Subscribes to the live stream while mounted. `transactions: false` (viewers) skips the feed's
 * backfill from `GET /api/v1/transactions`, which would only answer 403.
 */
export function useLive({ transactions = true }: { transactions?: boolean } = {}): LiveView {
  const [view, setView] = useState<LiveView>({
    state: 'connecting',
    feed: [],
    kpis: undefined,
    dropped: 0,
    lastEventAt: undefined,
    backfilled: 0,
    alertVersion: 0,
  });
  useEffect(() => {
    const alerts = alertRefreshHandlers(() => setView((v) => ({ ...v, alertVersion: v.alertVersion + 1 })));
    const client = createLiveClient(
      { connect: connectLive, fetchMissed: transactions ? fetchMissed : noTransactions },
      {
        onState: (state) => {
          alerts.onState(state);
          setView((v) => ({ ...v, state }));
        },
        onAlert: alerts.onAlert,
        onAlertAck: alerts.onAlertAck,
        onKpis: (kpis) => setView((v) => ({ ...v, kpis })),
        onDenied: (reason) => {
          if (reason === 'unauthorized') notifyUnauthorized();
        },
        onTransactions: (rows, info) =>
          setView((v) => ({
            ...v,
            feed: mergeFeed(
              v.feed,
              info.backfill === 'reconnect' ? rows.map((r) => ({ ...r, backfilled: true })) : rows,
              FEED_MAX,
            ),
            dropped: info.backfill ? v.dropped : info.dropped,
            lastEventAt: info.backfill ? v.lastEventAt : Date.now(),
            backfilled: info.backfill === 'reconnect' ? rows.length : v.backfilled,
          })),
      },
    );
    return () => {
      alerts.stop();
      client.stop();
    };
  }, [transactions]);
  return view;
}
