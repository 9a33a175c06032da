import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './scrape-harness.js';
import {
  startPrivateClickHouse,
  startPrivateZooKeeper,
  type ClickHouseEndpoint,
  type PrivateClickHouse,
  type PrivateZooKeeper,
} from './services.js';

/**
 * A one-shard, two-replica ClickHouse cluster of a test's own: one standalone ZooKeeper and two
 * `clickhouse-server` processes, each started by scripts/services.sh in its own state folder
 * (so install, ports, start-up checks and `down` are the single server's), plus a `config.d`
 * file merged into that server's config: the cluster (`<remote_servers>`), ZooKeeper, the
 * `{shard}`/`{replica}` macros, the interserver port replicas fetch parts through, and the
 * distributed DDL queue that `ON CLUSTER` statements go through.
 */
export interface ClickHouseCluster {
  /** Name of the cluster in `<remote_servers>` (the store's `topology.cluster`). */
  readonly name: string;
  readonly zookeeper: PrivateZooKeeper;
  /** Replica 1 and replica 2 of shard `01`. */
  readonly replicas: readonly [ClickHouseEndpoint, ClickHouseEndpoint];
  /** Stops replica `i` (0 or 1), keeping its data and port. */
  stopReplica(i: 0 | 1): Promise<void>;
  /** Starts replica `i` again on the same port with the same data and cluster configuration. */
  startReplica(i: 0 | 1): Promise<void>;
  /** Stops the three processes and deletes their data; safe to call after a failed start. */
  destroy(): Promise<void>;
}

const CLUSTER = 'paywatch_test';
/** Where the replicas' server logs are kept after the cluster is destroyed. */
const LOG_KEEP = path.resolve(import.meta.dirname, '../../test-output/clickhouse-cluster');

/** Waits (up to 60 s) until the server answers a read of ZooKeeper's root. */
async function untilZooKeeper(ep: ClickHouseEndpoint): Promise<void> {
  const query = encodeURIComponent("SELECT count() FROM system.zookeeper WHERE path = '/'");
  const auth = { authorization: `Basic ${Buffer.from(`${ep.username}:${ep.password}`).toString('base64')}` };
  let last = '';
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    try {
      const r = await fetch(`${ep.url}/?query=${query}`, {
        headers: auth,
        signal: AbortSignal.timeout(5000),
      });
      if (r.ok) return;
      last = `HTTP ${r.status}: ${(await r.text()).slice(0, 200)}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`ClickHouse at ${ep.url} has no ZooKeeper session after 60 s (${last})`);
}

function clusterXml(o: {
  zookeeper: string;
  tcpPorts: readonly number[];
  interserverPort: number;
  replica: string;
}): string {
  const [zkHost, zkPort] = o.zookeeper.split(':');
  const replicas = o.tcpPorts
    .map((p) => `<replica><host>127.0.0.1</host><port>${p}</port></replica>`)
    .join('');
  return `<?xml version="1.0"?>
<yandex>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <interserver_http_port>${o.interserverPort}</interserver_http_port>
  <zookeeper>
    <node><host>${zkHost}</host><port>${zkPort}</port></node>
    <session_timeout_ms>30000</session_timeout_ms>
  </zookeeper>
  <remote_servers>
    <${CLUSTER}><shard><internal_replication>true</internal_replication>${replicas}</shard></${CLUSTER}>
  </remote_servers>
  <macros><shard>01</shard><replica>${o.replica}</replica></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
</yandex>
`;
}

/** Starts ZooKeeper, then both replicas (in parallel), under `baseDir`. */
export async function startClickHouseCluster(baseDir: string): Promise<ClickHouseCluster> {
  let zookeeper: PrivateZooKeeper | null = null;
  const servers: PrivateClickHouse[] = [];
  const destroy = async () => {
    // The servers' logs outlive them (destroy deletes their folders): a replica that died under
    // a full CI run (twice on 26 Nov, a first ON CLUSTER statement hung 10 s, then the server
    // refused connections) left nothing to read.
    for (const replica of ['r1', 'r2']) {
      const log = path.join(baseDir, replica, 'clickhouse', 'log');
      if (existsSync(log))
        cpSync(log, path.join(LOG_KEEP, `${path.basename(baseDir)}-${replica}`), { recursive: true });
    }
    // Both servers together (a shutdown takes seconds), then ZooKeeper; each one even when
    // another fails to stop.
    const results = await Promise.allSettled(servers.map((s) => s.destroy()));
    if (zookeeper) results.push(...(await Promise.allSettled([zookeeper.destroy()])));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (errors.length > 0) throw new Error(`cluster stop failed: ${errors.join('; ')}`);
  };
  try {
    const zk = await startPrivateZooKeeper(path.join(baseDir, 'zookeeper'));
    zookeeper = zk;
    const names = ['r1', 'r2'];
    const ports = await Promise.all(
      names.map(async () => [await freePort(), await freePort(), await freePort()]),
    );
    const tcpPorts = ports.map((p) => p[1]!);
    const settled = await Promise.allSettled(
      names.map(async (replica, i) => {
        // services.sh reuses a recorded port while it is free, and ClickHouse merges config.d/*.xml.
        const d = path.join(baseDir, replica, 'clickhouse');
        mkdirSync(path.join(d, 'config.d'), { recursive: true });
        const [http, tcp, interserver] = ports[i]!;
        writeFileSync(path.join(d, 'http_port'), String(http));
        writeFileSync(path.join(d, 'tcp_port'), String(tcp));
        writeFileSync(
          path.join(d, 'config.d', 'cluster.xml'),
          clusterXml({ zookeeper: zk.address, tcpPorts, interserverPort: interserver!, replica }),
        );
        const server: PrivateClickHouse = await startPrivateClickHouse(path.join(baseDir, replica));
        servers.push(server);
        if (server.endpoint.tcpPort !== tcp) {
          throw new Error(`replica ${replica} started on TCP port ${server.endpoint.tcpPort}, not ${tcp}`);
        }
        return server;
      }),
    );
    // Both settled before a failure is thrown, so destroy() also stops the one that did start.
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [r1, r2] = settled.map((s) => (s as PromiseFulfilledResult<PrivateClickHouse>).value);
    // Up is not ready for ON CLUSTER: each replica must hold a ZooKeeper session first (on a
    // loaded box the first session takes seconds). The crash behind the hangs that were blamed on
    // this was elsewhere: replicas started while ZooKeeper answered `ruok` but did not yet serve
    // sessions, whose DDL worker then segfaulted (scripts/services.sh now waits for `srvr`).
    await Promise.all([r1!, r2!].map((r) => untilZooKeeper(r.endpoint)));
    return {
      name: CLUSTER,
      zookeeper: zk,
      replicas: [r1!.endpoint, r2!.endpoint],
      stopReplica: (i) => [r1!, r2!][i]!.stop(),
      startReplica: (i) => [r1!, r2!][i]!.start(),
      destroy,
    };
  } catch (err) {
    await destroy().catch(() => undefined);
    throw err;
  }
}
