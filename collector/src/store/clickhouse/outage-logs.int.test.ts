// Guards the ClickHouse store's logs during an outage: writes retried while ClickHouse does not answer log the failed look for running INSERTs once, not on every retry.
import { describe, expect, it } from 'vitest';
import { proxiedClickHouse } from '../../../test/proxied-clickhouse.js';
import { assertClickHouseUp } from '../../../test/services.js';
import { captureLogs } from '../../../test/log-capture.js';
import { generateEvents } from '../contract/index.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { ident, sql } from './sql.js';

const { ep, client, proxy: startProxy, database: newDatabase } = proxiedClickHouse();

describe('ClickHouse store writes during an outage', () => {
  it('logs the failed look for running INSERTs once per outage, and the writes land once it ends', async () => {
    await assertClickHouseUp(ep);
    const proxy = await startProxy();
    const database = newDatabase();
    const { logger, lines } = captureLogs();
    const store = createClickHouseStore(
      { url: proxy.url, username: ep.username, password: ep.password, database, requestTimeoutMs: 3000 },
      { logger },
    );
    await store.start();
    const events = generateEvents({
      seed: 5,
      payments: 10,
      from: Date.UTC(2026, 0, 7),
      spanMs: 60_000,
      idPrefix: 'ol_',
    });
    await proxy.cut();
    // The spool's retries during an outage: every one failed the look first (a WARN each, before).
    for (let i = 0; i < 5; i++) await expect(store.write(events)).rejects.toThrow(/ECONNREFUSED/);
    const looks = lines.filter((l) => l.msg === 'could not look for INSERTs still running on the server');
    expect(looks).toHaveLength(1);
    expect(String(looks[0]?.err)).toContain('ECONNREFUSED');
    await proxy.restore();
    const r = await store.write(events);
    expect(r.inserted.length + r.duplicates.length).toBe(events.length);
    const rs = await client.query({
      query: sql`SELECT count() AS n, uniqExact(event_id) AS u FROM ${ident(database)}.payment_events`.text,
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ n: String(events.length), u: String(events.length) }]);
    await store.stop();
  }, 30_000);
});
