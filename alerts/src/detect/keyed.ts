import { SnapshotError, arr, num } from './snapshot.js';

/**
 * Per-entity sliding windows for the event detectors, bounded twice: entries older than the
 * window are dropped on touch, and at most `maxKeys` entities are kept (least recently seen
 * evicted first; Map iteration order is insertion order and we re-insert on touch).
 */
export class KeyedWindows<T> {
  private readonly map = new Map<string, { ts: number[]; items: T[] }>();
  constructor(
    readonly windowMs: number,
    readonly maxKeys = 100_000,
  ) {}
  /** Adds an item at `ts` and returns the entity's items within the window ending at `ts`. */
  add(key: string, ts: number, item: T): { ts: number[]; items: T[] } {
    let e = this.map.get(key);
    if (e) this.map.delete(key);
    else e = { ts: [], items: [] };
    e.ts.push(ts);
    e.items.push(item);
    let drop = 0;
    while (drop < e.ts.length && (e.ts[drop] ?? 0) <= ts - this.windowMs) drop++;
    if (drop > 0) {
      e.ts.splice(0, drop);
      e.items.splice(0, drop);
    }
    this.map.set(key, e);
    if (this.map.size > this.maxKeys) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return e;
  }
  /** Entities as JSON, least recently seen first (detector snapshots; items must be JSON-safe). */
  toJson(): [string, number[], T[]][] {
    return [...this.map].map(([k, e]) => [k, [...e.ts], [...e.items]]);
  }
  /** Restores `toJson` output (as written, no validation of the items beyond their count). */
  fromJson(x: unknown): void {
    if (!Array.isArray(x)) throw new SnapshotError('expected an array of entities');
    this.map.clear();
    for (const row of x) {
      const [k, ts, items] = arr(row);
      const t = arr(ts).map(num);
      const it = arr(items) as T[];
      if (t.length !== it.length) throw new SnapshotError('entity times and items differ in length');
      this.map.set(String(k), { ts: t, items: it });
    }
  }
  get size(): number {
    return this.map.size;
  }
}
