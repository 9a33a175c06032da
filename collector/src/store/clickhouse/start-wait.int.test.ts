// Guards a collector restarted during a ClickHouse outage: the store's start waits for the server (saying where and why, not once per attempt) instead of crashing, and starts once it answers; a wrong password still fails at once, naming server, database and user.
import { describe, expect, it } from 'vitest';
import { proxiedClickHouse } from '../../../test/proxied-clickhouse.js';
import { assertClickHouseUp } from '../../../test/services.js';
import { captureLogs } from '../../../test/log-capture.js';
import { createStore } from '../index.js';
import { sql } from './sql.js';

const { ep, client, proxy: startProxy, database: newDatabase } = proxiedClickHouse();

describe('ClickHouse store start while the server does not answer', () => {
  it('waits, logs the wait (rate-limited, with url/database/user and the cause), then starts and migrates', async () => {
    await assertClickHouseUp(ep);
    const proxy = await startProxy({ listening: false });
    const db = newDatabase();
    const { logger, lines } = captureLogs();
    const store = createStore(
      {
        backend: 'clickhouse',
        url: proxy.url,
        username: ep.username,
        password: ep.password,
        database: db,
        dedupWindowDays: 3,
        topology: { kind: 'single' },
      },
      {
        logger: logger.child({ component: 'store' }),
        waitForServer: { maxBackoffMs: 200, logEveryMs: 60_000 },
      },
    );
    let settled: 'started' | Error | null = null;
    const started = store.start().then(
      () => (settled = 'started'),
      (err: Error) => (settled = err),
    );
    await new Promise((r) => setTimeout(r, 1500));
    // Before: start() rejected at once with ECONNREFUSED (the collector exited with a stack trace).
    expect(settled).toBeNull();
    const waits = lines.filter((l) => String(l.msg).startsWith('ClickHouse does not answer'));
    expect(waits).toHaveLength(1); // ~7 attempts in 1.5 s, one line
    expect(waits[0]).toMatchObject({ url: proxy.url, database: db, user: ep.username, level: 40 });
    expect(String(waits[0]!.err)).toContain('ECONNREFUSED');

    await proxy.restore();
    await started;
    expect(settled).toBe('started');
    const up = lines.find((l) => l.msg === 'ClickHouse store started');
    expect(up).toMatchObject({ url: proxy.url, database: db, user: ep.username, topology: 'single' });
    expect(typeof up?.waitedS).toBe('number');
    const rs = await client.query({
      query: sql`SELECT count() AS n FROM system.tables WHERE database = ${db} AND name = 'payment_events'`
        .text,
      format: 'JSONEachRow',
    });
    expect(Number((await rs.json<{ n: string }>())[0]?.n)).toBe(1);
    await store.stop();
  }, 30_000);

  it('stop() ends the wait: start() rejects without ever reaching the server, and the wait never shows the password', async () => {
    const proxy = await startProxy({ listening: false });
    const { logger, lines } = captureLogs();
    // Never sent (nothing listens), so any non-empty password will do: the test ClickHouse's own
    // is often empty, and `not.toContain('')` can only fail.
    const password = 'start-wait-Secret-7f3a';
    const store = createStore(
      {
        backend: 'clickhouse',
        url: proxy.url,
        username: ep.username,
        password,
        database: newDatabase(),
        dedupWindowDays: 3,
        topology: { kind: 'single' },
      },
      { logger, waitForServer: { maxBackoffMs: 5_000 } },
    );
    const started = store.start();
    await new Promise((r) => setTimeout(r, 700));
    const t0 = Date.now();
    await store.stop();
    const err = await started.then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/stopped while waiting/);
    expect(Date.now() - t0).toBeLessThan(1000);
    const waits = lines.filter((l) => String(l.msg).startsWith('ClickHouse does not answer'));
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ url: proxy.url, user: ep.username });
    for (const text of [JSON.stringify(lines), err?.message, String(err?.stack)])
      expect(text).not.toContain(password);
  }, 15_000);

  it('a wrong password fails the start at once, naming server, database and user', async () => {
    await assertClickHouseUp(ep);
    const { logger } = captureLogs();
    const db = newDatabase();
    const store = createStore(
      {
        backend: 'clickhouse',
        url: ep.url,
        username: ep.username,
        password: 'not-the-password',
        database: db,
        dedupWindowDays: 3,
        topology: { kind: 'single' },
      },
      { logger, waitForServer: { maxBackoffMs: 200 } },
    );
    const t0 = Date.now();
    const err = await store.start().then(
      () => null,
      (e: Error) => e,
    );
    expect(err).not.toBeNull();
    expect(err!.message).toContain(`ClickHouse at ${ep.url} (database ${db}, user ${ep.username})`);
    expect(err!.message).not.toContain('not-the-password');
    expect(Date.now() - t0).toBeLessThan(5000);
  }, 15_000);
});
