// Guards the queued sink: ingest hands events over without waiting, the sink gets them in order (merged, chunked), a full queue drops and counts, a failing sink does not wedge the queue.
import type { PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { createQueuedSink, type SinkQueueHooks } from './queued.sink.js';
import type { Sink } from './sink.js';

const logger = createLogger({ level: 'silent' });

const ev = (i: number): PaymentEvent =>
  ({ event_id: `e${i}`, ts: 1_764_000_000_000 + i }) as unknown as PaymentEvent;
const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ev(from + i));

/** A sink that records what it got (ids per call); `fail` makes the next call throw. */
function recorder() {
  const calls: string[][] = [];
  let fail = false;
  const sink: Sink = {
    name: 'alerts',
    consume(events) {
      if (fail) {
        fail = false;
        throw new Error('engine exploded');
      }
      calls.push(events.map((e) => e.event_id));
    },
  };
  return { sink, calls, failNext: () => (fail = true) };
}

function hookLog() {
  const depths: number[] = [];
  let dropped = 0;
  const hooks: SinkQueueHooks = {
    depth: (_s, n) => depths.push(n),
    dropped: (_s, n) => (dropped += n),
  };
  return { hooks, depths, dropped: () => dropped };
}

describe('queued sink', () => {
  it('returns before the sink runs, then delivers every batch of the tick in one call, in order', async () => {
    const r = recorder();
    const q = createQueuedSink(r.sink, { capacity: 1000 }, { logger });
    q.consume(batch(0, 3));
    q.consume(batch(3, 2));
    expect(r.calls).toEqual([]);
    expect(q.depth()).toBe(5);
    await q.idle();
    expect(r.calls).toEqual([['e0', 'e1', 'e2', 'e3', 'e4']]);
    expect(q.depth()).toBe(0);
  });

  it('hands a backlog over in chunks of whole batches no larger than maxBatch (one oversized batch whole)', async () => {
    const r = recorder();
    const q = createQueuedSink(r.sink, { capacity: 1000, maxBatch: 15 }, { logger });
    q.consume(batch(0, 10));
    q.consume(batch(10, 4));
    q.consume(batch(14, 10));
    q.consume(batch(24, 40));
    await q.idle();
    expect(r.calls.map((c) => c.length)).toEqual([14, 10, 40]);
    expect(r.calls.flat()).toEqual(batch(0, 64).map((e) => e.event_id));
  });

  it('drops a batch that does not fit, counts it in the hook, and takes batches again once drained', async () => {
    const r = recorder();
    const h = hookLog();
    const q = createQueuedSink(r.sink, { capacity: 10 }, { logger, hooks: h.hooks });
    q.consume(batch(0, 8));
    q.consume(batch(8, 5)); // 13 > 10: dropped whole
    expect(q.droppedTotal()).toBe(5);
    expect(h.dropped()).toBe(5);
    await q.idle();
    q.consume(batch(13, 10));
    await q.idle();
    expect(r.calls).toEqual([batch(0, 8).map((e) => e.event_id), batch(13, 10).map((e) => e.event_id)]);
    expect(h.depths).toEqual([8, 0, 10, 0]);
  });

  it('keeps delivering after the sink throws (the failure is logged, not propagated)', async () => {
    const r = recorder();
    const q = createQueuedSink(r.sink, { capacity: 100 }, { logger });
    r.failNext();
    expect(() => q.consume(batch(0, 2))).not.toThrow();
    await q.idle();
    q.consume(batch(2, 2));
    await q.idle();
    expect(r.calls).toEqual([['e2', 'e3']]);
  });

  it('waits for an async sink before the next chunk, and stop() drains then refuses', async () => {
    const seen: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const slow: Sink = {
      name: 'slow',
      async consume(events) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((res) => setTimeout(res, 5));
        seen.push(...events.map((e) => e.event_id));
        inFlight--;
      },
    };
    const q = createQueuedSink(slow, { capacity: 100, maxBatch: 2 }, { logger });
    q.consume(batch(0, 2));
    q.consume(batch(2, 2));
    q.consume(batch(4, 2));
    await q.stop();
    expect(seen).toEqual(batch(0, 6).map((e) => e.event_id));
    expect(maxInFlight).toBe(1);
    q.consume(batch(6, 1));
    expect(q.droppedTotal()).toBe(1);
    await q.idle();
    expect(seen).toHaveLength(6);
  });
});
