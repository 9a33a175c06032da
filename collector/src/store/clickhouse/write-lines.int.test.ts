// Guards the ClickHouse store's spooled-lines write: lines go in as they are (read back equal), ids already stored are skipped line by line, and lines that do not match their keys are refused.
import { randomUUID } from 'node:crypto';
import type { PaymentEvent } from '@paywatch/contracts';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import { createClickHouseStore, type ClickHouseStore } from './clickhouse.store.js';
import { ident, sql } from './sql.js';

const logger = createLogger({ level: 'silent' });
const ep = clickhouseEndpoint();
const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let store: ClickHouseStore;

beforeAll(async () => {
  await assertClickHouseUp(ep);
  store = createClickHouseStore(
    { url: ep.url, username: ep.username, password: ep.password, database },
    { logger },
  );
  await store.start();
});

afterAll(async () => {
  await store?.stop();
  const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
  try {
    await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  } finally {
    await c.close();
  }
});

const keys = (events: readonly PaymentEvent[]) => events.map((e) => ({ event_id: e.event_id, ts: e.ts }));
const T0 = Date.UTC(2026, 0, 7);

async function stored(events: readonly PaymentEvent[]): Promise<PaymentEvent[]> {
  const page = await store.transactions({
    from: T0 - 86_400_000,
    to: T0 + 2 * 86_400_000,
    filters: {},
    limit: 10_000,
    cursor: null,
  });
  const ids = new Set(events.map((e) => e.event_id));
  return page.items.filter((e) => ids.has(e.event_id));
}

describe('ClickHouse store: spooled lines', () => {
  it('inserts the lines as they are, split over chunks; the rows read back equal the events', async () => {
    const events = generateEvents({ seed: 41, payments: 300, from: T0, spanMs: 3_600_000, idPrefix: 'wl1_' });
    const half = Math.floor(events.length / 2);
    const chunks = [store.encodeLines(events.slice(0, half)), store.encodeLines(events.slice(half))];
    expect(store.decodeLines(Buffer.concat(chunks))).toEqual(events);
    const r = await store.writeLines(keys(events), chunks);
    expect(r).toEqual({ inserted: events.length, duplicates: 0 });
    const back = await stored(events);
    const byId = new Map(back.map((e) => [e.event_id, e]));
    expect(back).toHaveLength(events.length);
    for (const e of events) expect(byId.get(e.event_id)).toEqual(e);
  });

  it('skips lines whose ids are stored or repeated, and inserts the others once', async () => {
    const events = generateEvents({ seed: 42, payments: 200, from: T0, spanMs: 3_600_000, idPrefix: 'wl2_' });
    const already = events.filter((_, i) => i % 3 === 0);
    await store.write(already);
    const repeated = events[1]!;
    const all = [...events, repeated];
    const r = await store.writeLines(keys(all), [store.encodeLines(all)]);
    expect(r).toEqual({ inserted: events.length - already.length, duplicates: already.length + 1 });
    const back = await stored(events);
    expect(back.map((e) => e.event_id).sort()).toEqual(events.map((e) => e.event_id).sort());
    const byId = new Map(back.map((e) => [e.event_id, e]));
    for (const e of events) expect(byId.get(e.event_id)).toEqual(e);
  });

  it('refuses lines that do not match their keys, as a permanent error', async () => {
    const events = generateEvents({ seed: 43, payments: 5, from: T0, spanMs: 60_000, idPrefix: 'wl3_' });
    await expect(store.writeLines(keys(events).slice(1), [store.encodeLines(events)])).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/do not match their keys/),
    });
    expect(await stored(events)).toEqual([]);
  });
});
