import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Overview } from '@paywatch/contracts';
import type { CommandIO } from '../src/cli/command.js';
import { createGenerator } from '../src/simulator/generator.js';
import {
  assertClickHouseUp,
  clickhouseEndpoint,
  clickhouseStoreEnv,
  serviceBin,
  type ClickHouseEndpoint,
} from '../test/services.js';

const BIN = fileURLToPath(new URL('../bin/paywatch.mjs', import.meta.url));
const KEY = 'bench-key-0123456789abcdef';
const ADMIN_PASSWORD = `bench-admin-${randomBytes(12).toString('hex')}`;

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere.
 * Reported beside the rates because on a shared machine wall-clock rates move with other load,
 * while the collector's CPU time per event mostly does not.
 */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return null;
  }
}

const pct = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** Runs clickhouse-client with `query`, stdin from `input` and stdout to `output` (files); resolves with the seconds it took. */
function clickhouseClient(
  ep: ClickHouseEndpoint,
  query: string,
  io: { input?: string; output?: string },
): Promise<number> {
  const args = [
    '--host',
    new URL(ep.url).hostname,
    '--user',
    ep.username,
    '--password',
    ep.password,
    '--query',
    query,
  ];
  if (ep.tcpPort !== null) args.push('--port', String(ep.tcpPort));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(serviceBin('clickhouse-client'), args, {
      stdio: [io.input ? 'pipe' : 'ignore', io.output ? 'pipe' : 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    if (io.input && p.stdin) createReadStream(io.input).pipe(p.stdin);
    const done =
      io.output && p.stdout
        ? new Promise<void>((r) => p.stdout!.pipe(createWriteStream(io.output!)).on('finish', () => r()))
        : Promise.resolve();
    p.on('exit', (code) => {
      if (code !== 0) reject(new Error(`clickhouse-client exited ${code}: ${err.slice(0, 500)}`));
      else void done.then(() => resolve((performance.now() - t0) / 1000));
    });
  });
}

/**
 * Ingest benchmark: a collector in a child process (so client and server do not share an event
 * loop), N simulated events posted as NDJSON with a few requests in flight.
 */
export async function runIngestBench(
  opts: {
    events: number;
    batch: number;
    concurrency: number;
    seed: number;
    store: 'embedded' | 'clickhouse';
    out: string;
    /** Folder for a V8 CPU profile of the collector (written when it exits), or null. */
    cpuProfDir?: string | null;
    /** Run the collector's alert engine (default true). */
    alerts?: boolean;
    /** Event time the events spread over, ending now (default two days). */
    spanMinutes?: number;
  },
  io: CommandIO,
): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'paywatch-bench-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  io.stdout.write(`Generating ${opts.events} events (seed ${opts.seed})…\n`);
  const now = Date.now();
  const span = (opts.spanMinutes ?? 2880) * 60_000;
  const gen = createGenerator({
    seed: opts.seed,
    start: now - span,
    end: now,
    rate: (opts.events / span) * 1000 * 1.05,
  });
  const bodies: string[] = [];
  let lines: string[] = [];
  let n = 0;
  for (const e of gen) {
    lines.push(JSON.stringify(e));
    if (++n === opts.events) break;
    if (lines.length === opts.batch) {
      bodies.push(lines.join('\n'));
      lines = [];
    }
  }
  if (lines.length) bodies.push(lines.join('\n'));
  const bytes = bodies.reduce((a, b) => a + Buffer.byteLength(b), 0);

  // ClickHouse: the services.sh server, a fresh database for this run (dropped at the end).
  const ch = opts.store === 'clickhouse' ? clickhouseEndpoint() : null;
  const database = `paywatch_bench_${Date.now()}`;
  if (ch) await assertClickHouseUp(ch);
  const storeEnv: Record<string, string> = ch
    ? clickhouseStoreEnv(ch, database)
    : { PAYWATCH_STORE: 'embedded' };
  io.stdout.write(
    `Starting a collector on ${url} (${ch ? `ClickHouse ${ch.url} database ${database}, spool in ${dataDir}` : `embedded store in ${dataDir}`})…\n`,
  );
  const profArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opts.cpuProfDir)}`] : [];
  const child = spawn(process.execPath, [...profArgs, BIN, 'start', '--no-demo', '--no-dashboard'], {
    env: {
      ...process.env,
      ...storeEnv,
      PAYWATCH_PORT: String(port),
      PAYWATCH_DATA_DIR: dataDir,
      PAYWATCH_INGEST_KEYS: KEY,
      PAYWATCH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PAYWATCH_LOG_LEVEL: 'warn',
      // Every request in flight may hold a full 8 MiB body: the bench measures the store, not the
      // admission limit (128 MiB by default, 503 beyond), which --concurrency 64 would pass.
      PAYWATCH_INGEST_INFLIGHT_MB: String(Math.max(128, opts.concurrency * 8)),
      PAYWATCH_HASH_KEY: 'bench-hash-key-0123456789abcdef0123',
      PAYWATCH_ALERTS_ENABLED: opts.alerts === false ? 'false' : 'true',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(url + '/readyz')).ok) break;
      } catch {
        // not up yet
      }
      if (i > 600) throw new Error('collector did not become ready in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const latencies: number[] = [];
    let accepted = 0;
    let next = 0;
    const cpu0 = cpuSeconds(child.pid);
    const t0 = performance.now();
    const worker = async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const s = performance.now();
        const r = await fetch(url + '/v1/events', {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-ndjson' },
        });
        const j = (await r.json()) as { accepted: number };
        if (r.status !== 200)
          throw new Error(`ingest answered ${r.status}: ${JSON.stringify(j).slice(0, 200)}`);
        latencies.push(performance.now() - s);
        accepted += j.accepted;
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const cpuAck = cpuSeconds(child.pid);
    // Reads need a signed-in user (or a read key): sign in as the admin this run created.
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const readOverview = async () =>
      (await (
        await fetch(`${url}/api/v1/overview?from=${now - span - 86_400_000}&to=${now + 60_000}`, {
          headers: { cookie },
        })
      ).json()) as Overview;
    let overview = await readOverview();
    // ClickHouse: a 2xx means spooled (fsync'd); wait until the spool has drained everything.
    let storedSeconds = seconds;
    if (ch) {
      const deadline = Date.now() + 10 * 60_000;
      while (overview.events < n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        overview = await readOverview();
      }
      storedSeconds = (performance.now() - t0) / 1000;
    }
    const cpuStored = cpuSeconds(child.pid);
    const perEvent = (c: number | null) =>
      c === null || cpu0 === null ? null : Number((((c - cpu0) / n) * 1e6).toFixed(1));
    latencies.sort((a, b) => a - b);
    const raw = ch ? await rawInsert(ch, database, join(dataDir, 'rows.ndjson'), io) : null;
    const result = {
      benchmark: 'ingest',
      store: opts.store,
      alert_engine: opts.alerts !== false,
      span_minutes: span / 60_000,
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      events: n,
      requests: bodies.length,
      batch: opts.batch,
      concurrency: opts.concurrency,
      body_bytes: bytes,
      seconds: Number(seconds.toFixed(3)),
      events_per_s: Math.round(n / seconds),
      mib_per_s: Number((bytes / 1048576 / seconds).toFixed(2)),
      request_latency_ms: {
        p50: Math.round(pct(latencies, 0.5)),
        p95: Math.round(pct(latencies, 0.95)),
        p99: Math.round(pct(latencies, 0.99)),
        max: Math.round(latencies.at(-1) ?? 0),
      },
      // The collector process's CPU per event (all its threads), to the last acknowledgement and
      // to the end of the drain (the latter includes overview reads of the wait loop).
      collector_cpu_us_per_event: { acknowledged: perEvent(cpuAck), stored: perEvent(cpuStored) },
      load_average: loadavg().map((l) => Number(l.toFixed(2))),
      accepted,
      stored_events: overview.events,
      all_counted: overview.events === n && accepted === n,
      ...(ch && raw
        ? {
            // Acknowledged = spooled and fsync'd; stored = readable in ClickHouse (spool drained).
            stored_seconds: Number(storedSeconds.toFixed(3)),
            stored_events_per_s: Math.round(n / storedSeconds),
            raw_clickhouse_client: {
              rows: raw.rows,
              seconds: Number(raw.seconds.toFixed(3)),
              rows_per_s: Math.round(raw.rows / raw.seconds),
              file_bytes: raw.bytes,
            },
            ratio_acknowledged_to_raw: Number((n / seconds / (raw.rows / raw.seconds)).toFixed(3)),
            ratio_stored_to_raw: Number((n / storedSeconds / (raw.rows / raw.seconds)).toFixed(3)),
          }
        : {}),
    };
    const out = resolve(opts.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    io.stdout.write(`${JSON.stringify(result, null, 2)}\nWritten to ${out}\n`);
    if (!result.all_counted) throw new Error(`only ${overview.events} of ${n} events counted`);
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (ch)
      await clickhouseClient(ch, `DROP DATABASE IF EXISTS ${database}`, {}).catch((err: unknown) =>
        io.stderr.write(`could not drop ${database}: ${String(err)}\n`),
      );
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The raw limit: the rows the collector stored (normalized, masked), exported to a file, then
 * inserted by clickhouse-client into a scratch table of the same schema without views.
 */
async function rawInsert(
  ch: ClickHouseEndpoint,
  database: string,
  file: string,
  io: CommandIO,
): Promise<{ rows: number; seconds: number; bytes: number }> {
  io.stdout.write('Raw limit: exporting the stored rows and inserting them with clickhouse-client…\n');
  await clickhouseClient(ch, `SELECT * FROM ${database}.payment_events FORMAT JSONEachRow`, { output: file });
  await clickhouseClient(ch, `CREATE TABLE ${database}.bench_raw AS ${database}.payment_events`, {});
  const seconds = await clickhouseClient(ch, `INSERT INTO ${database}.bench_raw FORMAT JSONEachRow`, {
    input: file,
  });
  const countFile = `${file}.count`;
  await clickhouseClient(ch, `SELECT count() FROM ${database}.bench_raw`, { output: countFile });
  return { rows: Number(readFileSync(countFile, 'utf8').trim()), seconds, bytes: statSync(file).size };
}
