// Guards the durable spool: acks after fsync, in-order drain through an outage (logged once when it starts and once when it ends), quota → 503, and crash recovery (torn tail, no replay of drained records), for plain writers and for line writers (records kept in the store's encoding), old-format records included.
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { OverloadedError, StoreError } from '../../lib/errors.js';
import { Writable } from 'node:stream';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import { createEmbeddedStore } from '../embedded/index.js';
import type { EventWriter, Store } from '../types.js';
import { createSpool, type LineWriter, type Spool } from './spool.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 5);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A real embedded store behind a switch that makes writes fail like an unreachable server.
 * `lines`: the writer also takes spooled lines (NDJSON of events here; JSONEachRow rows for
 * ClickHouse), like the ClickHouse store, so records are kept and drained in that encoding.
 */
async function storeBehindSwitch(lines = false) {
  const dir = await mkdtemp(path.join(tmpdir(), 'pw-spool-store-'));
  const store: Store = createEmbeddedStore({ dataDir: dir }, { logger });
  await store.start();
  cleanups.push(async () => {
    await store.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const calls: string[][] = [];
  let up = true;
  let refuse = false;
  const gate = () => {
    if (!up) throw new StoreError('store unreachable (test outage)');
    if (refuse) throw new StoreError('store refuses these rows (test)', undefined, false);
  };
  const plain: EventWriter = {
    async write(events) {
      gate();
      calls.push(events.map((e) => e.event_id));
      return store.write(events);
    },
  };
  const decodeLines = (buf: Buffer) =>
    buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as PaymentEvent);
  const lineWriter: EventWriter & LineWriter = {
    ...plain,
    encodeLines: (events) => Buffer.from(events.map((e) => JSON.stringify(e) + '\n').join('')),
    decodeLines,
    async writeLines(keys, chunks) {
      gate();
      const events = decodeLines(Buffer.concat(chunks));
      expect(keys).toEqual(events.map((e) => ({ event_id: e.event_id, ts: e.ts })));
      calls.push(events.map((e) => e.event_id));
      const r = await store.write(events);
      return { inserted: r.inserted.length, duplicates: r.duplicates.length };
    },
  };
  const writer = lines ? lineWriter : plain;
  return {
    store,
    writer,
    plain,
    lineWriter,
    calls,
    setUp: (v: boolean) => (up = v),
    setRefuse: (v: boolean) => (refuse = v),
  };
}

async function spoolDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pw-spool-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function startedSpool(
  dir: string,
  writer: EventWriter,
  extra: Partial<Parameters<typeof createSpool>[0]> = {},
): Promise<Spool> {
  const s = createSpool(
    { dir, quotaBytes: 64 * 1024 * 1024, minBackoffMs: 5, maxBackoffMs: 20, ...extra },
    { writer, logger },
  );
  cleanups.push(() => s.stop());
  return s.start().then(() => s);
}

async function storedIds(store: Store): Promise<string[]> {
  const page = await store.transactions({
    from: 0,
    to: Number.MAX_SAFE_INTEGER,
    filters: {},
    limit: 100_000,
    cursor: null,
  });
  return page.items.map((e) => e.event_id);
}

const batches = (seed: number, n: number, size: number): PaymentEvent[][] => {
  const evs = generateEvents({
    seed,
    payments: n * size,
    from: T0,
    spanMs: 3_600_000,
    idPrefix: `s${seed}_`,
  });
  return Array.from({ length: n }, (_, i) => evs.slice(i * size, (i + 1) * size)).filter((b) => b.length > 0);
};

describe.each([
  ['a plain writer', false],
  ['a line writer', true],
])('spool with %s', (_name, lines) => {
  it('acknowledges writes and drains them to the store in append order, each once', async () => {
    const s = await storeBehindSwitch(lines);
    const spool = await startedSpool(await spoolDir(), s.writer);
    const bs = batches(1, 6, 40);
    const results = await Promise.all(bs.map((b) => spool.write(b)));
    results.forEach((r, i) => expect(r.inserted).toEqual(bs[i]));
    await spool.drained();
    const all = bs.flat();
    expect(s.calls.flat()).toEqual(all.map((e) => e.event_id));
    expect((await storedIds(s.store)).sort()).toEqual(all.map((e) => e.event_id).sort());
    expect(spool.stats()).toMatchObject({
      pendingEvents: 0,
      drainedEvents: all.length,
      retries: 0,
      droppedEvents: 0,
    });
  });

  it('keeps acknowledging through a store outage and drains everything once it returns', async () => {
    const s = await storeBehindSwitch(lines);
    const spool = await startedSpool(await spoolDir(), s.writer);
    s.setUp(false);
    const bs = batches(2, 5, 30);
    for (const b of bs) await spool.write(b);
    await new Promise((r) => setTimeout(r, 80));
    const during = spool.stats();
    expect(during.pendingEvents).toBe(bs.flat().length);
    expect(during.retries).toBeGreaterThan(0);
    expect(during.oldestAgeMs).toBeGreaterThan(0);
    expect(await storedIds(s.store)).toEqual([]);
    s.setUp(true);
    await spool.drained();
    expect((await storedIds(s.store)).sort()).toEqual(
      bs
        .flat()
        .map((e) => e.event_id)
        .sort(),
    );
    expect(spool.stats().pendingEvents).toBe(0);
  });

  it('logs an outage once when it starts and once when the store is back, not once per retry', async () => {
    const s = await storeBehindSwitch(lines);
    const lines_: Record<string, unknown>[] = [];
    const captured = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _enc, cb) {
          for (const l of chunk.toString().split('\n'))
            if (l.trim()) lines_.push(JSON.parse(l) as Record<string, unknown>);
          cb();
        },
      }),
    });
    const spool = createSpool(
      { dir: await spoolDir(), quotaBytes: 64 * 1024 * 1024, minBackoffMs: 5, maxBackoffMs: 20 },
      { writer: s.writer, logger: captured },
    );
    cleanups.push(() => spool.stop());
    await spool.start();
    s.setUp(false);
    const bs = batches(3, 3, 20);
    for (const b of bs) await spool.write(b);
    await new Promise((r) => setTimeout(r, 300));
    expect(spool.stats().retries).toBeGreaterThan(8);
    s.setUp(true);
    await spool.drained();
    const outage = lines_.filter((l) => String(l.msg).startsWith('spool: store'));
    // Before: one WARN per retry (every 100 ms–5 s for the whole outage), and nothing on recovery.
    expect(outage.map((l) => [l.level, l.msg])).toEqual([
      [
        40,
        'spool: store write failed; events stay spooled and are retried (logged again every minute while it fails)',
      ],
      [30, 'spool: store accepts writes again; draining'],
    ]);
    expect(outage[0]?.err).toBe('store unreachable (test outage)');
    expect(outage[1]).toMatchObject({ failedAttempts: spool.stats().retries });
  });

  it('refuses with a 503 OverloadedError carrying Retry-After once the disk quota is full', async () => {
    const s = await storeBehindSwitch(lines);
    s.setUp(false);
    const spool = await startedSpool(await spoolDir(), s.writer, { quotaBytes: 60_000, retryAfterS: 7 });
    const accepted: PaymentEvent[] = [];
    let refused: unknown = null;
    for (const b of batches(3, 40, 10)) {
      try {
        await spool.write(b);
        accepted.push(...b);
      } catch (err) {
        refused = err;
        break;
      }
    }
    expect(refused).toBeInstanceOf(OverloadedError);
    expect(refused).toMatchObject({ status: 503, retryAfterS: 7, retryable: true });
    expect(accepted.length).toBeGreaterThan(0);
    expect(spool.stats().diskBytes).toBeLessThanOrEqual(60_000);
    s.setUp(true);
    await spool.drained();
    expect((await storedIds(s.store)).length).toBe(accepted.length);
    // Space is back: writes are accepted again.
    await expect(spool.write(batches(4, 1, 5)[0] as PaymentEvent[])).resolves.toBeDefined();
  });

  it('after a crash replays only undrained records and drops a torn tail', async () => {
    const s = await storeBehindSwitch(lines);
    const dir = await spoolDir();
    const first = createSpool(
      { dir, quotaBytes: 1e8, minBackoffMs: 5, maxBackoffMs: 10, stopDrainMs: 0, segmentBytes: 4096 },
      { writer: s.writer, logger },
    );
    await first.start();
    const [drainedBatch, ...rest] = batches(5, 4, 25) as PaymentEvent[][];
    await first.write(drainedBatch as PaymentEvent[]);
    await first.drained();
    s.setUp(false);
    for (const b of rest) await first.write(b);
    // The process "dies": nothing more reaches the store; a half-written record is left behind.
    await first.stop();
    const segs = (await readdir(dir)).filter((f) => f.startsWith('seg-')).sort();
    expect(segs.length).toBeGreaterThan(1);
    await appendFile(
      path.join(dir, segs[segs.length - 1] as string),
      Buffer.from([0x4c, 0x53, 0x57, 0x50, 9, 9, 9]),
    );
    s.setUp(true);
    s.calls.length = 0;
    const second = await startedSpool(dir, s.writer);
    await second.drained();
    expect(s.calls.flat()).toEqual(rest.flat().map((e) => e.event_id));
    expect(second.stats()).toMatchObject({ drainedEvents: rest.flat().length, duplicateEvents: 0 });
    expect((await storedIds(s.store)).sort()).toEqual(
      [drainedBatch as PaymentEvent[], ...rest]
        .flat()
        .map((e) => e.event_id)
        .sort(),
    );
    // Writes after recovery go on normally.
    await second.write(batches(6, 1, 3)[0] as PaymentEvent[]);
    await second.drained();
    expect((await storedIds(s.store)).length).toBe(
      (drainedBatch as PaymentEvent[]).length + rest.flat().length + 3,
    );
  });

  it('keeps only memoryEvents in memory and reads the rest back from its segments', async () => {
    const s = await storeBehindSwitch(lines);
    s.setUp(false);
    const spool = await startedSpool(await spoolDir(), s.writer, { memoryEvents: 30 });
    const bs = batches(8, 6, 20);
    for (const b of bs) await spool.write(b);
    s.setUp(true);
    await spool.drained();
    expect(s.calls.flat()).toEqual(bs.flat().map((e) => e.event_id));
    expect((await storedIds(s.store)).length).toBe(120);
  });

  it('dead-letters a batch the store refuses as invalid and drains the next ones', async () => {
    const s = await storeBehindSwitch(lines);
    const dir = await spoolDir();
    const spool = await startedSpool(dir, s.writer);
    const [bad, good] = batches(11, 2, 10) as PaymentEvent[][];
    s.setRefuse(true);
    await spool.write(bad as PaymentEvent[]);
    await spool.drained();
    s.setRefuse(false);
    await spool.write(good as PaymentEvent[]);
    await spool.drained();
    const dead = (await readFile(path.join(dir, 'dead-letter.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string; event: PaymentEvent });
    expect(dead.map((d) => d.event)).toEqual(bad);
    expect(dead[0]?.reason).toMatch(/refuses these rows/);
    expect(spool.stats()).toMatchObject({ droppedEvents: 10, drainedEvents: 10, pendingEvents: 0 });
    expect((await storedIds(s.store)).sort()).toEqual((good as PaymentEvent[]).map((e) => e.event_id).sort());
  });

  it('refuses writes after stop, and stop is idempotent', async () => {
    const s = await storeBehindSwitch(lines);
    const spool = await startedSpool(await spoolDir(), s.writer);
    await Promise.all([spool.stop(), spool.stop()]);
    await expect(spool.write(batches(7, 1, 2)[0] as PaymentEvent[])).rejects.toThrow(/not accepting/);
  });
});

describe('spool format change', () => {
  it('drains JSON records of an earlier version through a line writer, and new records as lines', async () => {
    const s = await storeBehindSwitch(false);
    const dir = await spoolDir();
    const old = createSpool({ dir, quotaBytes: 1e8, stopDrainMs: 0 }, { writer: s.plain, logger });
    await old.start();
    s.setUp(false);
    const [a, b] = batches(9, 2, 15) as PaymentEvent[][];
    await old.write(a as PaymentEvent[]);
    await old.stop();
    s.setUp(true);
    s.calls.length = 0;
    const next = await startedSpool(dir, s.lineWriter);
    await next.write(b as PaymentEvent[]);
    await next.drained();
    expect(s.calls.flat()).toEqual(
      [...(a as PaymentEvent[]), ...(b as PaymentEvent[])].map((e) => e.event_id),
    );
    expect((await storedIds(s.store)).length).toBe(30);
  });

  it('refuses to start on line records with a writer that takes no lines', async () => {
    const s = await storeBehindSwitch(true);
    const dir = await spoolDir();
    const first = createSpool({ dir, quotaBytes: 1e8, stopDrainMs: 0 }, { writer: s.lineWriter, logger });
    await first.start();
    s.setUp(false);
    await first.write(batches(10, 1, 5)[0] as PaymentEvent[]);
    await first.stop();
    const second = createSpool({ dir, quotaBytes: 1e8 }, { writer: s.plain, logger });
    await expect(second.start()).rejects.toThrow(/line format/);
  });
});
