// Shared contract for EventEraser on every store backend: erasure removes one customer's events and nothing else; retention removes only older events.
import type { PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { generateEvents, type StoreUnderTest } from '../store/contract/index.js';
import type { Store } from '../store/types.js';

const FROM = Date.UTC(2026, 2, 1);
const SPAN = 6 * 86_400_000;

/** Every stored event id, via the reader (paged). */
export async function allIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.transactions({
      from: 0,
      to: Number.MAX_SAFE_INTEGER,
      filters: {},
      limit: 5000,
      cursor,
    });
    ids.push(...page.items.map((e) => e.event_id));
    cursor = page.next_cursor;
  } while (cursor !== null);
  return ids.sort();
}

/** The seeded events, with customer refs spread over a few customers (and some without). */
export function lifecycleEvents(): PaymentEvent[] {
  return generateEvents({ seed: 77, payments: 400, from: FROM, spanMs: SPAN }).map((e, i) => ({
    ...e,
    customer_ref: i % 7 === 0 ? null : `cust_${i % 5}`,
  }));
}

export function describeEraserContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`event eraser contract: ${name}`, () => {
    it('deleteCustomer removes every event of that customer and nothing else', async () => {
      const { store, cleanup } = await make();
      try {
        await store.start();
        const events = lifecycleEvents();
        await store.write(events);
        const target = 'cust_3';
        const expected = events
          .filter((e) => e.customer_ref !== target)
          .map((e) => e.event_id)
          .sort();
        const removed = events.length - expected.length;
        expect(removed).toBeGreaterThan(20);
        expect(await store.deleteCustomer(target)).toBe(removed);
        expect(await allIds(store)).toEqual(expected);
        expect(await store.deleteCustomer(target)).toBe(0);
        expect(await store.deleteCustomer('cust_nobody')).toBe(0);
      } finally {
        await store.stop();
        await cleanup();
      }
    });

    it('deleteBefore removes only events older than the cut-off', async () => {
      const { store, cleanup } = await make();
      try {
        await store.start();
        const events = lifecycleEvents();
        await store.write(events);
        const cut = FROM + SPAN / 2;
        const keep = events
          .filter((e) => e.ts >= cut)
          .map((e) => e.event_id)
          .sort();
        expect(await store.deleteBefore(cut)).toBe(events.length - keep.length);
        expect(await allIds(store)).toEqual(keep);
        // New writes still work after deletions, and re-sending a deleted id stores it again (it is gone).
        const again = events.filter((e) => e.ts < cut).slice(0, 3);
        const r = await store.write(again);
        expect(r.inserted).toHaveLength(3);
      } finally {
        await store.stop();
        await cleanup();
      }
    });
  });
}
