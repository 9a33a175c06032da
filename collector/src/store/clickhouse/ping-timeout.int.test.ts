// Guards readiness and reads against a ClickHouse that accepts connections but never answers (a partition): ping() fails within its 2 s timeout, not after the 30 s request timeout, reads after a first timed-out one fail as fast, and both work again once the server answers.
import { describe, expect, it } from 'vitest';
import { proxiedClickHouse } from '../../../test/proxied-clickhouse.js';
import { assertClickHouseUp } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { createClickHouseStore } from './clickhouse.store.js';

const { ep, proxy: startProxy, database: newDatabase } = proxiedClickHouse();

describe('ClickHouse store ping behind a black hole', () => {
  it('fails within the ping timeout while nothing answers, and passes once the server does', async () => {
    await assertClickHouseUp(ep);
    const proxy = await startProxy();
    const database = newDatabase();
    const store = createClickHouseStore(
      { url: proxy.url, username: ep.username, password: ep.password, database },
      { logger: createLogger({ level: 'silent' }) },
    );
    await store.start();
    await store.ping();
    await proxy.hang();
    const t0 = Date.now();
    // Before: the ping waited for the 30 s request timeout (GET /readyz answered after 30.05 s).
    await expect(store.ping()).rejects.toThrow('ClickHouse did not answer a ping within 2000 ms');
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(5000);
    await proxy.restore();
    await store.ping();
    await store.stop();
  }, 60_000);

  it('reads fail within the ping timeout once one request found no answer, and work again once it answers', async () => {
    await assertClickHouseUp(ep);
    const proxy = await startProxy();
    const database = newDatabase();
    const store = createClickHouseStore(
      {
        url: proxy.url,
        username: ep.username,
        password: ep.password,
        database,
        requestTimeoutMs: 8000,
        pingTimeoutMs: 500,
      },
      { logger: createLogger({ level: 'silent' }) },
    );
    await store.start();
    const range = { from: Date.now() - 3_600_000, to: Date.now(), filters: {} };
    expect((await store.overview(range)).events).toBe(0);
    await proxy.hang();
    // The first read learns it the slow way (the request timeout)…
    let t0 = Date.now();
    await expect(store.overview(range)).rejects.toThrow();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(7000);
    // …the next ones within the ping timeout (before: 8 s each, every dashboard panel).
    for (let i = 0; i < 3; i++) {
      t0 = Date.now();
      await expect(store.overview(range)).rejects.toThrow('ClickHouse did not answer a ping within 500 ms');
      expect(Date.now() - t0).toBeLessThan(2000);
    }
    await proxy.restore();
    expect((await store.overview(range)).events).toBe(0);
    await store.stop();
  }, 60_000);
});
