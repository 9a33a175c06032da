import { randomUUID } from 'node:crypto';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll } from 'vitest';
import { ident, sql } from '../src/store/clickhouse/sql.js';
import { clickhouseEndpoint, type ClickHouseEndpoint } from './services.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** The shared test ClickHouse, reached directly (`client`) or through proxies a test can cut or black-hole. */
export interface ProxiedClickHouse {
  ep: ClickHouseEndpoint;
  /** A direct client (to check what landed, unaffected by the proxies). */
  client: ClickHouseClient;
  /** A TCP proxy to the server (`startTcpProxy` options), closed after the file's tests. */
  proxy(opts?: { listening?: boolean }): Promise<TcpProxy>;
  /** A fresh database name, dropped after the file's tests. */
  database(): string;
}

/**
 * For the outage tests (a collector's store behind a proxy): call once at a test file's top level;
 * registers an `afterAll` that closes every proxy, drops every database and closes the client.
 */
export function proxiedClickHouse(): ProxiedClickHouse {
  const ep = clickhouseEndpoint();
  const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
  const databases: string[] = [];
  const proxies: TcpProxy[] = [];
  afterAll(async () => {
    for (const p of proxies) await p.close();
    for (const d of databases) await client.command({ query: sql`DROP DATABASE IF EXISTS ${ident(d)}`.text });
    await client.close();
  });
  return {
    ep,
    client,
    async proxy(opts) {
      const p = await startTcpProxy(ep.url, opts);
      proxies.push(p);
      return p;
    },
    database() {
      const d = `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      databases.push(d);
      return d;
    },
  };
}
