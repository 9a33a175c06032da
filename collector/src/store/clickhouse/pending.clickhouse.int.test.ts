// Guards "pending longer than N" on ClickHouse (payment_latest, migration 7): equal to the reference and to the raw-table query with parts unmerged and merged, with many ties, after an erasure, after a back-fill run once or twice, and across refreshes that keep unchanged days' lists while writes land on later and earlier days, and with a bounded cache that drops and re-reads days.
import { randomUUID } from 'node:crypto';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { createRandom, generateEvents, referencePending } from '../contract/index.js';
import { createClickHouseStore, type ClickHouseStore } from './clickhouse.store.js';
import { PAYMENT_LATEST } from './migrations.js';
import {
  createClickHousePending,
  rawStalePaymentsQuery,
  type ClickHousePendingOptions,
} from './pending.clickhouse.js';
import { ident, sql } from './sql.js';

const ep = clickhouseEndpoint();
const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Three days around two UTC midnights.
const FROM = Date.UTC(2026, 4, 10, 12);
const SPAN = 3 * DAY;

let admin: ClickHouseClient;
let store: ClickHouseStore;
const stores: ClickHouseStore[] = [];

async function openStore(db = database): Promise<ClickHouseStore> {
  const s = createClickHouseStore(
    { url: ep.url, username: ep.username, password: ep.password, database: db },
    { logger: createLogger({ level: 'silent' }) },
  );
  await s.start();
  stores.push(s);
  return s;
}

const command = (q: ReturnType<typeof sql>) => admin.command({ query: q.text });

/** A pending reader of its own on `db` that records each statement it runs in `statements`. */
function recordingReader(db: string, statements: string[], options?: ClickHousePendingOptions) {
  return createClickHousePending(
    db,
    {
      async rows(q) {
        statements.push(q.text);
        const rs = await admin.query({ query: q.text, format: 'JSONEachRow' });
        return rs.json<Record<string, unknown>>();
      },
    },
    options,
  );
}

/** The days whose open payments `statements` read. */
const openDaysRead = (statements: readonly string[]): string[] =>
  statements
    .filter((q) => q.includes('maxMerge(open_mark)'))
    .map((q) => /toDate\('(\d{4}-\d{2}-\d{2})'\)/.exec(q)?.[1] ?? '?');

/** Payment ids of the raw-table query (the answer this module replaced), oldest first. */
async function rawIds(before: number, since: number): Promise<string[]> {
  const rs = await admin.query({
    query:
      sql`SELECT payment_id FROM (${rawStalePaymentsQuery(database, before, since)}) ORDER BY p_ts, payment_id`
        .text,
    format: 'JSONEachRow',
  });
  return (await rs.json<{ payment_id: string }>()).map((r) => r.payment_id);
}

/** Every (since, before) pair below: the whole span, look-backs cutting payments, cut-offs at midnights. */
const WINDOWS: [number, number][] = [
  [0, FROM + SPAN + HOUR],
  [FROM + DAY, FROM + SPAN + HOUR],
  [Date.UTC(2026, 4, 11), Date.UTC(2026, 4, 12)],
  [Date.UTC(2026, 4, 11) + 1, Date.UTC(2026, 4, 12) + 1],
  [FROM + 2 * DAY + 5 * HOUR, FROM + 2 * DAY + 9 * HOUR],
];

async function expectReference(s: ClickHouseStore, events: readonly PaymentEvent[]): Promise<void> {
  for (const [since, before] of WINDOWS) {
    const want = referencePending(events, before, since);
    expect(want.length, `${since}..${before}`).toBeGreaterThan(0);
    for (const limit of [0, 7, 10_000]) {
      const got = await s.pending.pendingPayments({ since, before, limit });
      expect(got.total, `${since}..${before} limit ${limit}`).toBe(want.length);
      expect(got.items).toEqual(want.slice(0, limit));
    }
    expect(await rawIds(before, since)).toEqual(want.map((p) => p.payment_id));
  }
}

/**
 * Generated payments, plus payments whose latest non-final and final events share a ts (ties):
 * 120 won by the non-final one (higher attempt), 60 by the final one (larger event_id), more
 * than the first statement has room for, so the tie fallback runs too.
 */
function dataSet(): PaymentEvent[] {
  const events = generateEvents({ seed: 5, payments: 1500, from: FROM, spanMs: SPAN, idPrefix: 'pc_' });
  const base = events[0]!;
  const rnd = createRandom(9);
  for (let i = 0; i < 180; i++) {
    const ts = FROM + Math.floor(rnd() * SPAN);
    const id = `tie_${String(i).padStart(3, '0')}`;
    const open = i < 120;
    events.push(
      { ...base, payment_id: id, event_id: `${id}_a`, status: 'succeeded', ts, attempt: 1 },
      {
        ...base,
        payment_id: id,
        event_id: `${id}_${open ? 'b' : '0'}`,
        status: 'pending',
        ts,
        attempt: open ? 2 : 1,
      },
      { ...base, payment_id: id, event_id: `${id}_c`, status: 'created', ts: ts - 60_000, attempt: 1 },
    );
  }
  return events;
}

const events = dataSet();

/** Fisher–Yates with a seeded PRNG: events arrive in an order unrelated to their time. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  const rnd = createRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

beforeAll(async () => {
  await assertClickHouseUp(ep);
  admin = createClient({ url: ep.url, username: ep.username, password: ep.password });
  store = await openStore();
});

afterAll(async () => {
  for (const s of stores) await s.stop();
  await admin?.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  await admin?.close();
});

describe('pending longer than N on ClickHouse (payment_latest)', () => {
  it('equals the reference and the raw query with parts unmerged (out-of-order writes), then merged', async () => {
    // Merges stopped: every write leaves its own part, so most payments have several rows and
    // the candidate pass keeps many that are not stale (the worst case for the exact pass).
    await command(sql`SYSTEM STOP MERGES ${ident(database)}.${ident(PAYMENT_LATEST)}`);
    const order = shuffled(events, 3);
    for (let i = 0; i < order.length; i += 400) await store.write(order.slice(i, i + 400));
    const [rows] = await (
      await admin.query({
        query:
          sql`SELECT count() AS rows, uniqExact(payment_id, day) AS keys FROM ${ident(database)}.${ident(PAYMENT_LATEST)}`
            .text,
        format: 'JSONEachRow',
      })
    ).json<{ rows: string; keys: string }>();
    expect(Number(rows!.rows)).toBeGreaterThan(Number(rows!.keys));
    await expectReference(store, events);

    await command(sql`SYSTEM START MERGES ${ident(database)}.${ident(PAYMENT_LATEST)}`);
    await command(sql`OPTIMIZE TABLE ${ident(database)}.${ident(PAYMENT_LATEST)} FINAL`);
    await expectReference(store, events);
  });

  it('forgets erased events: a payment whose latest event is erased shows its previous state, or goes', async () => {
    // One customer's events become the latest of five stale payments (two of them final now),
    // and the only events of one more payment; erasing that customer must undo all of it.
    const stale = referencePending(events, FROM + SPAN + HOUR, 0).slice(0, 5);
    const erasable: PaymentEvent[] = stale.map((p, i) => ({
      ...events.find((e) => e.payment_id === p.payment_id)!,
      event_id: `erase_${i}`,
      status: i % 2 === 1 ? 'succeeded' : 'requires_action',
      ts: p.ts + 1000,
      customer_ref: 'cust_erase',
    }));
    erasable.push({
      ...events[0]!,
      event_id: 'erase_only',
      payment_id: 'erase_only_p',
      status: 'pending',
      ts: FROM + DAY + HOUR,
      customer_ref: 'cust_erase',
    });
    await store.write(erasable);
    await expectReference(store, [...events, ...erasable]);
    expect(await store.deleteCustomer('cust_erase')).toBe(erasable.length);
    await expectReference(store, events);
  });

  it('back-fills payment_latest from stored events on upgrade, exactly when run twice', async () => {
    // A database that predates migration 7: the table and view gone, the version unrecorded.
    await command(sql`DROP TABLE IF EXISTS ${ident(database)}.${ident(`${PAYMENT_LATEST}_mv`)}`);
    await command(sql`DROP TABLE IF EXISTS ${ident(database)}.${ident(PAYMENT_LATEST)}`);
    await command(sql`ALTER TABLE ${ident(database)}.schema_migrations DELETE WHERE version = 7`);
    await waitMutations();
    await expectReference(await openStore(), events);
    // A crash between the back-fill and the record: the migration runs again over the same rows.
    await command(sql`ALTER TABLE ${ident(database)}.schema_migrations DELETE WHERE version = 7`);
    await waitMutations();
    const again = await openStore();
    await expectReference(again, events);
    // And the view still follows new writes.
    const late = {
      ...events[0]!,
      event_id: 'late_1',
      payment_id: 'late_p',
      status: 'pending' as const,
      ts: FROM + DAY,
    };
    await again.write([late]);
    events.push(late);
    await expectReference(again, events);
  });
});

describe('pending longer than N on ClickHouse across refreshes', () => {
  it('reads again only the days whose parts changed, and follows writes to later and earlier days', async () => {
    const db = `${database}_refresh`;
    const s = await openStore(db);
    try {
      // A reader of its own, to see which statements each refresh runs.
      const statements: string[] = [];
      const newReader = () => recordingReader(db, statements);
      const reader = newReader();
      const all = generateEvents({ seed: 21, payments: 600, from: FROM, spanMs: SPAN, idPrefix: 'rf_' });
      await s.write(all);
      const dayOf = (ts: number) => new Date(ts).toISOString().slice(0, 10);
      /** Every window equals the reference; returns the days whose open payments were read. */
      const refresh = async (r = reader): Promise<string[]> => {
        statements.length = 0;
        for (const [since, before] of WINDOWS) {
          const want = referencePending(all, before, since);
          for (const limit of [0, 5, 10_000]) {
            const got = await r.pendingPayments({ since, before, limit });
            expect(got.total, `${since}..${before} limit ${limit}`).toBe(want.length);
            expect(got.items).toEqual(want.slice(0, limit));
          }
        }
        return openDaysRead(statements);
      };
      expect((await refresh()).sort()).toEqual(['2026-05-10', '2026-05-11', '2026-05-12', '2026-05-13']);
      expect(await refresh()).toEqual([]);

      const base = all[0]!;
      const stale = referencePending(all, FROM + SPAN + HOUR, 0);
      const latestOf = (id: string) =>
        all.filter((e) => e.payment_id === id).reduce((a, e) => (e.ts > a.ts ? e : a));
      const closed = [...new Set(all.map((e) => e.payment_id))]
        .map(latestOf)
        .filter((e) => dayOf(e.ts) === '2026-05-10' && !stale.some((p) => p.payment_id === e.payment_id));
      const early = stale.filter((p) => dayOf(p.ts) === '2026-05-10' || dayOf(p.ts) === '2026-05-11');
      expect(early.length).toBeGreaterThan(2);
      expect(closed.length).toBeGreaterThan(0);
      // On the last day only: a stale payment of an earlier day turns final, a final one reopens.
      const lastDay = Date.UTC(2026, 4, 13, 6);
      const onLastDay: PaymentEvent[] = [
        {
          ...base,
          payment_id: early[0]!.payment_id,
          event_id: 'rf_late_1',
          status: 'succeeded',
          ts: lastDay,
        },
        {
          ...base,
          payment_id: closed[0]!.payment_id,
          event_id: 'rf_late_2',
          status: 'pending',
          ts: lastDay + 1,
        },
      ];
      await s.write(onLastDay);
      all.push(...onLastDay);
      expect(await refresh()).toEqual(['2026-05-13']);
      // A new reader reads every day, the continued payments of all days in one statement.
      expect((await refresh(newReader())).sort()).toEqual([
        '2026-05-10',
        '2026-05-11',
        '2026-05-12',
        '2026-05-13',
      ]);
      expect(statements.some((q) => q.includes('groupUniqArray'))).toBe(true);
      // A late event inside an earlier day: a stale payment of that day turns final there.
      const p = early[1]!;
      const late: PaymentEvent = {
        ...base,
        payment_id: p.payment_id,
        event_id: 'rf_late_3',
        status: 'failed',
        ts: p.ts + 1,
      };
      await s.write([late]);
      all.push(late);
      expect(await refresh()).toEqual([dayOf(p.ts)]);
      // Merges give new parts with the same rows: read again, same answers.
      await command(sql`OPTIMIZE TABLE ${ident(db)}.${ident(PAYMENT_LATEST)} FINAL`);
      await refresh();
      expect(await refresh()).toEqual([]);
    } finally {
      await admin.command({ query: sql`DROP DATABASE IF EXISTS ${ident(db)}`.text });
    }
  });
});

describe('pending longer than N on ClickHouse with a bounded cache', () => {
  it('keeps at most maxCachedEntries ids, drops the least recently used days and reads them again, same answers', async () => {
    const db = `${database}_bound`;
    const s = await openStore(db);
    try {
      const statements: string[] = [];
      const newReader = (maxCachedEntries?: number) => recordingReader(db, statements, { maxCachedEntries });
      const all = generateEvents({ seed: 33, payments: 600, from: FROM, spanMs: SPAN, idPrefix: 'bd_' });
      await s.write(all);
      const days = ['2026-05-10', '2026-05-11', '2026-05-12', '2026-05-13'];
      /** One call equals the reference; returns the days whose open payments it read. */
      const call = async (r: ReturnType<typeof newReader>, since: number, before: number, limit: number) => {
        statements.length = 0;
        const want = referencePending(all, before, since);
        expect(want.length).toBeGreaterThan(0);
        const got = await r.pendingPayments({ since, before, limit });
        expect(got.total, `${since}..${before} limit ${limit}`).toBe(want.length);
        expect(got.items).toEqual(want.slice(0, limit));
        return openDaysRead(statements).sort();
      };
      const end = FROM + SPAN + HOUR;

      // 0: nothing kept, every call reads every day of its look-back again.
      const none = newReader(0);
      for (let i = 0; i < 3; i++) expect(await call(none, 0, end, 7)).toEqual(days);
      expect(await call(none, Date.UTC(2026, 4, 12), end, 7)).toEqual(days.slice(2));
      expect(none.cacheStats().entries).toBe(0);
      expect(none.cacheStats().evictions).toBeGreaterThan(0);

      // Unbounded (the default is far above this data): the second call reads nothing.
      const free = newReader();
      expect(await call(free, 0, end, 10_000)).toEqual(days);
      expect(await call(free, 0, end, 10_000)).toEqual([]);
      const full = free.cacheStats();
      expect(full.openDays).toBe(4);
      expect(full.evictions).toBe(0);

      // Room for about half: the oldest days of the whole-span call are dropped, the newest kept.
      const bound = Math.floor(full.entries / 2);
      const half = newReader(bound);
      expect(await call(half, 0, end, 10_000)).toEqual(days);
      const after = half.cacheStats();
      expect(after.entries).toBeLessThanOrEqual(bound);
      expect(after.evictions).toBeGreaterThan(0);
      expect(after.openDays).toBeLessThan(4);
      const again = await call(half, 0, end, 10_000);
      expect(again.length).toBeGreaterThan(0);
      expect(again).toContain('2026-05-10');
      expect(again).not.toContain('2026-05-13');
      expect(half.cacheStats().entries).toBeLessThanOrEqual(bound);
      // A look-back of the last day only uses what the bound kept, then ranks it most recent.
      expect(await call(half, Date.UTC(2026, 4, 13), end, 5)).toEqual([]);
      for (const [since, before] of WINDOWS) {
        for (const limit of [0, 7]) {
          await call(half, since, before, limit);
          expect(half.cacheStats().entries).toBeLessThanOrEqual(bound);
        }
      }
    } finally {
      await admin.command({ query: sql`DROP DATABASE IF EXISTS ${ident(db)}`.text });
    }
  });
});

async function waitMutations(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const rs = await admin.query({
      query: sql`SELECT count() AS n FROM system.mutations WHERE database = ${database} AND is_done = 0`.text,
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<{ n: string }>();
    if (Number(r?.n ?? 0) === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('ClickHouse mutations did not finish');
}
