// Guards exactly-once writes on ClickHouse when a killed predecessor's INSERT is still running on the server: a restarted store's first write waits for it, then reports its ids as duplicates instead of storing them twice.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { toRow } from './row.js';
import { runningInsertsQuery } from './running-inserts.js';
import { ident, sql } from './sql.js';

const ep = clickhouseEndpoint();
const logger = createLogger({ level: 'silent' });
const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
const T0 = Date.UTC(2026, 0, 9);

afterAll(async () => {
  await client.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  await client.close();
});

async function query<T>(text: string): Promise<T[]> {
  return (await client.query({ query: text, format: 'JSONEachRow' })).json<T>();
}

describe('ClickHouse duplicate check while an earlier INSERT is still running', () => {
  it("a restarted store's first write waits for the running INSERT of the same batch, then finds its ids", async () => {
    await assertClickHouseUp(ep);
    const cfg = { url: ep.url, username: ep.username, password: ep.password, database };
    const schema = createClickHouseStore(cfg, { logger });
    await schema.start();
    await schema.stop();
    const events = generateEvents({ seed: 21, payments: 1500, from: T0, spanMs: 3_600_000, idPrefix: 'r_' });

    // The predecessor's INSERT of the batch, still being processed by the server: its body has
    // arrived except for the end, so none of its rows is visible yet (what a collector killed
    // right after sending a large INSERT leaves behind, for as long as the server works on it).
    const body = new Readable({ objectMode: true, read() {} });
    for (const e of events) body.push(toRow(e));
    const predecessor = client.insert({
      table: `${database}.payment_events`,
      values: body,
      format: 'JSONEachRow',
    });
    for (let i = 0; ; i++) {
      if ((await query(runningInsertsQuery(database, 'payment_events').text)).length > 0) break;
      if (i > 100) throw new Error('the slow INSERT never showed in system.processes');
      await new Promise((r) => setTimeout(r, 50));
    }

    // The restarted collector's spool replays the same batch.
    const restarted = createClickHouseStore(cfg, { logger });
    await restarted.start();
    let settled = false;
    const replay = restarted.write(events).finally(() => (settled = true));
    try {
      // Without the wait, the write checks, inserts and resolves well within this time.
      await Promise.race([replay.catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
      expect(settled, 'the first write did not wait for the running INSERT').toBe(false);
    } finally {
      body.push(null);
      await predecessor;
    }
    const r = await replay;
    expect(r.inserted).toHaveLength(0);
    expect(r.duplicates).toHaveLength(events.length);
    const [c] = await query<{ rows: string; ids: string }>(
      sql`SELECT count() AS rows, uniqExact(event_id) AS ids FROM ${ident(database)}.payment_events`.text,
    );
    expect({ rows: Number(c?.rows), ids: Number(c?.ids) }).toEqual({
      rows: events.length,
      ids: events.length,
    });
    // Only the first write waits: later ones do not look at running INSERTs again.
    const more = generateEvents({ seed: 22, payments: 10, from: T0, spanMs: 60_000, idPrefix: 's_' });
    expect((await restarted.write(more)).inserted).toHaveLength(more.length);
    await restarted.stop();
  }, 60_000);
});
