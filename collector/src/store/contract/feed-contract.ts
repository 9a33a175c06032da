import type { PaymentEvent } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedOf, type EventFeedReader, type FeedCursor, type TimeCursor } from '../feed.js';
import type { Store } from '../types.js';
import { generateEvents } from './events.js';
import { compareBytes } from './store-contract.js';

/** What a backend's test file hands to the feed contract: an unstarted store over empty storage. */
export interface FeedUnderTest {
  store: Store;
  cleanup: () => Promise<void>;
}

const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);
const HOUR = 3_600_000;

const byArrival = (a: PaymentEvent, b: PaymentEvent) =>
  a.received_at - b.received_at || compareBytes(a.event_id, b.event_id);

/** Reads the whole feed below `before` in pages of `limit`, starting after `after`. */
async function readAll(
  feed: EventFeedReader,
  q: { after: FeedCursor | null; before: number; limit: number; minTs?: number },
): Promise<{ events: PaymentEvent[]; cursor: FeedCursor | null; pages: number }> {
  const out: PaymentEvent[] = [];
  let cursor = q.after;
  let pages = 0;
  for (;;) {
    const page = await feed.eventsReceivedSince({ ...q, after: cursor });
    pages++;
    out.push(...page.events);
    expect(page.events.length).toBeLessThanOrEqual(q.limit);
    if (page.events.length === 0) {
      expect(page.next).toEqual(cursor);
      return { events: out, cursor, pages };
    }
    cursor = page.next;
    if (pages > 10_000) throw new Error('feed does not advance');
  }
}

const byTime = (a: PaymentEvent, b: PaymentEvent) => a.ts - b.ts || compareBytes(a.event_id, b.event_id);

/** Reads an event-time range in pages of `limit`. */
async function readAllByTime(
  feed: EventFeedReader,
  q: { from: number; to: number; receivedBefore: number; limit: number },
): Promise<{ events: PaymentEvent[]; pages: number }> {
  const out: PaymentEvent[] = [];
  let after: TimeCursor | null = null;
  let pages = 0;
  for (;;) {
    const page = await feed.eventsByEventTime({ ...q, after });
    pages++;
    expect(page.events.length).toBeLessThanOrEqual(q.limit);
    out.push(...page.events);
    if (page.events.length === 0) {
      expect(page.next).toEqual(after);
      return { events: out, pages };
    }
    after = page.next;
    if (pages > 10_000) throw new Error('event-time read does not advance');
  }
}

/**
 * The arrival-order feed every backend must answer the same way (`store.feed`): events after a
 * (received_at, event_id) cursor below a watermark, in that order, each exactly once across
 * pages, ties on received_at broken by event_id byte order, optional event-time lower bound.
 */
export function describeFeedContract(name: string, makeStore: () => Promise<FeedUnderTest>): void {
  describe(`feed contract: ${name}`, { timeout: 60_000 }, () => {
    // Many events share a received_at (one HTTP batch is stamped once): 40 arrival instants.
    const events = generateEvents({
      seed: 4242,
      payments: 300,
      from: T0,
      spanMs: 2 * HOUR,
      idPrefix: 'f_',
    }).map((e, i) => ({
      ...e,
      received_at: T0 + 2 * HOUR + (i % 40) * 1000,
    }));
    // Received in the same window but with an event time two days earlier (a late webhook).
    const old = generateEvents({
      seed: 99,
      payments: 20,
      from: T0 - 48 * HOUR,
      spanMs: HOUR,
      idPrefix: 'old_',
    }).map((e, i) => ({
      ...e,
      received_at: T0 + 2 * HOUR + (i % 40) * 1000,
    }));
    const all = [...events, ...old].sort(byArrival);
    let sut: FeedUnderTest;
    let feed: EventFeedReader;

    beforeAll(async () => {
      sut = await makeStore();
      await sut.store.start();
      feed = feedOf(sut.store);
      // Written in an order unrelated to arrival order.
      const shuffled = [...events, ...old].sort((a, b) =>
        compareBytes(a.payment_id + a.event_id, b.payment_id + b.event_id),
      );
      for (let i = 0; i < shuffled.length; i += 250) await sut.store.write(shuffled.slice(i, i + 250));
    });
    afterAll(async () => {
      await sut?.store.stop();
      await sut?.cleanup();
    });

    it('pages through every event once, in (received_at, event_id) order, ties split across pages', async () => {
      const got = await readAll(feed, { after: null, before: T0 + 3 * HOUR, limit: 37 });
      expect(got.events.map((e) => e.event_id)).toEqual(all.map((e) => e.event_id));
      expect(got.pages).toBeGreaterThan(all.length / 37);
      expect(got.events).toEqual(all);
      const last = all[all.length - 1]!;
      expect(got.cursor).toEqual({ received_at: last.received_at, event_id: last.event_id });
    });

    it('stops below the watermark and later resumes from the cursor without repeats or gaps', async () => {
      const cut = T0 + 2 * HOUR + 17 * 1000; // events received at exactly `cut` are not yet read
      const first = await readAll(feed, { after: null, before: cut, limit: 100 });
      expect(first.events).toEqual(all.filter((e) => e.received_at < cut));
      expect(first.events.length).toBeGreaterThan(0);
      const rest = await readAll(feed, { after: first.cursor, before: T0 + 3 * HOUR, limit: 100 });
      expect(rest.events).toEqual(all.filter((e) => e.received_at >= cut));
    });

    it('resumes inside a run of equal received_at by event_id', async () => {
      const mid = all[Math.floor(all.length / 2)]!;
      const page = await feed.eventsReceivedSince({
        after: { received_at: mid.received_at, event_id: mid.event_id },
        before: T0 + 3 * HOUR,
        limit: 5,
      });
      const i = all.indexOf(mid);
      expect(page.events).toEqual(all.slice(i + 1, i + 6));
      expect(page.next).toEqual({ received_at: all[i + 5]!.received_at, event_id: all[i + 5]!.event_id });
    });

    it('skips events whose event time is before minTs', async () => {
      const got = await readAll(feed, { after: null, before: T0 + 3 * HOUR, limit: 500, minTs: T0 - HOUR });
      expect(got.events).toEqual(all.filter((e) => e.ts >= T0 - HOUR));
      expect(got.events.length).toBe(events.length);
    });

    it('returns an empty page with the cursor unchanged when nothing is new, and refuses a bad limit', async () => {
      const last = all[all.length - 1]!;
      const after = { received_at: last.received_at, event_id: last.event_id };
      expect(await feed.eventsReceivedSince({ after, before: T0 + 3 * HOUR, limit: 10 })).toEqual({
        events: [],
        next: after,
      });
      expect(await feed.eventsReceivedSince({ after: null, before: T0, limit: 10 })).toEqual({
        events: [],
        next: null,
      });
      await expect(feed.eventsReceivedSince({ after: null, before: T0, limit: 0 })).rejects.toThrow(/limit/);
    });

    it('reads an event-time range in (ts, event_id) order across pages, below the received_at bound', async () => {
      const from = T0 + 20 * 60_000;
      const to = T0 + 80 * 60_000;
      const receivedBefore = T0 + 2 * HOUR + 30 * 1000;
      const want = all
        .filter((e) => e.ts >= from && e.ts < to && e.received_at < receivedBefore)
        .sort(byTime);
      expect(want.length).toBeGreaterThan(50);
      expect(want.length).toBeLessThan(all.filter((e) => e.ts >= from && e.ts < to).length);
      const got = await readAllByTime(feed, { from, to, receivedBefore, limit: 23 });
      expect(got.events).toEqual(want);
      expect(got.pages).toBeGreaterThan(want.length / 23);
      // Resuming inside a run of equal ts (events share whole seconds here) goes by event_id.
      const sorted = [...all].sort(byTime);
      const i = sorted.findIndex((e, k) => k > 10 && sorted[k + 1]?.ts === e.ts);
      expect(i).toBeGreaterThan(0);
      const page = await feed.eventsByEventTime({
        from: T0 - 72 * HOUR,
        to: T0 + 3 * HOUR,
        receivedBefore: T0 + 3 * HOUR,
        after: { ts: sorted[i]!.ts, event_id: sorted[i]!.event_id },
        limit: 3,
      });
      expect(page.events).toEqual(sorted.slice(i + 1, i + 4));
      expect(page.next).toEqual({ ts: sorted[i + 3]!.ts, event_id: sorted[i + 3]!.event_id });
      await expect(
        feed.eventsByEventTime({ from, to, receivedBefore, after: null, limit: 0 }),
      ).rejects.toThrow(/limit/);
    });

    it('hands out events stored later, when they were received after the cursor', async () => {
      const last = all[all.length - 1]!;
      const later = generateEvents({ seed: 5, payments: 10, from: T0, spanMs: HOUR, idPrefix: 'late_' }).map(
        (e) => ({
          ...e,
          received_at: last.received_at + 5000,
        }),
      );
      await sut.store.write(later);
      const got = await readAll(feed, {
        after: { received_at: last.received_at, event_id: last.event_id },
        before: T0 + 3 * HOUR,
        limit: 7,
      });
      expect(got.events).toEqual([...later].sort(byArrival));
    });
  });
}
