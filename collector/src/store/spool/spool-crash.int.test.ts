// Guards the durable write path end to end on a real ClickHouse: every acknowledged event is stored exactly once across a ClickHouse outage and across SIGKILL of the writing process.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from '@clickhouse/client';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertClickHouseUp,
  clickhouseEndpoint,
  REPO_DIR,
  startPrivateClickHouse,
  type ClickHouseEndpoint,
} from '../../../test/services.js';
import { spoolTestBatch } from '../../../test/spool-writer.child.js';
import { createLogger } from '../../lib/logger.js';
import { createClickHouseStore } from '../clickhouse/index.js';
import { ident, sql } from '../clickhouse/sql.js';
import { createSpool } from './spool.js';

const logger = createLogger({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const newDatabase = () => `paywatch_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** event_id → how many rows hold it. */
async function storedCounts(ep: ClickHouseEndpoint, database: string): Promise<Map<string, number>> {
  const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
  try {
    const rs = await c.query({
      query: sql`SELECT event_id, count() AS n FROM ${ident(database)}.payment_events GROUP BY event_id`.text,
      format: 'JSONEachRow',
    });
    return new Map((await rs.json<{ event_id: string; n: string }>()).map((r) => [r.event_id, Number(r.n)]));
  } finally {
    await c.close();
  }
}

function expectExactlyOnce(acked: readonly string[], stored: Map<string, number>): void {
  const missing = acked.filter((id) => stored.get(id) !== 1);
  expect(missing.slice(0, 10), `${missing.length} acknowledged ids not stored exactly once`).toEqual([]);
  const twice = [...stored.entries()].filter(([, n]) => n > 1);
  expect(twice.slice(0, 10), 'ids stored more than once').toEqual([]);
}

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), prefix));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

describe('durable write path on a real ClickHouse', () => {
  it('ClickHouse stopped mid-ingest and restarted: every acknowledged event stored exactly once', async () => {
    const ch = await startPrivateClickHouse(await tempDir('pw-ch-outage-'));
    cleanups.push(() => ch.destroy());
    const ep = ch.endpoint;
    const database = newDatabase();
    const store = createClickHouseStore(
      { url: ep.url, username: ep.username, password: ep.password, database },
      { logger },
    );
    await store.start();
    const spool = createSpool(
      { dir: await tempDir('pw-spool-outage-'), quotaBytes: 512 * 1024 * 1024, maxBackoffMs: 500 },
      { writer: store, logger },
    );
    await spool.start();
    const acked: string[] = [];
    const ingest = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const batch = spoolTestBatch(i);
        const r = await spool.write(batch);
        acked.push(...r.inserted.map((e) => e.event_id));
      }
    };
    await ingest(0, 4);
    await ch.stop();
    const t0 = Date.now();
    await ingest(4, 12);
    // Acknowledged from local disk while ClickHouse is down, quickly.
    expect(Date.now() - t0).toBeLessThan(20_000);
    await new Promise((r) => setTimeout(r, 1500));
    const during = spool.stats();
    expect(during.pendingEvents).toBeGreaterThan(0);
    expect(during.retries).toBeGreaterThan(0);
    await ch.start();
    await ingest(12, 16);
    await spool.drained();
    expect(spool.stats().pendingEvents).toBe(0);
    await spool.stop();
    await store.stop();
    expect(acked.length).toBeGreaterThan(10_000);
    expectExactlyOnce(acked, await storedCounts(ep, database));
    expect((await storedCounts(ep, database)).size).toBe(acked.length);
  });

  it('writer killed with SIGKILL mid-stream and restarted: every acknowledged event stored exactly once', async () => {
    const ep = clickhouseEndpoint();
    await assertClickHouseUp(ep);
    const database = newDatabase();
    cleanups.push(async () => {
      const c = createClient({ url: ep.url, username: ep.username, password: ep.password });
      await c.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
      await c.close();
    });
    const dir = await tempDir('pw-spool-kill-');
    const child = path.join(REPO_DIR, 'collector/test/spool-writer.child.ts');
    const run = (mode: 'write' | 'drain', onLine: (line: string, kill: () => void) => void) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
        const p = spawn(
          process.execPath,
          ['--import', 'tsx', child, mode, dir, ep.url, ep.username, ep.password, database],
          {
            cwd: REPO_DIR,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stderr = '';
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        createInterface({ input: p.stdout }).on('line', (l) => onLine(l, () => p.kill('SIGKILL')));
        p.on('exit', (code, signal) => resolve({ code, signal, stderr }));
      });

    let lastAck = -1;
    const first = await run('write', (line, kill) => {
      const m = /^ACK (\d+)$/.exec(line);
      if (!m) return;
      lastAck = Number(m[1]);
      // Kill once a good number of batches is acknowledged: the drainer is mid-insert or mid-checkpoint.
      if (lastAck === 25) kill();
    });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    expect(lastAck).toBeGreaterThanOrEqual(25);

    let replay: number[] = [];
    const second = await run('drain', (line) => {
      const m = /^REPLAYED (\d+) INSERTED (\d+) DUPLICATES (\d+)$/.exec(line);
      if (m) replay = [Number(m[1]), Number(m[2]), Number(m[3])];
    });
    expect(second.code, second.stderr).toBe(0);
    // The kill left acknowledged events that had not reached ClickHouse: the restart replayed them.
    const [replayed = 0, inserted = 0, duplicates = 0] = replay;
    expect(replayed).toBeGreaterThan(0);
    expect(inserted + duplicates).toBe(replayed);
    console.info(
      `SIGKILL test: replayed ${replayed} events after restart (${inserted} new, ${duplicates} already stored)`,
    );

    const acked: string[] = [];
    for (let i = 0; i <= lastAck; i++) acked.push(...spoolTestBatch(i).map((e: PaymentEvent) => e.event_id));
    expectExactlyOnce(acked, await storedCounts(ep, database));
  });
});
