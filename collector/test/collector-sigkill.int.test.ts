// Guards the durable write path of the whole collector process: `paywatch start` on ClickHouse is SIGKILLed while NDJSON batches are in flight, restarted on the same spool, and SIGKILLed again right after the restart (replay still running); every acknowledged event_id ends up in ClickHouse exactly once, unacknowledged ones at most once.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { ident, sql } from '../src/store/clickhouse/sql.js';
import {
  TEST_KEY,
  collectorProcessEnv,
  inputEvent,
  metricValue,
  ndjson,
  spoolPending,
  waitFor,
} from './harness.js';
import { REPO_DIR, assertClickHouseUp, clickhouseEndpoint, clickhouseStoreEnv } from './services.js';

const BIN = path.join(REPO_DIR, 'collector/bin/paywatch.mjs');
const ep = clickhouseEndpoint();
const database = `paywatch_kill_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const BATCH = 400;
const SENDERS = 4;
const KILLS = 2;
const T0 = Date.now() - 30 * 60_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

interface Collector {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `paywatch start` (no demo, no dashboard) on ClickHouse with `dataDir`; resolves once it prints its URL. */
async function startCollector(dataDir: string): Promise<Collector> {
  let out = '';
  const proc = spawn(process.execPath, [BIN, 'start', '--no-demo', '--no-dashboard'], {
    cwd: REPO_DIR,
    // Only what the collector needs: never the test runner's own PAYWATCH_ variables.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      ...clickhouseStoreEnv(ep, database),
      ...collectorProcessEnv(dataDir),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    }
  });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const m = /Ingest API:\s+POST (http:\/\/\S+)\/v1\/events/.exec(out);
    if (m) return { proc, url: m[1]!, output: () => out };
    if (proc.exitCode !== null) throw new Error(`paywatch start exited with ${proc.exitCode}:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`paywatch start did not print its URL in 90 s:\n${out}`);
}

/** The ids of one batch (`run`, sender, sequence number). */
function batchEvents(run: string, sender: number, seq: number): Record<string, unknown>[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const n = seq * BATCH + i;
    return inputEvent(n, {
      event_id: `${run}_${sender}_${seq}_${i}`,
      payment_id: `${run}_p${sender}_${n}`,
      ts: T0 + (n % 1200) * 1000,
    });
  });
}

/** Ledger of what the senders did: acknowledged batches (2xx) and sent-but-unanswered ones. */
interface Ledger {
  acked: Set<string>;
  unacked: Map<string, Record<string, unknown>[]>;
}

/**
 * Runs `SENDERS` concurrent senders against `url` until `stop()` resolves true; each posts NDJSON
 * batches one after another. A batch whose request fails (the collector died) or is refused is
 * recorded as unacknowledged and its sender stops.
 */
function stream(url: string, run: string, firstSeq: number, ledger: Ledger) {
  let inFlight = 0;
  let stopped = false;
  let ackedBatches = 0;
  const senders = Array.from({ length: SENDERS }, async (_, sender) => {
    for (let seq = firstSeq; !stopped; seq++) {
      const events = batchEvents(run, sender, seq);
      const key = `${sender}_${seq}`;
      inFlight++;
      try {
        const res = await fetch(`${url}/v1/events`, {
          method: 'POST',
          body: ndjson(events),
          headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/x-ndjson' },
        });
        const text = await res.text();
        if (res.status >= 300) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
        const body = JSON.parse(text) as { accepted: number; duplicate: number };
        if (body.accepted + body.duplicate !== BATCH) throw new Error(`unexpected answer ${text}`);
        for (const e of events) ledger.acked.add(String(e.event_id));
        ledger.unacked.delete(key);
        ackedBatches++;
      } catch {
        ledger.unacked.set(key, events);
        return;
      } finally {
        inFlight--;
      }
    }
  });
  return {
    inFlight: () => inFlight,
    ackedBatches: () => ackedBatches,
    async stop() {
      stopped = true;
      await Promise.all(senders);
    },
    done: Promise.all(senders),
  };
}

describe('collector killed with SIGKILL mid-stream on the ClickHouse store', () => {
  it(
    'stores every acknowledged event exactly once across two kills and restarts on the same spool',
    { timeout: 300_000 },
    async () => {
      await assertClickHouseUp(ep);
      const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
      cleanups.push(async () => {
        await client.command({ query: sql`DROP DATABASE IF EXISTS ${ident(database)}`.text });
        await client.close();
      });
      const dataDir = await mkdtemp(path.join(tmpdir(), 'pw-sigkill-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const run = randomUUID().slice(0, 8);
      const ledger: Ledger = { acked: new Set(), unacked: new Map() };
      let seq = 0;
      let killsWithBacklog = 0;
      let c = await startCollector(dataDir);

      for (let k = 0; k < KILLS; k++) {
        const s = stream(c.url, run, seq, ledger);
        // Let a few batches through, then kill while requests are in flight — preferably while the
        // spool also holds events not yet in ClickHouse (the drainer is mid-insert), for up to 5 s.
        // The second kill comes right after the restart, while the replay of the first may still run.
        const target = k === 0 ? 8 : 1;
        await waitFor('acknowledged batches', () => s.ackedBatches() >= target);
        const soft = Date.now() + 5000;
        let backlog = 0;
        await waitFor('a request in flight', async () => {
          backlog = await spoolPending(c.url);
          return s.inFlight() > 0 && (backlog > 0 || Date.now() > soft);
        });
        if (backlog > 0) killsWithBacklog++;
        const exited = new Promise<NodeJS.Signals | null>((r) => c.proc.once('exit', (_code, sig) => r(sig)));
        expect(s.inFlight()).toBeGreaterThan(0);
        c.proc.kill('SIGKILL');
        expect(await exited, c.output()).toBe('SIGKILL');
        await s.done;
        seq += 1000;

        c = await startCollector(dataDir);
        // Clients retry what was not acknowledged (half of it: the rest stays unacknowledged,
        // stored at most once), and keep streaming.
        const retry = [...ledger.unacked.entries()].filter((_, i) => i % 2 === 0);
        for (const [key, events] of retry) {
          const res = await fetch(`${c.url}/v1/events`, {
            method: 'POST',
            body: ndjson(events),
            headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/x-ndjson' },
          });
          expect(res.status, await res.clone().text()).toBeLessThan(300);
          await res.text();
          for (const e of events) ledger.acked.add(String(e.event_id));
          ledger.unacked.delete(key);
        }
      }
      // After the last restart: some more traffic, then stop sending.
      const tail = stream(c.url, run, seq, ledger);
      await waitFor('tail batches', () => tail.ackedBatches() >= 4);
      await tail.stop();
      expect(ledger.unacked.size, 'a batch failed while the collector was up').toBeLessThanOrEqual(
        Math.ceil((KILLS * SENDERS) / 2),
      );

      // The spool drains to ClickHouse.
      await waitFor('the spool to drain', async () => (await spoolPending(c.url)) === 0, 120_000);
      expect(
        metricValue(await (await fetch(`${c.url}/metrics`)).text(), 'paywatch_spool_dropped_events_total'),
      ).toBe(0);

      const rs = await client.query({
        query: sql`SELECT event_id, count() AS n FROM ${ident(database)}.payment_events GROUP BY event_id`
          .text,
        format: 'JSONEachRow',
      });
      const stored = new Map(
        (await rs.json<{ event_id: string; n: string }>()).map((r) => [r.event_id, Number(r.n)]),
      );
      const unacked = new Set([...ledger.unacked.values()].flat().map((e) => String(e.event_id)));
      const twice = [...stored.entries()].filter(([, n]) => n > 1).map(([id]) => id);
      const missing = [...ledger.acked].filter((id) => stored.get(id) !== 1);
      const strangers = [...stored.keys()].filter((id) => !ledger.acked.has(id) && !unacked.has(id));
      console.info(
        `SIGKILL x${KILLS}: ${ledger.acked.size} acknowledged events, ${unacked.size} unacknowledged ` +
          `(${[...unacked].filter((id) => stored.has(id)).length} of them stored), ${stored.size} distinct ids stored; ` +
          `${killsWithBacklog} kill(s) with events still spooled`,
      );
      expect(twice.slice(0, 10), `${twice.length} event ids stored more than once`).toEqual([]);
      expect(missing.slice(0, 10), `${missing.length} acknowledged ids not stored exactly once`).toEqual([]);
      expect(strangers).toEqual([]);
      expect(ledger.acked.size).toBeGreaterThan(12 * BATCH);

      const exited = new Promise((r) => c.proc.once('exit', r));
      c.proc.kill('SIGTERM');
      expect(await exited, c.output()).toBe(0);
    },
  );
});
