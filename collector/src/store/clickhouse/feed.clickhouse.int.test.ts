// Guards the ClickHouse store's arrival-order feed (the standalone alert engine's input): the shared feed contract against a real server.
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { describeFeedContract } from '../contract/index.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { ident, sql } from './sql.js';

const logger = createLogger({ level: 'silent' });
const ep = clickhouseEndpoint();

describeFeedContract('clickhouse', async () => {
  await assertClickHouseUp(ep);
  const database = `paywatch_feed_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  return {
    store: createClickHouseStore(
      { url: ep.url, username: ep.username, password: ep.password, database },
      { logger },
    ),
    async cleanup() {
      const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
      try {
        await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
      } finally {
        await c.close();
      }
    },
  };
});
