// Guards the spool's duplicate front: re-sent ids are reported as duplicates (one in flight only once its write succeeded), failed writes are forgotten, the window is bounded.
import type { PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { withRecentIds } from './recent-ids.js';
import type { EventWriter } from './types.js';

const ev = (id: string) => ({ event_id: id }) as PaymentEvent;

/** A writer that accepts everything it is given (like the spool) and records the calls. */
function acceptingWriter(fail: { next: boolean } = { next: false }): EventWriter & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    write(events) {
      calls.push(events.map((e) => e.event_id));
      if (fail.next) {
        fail.next = false;
        return Promise.reject(new Error('disk full'));
      }
      return Promise.resolve({ inserted: events, duplicates: [] });
    },
  };
}

describe('withRecentIds', () => {
  it('reports ids acknowledged earlier as duplicates and does not pass them on', async () => {
    const inner = acceptingWriter();
    const w = withRecentIds(inner);
    const a = await w.write([ev('a'), ev('b')]);
    expect(a.inserted.map((e) => e.event_id)).toEqual(['a', 'b']);
    const b = await w.write([ev('b'), ev('c')]);
    expect(b.inserted.map((e) => e.event_id)).toEqual(['c']);
    expect(b.duplicates).toEqual(['b']);
    expect(inner.calls).toEqual([['a', 'b'], ['c']]);
  });

  it('treats concurrent writes of the same id as one acknowledgment', async () => {
    const w = withRecentIds(acceptingWriter());
    const [x, y] = await Promise.all([w.write([ev('a')]), w.write([ev('a')])]);
    expect(x.inserted.length + y.inserted.length).toBe(1);
    expect([...x.duplicates, ...y.duplicates]).toEqual(['a']);
  });

  it('forgets the ids of a failed write so the retry is accepted', async () => {
    const fail = { next: true };
    const w = withRecentIds(acceptingWriter(fail));
    await expect(w.write([ev('a')])).rejects.toThrow('disk full');
    const r = await w.write([ev('a')]);
    expect(r.inserted.map((e) => e.event_id)).toEqual(['a']);
  });

  it('a re-send while the first write is in flight is not acknowledged as a duplicate if that write fails', async () => {
    // A provider retries while the first delivery is still waiting for the spool's fsync, which
    // then fails (disk full): the retry must not be answered "duplicate" for an event never stored.
    const stored: string[] = [];
    let failFirst: (e: Error) => void = () => undefined;
    let calls = 0;
    const inner: EventWriter = {
      write(events) {
        calls++;
        if (calls === 1) return new Promise((_, reject) => (failFirst = reject));
        stored.push(...events.map((e) => e.event_id));
        return Promise.resolve({ inserted: events, duplicates: [] });
      },
    };
    const w = withRecentIds(inner);
    const first = w.write([ev('a')]);
    const retry = w.write([ev('a'), ev('b')]);
    await new Promise((r) => setTimeout(r, 10));
    failFirst(new Error('disk full'));
    await expect(first).rejects.toThrow('disk full');
    const r = await retry;
    expect(r.inserted.map((e) => e.event_id).sort()).toEqual(['a', 'b']);
    expect(r.duplicates).toEqual([]);
    expect(stored.sort()).toEqual(['a', 'b']);
  });

  it('keeps at most `capacity` ids, forgetting the oldest', async () => {
    const w = withRecentIds(acceptingWriter(), { capacity: 2 });
    await w.write([ev('a'), ev('b'), ev('c')]);
    expect((await w.write([ev('a')])).inserted).toHaveLength(1);
    expect((await w.write([ev('c')])).duplicates).toEqual(['c']);
  });

  it("adds the inner writer's own duplicates", async () => {
    const inner: EventWriter = {
      write: (events) => Promise.resolve({ inserted: events.slice(1), duplicates: [events[0]!.event_id] }),
    };
    const r = await withRecentIds(inner).write([ev('a'), ev('b')]);
    expect(r.duplicates).toEqual(['a']);
    expect(r.inserted.map((e) => e.event_id)).toEqual(['b']);
  });
});
