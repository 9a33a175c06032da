import type { PaymentEvent } from '@paywatch/contracts';
import type { Logger } from '../lib/logger.js';
import type { Sink } from './sink.js';

/** Observer of a queued sink (the metrics module maps it onto a gauge and a counter). */
export interface SinkQueueHooks {
  /** Events waiting for the sink, after every change. */
  depth(sink: string, events: number): void;
  /** Events dropped because the queue was full. */
  dropped(sink: string, events: number): void;
}

export interface QueuedSinkConfig {
  /** Most events waiting; a batch that would exceed it is dropped whole (counted, logged). */
  capacity: number;
  /** Most events handed to the sink in one call (default 20 000), so one call never blocks long. */
  maxBatch?: number;
}

/**
 * A sink fed through a bounded in-memory queue, drained asynchronously (`setImmediate`), so a
 * slow consumer (the alert engine) runs off the ingest acknowledgement path: `consume` only
 * enqueues. Batches of several requests are merged into one call. When the queue is full the
 * new batch is dropped and counted — an alert evaluated late is better than a slow ingest, and
 * the events are already durably stored. `idle()` resolves once everything queued so far was
 * consumed (tests, shutdown); `stop()` drains, then refuses new events.
 */
export interface QueuedSink extends Sink {
  idle(): Promise<void>;
  /** Events waiting now. */
  depth(): number;
  /** Events dropped since start. */
  droppedTotal(): number;
  stop(): Promise<void>;
}

export function createQueuedSink(
  inner: Sink,
  config: QueuedSinkConfig,
  deps: { logger: Logger; hooks?: SinkQueueHooks },
): QueuedSink {
  const log = deps.logger.child({ component: 'sink-queue', sink: inner.name });
  const maxBatch = config.maxBatch ?? 20_000;
  const queue: (readonly PaymentEvent[])[] = [];
  let queued = 0;
  let dropped = 0;
  let scheduled = false;
  let running = false;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  let lastDropLog = 0;

  const report = () => deps.hooks?.depth(inner.name, queued);

  const settleIdle = () => {
    if (queued > 0 || running) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const r of w) r();
  };

  /** Takes up to `maxBatch` events (whole batches, at least one) off the queue. */
  function take(): PaymentEvent[] {
    const out: PaymentEvent[] = [];
    while (queue.length > 0) {
      const b = queue[0]!;
      if (out.length > 0 && out.length + b.length > maxBatch) break;
      queue.shift();
      for (let i = 0; i < b.length; i++) out.push(b[i]!);
    }
    queued -= out.length;
    return out;
  }

  async function drain(): Promise<void> {
    scheduled = false;
    if (running) return;
    running = true;
    try {
      while (queued > 0) {
        const batch = take();
        report();
        try {
          const r = inner.consume(batch);
          if (r instanceof Promise) await r;
        } catch (err) {
          log.error({ err, events: batch.length }, 'sink failed');
        }
        // Let requests in between the chunks of a large backlog.
        if (queued > 0) await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      running = false;
      settleIdle();
    }
  }

  const schedule = () => {
    if (scheduled || running) return;
    scheduled = true;
    setImmediate(() => void drain());
  };

  return {
    name: inner.name,
    consume(events) {
      if (events.length === 0) return;
      if (stopped || queued + events.length > config.capacity) {
        dropped += events.length;
        deps.hooks?.dropped(inner.name, events.length);
        const now = Date.now();
        // One warning per 10 s at most: a full queue would otherwise log on every request.
        if (now - lastDropLog > 10_000) {
          lastDropLog = now;
          log.warn(
            { events: events.length, queued, capacity: config.capacity, droppedTotal: dropped, stopped },
            'sink queue full: events dropped for this sink (they are stored; other sinks unaffected)',
          );
        }
        return;
      }
      queue.push(events);
      queued += events.length;
      report();
      schedule();
    },
    idle() {
      if (queued === 0 && !running) return Promise.resolve();
      return new Promise<void>((r) => idleWaiters.push(r));
    },
    depth: () => queued,
    droppedTotal: () => dropped,
    async stop() {
      if (queued > 0 || running) {
        schedule();
        await new Promise<void>((r) => idleWaiters.push(r));
      }
      stopped = true;
    },
  };
}
