// Guards the payment write path on a real ClickHouse against rows it cannot take: a lone UTF-16 surrogate (which 18.16 refuses in a whole INSERT, Code 25) is stored as U+FFFD — also from lines an older collector spooled — and a batch ClickHouse refuses with a parse/type error is dead-lettered instead of holding up the spool; later events are stored, nothing acknowledged is lost or stored twice.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import { createSpool, type LineWriter } from '../spool/index.js';
import type { EventWriter } from '../types.js';
import { createClickHouseStore, type ClickHouseStore } from './clickhouse.store.js';
import { toRow } from './row.js';
import { ident, sql } from './sql.js';

const logger = createLogger({ level: 'silent' });
const ep = clickhouseEndpoint();
const database = `paywatch_sur_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const T0 = Date.UTC(2026, 0, 9);
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

let storeP: Promise<ClickHouseStore> | null = null;
function store(): Promise<ClickHouseStore> {
  storeP ??= (async () => {
    await assertClickHouseUp(ep);
    const s = createClickHouseStore(
      { url: ep.url, username: ep.username, password: ep.password, database },
      { logger },
    );
    await s.start();
    cleanups.push(async () => {
      await s.stop();
      const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
      try {
        await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
      } finally {
        await c.close();
      }
    });
    return s;
  })();
  return storeP;
}

const batch = (seed: number, prefix: string) =>
  generateEvents({ seed, payments: 40, from: T0, spanMs: 3_600_000, idPrefix: prefix });

/** The stored events with these ids (keyed by id), each id at most once or the test fails. */
async function storedById(s: ClickHouseStore, ids: readonly string[]): Promise<Map<string, PaymentEvent>> {
  const page = await s.transactions({
    from: T0 - 86_400_000,
    to: T0 + 2 * 86_400_000,
    filters: {},
    limit: 10_000,
    cursor: null,
  });
  const want = new Set(ids);
  const out = new Map<string, PaymentEvent>();
  for (const e of page.items) {
    if (!want.has(e.event_id)) continue;
    expect(out.has(e.event_id), `${e.event_id} stored twice`).toBe(false);
    out.set(e.event_id, e);
  }
  return out;
}

/** A spool in front of the real store whose line encoding is replaced (what another collector wrote). */
async function spoolWith(s: ClickHouseStore, encodeLines: LineWriter['encodeLines'], maxBatchEvents: number) {
  const dir = await mkdtemp(path.join(tmpdir(), 'pw-surrogate-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const writer: EventWriter & LineWriter = {
    write: (events) => s.write(events),
    encodeLines,
    decodeLines: (lines) => s.decodeLines(lines),
    writeLines: (keys, chunks) => s.writeLines(keys, chunks),
  };
  const spool = createSpool(
    { dir, quotaBytes: 64 * 1024 * 1024, maxBatchEvents, minBackoffMs: 50, maxBackoffMs: 200 },
    { writer, logger },
  );
  await spool.start();
  cleanups.push(() => spool.stop());
  return { spool, dir };
}

/** Resolves when the spool has handed over everything, or fails after `ms` (a stalled spool). */
async function drainedWithin(spool: { drained(): Promise<void> }, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    spool.drained(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`spool not drained within ${ms} ms (stalled)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('ClickHouse payment rows with text it cannot store', () => {
  it('stores a lone surrogate as U+FFFD among good events; a re-send is a duplicate', async () => {
    const s = await store();
    const events = batch(61, 'sw_');
    const bad: PaymentEvent = {
      ...events[3]!,
      event_id: 'sw_bad\ud800',
      merchant_id: 'm\ud800',
      failure: { category: 'other', code: 'c\udc00', message: 'declined \udbff' },
    };
    const all = [...events.slice(0, 3), bad, ...events.slice(4)];
    const r = await s.write(all);
    expect(r.inserted).toHaveLength(all.length);
    const back = await storedById(s, [...all.map((e) => e.event_id), 'sw_bad\ufffd']);
    expect(back.size).toBe(all.length);
    expect(back.get('sw_bad\ufffd')).toMatchObject({
      merchant_id: 'm\ufffd',
      failure: { category: 'other', code: 'c\ufffd', message: 'declined \ufffd' },
    });
    // The duplicate check binds the id the same way: nothing is stored twice.
    const again = await s.write([bad, events[0]!]);
    expect(again.inserted).toHaveLength(0);
    expect(again.duplicates).toHaveLength(2);
  });

  it('drains lines an older collector spooled with a lone surrogate: the bad event as U+FFFD, every later event stored', async () => {
    const s = await store();
    // Before the fix a row line was JSON.stringify of the raw row: `"m\ud800"` reached ClickHouse.
    const legacy = (events: readonly PaymentEvent[]) =>
      Buffer.from(events.map((e) => JSON.stringify(toRow(e)) + '\n').join(''), 'utf8');
    const first = batch(62, 'sl1_');
    first[5] = { ...first[5]!, merchant_id: 'm\ud800' };
    const later = batch(63, 'sl2_');
    expect(legacy(first).toString('utf8')).toContain('"m\\ud800"');
    // What ClickHouse does with such a line sent as it is (why the spool stalled before).
    const c = createClient({
      url: ep.url,
      username: ep.username,
      password: ep.password,
      log: { level: ClickHouseLogLevel.OFF },
    });
    try {
      await expect(
        c.insert({ table: `${database}.payment_events`, values: [toRow(first[5]!)], format: 'JSONEachRow' }),
      ).rejects.toThrow(/Code: 25\b/);
    } finally {
      await c.close();
    }
    const { spool, dir } = await spoolWith(s, legacy, first.length);
    await spool.write(first);
    await spool.write(later);
    await drainedWithin(spool, 20_000);
    const ids = [...first, ...later].map((e) => e.event_id);
    const back = await storedById(s, ids);
    expect(back.size).toBe(ids.length);
    expect(back.get(first[5]!.event_id)?.merchant_id).toBe('m\ufffd');
    expect(spool.stats()).toMatchObject({ pendingEvents: 0, droppedEvents: 0, retries: 0 });
    await expect(readFile(path.join(dir, 'dead-letter.ndjson'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('dead-letters a batch ClickHouse refuses with a parse error and moves on: later events stored, the refused ones in the dead-letter file', async () => {
    const s = await store();
    const refusedId = 'sd1_refused';
    // A line whose Int64 column holds text: ClickHouse refuses the INSERT (a row property, not an outage).
    const encode = (events: readonly PaymentEvent[]) => {
      const text = s.encodeLines(events).toString('utf8');
      return Buffer.from(
        text
          .split('\n')
          .map((l) =>
            l.includes(`"${refusedId}"`) ? l.replace(/"amount_minor":\d+/, '"amount_minor":"lots"') : l,
          )
          .join('\n'),
        'utf8',
      );
    };
    const first = batch(64, 'sd1_');
    first[2] = { ...first[2]!, event_id: refusedId };
    const later = batch(65, 'sd2_');
    const { spool, dir } = await spoolWith(s, encode, first.length);
    await spool.write(first);
    await spool.write(later);
    await drainedWithin(spool, 20_000);
    // The refused batch was not retried: permanent.
    expect(spool.stats()).toMatchObject({ pendingEvents: 0, droppedEvents: first.length, retries: 0 });
    const back = await storedById(
      s,
      [...first, ...later].map((e) => e.event_id),
    );
    expect([...back.keys()].sort()).toEqual(later.map((e) => e.event_id).sort());
    // Every acknowledged event of the refused batch is in the dead-letter file, with the reason.
    const dead = (await readFile(path.join(dir, 'dead-letter.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string; event?: PaymentEvent; line?: string });
    expect(dead).toHaveLength(first.length);
    expect(dead[0]?.reason).toMatch(/ClickHouse refused payment_events rows: .*Code: \d+/);
    const deadIds = dead.map(
      (d) => d.event?.event_id ?? (JSON.parse(d.line!) as { event_id: string }).event_id,
    );
    expect(deadIds.sort()).toEqual(first.map((e) => e.event_id).sort());
  });
});
