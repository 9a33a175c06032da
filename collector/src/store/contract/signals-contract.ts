import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentEvent } from '@paywatch/contracts';
import type { LogRecord } from '../../sources/log-tail/index.js';
import { CHECKOUT_FUNNEL, computeFunnel, type RumRecord } from '../../sources/faro/index.js';
import type { ScrapedSample } from '../../sources/prom-scrape/index.js';
import {
  NON_FINAL_STATUSES,
  WEB_VITAL_THRESHOLDS,
  type PendingPayment,
  type PendingPaymentReader,
  type SignalStore,
} from '../signals.js';
import { AWKWARD_STRINGS, createRandom, generateEvents } from './events.js';

/**
 * What a backend's test file hands to the signal-store contract. `setup` returns a started
 * store over empty storage; `pending.write` stores payment events for the pending-payments query.
 */
export interface SignalsUnderTest {
  signals: SignalStore;
  pending: { reader: PendingPaymentReader; write: (events: PaymentEvent[]) => Promise<unknown> };
  cleanup: () => Promise<void>;
}

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

/** Linear-interpolation quantile (DuckDB quantile_cont, ClickHouse quantileExactInclusive). */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Reference for "pending longer than N": latest event per payment by (ts, attempt, event_id), within [since, before). */
export function referencePending(
  events: readonly PaymentEvent[],
  before: number,
  since = 0,
): PendingPayment[] {
  const latest = new Map<string, PaymentEvent>();
  for (const e of events) {
    const cur = latest.get(e.payment_id);
    const later =
      !cur ||
      e.ts > cur.ts ||
      (e.ts === cur.ts &&
        (e.attempt > cur.attempt ||
          (e.attempt === cur.attempt &&
            Buffer.compare(Buffer.from(e.event_id), Buffer.from(cur.event_id)) > 0)));
    if (later) latest.set(e.payment_id, e);
  }
  return [...latest.values()]
    .filter((e) => NON_FINAL_STATUSES.includes(e.status) && e.ts < before && e.ts >= since)
    .sort((a, b) => a.ts - b.ts || Buffer.compare(Buffer.from(a.payment_id), Buffer.from(b.payment_id)))
    .map((e) => ({
      payment_id: e.payment_id,
      status: e.status,
      ts: e.ts,
      provider: e.provider,
      merchant_id: e.merchant_id,
      method: e.method,
      amount_minor: e.amount_minor,
      currency: e.currency,
    }));
}

function sample(
  ts: number,
  target: string,
  series: string,
  labels: Record<string, string>,
  value: number,
): ScrapedSample {
  return { ts, target, series, labels, value };
}

function logRecord(i: number, over: Partial<LogRecord> = {}): LogRecord {
  return {
    id: `log_${i.toString().padStart(4, '0')}`,
    ts: T0 + Math.floor(i / 3) * 1000, // three records share each timestamp: paging must break ties
    file: i % 2 === 0 ? '/var/log/app/a.log' : '/var/log/app/b.log',
    offset: i * 100,
    level: ['info', 'warn', 'ERROR'][i % 3] ?? 'info',
    message: `request ${i} handled`,
    fields: { i, nested: { ok: i % 2 === 0 } },
    ...over,
  };
}

function rum(i: number, over: Partial<RumRecord>): RumRecord {
  return {
    id: `rum_${i}`,
    ts: T0 + i * 10,
    kind: 'event',
    name: 'checkout_viewed',
    value: null,
    message: null,
    session_id: 's1',
    app_name: 'shop',
    app_version: '1.0.0',
    page_url: 'https://shop.example.com/checkout',
    attributes: {},
    ...over,
  };
}

/** The signal-store contract: every backend must pass it (the embedded one on every run). */
export function describeSignalsContract(name: string, setup: () => Promise<SignalsUnderTest>): void {
  describe(`signal store contract: ${name}`, () => {
    let sut: SignalsUnderTest;
    beforeAll(async () => {
      sut = await setup();
    }, 60_000);
    afterAll(async () => {
      await sut?.cleanup();
    }, 60_000);

    describe('scraped samples', () => {
      const samples: ScrapedSample[] = [];
      beforeAll(async () => {
        for (let k = 0; k < 20; k++) {
          const ts = T0 + k * 15_000;
          samples.push(
            sample(ts, 'gw', 'gateway_payments', { provider: 'adyen', status: 'succeeded' }, 1000 + k),
          );
          samples.push(sample(ts, 'gw', 'gateway_payments', { provider: 'adyen', status: 'failed' }, 30 + k));
          samples.push(
            sample(ts, 'gw2', 'gateway_payments', { status: 'succeeded', provider: 'stripe' }, 5000 + k),
          );
          samples.push(sample(ts, 'gw', 'up', {}, 1));
        }
        samples.push(sample(T0, 'gw', 'awkward', { note: AWKWARD_STRINGS.join('|') }, 1.5));
        // Two writes: the second must not replace the first.
        await sut.signals.writeSamples(samples.slice(0, 40));
        await sut.signals.writeSamples(samples.slice(40));
      });

      it('returns the samples of a series in range, grouped by target and labels, oldest first', async () => {
        const got = await sut.signals.querySamples({
          series: 'gateway_payments',
          from: T0 + 15_000,
          to: T0 + 60_000,
          limit: 1000,
        });
        const want = samples.filter(
          (s) => s.series === 'gateway_payments' && s.ts >= T0 + 15_000 && s.ts < T0 + 60_000,
        );
        expect(got).toHaveLength(want.length);
        expect(new Set(got.map((s) => `${s.target}/${s.labels.status}/${s.ts}/${s.value}`))).toEqual(
          new Set(want.map((s) => `${s.target}/${s.labels.status}/${s.ts}/${s.value}`)),
        );
        for (let i = 1; i < got.length; i++) {
          const a = got[i - 1]!;
          const b = got[i]!;
          if (a.target === b.target && JSON.stringify(a.labels) === JSON.stringify(b.labels))
            expect(b.ts).toBeGreaterThan(a.ts);
        }
        // a series' samples are contiguous
        const keys = got.map((s) => `${s.target}${JSON.stringify(s.labels)}`);
        expect(new Set(keys).size).toBe(3);
        const runs = keys.filter((k, i) => i === 0 || k !== keys[i - 1]);
        expect(runs).toHaveLength(3);
      });

      it('filters by target and exact label values', async () => {
        const failed = await sut.signals.querySamples({
          series: 'gateway_payments',
          from: T0,
          to: T0 + 3_600_000,
          labels: { status: 'failed' },
          limit: 1000,
        });
        expect(failed.map((s) => s.value)).toEqual(Array.from({ length: 20 }, (_, k) => 30 + k));
        expect(failed.every((s) => s.labels.provider === 'adyen' && s.target === 'gw')).toBe(true);
        const gw2 = await sut.signals.querySamples({
          series: 'gateway_payments',
          from: T0,
          to: T0 + 3_600_000,
          target: 'gw2',
          limit: 1000,
        });
        expect(gw2).toHaveLength(20);
        expect(gw2[0]!.labels).toEqual({ provider: 'stripe', status: 'succeeded' });
        const none = await sut.signals.querySamples({
          series: 'gateway_payments',
          from: T0,
          to: T0 + 3_600_000,
          labels: { status: "x' OR '1'='1" },
          limit: 1000,
        });
        expect(none).toEqual([]);
      });

      it('keeps label values byte for byte and honours the limit', async () => {
        const [a] = await sut.signals.querySamples({ series: 'awkward', from: T0, to: T0 + 1, limit: 10 });
        expect(a?.labels.note).toBe(AWKWARD_STRINGS.join('|'));
        expect(a?.value).toBe(1.5);
        const limited = await sut.signals.querySamples({
          series: 'up',
          from: T0,
          to: T0 + 3_600_000,
          limit: 7,
        });
        expect(limited.map((s) => s.ts)).toEqual(Array.from({ length: 7 }, (_, k) => T0 + k * 15_000));
      });
    });

    describe('log records', () => {
      const records = Array.from({ length: 50 }, (_, i) => logRecord(i));
      records.push(logRecord(50, { message: 'literal 100% match_me', level: null }));
      beforeAll(async () => {
        await sut.signals.writeLogs(records.slice(0, 30));
        // overlapping retry: ids already stored are ignored
        await sut.signals.writeLogs(records.slice(20));
        await sut.signals.writeLogs(records.slice(0, 5));
      });

      it('pages through every record once, newest first (ties broken by id)', async () => {
        const seen: LogRecord[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await sut.signals.searchLogs({ from: T0, to: T0 + 3_600_000, limit: 7, cursor });
          seen.push(...page.items);
          cursor = page.next_cursor;
          pages++;
        } while (cursor !== null && pages < 100);
        expect(seen).toHaveLength(records.length);
        const want = [...records].sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : -1));
        expect(seen.map((r) => r.id)).toEqual(want.map((r) => r.id));
        expect(seen.find((r) => r.id === 'log_0004')).toEqual(records[4]);
      });

      it('searches text case-insensitively and literally, and filters level and file', async () => {
        const byText = await sut.signals.searchLogs({
          from: T0,
          to: T0 + 3_600_000,
          text: 'REQUEST 1',
          limit: 100,
          cursor: null,
        });
        expect(byText.items.map((r) => r.id).sort()).toEqual(
          records
            .filter((r) => r.message.includes('request 1'))
            .map((r) => r.id)
            .sort(),
        );
        const literal = await sut.signals.searchLogs({
          from: T0,
          to: T0 + 3_600_000,
          text: '100% match_',
          limit: 100,
          cursor: null,
        });
        expect(literal.items.map((r) => r.id)).toEqual(['log_0050']);
        const wildcard = await sut.signals.searchLogs({
          from: T0,
          to: T0 + 3_600_000,
          text: '%',
          limit: 100,
          cursor: null,
        });
        expect(wildcard.items.map((r) => r.id)).toEqual(['log_0050']);
        const errors = await sut.signals.searchLogs({
          from: T0,
          to: T0 + 3_600_000,
          level: 'error',
          file: '/var/log/app/a.log',
          limit: 100,
          cursor: null,
        });
        expect(errors.items.map((r) => r.id).sort()).toEqual(
          records
            .filter((r) => r.level === 'ERROR' && r.file === '/var/log/app/a.log')
            .map((r) => r.id)
            .sort(),
        );
        const inFields = await sut.signals.searchLogs({
          from: T0,
          to: T0 + 3_600_000,
          text: '"i":49',
          limit: 100,
          cursor: null,
        });
        expect(inFields.items.map((r) => r.id)).toEqual(['log_0049']);
      });

      it('respects the time range', async () => {
        const page = await sut.signals.searchLogs({
          from: T0 + 2000,
          to: T0 + 4000,
          limit: 100,
          cursor: null,
        });
        expect(page.items.map((r) => r.id).sort()).toEqual(
          records
            .filter((r) => r.ts >= T0 + 2000 && r.ts < T0 + 4000)
            .map((r) => r.id)
            .sort(),
        );
      });
    });

    describe('RUM records', () => {
      const rnd = createRandom(7);
      const records: RumRecord[] = [];
      let i = 0;
      // 10 sessions view, 6 submit, 4 succeed, 1 fails; one session submits BEFORE viewing.
      for (let sIdx = 0; sIdx < 10; sIdx++) {
        const session_id = `sess_${sIdx}`;
        records.push(rum(i++, { session_id, name: 'checkout_viewed' }));
        if (sIdx < 6)
          records.push(rum(i++, { session_id, name: 'payment_submitted', attributes: { method: 'card' } }));
        if (sIdx < 4)
          records.push(rum(i++, { session_id, name: 'payment_result', attributes: { status: 'succeeded' } }));
        if (sIdx === 4)
          records.push(rum(i++, { session_id, name: 'payment_result', attributes: { status: 'failed' } }));
      }
      records.push(rum(i++, { session_id: 'early', name: 'payment_submitted', ts: T0 - 5 }));
      records.push(rum(i++, { session_id: 'early', name: 'checkout_viewed' }));
      const vitals: Record<string, number[]> = {};
      for (const [name, [good, poor]] of Object.entries(WEB_VITAL_THRESHOLDS)) {
        vitals[name] = [];
        for (let k = 0; k < 25; k++) {
          const v =
            name === 'cls' ? Math.round(rnd() * poor * 1.6 * 1000) / 1000 : Math.round(rnd() * poor * 1.6);
          vitals[name]!.push(k === 0 ? good : k === 1 ? poor : v); // boundaries: good is ≤, poor is >
          records.push(
            rum(i++, { kind: 'measurement', name, value: vitals[name]![k]!, session_id: `v${k}` }),
          );
        }
      }
      records.push(rum(i++, { kind: 'measurement', name: 'lcp', value: 99_999, app_name: 'other-app' }));
      records.push(
        rum(i++, {
          kind: 'exception',
          name: 'Error',
          message: 'boom',
          attributes: { a: AWKWARD_STRINGS[3] ?? '' },
        }),
      );
      const typeErrors = [
        rum(i++, {
          kind: 'exception',
          name: 'TypeError',
          message: 'x is undefined',
          session_id: 'e1',
          page_url: 'https://shop.example.com/cart',
        }),
        rum(i++, {
          kind: 'exception',
          name: 'TypeError',
          message: 'x is undefined',
          session_id: 'e2',
          page_url: 'https://shop.example.com/cart',
        }),
        rum(i++, {
          kind: 'exception',
          name: 'TypeError',
          message: 'x is undefined',
          session_id: 'e1',
          page_url: 'https://shop.example.com/pay',
        }),
        rum(i++, {
          kind: 'exception',
          name: 'TypeError',
          message: 'other',
          session_id: 'e9',
          app_name: 'other-app',
        }),
      ];
      beforeAll(async () => {
        await sut.signals.writeRum(records);
        await sut.signals.writeRum(records.slice(0, 10)); // a retried beacon
        await sut.signals.writeRum(typeErrors);
      });

      it('groups browser exceptions by name and message, most frequent first', async () => {
        const got = await sut.signals.rumErrors({
          from: T0 - 1000,
          to: T0 + 3_600_000,
          app_name: 'shop',
          limit: 10,
        });
        expect(got).toEqual([
          {
            name: 'TypeError',
            message: 'x is undefined',
            count: 3,
            sessions: 2,
            last_ts: typeErrors[2]!.ts,
            last_page_url: 'https://shop.example.com/pay',
          },
          {
            name: 'Error',
            message: 'boom',
            count: 1,
            sessions: 1,
            last_ts: records[records.length - 1]!.ts,
            last_page_url: 'https://shop.example.com/checkout',
          },
        ]);
        expect(await sut.signals.rumErrors({ from: T0 - 1000, to: T0 + 3_600_000, limit: 1 })).toHaveLength(
          1,
        );
        const all = await sut.signals.rumErrors({ from: T0 - 1000, to: T0 + 3_600_000, limit: 10 });
        expect(all.map((e) => e.message)).toEqual(['x is undefined', 'boom', 'other']);
      });

      it('returns records by kind and name, oldest first, without duplicates', async () => {
        const names = ['checkout_viewed', 'payment_submitted', 'payment_result'];
        const got = await sut.signals.rumRecords({
          from: T0 - 1000,
          to: T0 + 3_600_000,
          kind: 'event',
          names,
          limit: 10_000,
        });
        const want = records
          .filter((r) => r.kind === 'event' && names.includes(r.name))
          .sort((a, b) => a.ts - b.ts);
        expect(got).toEqual(want);
        const ex = await sut.signals.rumRecords({
          from: T0 - 1000,
          to: T0 + 3_600_000,
          kind: 'exception',
          names: ['Error'],
          limit: 10,
        });
        expect(ex).toHaveLength(1);
        expect(ex[0]!.attributes.a).toBe(AWKWARD_STRINGS[3]);
      });

      it('feeds the checkout funnel', async () => {
        const got = await sut.signals.rumRecords({
          from: T0 - 1000,
          to: T0 + 3_600_000,
          kind: 'event',
          limit: 10_000,
        });
        const f = computeFunnel(got, CHECKOUT_FUNNEL);
        expect(f.steps.map((s) => s.sessions)).toEqual([11, 6, 4]);
      });

      it('summarizes web vitals per metric (count, quantiles, rating bands)', async () => {
        const got = await sut.signals.webVitals({ from: T0 - 1000, to: T0 + 3_600_000, app_name: 'shop' });
        expect(got.map((v) => v.name)).toEqual(Object.keys(WEB_VITAL_THRESHOLDS).sort());
        for (const v of got) {
          const values = [...vitals[v.name]!].sort((a, b) => a - b);
          const [good, poor] = WEB_VITAL_THRESHOLDS[v.name]!;
          expect(v.count).toBe(25);
          expect(v.p50).toBeCloseTo(quantile(values, 0.5)!, 6);
          expect(v.p75).toBeCloseTo(quantile(values, 0.75)!, 6);
          expect(v.p95).toBeCloseTo(quantile(values, 0.95)!, 6);
          expect(v.good).toBe(values.filter((x) => x <= good).length);
          expect(v.poor).toBe(values.filter((x) => x > poor).length);
          expect(v.needs_improvement).toBe(25 - v.good - v.poor);
        }
        const all = await sut.signals.webVitals({ from: T0 - 1000, to: T0 + 3_600_000 });
        expect(all.find((v) => v.name === 'lcp')?.count).toBe(26);
      });
    });

    describe('pending longer than N', () => {
      const events: PaymentEvent[] = [];
      beforeAll(async () => {
        events.push(
          ...generateEvents({
            seed: 11,
            payments: 400,
            from: T0 - 7_200_000,
            spanMs: 7_200_000,
            idPrefix: 'pd_',
          }),
        );
        // Same ts: the higher attempt wins, then the larger event_id.
        const base = events[0]!;
        const tie = (event_id: string, attempt: number, status: PaymentEvent['status']): PaymentEvent => ({
          ...base,
          event_id,
          payment_id: 'pd_tie',
          attempt,
          status,
          ts: T0 - 3_600_000,
        });
        events.push(tie('pd_tie_a', 2, 'pending'), tie('pd_tie_b', 1, 'succeeded'));
        events.push(
          { ...tie('pd_tie2_a', 1, 'failed'), payment_id: 'pd_tie2' },
          { ...tie('pd_tie2_b', 1, 'authorized'), payment_id: 'pd_tie2' },
        );
        await sut.pending.write(events);
      });

      it('lists payments whose latest status is non-final and older than the cut-off, oldest first, with the total', async () => {
        for (const before of [T0 - 3_600_000, T0 - 1_800_000, T0 + 1]) {
          const want = referencePending(events, before);
          expect(want.length).toBeGreaterThan(2);
          const got = await sut.pending.reader.pendingPayments({ since: 0, before, limit: 20 });
          expect(got.total).toBe(want.length);
          expect(got.items).toEqual(want.slice(0, 20));
        }
        const all = await sut.pending.reader.pendingPayments({ since: 0, before: T0 + 1, limit: 10_000 });
        const ids = all.items.map((p) => p.payment_id);
        expect(ids).toContain('pd_tie');
        expect(ids).toContain('pd_tie2');
        const counted = await sut.pending.reader.pendingPayments({ since: 0, before: T0 + 1, limit: 0 });
        expect(counted).toEqual({ total: all.total, items: [] });
      });

      it('reads only payments whose latest event is at or after the look-back (older ones are abandoned)', async () => {
        const all = referencePending(events, T0 + 1);
        for (const since of [T0 - 5_400_000, T0 - 2_700_000, T0 - 3_600_000]) {
          const want = referencePending(events, T0 + 1, since);
          // The look-back cuts some payments and keeps others (a payment with events on both
          // sides of it keeps its latest status).
          expect(want.length).toBeGreaterThan(0);
          expect(want.length).toBeLessThan(all.length);
          const got = await sut.pending.reader.pendingPayments({ since, before: T0 + 1, limit: 10_000 });
          expect(got.total).toBe(want.length);
          expect(got.items).toEqual(want);
        }
      });

      it('follows events written later, out of order and across a midnight, ties, and both boundaries exactly', async () => {
        // A second data set two days on (after every cut-off above, so those answers hold):
        // payments written in three separate writes, around the UTC midnight M.
        const M = Date.UTC(2026, 0, 13);
        const base = events[0]!;
        let n = 0;
        const ev = (
          payment_id: string,
          status: PaymentEvent['status'],
          ts: number,
          attempt = 1,
        ): PaymentEvent => ({
          ...base,
          event_id: `pl_${payment_id}_${String(n++).padStart(3, '0')}`,
          payment_id,
          status,
          ts,
          attempt,
          amount_minor: 100 + n,
        });
        const since = M - 30 * 60_000;
        const writes: PaymentEvent[][] = [
          [
            ev('late', 'created', M - 10 * 60_000),
            ev('final_later', 'created', M - 20 * 60_000),
            ev('final_later', 'pending', M - 19 * 60_000),
            ev('cross', 'created', M - 5 * 60_000),
            ev('reopened', 'succeeded', M - 8 * 60_000),
            ev('at_since', 'pending', since),
            ev('before_since', 'pending', since - 1),
            ev('spans_since', 'created', since - 60_000),
            // Same ts and attempt: the larger event_id is the latest (here the final one).
            ev('tie_final', 'authorized', M - 7 * 60_000),
            ev('tie_final', 'captured', M - 7 * 60_000),
            // Same ts: the higher attempt wins over a final event of a lower attempt.
            ev('tie_attempt', 'succeeded', M - 6 * 60_000, 1),
            ev('tie_attempt', 'requires_action', M - 6 * 60_000, 2),
            ev('at_midnight', 'pending', M),
          ],
          [
            // An older event arriving later does not replace the latest one.
            ev('late', 'failed', M - 15 * 60_000),
            ev('final_later', 'succeeded', M - 18 * 60_000),
            // Non-final again after a final event (a later notification reopens it).
            ev('reopened', 'pending', M - 4 * 60_000),
            ev('spans_since', 'pending', since + 60_000),
          ],
          [
            // The latest event moves to the next day (another partition on ClickHouse).
            ev('cross', 'authorized', M + 5 * 60_000),
            // Written last but older than the final one of the tie: still final.
            ev('tie_final', 'pending', M - 9 * 60_000),
          ],
        ];
        const written: PaymentEvent[] = [];
        const check = async () => {
          for (const s of [since, since + 1, M - 10 * 60_000, M]) {
            for (const before of [M, M + 1, M + 5 * 60_000, M + 5 * 60_000 + 1, M + 3_600_000]) {
              const want = referencePending([...events, ...written], before, s);
              const got = await sut.pending.reader.pendingPayments({ since: s, before, limit: 4 });
              expect(got.total).toBe(want.length);
              expect(got.items).toEqual(want.slice(0, 4));
            }
          }
        };
        for (const w of writes) {
          await sut.pending.write(w);
          written.push(...w);
          await check();
        }
        const ids = (
          await sut.pending.reader.pendingPayments({ since, before: M + 3_600_000, limit: 100 })
        ).items.map((p) => p.payment_id);
        // What the cases are about, beyond equality with the reference.
        expect(ids).toEqual(
          expect.arrayContaining([
            'late',
            'cross',
            'reopened',
            'at_since',
            'spans_since',
            'tie_attempt',
            'at_midnight',
          ]),
        );
        for (const gone of ['final_later', 'before_since', 'tie_final']) expect(ids).not.toContain(gone);
      });
    });

    // Last: it deletes data.
    describe('retention', () => {
      it('deletes samples, log records and RUM records older than the cut-off, and nothing newer', async () => {
        const old = T0 - 10 * 86_400_000;
        await sut.signals.writeSamples([sample(old, 'gw', 'up', {}, 0), sample(old + 1, 'gw', 'up', {}, 0)]);
        await sut.signals.writeLogs([logRecord(900, { ts: old }), logRecord(901, { ts: old + 5 })]);
        await sut.signals.writeRum([
          rum(900, { ts: old }),
          rum(901, { ts: old }),
          rum(902, { ts: old, kind: 'measurement', name: 'lcp', value: 1 }),
        ]);
        const cut = T0 - 86_400_000;
        const before = await sut.signals.searchLogs({
          from: cut,
          to: T0 + 3_600_000,
          limit: 500,
          cursor: null,
        });
        expect(await sut.signals.deleteBefore(cut)).toEqual({ samples: 2, logs: 2, rum: 3 });
        expect(await sut.signals.deleteBefore(cut)).toEqual({ samples: 0, logs: 0, rum: 0 });
        expect(
          await sut.signals.querySamples({ series: 'up', from: old, to: T0 + 3_600_000, limit: 1000 }),
        ).toHaveLength(20);
        const after = await sut.signals.searchLogs({
          from: old,
          to: T0 + 3_600_000,
          limit: 500,
          cursor: null,
        });
        expect(after.items).toEqual(before.items);
        expect(await sut.signals.rumRecords({ from: old, to: cut, limit: 10 })).toEqual([]);
      });
    });
  });
}
