import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIMENSIONS,
  bucketStart,
  outcomeOf,
  type Dimension,
  type Filters,
  type PaymentEvent,
} from '@paywatch/contracts';
import type { RangeFilter, Store } from '../types.js';
import { AWKWARD_STRINGS, generateEvents } from './events.js';

/**
 * What a backend's test file hands to the contract suite. `makeStore` returns an UNSTARTED
 * store over empty storage of its own; the suite starts and stops it, then calls `cleanup`.
 * `reopen` (optional) returns a new unstarted store over the same storage, to prove data
 * survives a restart; the suite stops the first store before calling it.
 */
export interface StoreUnderTest {
  store: Store;
  cleanup: () => Promise<void>;
  reopen?: () => Promise<Store>;
}

// ---------------------------------------------------------------------------------------------
// Independent reference implementation of every query, over the generated array.
// ---------------------------------------------------------------------------------------------

/** Byte order of the UTF-8 encoding: how both DuckDB and ClickHouse compare strings. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
/** Ascending, nulls last. */
function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return compareBytes(a, b);
}

function dimValue(e: PaymentEvent, d: Dimension): string | null {
  switch (d) {
    case 'card_brand':
      return e.card?.brand ?? null;
    case 'card_bin':
      return e.card?.bin ?? null;
    case 'card_issuer_country':
      return e.card?.issuer_country ?? null;
    case 'card_wallet':
      return e.card?.wallet ?? null;
    case 'failure_category':
      return e.failure?.category ?? null;
    default:
      return e[d];
  }
}

function matches(e: PaymentEvent, q: RangeFilter): boolean {
  if (e.ts < q.from || e.ts >= q.to) return false;
  const f = q.filters;
  for (const d of DIMENSIONS) {
    const vs = f[d];
    if (vs && vs.length > 0) {
      const v = dimValue(e, d);
      if (v === null || !vs.includes(v)) return false;
    }
  }
  if (f.payment_id !== undefined && e.payment_id !== f.payment_id) return false;
  if (f.min_amount_minor !== undefined && e.amount_minor < f.min_amount_minor) return false;
  if (f.max_amount_minor !== undefined && e.amount_minor > f.max_amount_minor) return false;
  return true;
}

interface Expected {
  events: number;
  attempts: number;
  succeeded: number;
  failed: number;
  gmv_minor: Record<string, number>;
  succeeded_by_currency: Record<string, number>;
  latencies: number[];
}

function aggregate(events: readonly PaymentEvent[]): Expected {
  const x: Expected = {
    events: 0,
    attempts: 0,
    succeeded: 0,
    failed: 0,
    gmv_minor: {},
    succeeded_by_currency: {},
    latencies: [],
  };
  for (const e of events) {
    x.events++;
    const o = outcomeOf(e.status);
    if (o === null) continue;
    x.attempts++;
    if (o === 'success') {
      x.succeeded++;
      x.gmv_minor[e.currency] = (x.gmv_minor[e.currency] ?? 0) + e.amount_minor;
      x.succeeded_by_currency[e.currency] = (x.succeeded_by_currency[e.currency] ?? 0) + 1;
    } else {
      x.failed++;
    }
    if (e.latency_ms !== null) x.latencies.push(e.latency_ms);
  }
  x.latencies.sort((a, b) => a - b);
  return x;
}

/** Relative error a backend's latency quantiles may have (ClickHouse's histogram: ≤ 3.85 %). */
const QUANTILE_RELATIVE_ERROR = 0.04;

/**
 * A backend may compute quantiles approximately: accept any value within 4 % (+0.001 ms of
 * rounding) of a value between the order statistics around q ± 0.02 (a rank error of 2 %):
 * from the ⌊(n−1)(q−0.02)⌋-th to the ⌈(n−1)(q+0.02)⌉-th smallest. Exact interpolation
 * (`quantile_cont`) and a log-bucketed histogram (nearest rank, reported within 4 % of it)
 * both fall inside.
 */
function expectQuantile(actual: number | null, sorted: readonly number[], q: number, what: string): void {
  if (sorted.length === 0) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  const n = sorted.length;
  const lo = sorted[Math.max(0, Math.floor((n - 1) * (q - 0.02)))] as number;
  const hi = sorted[Math.min(n - 1, Math.ceil((n - 1) * (q + 0.02)))] as number;
  expect(actual as number, what).toBeGreaterThanOrEqual(lo * (1 - QUANTILE_RELATIVE_ERROR) - 1e-3);
  expect(actual as number, what).toBeLessThanOrEqual(hi * (1 + QUANTILE_RELATIVE_ERROR) + 1e-3);
}

function groupBy<K>(events: readonly PaymentEvent[], keyOf: (e: PaymentEvent) => K): Map<K, PaymentEvent[]> {
  const m = new Map<K, PaymentEvent[]>();
  for (const e of events) {
    const k = keyOf(e);
    const g = m.get(k);
    if (g) g.push(e);
    else m.set(k, [e]);
  }
  return m;
}

const byNewest = (a: PaymentEvent, b: PaymentEvent) => b.ts - a.ts || compareBytes(b.event_id, a.event_id);

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

const HOUR = 3_600_000;
/** Monday 2026-01-05 00:00 UTC. */
const T0 = Date.UTC(2026, 0, 5);
const SPAN = 6 * HOUR;
const DAY = 24 * HOUR;
/** 2026-03-06 12:00 UTC: three days over New York's spring-forward (2026-03-08 02:00 EST). */
const DST0 = Date.UTC(2026, 2, 6, 12);

/**
 * The behaviour every store backend must show, asserted against results computed here from
 * the generated events. Call it from a backend's test file (the embedded one from a unit test,
 * ClickHouse from an integration test).
 *
 * Rules the interface leaves open, fixed here for every backend:
 * - Strings order by their UTF-8 bytes; null keys sort last.
 * - An empty value list for a dimension filter is no constraint.
 * - `timeseries`: one point per (bucket, key) with at least one event of any status (attempts
 *   may be 0), ordered by t, then key.
 * - `breakdown`: every key present in the range (attempts may be 0), attempts desc, then key.
 * - `failures`: events with status `failed`; no failure object counts as category `other`;
 *   null codes are not listed; ties by count, then category / code.
 * - `write`: `inserted.length + duplicates.length` equals the input length; `duplicates` lists
 *   every refused occurrence in input order; among concurrent calls exactly one call inserts an id.
 * - Latency quantiles may be approximate: within 4 % of the order statistics around q ± 0.02.
 */
export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  // Generous limits: a shared CI box or a remote backend can be slow; a hang still fails.
  describe(`store contract: ${name}`, { timeout: 60_000 }, () => {
    describe('reads over a seeded data set', () => {
      const events = generateEvents({
        seed: 20260105,
        payments: 700,
        from: T0,
        spanMs: SPAN,
        idPrefix: 'r_',
      });
      // Outside the queried ranges: must never leak into results.
      const outside = [
        ...generateEvents({ seed: 7, payments: 20, from: T0 - HOUR, spanMs: HOUR, idPrefix: 'before_' }),
        ...generateEvents({ seed: 8, payments: 20, from: T0 + SPAN, spanMs: HOUR, idPrefix: 'after_' }),
      ];
      // Three days across a DST change, for day buckets in a time zone.
      const dstEvents = generateEvents({
        seed: 20260308,
        payments: 150,
        from: DST0,
        spanMs: 3 * DAY,
        idPrefix: 'dst_',
      });
      const all = [...events, ...outside, ...dstEvents];
      const full: RangeFilter = { from: T0, to: T0 + SPAN, filters: {} };
      let sut: StoreUnderTest;
      let store: Store;

      beforeAll(async () => {
        sut = await makeStore();
        store = sut.store;
        await store.start();
        // Several calls of uneven size, interleaved with the out-of-range events.
        const shuffled = [...all].sort((a, b) =>
          compareBytes(a.payment_id + a.event_id, b.payment_id + b.event_id),
        );
        for (let i = 0; i < shuffled.length; i += 617) {
          const r = await store.write(shuffled.slice(i, i + 617));
          expect(r.duplicates).toEqual([]);
        }
      }, 120_000);
      afterAll(async () => {
        await store?.stop();
        await sut?.cleanup();
      }, 60_000);

      const checkOverview = async (q: RangeFilter) => {
        const x = aggregate(all.filter((e) => matches(e, q)));
        const got = await store.overview(q);
        const label = JSON.stringify(q);
        expect({ ...got, latency_ms: undefined }, label).toEqual({
          events: x.events,
          attempts: x.attempts,
          succeeded: x.succeeded,
          failed: x.failed,
          gmv_minor: x.gmv_minor,
          succeeded_by_currency: x.succeeded_by_currency,
          latency_ms: undefined,
        });
        expectQuantile(got.latency_ms.p50, x.latencies, 0.5, `${label} p50`);
        expectQuantile(got.latency_ms.p95, x.latencies, 0.95, `${label} p95`);
        expectQuantile(got.latency_ms.p99, x.latencies, 0.99, `${label} p99`);
        return x;
      };

      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('overview counts events, attempts, outcomes, GMV per currency and latency over the range', async () => {
        const x = await checkOverview(full);
        // The data set is rich enough to mean something.
        expect(x.events).toBeGreaterThan(1000);
        expect(x.failed).toBeGreaterThan(100);
        expect(x.events).toBeGreaterThan(x.attempts);
        expect(Object.keys(x.gmv_minor).length).toBeGreaterThanOrEqual(4);
      });

      it('filters: one value, several values (OR), several dimensions (AND), nested columns, ids, amounts', async () => {
        const filters: Filters[] = [
          { provider: ['stripe'] },
          { provider: ['stripe', 'alipay', 'coinbase'] },
          { provider: ['stripe', 'adyen'], currency: ['USD', 'JPY'] },
          { method: ['card'], card_brand: ['jcb', 'unionpay'] },
          { card_bin: ['424242'], card_issuer_country: ['US', 'CN'] },
          { card_wallet: ['apple_pay'] },
          { failure_category: ['do_not_honor', 'timeout'] },
          { status: ['failed'], channel: ['web', 'pos'] },
          { country: ['JP'], user_level: ['gold'] },
          { merchant_id: [AWKWARD_STRINGS[0]] },
          { merchant_id: ['m_日本', 'm_beta'] },
          { payment_id: events[10]?.payment_id as string },
          { min_amount_minor: 1000, max_amount_minor: 50_000 },
          { min_amount_minor: 0, max_amount_minor: 0 },
          { provider: ['stripe'], min_amount_minor: 100_000 },
          { provider: ['no_such_provider'] },
          { merchant_id: ["' OR 1=1 --"] },
        ];
        for (const f of filters) await checkOverview({ ...full, filters: f });
        // An empty value list is no constraint.
        const got = await store.overview({ ...full, filters: { provider: [] } });
        expect(got.events).toBe(aggregate(events).events);
      });

      it('a filter matching nothing gives zeros and null latencies', async () => {
        const got = await store.overview({ ...full, filters: { country: ['ZZ'] } });
        expect(got).toEqual({
          events: 0,
          attempts: 0,
          succeeded: 0,
          failed: 0,
          gmv_minor: {},
          succeeded_by_currency: {},
          latency_ms: { p50: null, p95: null, p99: null },
        });
      });

      it('ranges are half-open on event time: [from, to)', async () => {
        const t = (events[42] as PaymentEvent).ts;
        const atT = all.filter((e) => e.ts === t).length;
        expect(atT).toBeGreaterThan(0);
        expect((await store.overview({ from: t, to: t + 1, filters: {} })).events).toBe(atT);
        expect((await store.overview({ from: t, to: t, filters: {} })).events).toBe(0);
        expect((await store.overview({ from: t - 1, to: t, filters: {} })).events).toBe(
          all.filter((e) => e.ts === t - 1).length,
        );
        await checkOverview({ from: t, to: t + HOUR, filters: {} });
        await checkOverview({ from: T0 - HOUR, to: t, filters: {} });
        await checkOverview({ from: T0 + SPAN, to: T0 + SPAN + HOUR, filters: {} });
      });

      const checkSeries = async (
        q: RangeFilter & { bucketMs: number; groupBy: Dimension | null; tz?: string },
      ) => {
        const got = await store.timeseries(q);
        const groups = groupBy(
          all.filter((e) => matches(e, q)),
          (e) =>
            JSON.stringify([
              bucketStart(e.ts, q.bucketMs, q.tz ?? null),
              q.groupBy === null ? null : dimValue(e, q.groupBy),
            ]),
        );
        const expected = [...groups.entries()]
          .map(([k, es]) => {
            const [t, key] = JSON.parse(k) as [number, string | null];
            const x = aggregate(es);
            return {
              t,
              key,
              attempts: x.attempts,
              succeeded: x.succeeded,
              failed: x.failed,
              gmv_minor: x.gmv_minor,
              succeeded_by_currency: x.succeeded_by_currency,
              lat: x.latencies,
            };
          })
          .sort((a, b) => a.t - b.t || compareKeys(a.key, b.key));
        expect(
          got.map(({ latency_p95: _p, ...rest }) => rest),
          JSON.stringify(q),
        ).toEqual(expected.map(({ lat: _l, ...rest }) => rest));
        got.forEach((p, i) =>
          expectQuantile(p.latency_p95, (expected[i] as { lat: number[] }).lat, 0.95, `point ${i}`),
        );
        return got;
      };

      it('timeseries: aligned buckets, every non-empty bucket, ordered by time', async () => {
        const got = await checkSeries({ ...full, bucketMs: 15 * 60_000, groupBy: null });
        expect(got.length).toBe(24);
        for (const p of got) expect(p.t % (15 * 60_000)).toBe(0);
        // A range that does not start on a bucket boundary still uses epoch-aligned buckets.
        await checkSeries({
          from: T0 + 7 * 60_000 + 123,
          to: T0 + 3 * HOUR,
          filters: {},
          bucketMs: HOUR,
          groupBy: null,
        });
      });

      it('timeseries grouped by a dimension, with filters and null keys', async () => {
        const g = await checkSeries({ ...full, bucketMs: HOUR, groupBy: 'provider' });
        expect(new Set(g.map((p) => p.key)).size).toBeGreaterThan(3);
        const n = await checkSeries({
          ...full,
          bucketMs: HOUR,
          groupBy: 'card_brand',
          filters: { currency: ['USD', 'EUR'] },
        });
        expect(n.some((p) => p.key === null)).toBe(true);
        await checkSeries({ ...full, bucketMs: 86_400_000, groupBy: 'failure_category' });
        await checkSeries({
          ...full,
          bucketMs: 60_000,
          groupBy: 'merchant_id',
          filters: { provider: ['stripe'] },
        });
      });

      it('timeseries in a time zone: 6 h, day and week buckets from local midnight, across DST, in half-hour zones', async () => {
        const dst: RangeFilter = { from: DST0, to: DST0 + 3 * DAY, filters: {} };
        // New York's days: EST (05:00 UTC) until 2026-03-08, which lasts 23 h; EDT (04:00 UTC) after.
        const ny = await checkSeries({ ...dst, bucketMs: DAY, groupBy: null, tz: 'America/New_York' });
        expect(ny.map((p) => p.t)).toEqual([
          Date.UTC(2026, 2, 6, 5),
          Date.UTC(2026, 2, 7, 5),
          Date.UTC(2026, 2, 8, 5),
          Date.UTC(2026, 2, 9, 4),
        ]);
        const ny6 = await checkSeries({
          ...dst,
          bucketMs: 6 * HOUR,
          groupBy: 'provider',
          tz: 'America/New_York',
        });
        expect(ny6.some((p) => p.t === Date.UTC(2026, 2, 9, 4) + 6 * HOUR)).toBe(true);
        // +05:30 and +05:45: days start on the half hour / quarter hour.
        const ist = await checkSeries({ ...dst, bucketMs: DAY, groupBy: 'status', tz: 'Asia/Kolkata' });
        expect(ist.some((p) => p.t === Date.UTC(2026, 2, 7, 18, 30))).toBe(true);
        await checkSeries({ ...dst, bucketMs: 6 * HOUR, groupBy: null, tz: 'Asia/Kathmandu' });
        // St John's (-03:30, with DST too): its midnight falls inside the seeded 6 hours.
        const nst = await checkSeries({
          ...full,
          bucketMs: DAY,
          groupBy: 'currency',
          tz: 'America/St_Johns',
        });
        expect(new Set(nst.map((p) => p.t))).toEqual(
          new Set([Date.UTC(2026, 0, 4, 3, 30), Date.UTC(2026, 0, 5, 3, 30)]),
        );
        // Hour buckets ignore the zone.
        await checkSeries({ ...full, bucketMs: HOUR, groupBy: null, tz: 'Asia/Kolkata' });
        // Weeks from Monday: New York's local midnight before and after the change; UTC's.
        const weeks = await checkSeries({
          ...dst,
          bucketMs: 7 * DAY,
          groupBy: 'provider',
          tz: 'America/New_York',
        });
        expect(new Set(weeks.map((p) => p.t))).toEqual(
          new Set([Date.UTC(2026, 2, 2, 5), Date.UTC(2026, 2, 9, 4)]),
        );
        await checkSeries({ ...dst, bucketMs: 7 * DAY, groupBy: null, tz: 'Asia/Kathmandu' });
        const utcWeeks = await checkSeries({
          from: T0 - HOUR,
          to: T0 + HOUR,
          filters: {},
          bucketMs: 7 * DAY,
          groupBy: null,
        });
        expect(utcWeeks.map((p) => p.t)).toEqual([Date.UTC(2025, 11, 29), T0]);
      });

      const checkBreakdown = async (q: RangeFilter & { dimension: Dimension; limit: number }) => {
        const got = await store.breakdown(q);
        const expected = [
          ...groupBy(
            all.filter((e) => matches(e, q)),
            (e) => dimValue(e, q.dimension),
          ).entries(),
        ]
          .map(([key, es]) => {
            const x = aggregate(es);
            return {
              key,
              attempts: x.attempts,
              succeeded: x.succeeded,
              failed: x.failed,
              gmv_minor: x.gmv_minor,
              succeeded_by_currency: x.succeeded_by_currency,
              lat: x.latencies,
            };
          })
          .sort((a, b) => b.attempts - a.attempts || compareKeys(a.key, b.key))
          .slice(0, q.limit);
        expect(
          got.map(({ latency_p95: _p, ...rest }) => rest),
          JSON.stringify(q),
        ).toEqual(expected.map(({ lat: _l, ...rest }) => rest));
        got.forEach((p, i) =>
          expectQuantile(p.latency_p95, (expected[i] as { lat: number[] }).lat, 0.95, `row ${i}`),
        );
        return got;
      };

      it('breakdown: top N by attempts, ties by key, null as a key', async () => {
        expect(await checkBreakdown({ ...full, dimension: 'provider', limit: 3 })).toHaveLength(3);
        await checkBreakdown({ ...full, dimension: 'provider', limit: 100 });
        const brands = await checkBreakdown({ ...full, dimension: 'card_brand', limit: 50 });
        expect(brands.some((b) => b.key === null)).toBe(true);
        await checkBreakdown({
          ...full,
          dimension: 'merchant_id',
          limit: 10,
          filters: { method: ['card', 'alipay'] },
        });
        await checkBreakdown({ ...full, dimension: 'status', limit: 20 });
        await checkBreakdown({ ...full, dimension: 'user_level', limit: 2, filters: { country: ['CN'] } });
        for (const d of DIMENSIONS) await checkBreakdown({ ...full, dimension: d, limit: 5 });
      });

      it('failures: failed attempts by category, largest first, with the top 5 raw codes', async () => {
        const check = async (q: RangeFilter) => {
          const failed = all.filter((e) => matches(e, q) && e.status === 'failed');
          const expected = [...groupBy(failed, (e) => e.failure?.category ?? 'other').entries()]
            .map(([category, es]) => ({
              category,
              count: es.length,
              top_codes: [
                ...groupBy(
                  es.filter((e) => e.failure?.code != null),
                  (e) => e.failure?.code as string,
                ).entries(),
              ]
                .map(([code, cs]) => ({ code, count: cs.length }))
                .sort((a, b) => b.count - a.count || compareBytes(a.code, b.code))
                .slice(0, 5),
            }))
            .sort((a, b) => b.count - a.count || compareBytes(a.category, b.category));
          const got = await store.failures(q);
          expect(got, JSON.stringify(q)).toEqual(expected);
          return got;
        };
        const got = await check(full);
        expect(got.length).toBeGreaterThan(5);
        expect(got.some((f) => f.top_codes.length === 5)).toBe(true);
        await check({ ...full, filters: { provider: ['stripe', 'adyen'] } });
        await check({ from: T0 + HOUR, to: T0 + 2 * HOUR, filters: { currency: ['JPY'] } });
      });

      it('transactions: cursor pages visit every matching event exactly once, newest first', async () => {
        const walk = async (q: RangeFilter, limit: number) => {
          const seen: PaymentEvent[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const page = await store.transactions({ ...q, limit, cursor });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            if (page.next_cursor !== null) expect(page.items.length).toBe(limit);
            seen.push(...page.items);
            cursor = page.next_cursor;
            pages++;
            expect(pages).toBeLessThan(10_000);
          } while (cursor !== null);
          const expected = all.filter((e) => matches(e, q)).sort(byNewest);
          expect(seen.map((e) => e.event_id)).toEqual(expected.map((e) => e.event_id));
          // Events come back exactly as written (nested objects, nulls, metadata).
          expect(seen).toEqual(expected);
          return seen;
        };
        const a = await walk(
          { ...full, filters: { provider: ['stripe', 'alipay'], status: ['failed', 'succeeded'] } },
          7,
        );
        expect(a.length).toBeGreaterThan(50);
        // Many events share a ts, so the event_id tie-break must hold across page boundaries.
        const shared = await walk({ from: T0, to: T0 + HOUR, filters: {} }, 3);
        expect(new Set(shared.map((e) => e.ts)).size).toBeLessThan(shared.length);
        await walk({ ...full, filters: { merchant_id: [AWKWARD_STRINGS[0]] } }, 50);
        await walk({ from: T0 + SPAN, to: T0 + SPAN + HOUR, filters: {} }, 500);
        const none = await store.transactions({
          ...full,
          filters: { country: ['ZZ'] },
          limit: 10,
          cursor: null,
        });
        expect(none).toEqual({ items: [], next_cursor: null });
      });

      it('transactions: a cursor it did not issue is a 400', async () => {
        await expect(store.transactions({ ...full, limit: 5, cursor: 'not-a-cursor' })).rejects.toMatchObject(
          { status: 400 },
        );
      });

      it('payment timeline: every event of the payment across attempts, oldest first', async () => {
        const multi = [...groupBy(events, (e) => e.payment_id).entries()].filter(
          ([, es]) => new Set(es.map((e) => e.attempt)).size > 1,
        );
        expect(multi.length).toBeGreaterThan(10);
        for (const [id, es] of multi.slice(0, 15)) {
          const expected = [...es].sort(
            (a, b) => a.ts - b.ts || a.attempt - b.attempt || compareBytes(a.event_id, b.event_id),
          );
          expect(await store.paymentTimeline(id)).toEqual(expected);
        }
        expect(await store.paymentTimeline('no-such-payment')).toEqual([]);
      });

      it('awkward strings (quotes, backslashes, NUL, emoji, CJK) round-trip byte for byte', async () => {
        const withAwkward = events.filter(
          (e) =>
            (AWKWARD_STRINGS as readonly string[]).includes(e.merchant_id) ||
            (e.failure?.message != null &&
              (AWKWARD_STRINGS as readonly string[]).includes(e.failure.message)) ||
            e.metadata !== null,
        );
        expect(withAwkward.length).toBeGreaterThan(20);
        const ids = new Set(withAwkward.map((e) => e.payment_id));
        for (const id of [...ids].slice(0, 40)) {
          expect(await store.paymentTimeline(id)).toEqual(
            events
              .filter((e) => e.payment_id === id)
              .sort((a, b) => a.ts - b.ts || a.attempt - b.attempt || compareBytes(a.event_id, b.event_id)),
          );
        }
      });
    });

    describe('writes', () => {
      const fresh = async () => {
        const sut = await makeStore();
        await sut.store.start();
        return sut;
      };
      const done = async (sut: StoreUnderTest) => {
        await sut.store.stop();
        await sut.cleanup();
      };
      const batch = (seed: number, payments: number, prefix: string) =>
        generateEvents({ seed, payments, from: T0, spanMs: HOUR, idPrefix: prefix });

      it('reports inserted events in input order and duplicates within and across calls; stores each once', async () => {
        const sut = await fresh();
        try {
          const { store } = sut;
          const evs = batch(1, 40, 'w1_');
          const first = evs.slice(0, 60);
          const r1 = await store.write([...first, first[3] as PaymentEvent, first[0] as PaymentEvent]);
          expect(r1.inserted).toEqual(first);
          expect(r1.duplicates).toEqual([first[3]?.event_id, first[0]?.event_id]);

          // Re-sent ids (even with other contents) are duplicates and do not replace the stored event.
          const changed = { ...(first[5] as PaymentEvent), amount_minor: 1, status: 'succeeded' as const };
          const rest = evs.slice(60);
          const r2 = await store.write([changed, ...rest, first[10] as PaymentEvent]);
          expect(r2.inserted).toEqual(rest);
          expect(r2.duplicates).toEqual([changed.event_id, first[10]?.event_id]);

          const r3 = await store.write(evs);
          expect(r3.inserted).toEqual([]);
          expect(r3.duplicates).toEqual(evs.map((e) => e.event_id));

          expect(await store.write([])).toEqual({ inserted: [], duplicates: [] });

          const q: RangeFilter = { from: T0, to: T0 + HOUR, filters: {} };
          const x = aggregate(evs);
          const got = await store.overview(q);
          expect([got.events, got.attempts, got.succeeded, got.failed, got.gmv_minor]).toEqual([
            evs.length,
            x.attempts,
            x.succeeded,
            x.failed,
            x.gmv_minor,
          ]);
          const tl = await store.paymentTimeline(changed.payment_id);
          expect(tl.find((e) => e.event_id === changed.event_id)).toEqual(first[5]);
        } finally {
          await done(sut);
        }
      });

      it('lone UTF-16 surrogates: text columns (ids too) are stored as U+FFFD, metadata keeps them; a re-send is a duplicate', async () => {
        // Text with no UTF-8 form (what JSON.parse makes of "\ud800"): ClickHouse refuses it in
        // an INSERT, DuckDB replaces it. Every backend stores the same: U+FFFD in text columns,
        // and metadata (JSON text) as written.
        const sut = await fresh();
        try {
          const { store } = sut;
          const evs = batch(5, 4, 'ls_');
          const e0 = evs[0] as PaymentEvent;
          const bad: PaymentEvent = {
            ...e0,
            event_id: 'ls_bad\ud800',
            payment_id: 'ls_pay\udc00',
            merchant_id: 'm\ud800x',
            failure: { category: 'other', code: 'c\udfff', message: 'declined 😀 \ud83d' },
            user_level: 'gold\udbff',
            metadata: { note: 'n\ud800', ['k\udc00']: [1, 'v\udfff'] },
          };
          const rest = evs.slice(1);
          const r = await store.write([bad, ...rest]);
          expect(r.inserted).toHaveLength(evs.length);
          const expected: PaymentEvent = {
            ...bad,
            event_id: 'ls_bad\ufffd',
            payment_id: 'ls_pay\ufffd',
            merchant_id: 'm\ufffdx',
            failure: { category: 'other', code: 'c\ufffd', message: 'declined 😀 \ufffd' },
            user_level: 'gold\ufffd',
          };
          expect(await store.paymentTimeline('ls_pay\ufffd')).toEqual([expected]);
          // Looked up by the id as sent, too.
          expect(await store.paymentTimeline(bad.payment_id)).toEqual([expected]);
          const byPayment = new Map(rest.map((e) => [e.payment_id, e]));
          for (const id of byPayment.keys())
            expect((await store.paymentTimeline(id)).length).toBe(
              rest.filter((e) => e.payment_id === id).length,
            );
          expect(await store.write([bad, rest[0] as PaymentEvent])).toEqual({
            inserted: [],
            duplicates: [bad.event_id, rest[0]?.event_id],
          });
        } finally {
          await done(sut);
        }
      });

      it('concurrent writes of overlapping batches store every id exactly once', async () => {
        const sut = await fresh();
        try {
          const { store } = sut;
          const evs = batch(2, 1200, 'c_');
          const calls = 8;
          const size = Math.ceil(evs.length / 4);
          // Each call overlaps its neighbours by half; some calls repeat an id inside themselves.
          const slices = Array.from({ length: calls }, (_, i) => {
            const start = Math.floor((i * (evs.length - size)) / (calls - 1));
            const s = evs.slice(start, start + size);
            return i % 3 === 0 ? [...s, s[0] as PaymentEvent] : s;
          });
          const results = await Promise.all(slices.map((s) => store.write(s)));
          const insertedIds = results.flatMap((r) => r.inserted.map((e) => e.event_id));
          const covered = new Set(slices.flat().map((e) => e.event_id));
          expect(insertedIds.length).toBe(covered.size);
          expect(new Set(insertedIds)).toEqual(covered);
          results.forEach((r, i) =>
            expect(r.inserted.length + r.duplicates.length).toBe((slices[i] as PaymentEvent[]).length),
          );
          // Each call's inserted events keep that call's input order.
          results.forEach((r, i) => {
            const order = new Map<string, number>();
            (slices[i] as PaymentEvent[]).forEach((e, j) => {
              if (!order.has(e.event_id)) order.set(e.event_id, j);
            });
            const pos = r.inserted.map((e) => order.get(e.event_id) as number);
            expect(pos).toEqual([...pos].sort((a, b) => a - b));
          });
          const got = await store.overview({ from: T0, to: T0 + HOUR, filters: {} });
          expect(got.events).toBe(covered.size);
          // The same id in two simultaneous calls: one wins.
          const one = batch(3, 1, 'solo_')[0] as PaymentEvent;
          const [a, b] = await Promise.all([store.write([one]), store.write([one])]);
          expect(a.inserted.length + b.inserted.length).toBe(1);
          expect([...a.duplicates, ...b.duplicates]).toEqual([one.event_id]);
        } finally {
          await done(sut);
        }
      });

      it('stop is idempotent, flushes queued writes, and a stopped store refuses writes', async () => {
        const sut = await fresh();
        try {
          const evs = batch(4, 50, 's_');
          const pending = sut.store.write(evs);
          await Promise.all([sut.store.stop(), sut.store.stop()]);
          expect((await pending).inserted).toEqual(evs);
          await expect(sut.store.write(evs)).rejects.toThrow();
          await sut.store.stop();
        } finally {
          await sut.cleanup();
        }
      });

      it('data survives stop and a new start (when the backend can reopen its storage)', async (ctx) => {
        const sut = await fresh();
        let reopened: Store | null = null;
        try {
          if (!sut.reopen) {
            ctx.skip('this backend factory has no reopen()');
            return;
          }
          const evs = batch(5, 120, 'p_');
          await sut.store.write(evs);
          const q: RangeFilter = { from: T0, to: T0 + HOUR, filters: {} };
          const before = await sut.store.overview(q);
          await sut.store.stop();
          reopened = await sut.reopen();
          await reopened.start();
          expect(await reopened.overview(q)).toEqual(before);
          expect(before.events).toBe(evs.length);
          const again = await reopened.write([...evs.slice(0, 10), ...batch(6, 2, 'p2_')]);
          expect(again.duplicates).toEqual(evs.slice(0, 10).map((e) => e.event_id));
          const page = await reopened.transactions({ ...q, limit: 1000, cursor: null });
          expect(page.items.length).toBe(evs.length + again.inserted.length);
        } finally {
          await reopened?.stop();
          await sut.store.stop();
          await sut.cleanup();
        }
      });
    });
  });
}
