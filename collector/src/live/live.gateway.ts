import type { Server as HttpServer } from 'node:http';
import {
  LIVE_LIMITS,
  type ClientToServerEvents,
  type LiveTransaction,
  type PaymentEvent,
  type ServerToClientEvents,
  toLiveTransaction,
} from '@paywatch/contracts';
import { Server, type Socket } from 'socket.io';
import { LIVE_TRANSACTIONS_ROOM } from '../auth/access-control.js';
import type { Fx } from '../lib/fx.js';
import type { Logger } from '../lib/logger.js';
import type { Sink } from '../sinks/sink.js';
import { RollingKpis, accumulateKpis, emptyKpiDelta, type KpiDelta } from './rolling-kpis.js';

/**
 * Oldest event time (relative to now) the live screen takes. Older events — a back-fill of
 * history, a replay, a log tailer catching up — are stored and counted everywhere else, but are
 * not happening now: in the feed and the rolling KPIs they would show e.g. thousands of
 * "payments/s" while a fresh demo store is back-filled. A webhook a few minutes late still counts.
 */
export const LIVE_MAX_EVENT_AGE_MS = 15 * 60_000;
/**
 * How far ahead of this collector's clock an event may be and still count as now (clock skew).
 * Ingest accepts up to a day ahead; such an event would otherwise sit on top of the newest-first
 * feed until its time came.
 */
export const LIVE_MAX_EVENT_AHEAD_MS = 5 * 60_000;

/** Where socket.io answers (its default); it passes the server's other listeners only the requests outside it. */
const SOCKET_IO_PATH = '/socket.io/';

/** Inter-collector event (through the Redis adapter): KPI contributions since the last flush. */
const KPI_DELTA_EVENT = 'paywatch:kpi-delta';

function isKpiDelta(v: unknown): v is KpiDelta {
  if (v === null || typeof v !== 'object') return false;
  const d = v as Record<string, unknown>;
  return (
    ['attempts', 'succeeded', 'failed', 'gmv', 'seen'].every(
      (k) => typeof d[k] === 'number' && Number.isFinite(d[k]),
    ) &&
    Array.isArray(d.latencies) &&
    d.latencies.every((l) => typeof l === 'number' && Number.isFinite(l))
  );
}

export { toLiveTransaction };

/**
 * socket.io gateway. Stored events are buffered and broadcast as throttled batches (at most
 * `LIVE_LIMITS.maxBatchesPerSecond`, newest `maxTransactionsPerBatch` kept, the rest counted as
 * `dropped`); KPIs are broadcast once a second. Lifecycle: `start()` / idempotent `stop()`.
 */
export interface LiveGateway {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  readonly sink: Sink;
  /**
   * Sets the check every socket passes before it connects (the access control's socket hook).
   * Until then every socket is refused: the server may already listen while the collector is
   * built on it (`bindServer`), and a connection is sent the KPIs at once.
   */
  authorize(check: SocketCheck): void;
  start(): void;
  stop(): Promise<void>;
}

/** A socket.io middleware: `next()` lets the socket connect, `next(err)` refuses it. */
export type SocketCheck = (socket: Socket, next: (err?: Error) => void) => void;

/**
 * `adapter`: socket.io's Redis adapter when several collectors serve dashboards
 * (`PAYWATCH_REDIS_URL`). Transactions then go to the analyst room of every collector (room
 * membership is still decided by each collector's own auth hook), and each collector sends its
 * KPI contributions to the others so every dashboard's KPIs cover the whole cluster; KPI
 * snapshots themselves are emitted to local sockets only.
 */
export function createLiveGateway(
  httpServer: HttpServer,
  deps: { fx: Fx; logger: Logger; now?: () => number; adapter?: Parameters<Server['adapter']>[0] },
): LiveGateway {
  const log = deps.logger.child({ component: 'live' });
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    path: SOCKET_IO_PATH.slice(0, -1),
    serveClient: true,
    cors: { origin: false },
    maxHttpBufferSize: 64 * 1024,
  });
  let check: SocketCheck | null = null;
  io.use((socket, next) => (check ? check(socket, next) : next(new Error('paywatch is starting'))));
  const clustered = deps.adapter !== undefined;
  if (deps.adapter !== undefined) io.adapter(deps.adapter);
  const now = deps.now ?? Date.now;
  const kpis = new RollingKpis(deps.fx, 60, now);
  let peerDelta = emptyKpiDelta();
  if (clustered) {
    io.on(KPI_DELTA_EVENT, (d: unknown) => {
      if (isKpiDelta(d)) kpis.addDelta(d);
      else log.warn('ignoring a malformed KPI delta from a peer collector');
    });
  }
  let buffer: LiveTransaction[] = [];
  let dropped = 0;
  let flushTimer: NodeJS.Timeout | undefined;
  let kpiTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  io.on('connection', (socket) => {
    socket.emit('kpis', kpis.snapshot());
    socket.on('kpis:get', (ack) => {
      if (typeof ack === 'function') ack(kpis.snapshot());
    });
  });

  const flush = () => {
    if (clustered && peerDelta.attempts > 0) {
      io.serverSideEmit(KPI_DELTA_EVENT, peerDelta);
      peerDelta = emptyKpiDelta();
    }
    if (buffer.length === 0) return;
    const batch = { events: buffer, dropped };
    buffer = [];
    dropped = 0;
    // Masked transactions go to analysts and above only (the auth hook puts them in this room).
    io.to(LIVE_TRANSACTIONS_ROOM).emit('transactions', batch);
  };

  return {
    io,
    authorize(c) {
      check = c;
    },
    sink: {
      name: 'live',
      consume(all) {
        const t = now();
        const oldest = t - LIVE_MAX_EVENT_AGE_MS;
        const newest = t + LIVE_MAX_EVENT_AHEAD_MS;
        const isNow = (e: PaymentEvent) => e.ts >= oldest && e.ts <= newest;
        const events = all.every(isNow) ? all : all.filter(isNow);
        if (events.length === 0) return;
        kpis.add(events);
        if (clustered) accumulateKpis(peerDelta, events, deps.fx);
        // Only the newest `maxTransactionsPerBatch` can survive the trim below: convert only those.
        const skip = Math.max(0, events.length - LIVE_LIMITS.maxTransactionsPerBatch);
        dropped += skip;
        for (let i = skip; i < events.length; i++) buffer.push(toLiveTransaction(events[i]!));
        const over = buffer.length - LIVE_LIMITS.maxTransactionsPerBatch;
        if (over > 0) {
          buffer = buffer.slice(over);
          dropped += over;
        }
      },
    },
    start() {
      flushTimer = setInterval(flush, 1000 / LIVE_LIMITS.maxBatchesPerSecond);
      // Local sockets only: with the Redis adapter every collector sends its own (cluster-wide) snapshot.
      kpiTimer = setInterval(() => io.local.emit('kpis', kpis.snapshot()), 1000);
      flushTimer.unref();
      kpiTimer.unref();
      log.debug('live gateway started');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(flushTimer);
      clearInterval(kpiTimer);
      flush();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
        // io.close also closes the HTTP server; resolve if it was already closed.
        setTimeout(resolve, 1000).unref();
      });
    },
  };
}
