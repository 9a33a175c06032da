import type { EventWriter, WriteResult } from './types.js';

/** Configuration of `withRecentIds`. */
export interface RecentIdsConfig {
  /** Most event ids remembered (oldest forgotten first; default 500 000, ≈ 50 MB). */
  capacity?: number;
}

/**
 * Reports re-sent events as duplicates before they reach a writer that acknowledges without
 * knowing what the store holds (the spool: ClickHouse's own duplicate check only runs when the
 * spool drains, after the client was answered). Ids this process acknowledged recently come back
 * as `duplicates` (an id it is writing right now: once that write succeeded; if it fails, the
 * re-send is written), so the metrics and live sinks do not count a client's retry twice. A re-send that falls outside the window (another collector, after a
 * restart, or past `capacity` ids) is still stored once — the store drops it at drain time —
 * but the sinks will have counted it on acknowledgment.
 */
export function withRecentIds(writer: EventWriter, config: RecentIdsConfig = {}): EventWriter {
  const capacity = config.capacity ?? 500_000;
  // Insertion-ordered: the first keys are the oldest.
  const seen = new Set<string>();
  const remember = (id: string) => {
    seen.add(id);
    if (seen.size > capacity) {
      const oldest = seen.values().next();
      if (!oldest.done) seen.delete(oldest.value);
    }
  };
  // Ids being written now → settles (after `seen` is updated) when that write ends.
  const inFlight = new Map<string, Promise<void>>();
  return {
    async write(events): Promise<WriteResult> {
      // A re-send of an id still being written waits for that write: it is a duplicate only once
      // the write succeeded (if it fails, the client that sent it first gets the error, and this
      // one must not be told "duplicate" for an event that was never stored).
      for (;;) {
        const waits = new Set<Promise<void>>();
        for (const e of events) {
          const p = inFlight.get(e.event_id);
          if (p) waits.add(p);
        }
        if (waits.size === 0) break;
        await Promise.all(waits);
      }
      const fresh = [];
      const duplicates: string[] = [];
      for (const e of events) {
        if (seen.has(e.event_id)) duplicates.push(e.event_id);
        else {
          remember(e.event_id);
          fresh.push(e);
        }
      }
      if (fresh.length === 0) return { inserted: [], duplicates };
      let release: () => void = () => undefined;
      const done = new Promise<void>((r) => (release = r));
      for (const e of fresh) inFlight.set(e.event_id, done);
      let r: WriteResult;
      try {
        r = await writer.write(fresh);
      } catch (err) {
        for (const e of fresh) seen.delete(e.event_id);
        throw err;
      } finally {
        for (const e of fresh) if (inFlight.get(e.event_id) === done) inFlight.delete(e.event_id);
        release();
      }
      return { inserted: r.inserted, duplicates: [...duplicates, ...r.duplicates] };
    },
  };
}
