// Guards the ClickHouse duplicate check's day window (default DEFAULT_DEDUP_WINDOW_DAYS): a re-send with the original event time is found however old it is; an id re-sent with an event time more than the window away is stored again, as docs/clickhouse.md says; unbounded finds it.
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import {
  createClickHouseStore,
  DEFAULT_DEDUP_WINDOW_DAYS,
  type ClickHouseStore,
} from './clickhouse.store.js';
import { ident, list, sql } from './sql.js';

const ep = clickhouseEndpoint();
const logger = createLogger({ level: 'silent' });
const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
const databases: string[] = [];
const DAY = 86_400_000;
const TODAY = Date.UTC(2026, 0, 20, 9);

afterAll(async () => {
  for (const d of databases) await client.command({ query: sql`DROP DATABASE IF EXISTS ${ident(d)}`.text });
  await client.close();
});

async function openStore(
  dedupWindowDays?: number | null,
): Promise<{ store: ClickHouseStore; database: string }> {
  await assertClickHouseUp(ep);
  const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  databases.push(database);
  const store = createClickHouseStore(
    {
      url: ep.url,
      username: ep.username,
      password: ep.password,
      database,
      ...(dedupWindowDays === undefined ? {} : { dedupWindowDays }),
    },
    { logger },
  );
  await store.start();
  return { store, database };
}

/**
 * Four small writes of fresh events: after them the store no longer also checks the raw rows
 * (it does for a few writes after start), so what a later write finds comes from the key index
 * and its day window alone.
 */
async function pastStartChecks(store: ClickHouseStore, tag: string): Promise<void> {
  for (let i = 0; i < 4; i++) {
    const evs = generateEvents({
      seed: 900 + i,
      payments: 2,
      from: TODAY,
      spanMs: DAY / 4,
      idPrefix: `${tag}${i}_`,
    });
    expect((await store.write(evs)).inserted.length).toBe(evs.length);
  }
}

async function storedCopies(database: string, ids: readonly string[]): Promise<Map<string, number>> {
  const rs = await client.query({
    query: sql`SELECT event_id, count() AS n FROM ${ident(database)}.payment_events
WHERE event_id IN ${list(ids)} GROUP BY event_id`.text,
    format: 'JSONEachRow',
  });
  return new Map((await rs.json<{ event_id: string; n: string }>()).map((r) => [r.event_id, Number(r.n)]));
}

const shifted = (evs: readonly PaymentEvent[], ms: number) => evs.map((e) => ({ ...e, ts: e.ts + ms }));

describe('ClickHouse duplicate check: the day window', () => {
  it('is 3 days by default', () => {
    expect(DEFAULT_DEDUP_WINDOW_DAYS).toBe(3);
  });

  it('default window: a re-import of 10-day-old events (same event times) is found, alone or mixed with live events', async () => {
    const { store, database } = await openStore();
    try {
      const old = generateEvents({
        seed: 31,
        payments: 60,
        from: TODAY - 10 * DAY,
        spanMs: DAY / 2,
        idPrefix: 'old_',
      });
      expect((await store.write(old)).inserted).toEqual(old);
      await pastStartChecks(store, 'f');

      const again = await store.write(old);
      expect(again.inserted).toEqual([]);
      expect(again.duplicates).toEqual(old.map((e) => e.event_id));

      // One batch spanning both ages: the window covers every event's time ± 3 days.
      const live = generateEvents({
        seed: 32,
        payments: 40,
        from: TODAY,
        spanMs: DAY / 8,
        idPrefix: 'live_',
      });
      const mixed = await store.write([...live.slice(0, 30), ...old.slice(0, 50), ...live.slice(30)]);
      expect(mixed.inserted).toEqual(live);
      expect(mixed.duplicates).toEqual(old.slice(0, 50).map((e) => e.event_id));

      const copies = await storedCopies(
        database,
        [...old, ...live].map((e) => e.event_id),
      );
      expect(copies.size).toBe(old.length + live.length);
      expect([...copies.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await store.stop();
    }
  });

  it('default window: the same id with an event time up to 3 days away is a duplicate; 4 days away it is stored again (documented)', async () => {
    const { store, database } = await openStore();
    try {
      const evs = generateEvents({
        seed: 33,
        payments: 30,
        from: TODAY - 5 * DAY,
        spanMs: DAY / 2,
        idPrefix: 'skew_',
      });
      await store.write(evs);
      await pastStartChecks(store, 'g');

      const third = Math.floor(evs.length / 3);
      expect(third).toBeGreaterThan(5);
      const [near, later, earlier] = [evs.slice(0, third), evs.slice(third, 2 * third), evs.slice(2 * third)];
      const nearR = await store.write(shifted(near, 3 * DAY));
      expect(nearR.inserted).toEqual([]);
      expect(nearR.duplicates).toEqual(near.map((e) => e.event_id));
      const nearEarlier = await store.write(shifted(near, -3 * DAY));
      expect(nearEarlier.inserted).toEqual([]);

      // The miss: a client bug that re-sends an id with an event time 4 days off the stored one.
      expect((await store.write(shifted(later, 4 * DAY))).inserted.length).toBe(later.length);
      expect((await store.write(shifted(earlier, -4 * DAY))).inserted.length).toBe(earlier.length);
      const copies = await storedCopies(
        database,
        [...later, ...earlier].map((e) => e.event_id),
      );
      expect([...copies.values()]).toEqual(new Array<number>(later.length + earlier.length).fill(2));
    } finally {
      await store.stop();
    }
  });

  it('unbounded (null): an id re-sent with an event time 20 days away is still a duplicate', async () => {
    const { store, database } = await openStore(null);
    try {
      const evs = generateEvents({
        seed: 34,
        payments: 15,
        from: TODAY - 25 * DAY,
        spanMs: DAY / 2,
        idPrefix: 'unb_',
      });
      await store.write(evs);
      await pastStartChecks(store, 'h');
      const r = await store.write(shifted(evs, 20 * DAY));
      expect(r.inserted).toEqual([]);
      expect(r.duplicates).toEqual(evs.map((e) => e.event_id));
      const copies = await storedCopies(
        database,
        evs.map((e) => e.event_id),
      );
      expect([...copies.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await store.stop();
    }
  });

  it('refuses a negative or fractional window', () => {
    for (const w of [-1, 1.5])
      expect(() =>
        createClickHouseStore(
          { url: ep.url, username: ep.username, password: ep.password, database: 'x', dedupWindowDays: w },
          { logger },
        ),
      ).toThrow(/dedupWindowDays/);
  });
});
