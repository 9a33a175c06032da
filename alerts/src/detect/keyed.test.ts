// Guards the event detectors' per-entity windows: items leave with the window, the entity count stays bounded, eviction takes idle and least recently seen entities first, snapshots round-trip, and a running tally always equals its recount over the window.
import { describe, expect, it } from 'vitest';
import { KeyedWindows } from './keyed.js';
import type { WindowTally } from './keyed.js';
import { rng } from './synthetic.js';

describe('KeyedWindows', () => {
  it('returns only the items within the window ending at the new item', () => {
    const w = new KeyedWindows<number>(1000);
    w.add('a', 0, 1);
    w.add('a', 500, 2);
    expect(w.add('a', 1200, 3).latest(Infinity)).toEqual([2, 3]);
    expect(w.add('a', 1500, 4).size).toBe(2);
    expect(w.toJson()).toEqual([['a', [1200, 1500], [3, 4]]]);
  });

  it('never holds more than maxKeys entities, and keeps the recently seen ones', () => {
    const w = new KeyedWindows<number>(1_000_000, 100);
    // 'hot' is touched every 10 adds; 1000 one-off entities pass through.
    for (let i = 0; i < 1000; i++) {
      w.add(`k${i}`, i, i);
      if (i % 10 === 0) w.add('hot', i, i);
      expect(w.size).toBeLessThanOrEqual(100);
    }
    const keys = w.toJson().map(([k]) => k);
    expect(keys).toContain('hot');
    expect(keys).toContain('k999');
    // The survivors are the most recently seen: no one-off older than the newest ~100 remains.
    const oldest = Math.min(...keys.filter((k) => k !== 'hot').map((k) => Number(k.slice(1))));
    expect(oldest).toBeGreaterThanOrEqual(1000 - 100);
  });

  it('drops idle entities (nothing left in their window) before live ones', () => {
    const w = new KeyedWindows<number>(100, 10);
    for (let i = 0; i < 5; i++) w.add(`live${i}`, 1000, i); // seen at 1000
    for (let i = 0; i < 5; i++) w.add(`idle${i}`, 0, i); // last seen at 0: idle by 1000
    w.add('new', 1000, 0); // 11 entities > 10: evict
    const keys = w.toJson().map(([k]) => k);
    expect(keys.filter((k) => k.startsWith('idle'))).toEqual([]);
    expect(keys.filter((k) => k.startsWith('live'))).toHaveLength(5);
    expect(keys).toContain('new');
  });

  it('snapshots least recently seen first and restores the same windows', () => {
    const w = new KeyedWindows<{ id: string }>(1000);
    w.add('b', 10, { id: 'x' });
    w.add('a', 20, { id: 'y' });
    w.add('b', 30, { id: 'z' });
    const json = w.toJson();
    expect(json.map(([k]) => k)).toEqual(['a', 'b']);
    const r = new KeyedWindows<{ id: string }>(1000);
    r.fromJson(JSON.parse(JSON.stringify(json)));
    expect(r.toJson()).toEqual(json);
    expect(
      r
        .add('b', 40, { id: 'w' })
        .latest(Infinity)
        .map((i) => i.id),
    ).toEqual(['x', 'z', 'w']);
  });

  it('restores an entity holding more items than a call can take as arguments (a busy BIN under attack)', () => {
    // 300k attempts in one entity's window (a BIN at 500/s): the restore took the latest time
    // with Math.max(...times), which throws RangeError past ~120k arguments, and the engine
    // then dropped the whole rule's state.
    const n = 300_000;
    const times = Array.from({ length: n }, (_, i) => i * 3);
    const w = new KeyedWindows<number>(600_000);
    expect(() => w.fromJson([['bin', times, times.map(() => 1)]])).not.toThrow();
    // The window is intact, and the next add expires exactly the items older than its window.
    const now = times[n - 1]! + 1;
    const got = w.add('bin', now, 1);
    expect(got.size).toBe(times.filter((t) => t > now - 600_000).length + 1);
    expect(got.size).toBeLessThan(n);
  });

  it('keeps a tally in step with the window (adds, expiries, a new entity after eviction, a restore)', () => {
    const sum: WindowTally<number, { s: number }> = {
      init: () => ({ s: 0 }),
      add: (t, i) => void (t.s += i),
      drop: (t, i) => void (t.s -= i),
    };
    const r = rng(9);
    const w = new KeyedWindows<number, { s: number }>(1000, 20, sum);
    let ts = 0;
    for (let i = 0; i < 3000; i++) {
      ts += Math.floor(r() * 40);
      const got = w.add(`k${Math.floor(r() * 30)}`, ts, 1 + Math.floor(r() * 9));
      expect(got.tally?.s).toBe(got.reduce((a, b) => a + b, 0));
    }
    const b = new KeyedWindows<number, { s: number }>(1000, 20, sum);
    b.fromJson(JSON.parse(JSON.stringify(w.toJson())) as unknown);
    for (const [k, , items] of w.toJson()) {
      const got = b.add(k, ts, 0);
      expect(got.tally?.s).toBe(got.reduce((x, y) => x + y, 0));
      expect(got.size).toBeLessThanOrEqual(items.length + 1);
    }
  });
});
