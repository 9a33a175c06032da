import { SnapshotError, arr, num } from './snapshot.js';

/**
 * One entity's window as `KeyedWindows.add` returns it: the items still inside, oldest first
 * (in arrival order), and their tally. Valid until the next `add` on the same windows.
 */
export interface WindowView<T, A> {
  /** Items in the window. */
  readonly size: number;
  /** The running tally of the items (see `WindowTally`); undefined without one. */
  readonly tally: A | undefined;
  /** The newest `k` items (all of them when fewer), oldest first. */
  latest(k: number): T[];
  /** Folds the items oldest first, like `Array.prototype.reduce` over them. */
  reduce<R>(fn: (acc: R, item: T) => R, init: R): R;
}

/**
 * An entity's window: `items[head..]` are inside it. Expired items are skipped by moving `head`
 * and cut off once they are a quarter of the arrays — `splice(0, k)` on every expiry moved the
 * whole window each time (~84 µs per event on a 20k-item window: quadratic in a sustained fraud
 * wave); a cut moves at most three items per item expired since the last one, and the arrays
 * hold at most a third more than the window.
 */
class Entity<T, A> implements WindowView<T, A> {
  ts: number[] = [];
  items: T[] = [];
  head = 0;
  constructor(
    /** Latest `ts` added (kept when the window empties, for least-recently-seen eviction). */
    public last: number,
    public tally: A | undefined,
  ) {}
  get size(): number {
    return this.items.length - this.head;
  }
  latest(k: number): T[] {
    return this.items.slice(Math.max(this.head, this.items.length - k));
  }
  reduce<R>(fn: (acc: R, item: T) => R, init: R): R {
    let acc = init;
    for (let i = this.head; i < this.items.length; i++) acc = fn(acc, this.items[i] as T);
    return acc;
  }
  /** Drops the expired prefix once it is a quarter of the arrays (see `cutFront`). */
  compact(): void {
    this.head = cutFront(this.head, this.items, this.ts);
  }
}

/**
 * Cuts the first `head` elements (items that left a window) off `a` (and `b`, kept in step) once
 * they are a quarter of it, and returns the new head (0 after a cut): amortized O(1) per item
 * left, and the arrays hold at most a third more than the window.
 */
export function cutFront(head: number, a: unknown[], b?: unknown[]): number {
  if (head === 0 || head * 4 < a.length) return head;
  a.splice(0, head);
  b?.splice(0, head);
  return 0;
}

/**
 * Running per-entity state kept in step with the window's items (counts a detector would
 * otherwise recompute over the whole window on every event: quadratic on a busy entity). `add`
 * is called for each item entering the window, `drop` for each leaving it; on restore the tally
 * is rebuilt by adding the restored items in order.
 */
export interface WindowTally<T, A> {
  init(): A;
  add(tally: A, item: T): void;
  drop(tally: A, item: T): void;
}

/** Share of `maxKeys` an overflow evicts down to, so a full map does not evict on every add. */
const EVICT_TO = 0.9;

/**
 * Per-entity sliding windows for the event detectors, bounded twice: entries older than the
 * window are dropped on touch, and at most `maxKeys` entities are kept. When an add makes the
 * map exceed `maxKeys`, entities with nothing left in their window are dropped, then the least
 * recently seen ones until `EVICT_TO` of `maxKeys` remain (one pass per ~10 % of `maxKeys`
 * new entities, instead of moving every touched entity to the end of the map: with 100k
 * entities, `Map` delete + re-insert on every event cost ~10 µs per add).
 */
export class KeyedWindows<T, A = never> {
  private readonly map = new Map<string, Entity<T, A>>();
  constructor(
    readonly windowMs: number,
    readonly maxKeys = 100_000,
    private readonly tally?: WindowTally<T, A>,
  ) {}
  /**
   * Adds an item at `ts` and returns the entity's items within the window ending at `ts` (and
   * their tally, with a `WindowTally`).
   */
  add(key: string, ts: number, item: T): WindowView<T, A> {
    let e = this.map.get(key);
    if (!e) {
      e = new Entity<T, A>(ts, this.tally?.init());
      this.map.set(key, e);
    }
    e.ts.push(ts);
    e.items.push(item);
    if (this.tally && e.tally !== undefined) this.tally.add(e.tally, item);
    if (ts > e.last) e.last = ts;
    // From the oldest in arrival order, while expired (an out-of-order item keeps the ones
    // behind it, as it always has).
    const start = e.head;
    while (e.head < e.ts.length && (e.ts[e.head] ?? 0) <= ts - this.windowMs) e.head++;
    if (e.head > start) {
      if (this.tally && e.tally !== undefined)
        for (let i = start; i < e.head; i++) this.tally.drop(e.tally, e.items[i] as T);
      e.compact();
    }
    if (this.map.size > this.maxKeys) this.evict(ts, key);
    return e;
  }
  /** Drops idle entities, then the least recently seen, down to `EVICT_TO` × `maxKeys` (never `keep`). */
  private evict(now: number, keep: string): void {
    for (const [k, e] of this.map) if (e.last <= now - this.windowMs && k !== keep) this.map.delete(k);
    const target = Math.floor(this.maxKeys * EVICT_TO);
    if (this.map.size <= target) return;
    // The (size - target)-th smallest last-seen time, by a native numeric sort of the times.
    const lasts = new Float64Array(this.map.size);
    let i = 0;
    for (const e of this.map.values()) lasts[i++] = e.last;
    lasts.sort();
    const cutoff = lasts[this.map.size - target - 1] ?? -Infinity;
    for (const [k, e] of this.map) {
      if (this.map.size <= target) break;
      if (e.last <= cutoff && k !== keep) this.map.delete(k);
    }
  }
  /** Entities as JSON, least recently seen first (detector snapshots; items must be JSON-safe). */
  toJson(): [string, number[], T[]][] {
    return [...this.map]
      .sort((a, b) => a[1].last - b[1].last)
      .map(([k, e]) => [k, e.ts.slice(e.head), e.items.slice(e.head)]);
  }
  /** Restores `toJson` output (as written, no validation of the items beyond their count). */
  fromJson(x: unknown): void {
    if (!Array.isArray(x)) throw new SnapshotError('expected an array of entities');
    this.map.clear();
    let order = 0;
    for (const row of x) {
      const [k, ts, items] = arr(row);
      const t = arr(ts).map(num);
      const it = arr(items) as T[];
      if (t.length !== it.length) throw new SnapshotError('entity times and items differ in length');
      let tally: A | undefined;
      if (this.tally) {
        tally = this.tally.init();
        for (const i of it) this.tally.add(tally, i);
      }
      // An entity whose window was empty has no time left: keep the snapshot's order. (A loop,
      // not Math.max(...t): a busy entity's window can exceed V8's argument limit.)
      let last = t.length ? -Infinity : order;
      for (const x of t) if (x > last) last = x;
      const e = new Entity<T, A>(last, tally);
      e.ts = t;
      e.items = it;
      this.map.set(String(k), e);
      order++;
    }
  }
  get size(): number {
    return this.map.size;
  }
}
