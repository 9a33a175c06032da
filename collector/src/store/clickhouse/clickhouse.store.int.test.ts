// Guards the ClickHouse store: the shared store contract suite against a real ClickHouse server.
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { afterAll } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { describeStoreContract } from '../contract/store-contract.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { ident, sql } from './sql.js';

const logger = createLogger({ level: 'silent' });
const ep = clickhouseEndpoint();
const databases: string[] = [];

async function dropDatabase(name: string): Promise<void> {
  const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
  try {
    await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(name)}`.text });
  } finally {
    await c.close();
  }
}

afterAll(async () => {
  for (const d of databases) await dropDatabase(d);
});

describeStoreContract('clickhouse', async () => {
  await assertClickHouseUp(ep);
  // A database of its own per store, so the suite's data sets never meet.
  const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  databases.push(database);
  const make = () =>
    createClickHouseStore(
      { url: ep.url, username: ep.username, password: ep.password, database },
      { logger },
    );
  return {
    store: make(),
    reopen: async () => make(),
    cleanup: () => dropDatabase(database),
  };
});
