// Guards the ClickHouse signal store and pending-payments query: the shared signal contract (samples, logs, RUM, pending, retention) against a real ClickHouse server, migration 4 on an older schema, and partition-dropping retention.
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { describeSignalsContract } from '../contract/index.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { SIGNAL_TABLES } from './migrations.js';
import { ident, sql, type SqlFragment } from './sql.js';

const logger = createLogger({ level: 'silent' });
const ep = clickhouseEndpoint();

describeSignalsContract('clickhouse', async () => {
  await assertClickHouseUp(ep);
  const database = `paywatch_sig_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const store = createClickHouseStore(
    { url: ep.url, username: ep.username, password: ep.password, database },
    { logger },
  );
  await store.start();
  return {
    signals: store.signals,
    pending: { reader: store.pending, write: (events) => store.write(events) },
    async cleanup() {
      await store.stop();
      const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
      try {
        await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
      } finally {
        await c.close();
      }
    },
  };
});

describe('ClickHouse signal tables', () => {
  const database = `paywatch_sig_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
  const make = () =>
    createClickHouseStore(
      { url: ep.url, username: ep.username, password: ep.password, database },
      { logger },
    );
  const q = async <T>(s: SqlFragment): Promise<T[]> =>
    (await client.query({ query: s.text, format: 'JSONEachRow' })).json<T>();
  afterAll(async () => {
    await client.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
    await client.close();
  });

  it('are created by migration 4 on a database that predates it, once', async () => {
    await assertClickHouseUp(ep);
    const first = make();
    await first.start();
    await first.stop();
    // An older schema: versions 1 and 2 only, no signal tables.
    for (const t of Object.values(SIGNAL_TABLES))
      await client.command({ query: sql`DROP TABLE ${ident(database)}.${ident(t)}`.text });
    await client.command({
      query: sql`ALTER TABLE ${ident(database)}.schema_migrations DELETE WHERE version = 4`.text,
    });
    for (let i = 0; i < 100; i++) {
      const [r] = await q<{ n: string }>(
        sql`SELECT count() AS n FROM ${ident(database)}.schema_migrations WHERE version = 4`,
      );
      if (Number(r?.n) === 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const upgraded = make();
    await upgraded.start();
    const again = make();
    await again.start();
    const tables = await q<{ name: string }>(
      sql`SELECT name FROM system.tables WHERE database = ${database} AND name LIKE 'signal%' ORDER BY name`,
    );
    expect(tables.map((t) => t.name)).toEqual(['signal_logs', 'signal_rum', 'signal_samples']);
    const [v] = await q<{ n: string }>(
      sql`SELECT count() AS n FROM ${ident(database)}.schema_migrations WHERE version = 4`,
    );
    expect(Number(v?.n)).toBe(1);

    // Day partitions: retention drops whole old days and trims the cut-off day.
    const DAY = 86_400_000;
    const T = Date.UTC(2026, 3, 1);
    await upgraded.signals.writeLogs(
      [0, 1, 2].map((d) => ({
        id: `l${d}`,
        ts: T + d * DAY + 3_600_000,
        file: '/a.log',
        offset: d,
        level: 'info',
        message: `day ${d}`,
        fields: {},
      })),
    );
    const parts = async () =>
      (
        await q<{ p: string }>(
          sql`SELECT DISTINCT partition_id AS p FROM system.parts WHERE database = ${database} AND table = 'signal_logs' AND active ORDER BY p`,
        )
      ).map((r) => r.p);
    expect(await parts()).toEqual(['20260401', '20260402', '20260403']);
    expect(await upgraded.signals.deleteBefore(T + DAY + 7_200_000)).toEqual({ samples: 0, logs: 2, rum: 0 });
    expect(await parts()).toEqual(['20260402', '20260403']);
    const left = await again.signals.searchLogs({ from: T, to: T + 3 * DAY, limit: 10, cursor: null });
    expect(left.items.map((l) => l.id)).toEqual(['l2']);
    await upgraded.stop();
    await again.stop();
  }, 60_000);
});
