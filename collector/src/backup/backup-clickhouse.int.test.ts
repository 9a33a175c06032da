// Guards backup and restore on ClickHouse: backup → drop the database → restore gives identical counts, sums and ids; the same backup restores into the embedded store.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../test/services.js';
import { createLogger } from '../lib/logger.js';
import { createClickHouseStore } from '../store/clickhouse/index.js';
import { ident, sql } from '../store/clickhouse/sql.js';
import { createEmbeddedStore } from '../store/embedded/index.js';
import type { Store } from '../store/types.js';
import { backupEvents, restoreEvents } from './backup.js';
import { allIds, lifecycleEvents } from './eraser-contract.js';

const ep = clickhouseEndpoint();
const logger = createLogger({ level: 'silent' });
const database = `paywatch_bk_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function dropDatabase() {
  const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
  try {
    await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
  } finally {
    await c.close();
  }
}
const clickhouse = () =>
  createClickHouseStore({ url: ep.url, username: ep.username, password: ep.password, database }, { logger });
const ALL = { from: 0, to: Number.MAX_SAFE_INTEGER, filters: {} };
async function fingerprint(s: Store) {
  return {
    overview: await s.overview(ALL),
    providers: await s.breakdown({ ...ALL, dimension: 'provider', limit: 100 }),
    currencies: await s.breakdown({ ...ALL, dimension: 'currency', limit: 100 }),
    ids: await allIds(s),
  };
}

it('backup → wipe → restore on ClickHouse gives identical counts, sums and ids; the backup also restores into the embedded store', async () => {
  await assertClickHouseUp(ep);
  cleanups.push(dropDatabase);
  const dir = await mkdtemp(join(tmpdir(), 'pw-bk-ch-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const events = lifecycleEvents();

  const src = clickhouse();
  await src.start();
  await src.write(events);
  const before = await fingerprint(src);
  expect(before.ids).toHaveLength(events.length);
  const b = await backupEvents(src, dir, { incremental: false });
  expect(b.events).toBe(events.length);
  await src.stop();

  await dropDatabase(); // wipe
  const dst = clickhouse();
  await dst.start();
  try {
    expect(await allIds(dst)).toEqual([]);
    const r = await restoreEvents(dst, dir);
    expect(r.inserted).toBe(events.length);
    expect(await fingerprint(dst)).toEqual(before);
  } finally {
    await dst.stop();
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'pw-bk-ch-emb-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const embedded = createEmbeddedStore({ dataDir }, { logger });
  await embedded.start();
  try {
    await restoreEvents(embedded, dir);
    const e = await fingerprint(embedded);
    expect(e.ids).toEqual(before.ids);
    expect(e.overview.attempts).toBe(before.overview.attempts);
    expect(e.overview.gmv_minor).toEqual(before.overview.gmv_minor);
    expect(e.providers.map((p) => [p.key, p.attempts, p.gmv_minor])).toEqual(
      before.providers.map((p) => [p.key, p.attempts, p.gmv_minor]),
    );
  } finally {
    await embedded.stop();
  }
});
