// Guards exactly-once writes on ClickHouse when an earlier INSERT landed half-way (raw rows without key-index rows): a restarted store still reports those ids as duplicates.
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/index.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { toRow } from './row.js';
import { ident, sql } from './sql.js';

const ep = clickhouseEndpoint();
const logger = createLogger({ level: 'silent' });
const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
const T0 = Date.UTC(2026, 0, 7);

afterAll(async () => {
  await client.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  await client.close();
});

async function countsById(): Promise<Map<string, number>> {
  const rs = await client.query({
    query: sql`SELECT event_id, count() AS n FROM ${ident(database)}.payment_events GROUP BY event_id`.text,
    format: 'JSONEachRow',
  });
  return new Map((await rs.json<{ event_id: string; n: string }>()).map((r) => [r.event_id, Number(r.n)]));
}

describe('ClickHouse duplicate check after a half-landed insert', () => {
  it('a restarted store finds ids whose raw rows exist without key rows', async () => {
    await assertClickHouseUp(ep);
    const cfg = { url: ep.url, username: ep.username, password: ep.password, database };
    const evs = generateEvents({ seed: 11, payments: 300, from: T0, spanMs: 3_600_000, idPrefix: 'h_' });
    const [x, y, z] = [evs.slice(0, 200), evs.slice(200, 400), evs.slice(400)];
    const first = createClickHouseStore(cfg, { logger });
    await first.start();
    await first.write(x);
    await first.stop();

    // Simulate the crash window: raw rows of `y` committed, the key-index view never ran.
    const keysView = sql`${ident(database)}.event_keys_mv`.text;
    await client.command({ query: `DETACH TABLE ${keysView}` });
    await client.insert({ table: `${database}.payment_events`, values: y.map(toRow), format: 'JSONEachRow' });
    await client.command({ query: `ATTACH TABLE ${keysView}` });

    const second = createClickHouseStore(cfg, { logger });
    await second.start();
    try {
      const r = await second.write([...y, ...z, ...x.slice(0, 3)]);
      expect(r.duplicates).toEqual([...y, ...x.slice(0, 3)].map((e) => e.event_id));
      expect(r.inserted).toEqual(z);
      const counts = await countsById();
      expect(counts.size).toBe(evs.length);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await second.stop();
    }
  });
});
