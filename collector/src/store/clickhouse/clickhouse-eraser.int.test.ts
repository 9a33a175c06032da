// Guards erasure and retention deletes on the ClickHouse store (shared eraser contract, real server), including the rollup rebuild.
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { describeEraserContract } from '../../backup/eraser-contract.js';
import { createLogger } from '../../lib/logger.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { ident, sql } from './sql.js';

const ep = clickhouseEndpoint();

describeEraserContract('clickhouse', async () => {
  await assertClickHouseUp(ep);
  const database = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  return {
    store: createClickHouseStore(
      { url: ep.url, username: ep.username, password: ep.password, database },
      { logger: createLogger({ level: 'silent' }) },
    ),
    cleanup: async () => {
      const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
      try {
        await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
      } finally {
        await c.close();
      }
    },
  };
});
