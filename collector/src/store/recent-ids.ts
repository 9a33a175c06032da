import type { EventWriter, WriteResult } from './types.js';

/** Configuration of `withRecentIds`. */
export interface RecentIdsConfig {
  /** Most event ids remembered (oldest forgotten first; default 500 000, ≈ 50 MB). */
  capacity?: number;
}

/**
 * Reports re-sent events as duplicates before they reach a writer that acknowledges without
 * knowing what the store holds (the spool: ClickHouse's own duplicate check only runs when the
 * spool drains, after the client was answered). Ids this process acknowledged recently, or is
 * writing right now, come back as `duplicates`, so the metrics and live sinks do not count a
 * client's retry twice. A re-send that falls outside the window (another collector, after a
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
  return {
    async write(events): Promise<WriteResult> {
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
      let r: WriteResult;
      try {
        r = await writer.write(fresh);
      } catch (err) {
        // Not acknowledged: the client will retry, and that retry must not look like a duplicate.
        for (const e of fresh) seen.delete(e.event_id);
        throw err;
      }
      return { inserted: r.inserted, duplicates: [...duplicates, ...r.duplicates] };
    },
  };
}
