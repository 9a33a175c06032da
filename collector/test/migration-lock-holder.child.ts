// Child process for migration-lock.int.test.ts: takes a database's migration lock with a fast heartbeat, prints HELD and keeps it (renewing) until it is killed.
import { createClient } from '@clickhouse/client';
import { createLogger } from '../src/lib/logger.js';
import { createMigrationLock } from '../src/store/clickhouse/migration-lock.js';
import type { SqlFragment } from '../src/store/clickhouse/sql.js';

const [url, username, password, database, holder, staleMs, heartbeatMs] = process.argv.slice(2);
const client = createClient({ url: url ?? '', username: username ?? '', password: password ?? '' });
const lock = createMigrationLock(
  {
    rows: async (s: SqlFragment) =>
      (await client.query({ query: s.text, format: 'JSONEachRow' })).json<Record<string, unknown>>(),
    run: async (s: SqlFragment) => void (await client.command({ query: s.text })),
    logger: createLogger({ level: 'silent' }),
  },
  {
    database: database ?? '',
    holder: holder ?? 'child',
    staleAfterMs: Number(staleMs),
    heartbeatMs: Number(heartbeatMs),
  },
);
await lock.acquire();
process.stdout.write('HELD\n');
// Holding the lock as a migrating store does (its heartbeat timer is unref'd): stay alive until killed.
setInterval(() => lock.assertHeld(), 100);
