// Guards the spool's records of other kinds (the ClickHouse signal rows): acknowledged on fsync, drained in append order among payment events (one kind per batch), retried through an outage, replayed after a crash without double storage, refused past the quota, dead-lettered when invalid (only the refused record of a batch), and refused at start without their writer.
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { OverloadedError, StoreError } from '../../lib/errors.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import { createEmbeddedStore } from '../embedded/index.js';
import type { EventWriter, Store } from '../types.js';
import { createSpool, type Spool, type SpoolConfig, type SpoolRecordWriter } from './spool.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 5);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Everything the writers saw, in the order they saw it: `events:<ids>` or `<kind>:<row ids>`. */
type Log = string[];

/**
 * The real embedded store for payment events, and an in-memory table per record kind whose rows
 * are NDJSON `{"id": …}` lines and whose writer skips ids it holds (as the ClickHouse signal writer
 * does). Both fail while `up` is false; `landThenFail` stores a batch and then fails (the insert
 * landed, its answer was lost).
 */
async function writers(kinds: readonly string[]) {
  const dir = await mkdtemp(path.join(tmpdir(), 'pw-spool-rec-store-'));
  const store: Store = createEmbeddedStore({ dataDir: dir }, { logger });
  await store.start();
  cleanups.push(async () => {
    await store.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const log: Log = [];
  const tables = new Map<string, string[]>(kinds.map((k) => [k, []]));
  // `poison`: ids the store refuses as invalid, and with them the whole call (as ClickHouse
  // refuses a whole INSERT for one row it cannot parse).
  const state = { up: true, refuse: false, landThenFail: 0, poison: new Set<string>() };
  const gate = (ids: readonly string[] = []) => {
    if (!state.up) throw new StoreError('store unreachable (test outage)');
    if (state.refuse) throw new StoreError('store refuses these rows (test)', undefined, false);
    if (ids.some((id) => state.poison.has(id)))
      throw new StoreError('store refuses a row of this call (test)', undefined, false);
  };
  const events: EventWriter = {
    async write(evs) {
      gate(evs.map((e) => e.event_id));
      log.push(`events:${evs.map((e) => e.event_id).join(',')}`);
      return store.write(evs);
    },
  };
  const records: Record<string, SpoolRecordWriter> = {};
  for (const kind of kinds) {
    records[kind] = {
      async writeRecords(payloads) {
        const ids = payloads.flatMap((p) =>
          p
            .toString('utf8')
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => (JSON.parse(l) as { id: string }).id),
        );
        gate(ids);
        log.push(`${kind}:${ids.join(',')}`);
        const table = tables.get(kind)!;
        let inserted = 0;
        for (const id of ids)
          if (!table.includes(id)) {
            table.push(id);
            inserted++;
          }
        if (state.landThenFail > 0) {
          state.landThenFail--;
          throw new StoreError('answer lost after the insert landed (test)');
        }
        return { inserted, duplicates: ids.length - inserted };
      },
    };
  }
  return { store, events, records, log, tables, state };
}

const rows = (...ids: string[]) => Buffer.from(ids.map((id) => JSON.stringify({ id }) + '\n').join(''));

async function spoolDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pw-spool-rec-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function startedSpool(
  dir: string,
  w: Awaited<ReturnType<typeof writers>>,
  extra: Partial<SpoolConfig> = {},
): Promise<Spool> {
  const s = createSpool(
    { dir, quotaBytes: 64 * 1024 * 1024, minBackoffMs: 5, maxBackoffMs: 20, ...extra },
    { writer: w.events, records: w.records, logger },
  );
  cleanups.push(() => s.stop());
  await s.start();
  return s;
}

const paymentBatch = (seed: number, n: number): PaymentEvent[] =>
  generateEvents({ seed, payments: n, from: T0, spanMs: 3_600_000, idPrefix: `r${seed}_` }).slice(0, n);

describe('spool records of other kinds', () => {
  it('drains records in append order among events, one kind per store call, counted as events', async () => {
    const w = await writers(['samples', 'logs']);
    w.state.up = false;
    const spool = await startedSpool(await spoolDir(), w);
    const p1 = paymentBatch(1, 3);
    const p2 = paymentBatch(2, 2);
    // Each resolves once fsync'd, while the store is still down.
    await spool.append('samples', rows('s1', 's2'), 2);
    await spool.append('samples', rows('s3'), 1);
    await spool.write(p1);
    await spool.append('logs', rows('l1'), 1);
    await spool.append('samples', rows('s4'), 1);
    await spool.write(p2);
    expect(spool.stats()).toMatchObject({ pendingEvents: 2 + 1 + 3 + 1 + 1 + 2, drainedEvents: 0 });
    expect(w.log).toEqual([]);
    w.state.up = true;
    await spool.drained();
    expect(w.log).toEqual([
      'samples:s1,s2,s3',
      `events:${p1.map((e) => e.event_id).join(',')}`,
      'logs:l1',
      'samples:s4',
      `events:${p2.map((e) => e.event_id).join(',')}`,
    ]);
    expect(spool.stats()).toMatchObject({ pendingEvents: 0, drainedEvents: 10, duplicateEvents: 0 });
    expect(spool.stats().retries).toBeGreaterThan(0);
    expect(w.tables.get('samples')).toEqual(['s1', 's2', 's3', 's4']);
  });

  it('retries a batch whose answer was lost after it landed: stored once, the repeat counted as duplicates', async () => {
    const w = await writers(['rum']);
    const spool = await startedSpool(await spoolDir(), w);
    w.state.landThenFail = 1;
    await spool.append('rum', rows('a', 'b', 'c'), 3);
    await spool.drained();
    expect(w.log).toEqual(['rum:a,b,c', 'rum:a,b,c']);
    expect(w.tables.get('rum')).toEqual(['a', 'b', 'c']);
    expect(spool.stats()).toMatchObject({
      retries: 1,
      drainedEvents: 0,
      duplicateEvents: 3,
      pendingEvents: 0,
    });
  });

  it('after a crash replays only undrained records, in order, and drops a torn tail', async () => {
    const w = await writers(['samples', 'logs']);
    const dir = await spoolDir();
    const first = createSpool(
      { dir, quotaBytes: 1e8, minBackoffMs: 5, maxBackoffMs: 10, stopDrainMs: 0, segmentBytes: 256 },
      { writer: w.events, records: w.records, logger },
    );
    await first.start();
    await first.append('samples', rows('s0'), 1);
    await first.drained();
    w.state.up = false;
    const p = paymentBatch(3, 2);
    await first.append('logs', rows('l1', 'l2'), 2);
    await first.write(p);
    for (let i = 1; i <= 6; i++) await first.append('samples', rows(`s${i}`), 1);
    await first.stop();
    const segs = (await readdir(dir)).filter((f) => f.startsWith('seg-')).sort();
    expect(segs.length).toBeGreaterThan(1);
    // A record header cut short by the crash: never acknowledged, dropped on recovery.
    await appendFile(path.join(dir, segs[segs.length - 1]!), Buffer.from([0x52, 0x53, 0x57, 0x50, 9, 9]));
    w.state.up = true;
    w.log.length = 0;
    const second = await startedSpool(dir, w);
    expect(second.stats().pendingEvents).toBe(2 + 2 + 6);
    await second.drained();
    expect(w.log).toEqual([
      'logs:l1,l2',
      `events:${p.map((e) => e.event_id).join(',')}`,
      'samples:s1,s2,s3,s4,s5,s6',
    ]);
    expect(w.tables.get('samples')).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
    expect(second.stats()).toMatchObject({ drainedEvents: 10, duplicateEvents: 0 });
  });

  it('reads records beyond memoryEvents back from their segments', async () => {
    const w = await writers(['logs']);
    w.state.up = false;
    const spool = await startedSpool(await spoolDir(), w, { memoryEvents: 2, maxBatchEvents: 3 });
    const ids = Array.from({ length: 8 }, (_, i) => `l${i}`);
    for (const id of ids) await spool.append('logs', rows(id), 1);
    w.state.up = true;
    await spool.drained();
    expect(w.log).toEqual(['logs:l0,l1,l2', 'logs:l3,l4,l5', 'logs:l6,l7']);
  });

  it('refuses past the quota with a 503 OverloadedError carrying Retry-After, shared with events', async () => {
    const w = await writers(['rum']);
    w.state.up = false;
    const spool = await startedSpool(await spoolDir(), w, {
      quotaBytes: 4096,
      retryAfterS: 7,
      stopDrainMs: 0,
    });
    const big = rows(...Array.from({ length: 40 }, (_, i) => `rum_${i}`));
    let refused: unknown = null;
    let acked = 0;
    for (let i = 0; i < 20 && refused === null; i++) {
      try {
        await spool.append('rum', big, 40);
        acked++;
      } catch (err) {
        refused = err;
      }
    }
    expect(acked).toBeGreaterThan(0);
    expect(refused).toBeInstanceOf(OverloadedError);
    expect(refused).toMatchObject({ status: 503, retryAfterS: 7 });
    // Payment events meet the same full quota.
    await expect(spool.write(paymentBatch(4, 50))).rejects.toBeInstanceOf(OverloadedError);
    expect(spool.stats()).toMatchObject({ pendingEvents: acked * 40, overloads: 2 });
  });

  it('dead-letters records the store refuses as invalid and drains the next ones', async () => {
    const w = await writers(['logs']);
    const dir = await spoolDir();
    const spool = await startedSpool(dir, w);
    w.state.refuse = true;
    await spool.append('logs', rows('bad1', 'bad2'), 2);
    await spool.drained();
    w.state.refuse = false;
    await spool.append('logs', rows('good'), 1);
    await spool.drained();
    const dead = (await readFile(path.join(dir, 'dead-letter.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string; kind: string; record: string });
    expect(dead).toEqual([
      {
        reason: expect.stringMatching(/refuses these rows/),
        kind: 'logs',
        record: rows('bad1', 'bad2').toString(),
      },
    ]);
    expect(spool.stats()).toMatchObject({ droppedEvents: 2, drainedEvents: 1, pendingEvents: 0 });
    expect(w.tables.get('logs')).toEqual(['good']);
  });

  it('dead-letters only the record the store refuses, not the acknowledged records drained in the same batch', async () => {
    const w = await writers(['logs']);
    const dir = await spoolDir();
    const spool = await startedSpool(dir, w);
    // An outage lets records pile up, so they are drained together once the store is back.
    w.state.up = false;
    w.state.poison.add('bad');
    const evs = paymentBatch(9, 9);
    w.state.poison.add(evs[4]!.event_id);
    await spool.append('logs', rows('a1', 'a2'), 2);
    await spool.append('logs', rows('a3'), 1);
    await spool.append('logs', rows('bad', 'b0'), 2);
    await spool.append('logs', rows('b1'), 1);
    await spool.append('logs', rows('b2', 'b3'), 2);
    await spool.write(evs.slice(0, 3));
    await spool.write(evs.slice(3, 6));
    await spool.write(evs.slice(6));
    w.state.up = true;
    await spool.drained();
    // Each record is a unit: the one holding a refused row goes to the dead letters whole.
    expect(w.tables.get('logs')).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
    expect(
      (
        await w.store.transactions({
          from: 0,
          to: Number.MAX_SAFE_INTEGER,
          filters: {},
          limit: 100,
          cursor: null,
        })
      ).items
        .map((e) => e.event_id)
        .sort(),
    ).toEqual([...evs.slice(0, 3), ...evs.slice(6)].map((e) => e.event_id).sort());
    const dead = (await readFile(path.join(dir, 'dead-letter.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind?: string; record?: string; event?: PaymentEvent });
    expect(dead.filter((d) => d.kind === 'logs').map((d) => d.record)).toEqual([
      rows('bad', 'b0').toString(),
    ]);
    expect(dead.filter((d) => d.event).map((d) => d.event?.event_id)).toEqual(
      evs.slice(3, 6).map((e) => e.event_id),
    );
    expect(spool.stats()).toMatchObject({ droppedEvents: 5, drainedEvents: 12, pendingEvents: 0 });
  });

  it('refuses a kind it has no writer for, and will not start on spooled records of such a kind', async () => {
    const w = await writers(['samples']);
    const dir = await spoolDir();
    const first = createSpool(
      { dir, quotaBytes: 1e8, stopDrainMs: 0 },
      { writer: w.events, records: w.records, logger },
    );
    await first.start();
    await expect(first.append('nope', rows('x'), 1)).rejects.toThrow(/no writer for records of kind "nope"/);
    w.state.up = false;
    await first.append('samples', rows('s1'), 1);
    await first.stop();
    const second = createSpool({ dir, quotaBytes: 1e8 }, { writer: w.events, logger });
    await expect(second.start()).rejects.toThrow(/records of kind "samples"/);
  });

  it('keeps backing off while the store is down: new appends do not cut the wait short', async () => {
    const w = await writers(['logs']);
    w.state.up = false;
    const spool = await startedSpool(await spoolDir(), w, {
      minBackoffMs: 100,
      maxBackoffMs: 400,
      stopDrainMs: 0,
    });
    for (let i = 0; i < 40; i++) {
      await spool.append('logs', rows(`l${i}`), 1);
      await new Promise((r) => setTimeout(r, 15));
    }
    // ~0.6 s of appends against backoffs of 100, 200, 400 ms: a handful of retries, not one per append.
    expect(spool.stats().retries).toBeGreaterThan(0);
    expect(spool.stats().retries).toBeLessThanOrEqual(6);
    w.state.up = true;
    await spool.drained();
    expect(w.tables.get('logs')).toHaveLength(40);
  });
});
