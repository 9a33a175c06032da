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
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Overview } from '@paywatch/contracts';
import { freePort } from '../../alerts/test/free-port.js';
import type { CommandIO } from '../src/cli/command.js';
import { createGenerator } from '../src/simulator/generator.js';
import { collectorForBatch, procStatBusySeconds, procStatCpuSeconds } from './ingest-topology.js';
import {
  assertClickHouseUp,
  clickhouseEndpoint,
  clickhouseStoreEnv,
  serviceBin,
  servicesEnvFile,
  type ClickHouseEndpoint,
} from '../test/services.js';

const BIN = fileURLToPath(new URL('../bin/paywatch.mjs', import.meta.url));
const KEY = 'bench-key-0123456789abcdef';
const ADMIN_PASSWORD = `bench-admin-${randomBytes(12).toString('hex')}`;

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere.
 * Reported beside the rates because on a shared machine wall-clock rates move with other load,
 * while the collector's CPU time per event mostly does not.
 */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    return procStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Summed CPU seconds of several processes; null when any of them cannot be read. */
function cpuSecondsOf(pids: (number | undefined)[]): number | null {
  let sum = 0;
  for (const pid of pids) {
    const c = cpuSeconds(pid);
    if (c === null) return null;
    sum += c;
  }
  return sum;
}

/** The machine's busy CPU seconds (all cores, all processes), or null off Linux. */
function boxBusySeconds(): number | null {
  try {
    return procStatBusySeconds(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Pid of the services.sh ClickHouse server (its pid file beside services.env), when that file
 * names a live clickhouse process; null otherwise (a server given only by URL is not sampled).
 */
function clickhouseServerPid(): number | null {
  try {
    const pid = Number(readFileSync(join(dirname(servicesEnvFile()), 'clickhouse', 'pid'), 'utf8').trim());
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('clickhouse') ? pid : null;
  } catch {
    return null;
  }
}

/** CPU seconds used so far by each party of a scale-out run, sampled at phase boundaries. */
interface CpuSample {
  at: number;
  collectors: number | null;
  clickhouse: number | null;
  client: number;
  box: number | null;
}

function sampleCpu(collectorPids: (number | undefined)[], clickhousePid: number | null): CpuSample {
  const u = process.cpuUsage();
  return {
    at: performance.now(),
    collectors: cpuSecondsOf(collectorPids),
    clickhouse: clickhousePid === null ? null : cpuSeconds(clickhousePid),
    client: (u.user + u.system) / 1e6,
    box: boxBusySeconds(),
  };
}

/**
 * Where the CPU went between two samples: seconds per party, the rest of the machine ("others":
 * other people's work on the shared box, the kernel's own threads) and each as a share of every
 * core for the phase's wall time.
 */
function cpuSplit(a: CpuSample, b: CpuSample, events: number) {
  const wall = (b.at - a.at) / 1000;
  const d = (x: number | null, y: number | null) => (x === null || y === null ? null : y - x);
  const parts = {
    collectors: d(a.collectors, b.collectors),
    clickhouse_server: d(a.clickhouse, b.clickhouse),
    bench_client: b.client - a.client,
  };
  const box = d(a.box, b.box);
  const known = Object.values(parts).reduce<number>((s, v) => s + (v ?? 0), 0);
  const others = box === null ? null : Math.max(0, box - known);
  const capacity = wall * cpus().length;
  const row = (v: number | null) =>
    v === null
      ? null
      : {
          cpu_s: Number(v.toFixed(2)),
          us_per_event: Number(((v / events) * 1e6).toFixed(1)),
          share_of_box: Number((v / capacity).toFixed(3)),
        };
  return {
    wall_s: Number(wall.toFixed(3)),
    collectors: row(parts.collectors),
    clickhouse_server: row(parts.clickhouse_server),
    bench_client: row(parts.bench_client),
    others: row(others),
    box_busy: row(box),
  };
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
    /**
     * Collector processes, each on its own port and spool folder against the same store
     * database, batches spread round-robin (default 1).
     */
    collectors?: number;
    /**
     * Record the scale-out figures (collector count, per-party CPU split, load before and after,
     * every id checked exactly once). Set by `--collectors`; without it the result keeps the
     * single-collector format.
     */
    scaleOut?: boolean;
    /** `--max-semi-space-size` (MiB) for the collectors' V8, or null for Node's default. */
    collectorSemiSpaceMb?: number | null;
  },
  io: CommandIO,
): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'paywatch-bench-'));
  const collectorCount = opts.collectors ?? 1;
  const scaleOut = opts.scaleOut === true;
  const ports: number[] = [];
  while (ports.length < collectorCount) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  // The first collector answers the overview reads (every collector reads the same store).
  const url = urls[0]!;
  // One collector keeps the bench's historical layout (spool in the data dir itself).
  const collectorDirs =
    collectorCount === 1 ? [dataDir] : urls.map((_, i) => join(dataDir, `collector-${i + 1}`));
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
  const sentIds: string[] = [];
  let lines: string[] = [];
  let n = 0;
  for (const e of gen) {
    lines.push(JSON.stringify(e));
    if (scaleOut) sentIds.push(e.event_id);
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
  if (collectorCount > 1 && !ch)
    throw new Error('--collectors > 1 needs --store clickhouse (the embedded store is one process)');
  io.stdout.write(
    collectorCount === 1
      ? `Starting a collector on ${url} (${ch ? `ClickHouse ${ch.url} database ${database}, spool in ${dataDir}` : `embedded store in ${dataDir}`})…\n`
      : `Starting ${collectorCount} collectors on ${urls.join(', ')} (ClickHouse ${ch?.url} database ${database}, spools under ${dataDir})…\n`,
  );
  const profArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opts.cpuProfDir)}`] : [];
  const v8Args = opts.collectorSemiSpaceMb ? [`--max-semi-space-size=${opts.collectorSemiSpaceMb}`] : [];
  for (const d of collectorDirs) mkdirSync(d, { recursive: true });
  const startCollector = (i: number) =>
    spawn(process.execPath, [...v8Args, ...profArgs, BIN, 'start', '--no-demo', '--no-dashboard'], {
      env: {
        ...process.env,
        ...storeEnv,
        PAYWATCH_PORT: String(ports[i]),
        PAYWATCH_DATA_DIR: collectorDirs[i]!,
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
  const waitReady = async (u: string) => {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(u + '/readyz')).ok) return;
      } catch {
        // not up yet
      }
      if (i > 600) throw new Error(`collector ${u} did not become ready in 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  // The first collector alone first: it applies the migrations, which the others then find done.
  const children = [startCollector(0)];
  try {
    await waitReady(urls[0]!);
    for (let i = 1; i < collectorCount; i++) children.push(startCollector(i));
    await Promise.all(urls.slice(1).map(waitReady));
    const pids = children.map((c) => c.pid);
    const chPid = scaleOut ? clickhouseServerPid() : null;
    const latencies: number[] = [];
    let accepted = 0;
    let next = 0;
    const perCollectorAccepted = urls.map(() => 0);
    const loadBefore = loadavg().map((l) => Number(l.toFixed(2)));
    const s0 = sampleCpu(pids, chPid);
    const cpu0 = cpuSecondsOf(pids);
    const t0 = performance.now();
    const worker = async () => {
      while (next < bodies.length) {
        const i = next++;
        const body = bodies[i]!;
        const target = collectorForBatch(i, collectorCount);
        const s = performance.now();
        const r = await fetch(urls[target] + '/v1/events', {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-ndjson' },
        });
        const j = (await r.json()) as { accepted: number };
        if (r.status !== 200)
          throw new Error(`ingest answered ${r.status}: ${JSON.stringify(j).slice(0, 200)}`);
        latencies.push(performance.now() - s);
        accepted += j.accepted;
        perCollectorAccepted[target]! += j.accepted;
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const cpuAck = cpuSecondsOf(pids);
    const sAck = sampleCpu(pids, chPid);
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
    const cpuStored = cpuSecondsOf(pids);
    const sStored = sampleCpu(pids, chPid);
    const loadAfter = loadavg().map((l) => Number(l.toFixed(2)));
    const perEvent = (c: number | null) =>
      c === null || cpu0 === null ? null : Number((((c - cpu0) / n) * 1e6).toFixed(1));
    latencies.sort((a, b) => a - b);
    const rowsFile = join(dataDir, 'rows.ndjson');
    const raw = ch
      ? await rawInsert(ch, database, rowsFile, io, scaleOut ? () => sampleCpu(pids, chPid) : undefined)
      : null;
    const ids = scaleOut && ch ? checkIdsOnce(sentIds, rowsFile) : null;
    const result = {
      benchmark: 'ingest',
      store: opts.store,
      ...(scaleOut
        ? {
            collectors: collectorCount,
            collector_max_semi_space_mb: opts.collectorSemiSpaceMb ?? null,
          }
        : {}),
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
      ...(scaleOut
        ? {
            load_average_before: loadBefore,
            load_average_after_stored: loadAfter,
            accepted_per_collector: perCollectorAccepted,
            // Every sent id stored exactly once (from the exported rows), when ClickHouse.
            ids_exactly_once: ids,
            // CPU by party (/proc) per phase: to the last acknowledgement, then to the last row
            // visible; "others" is the rest of the machine's busy time (other work on the box).
            cpu_split: {
              acknowledge: cpuSplit(s0, sAck, n),
              drain_tail: cpuSplit(sAck, sStored, n),
              ...(raw?.cpu ? { raw_clickhouse_client_insert: raw.cpu } : {}),
            },
          }
        : {}),
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
    if (ids && !ids.ok) throw new Error(`ids not stored exactly once: ${JSON.stringify(ids)}`);
    return result;
  } finally {
    await Promise.all(
      children.map(async (child) => {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        if (child.exitCode === null && child.signalCode === null) await exited;
      }),
    );
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
  sample?: () => CpuSample,
): Promise<{ rows: number; seconds: number; bytes: number; cpu: ReturnType<typeof cpuSplit> | null }> {
  io.stdout.write('Raw limit: exporting the stored rows and inserting them with clickhouse-client…\n');
  await clickhouseClient(ch, `SELECT * FROM ${database}.payment_events FORMAT JSONEachRow`, { output: file });
  await clickhouseClient(ch, `CREATE TABLE ${database}.bench_raw AS ${database}.payment_events`, {});
  const before = sample?.();
  const seconds = await clickhouseClient(ch, `INSERT INTO ${database}.bench_raw FORMAT JSONEachRow`, {
    input: file,
  });
  const after = sample?.();
  const countFile = `${file}.count`;
  await clickhouseClient(ch, `SELECT count() FROM ${database}.bench_raw`, { output: countFile });
  const rows = Number(readFileSync(countFile, 'utf8').trim());
  return {
    rows,
    seconds,
    bytes: statSync(file).size,
    // clickhouse-client itself is not sampled (it has exited): it shows up under "others".
    cpu: before && after ? cpuSplit(before, after, rows) : null,
  };
}

/**
 * Every sent id appears exactly once among the stored rows (the JSONEachRow export) and nothing
 * else was stored: missing, duplicated and unexpected ids are counted.
 */
function checkIdsOnce(
  sent: string[],
  rowsFile: string,
): {
  ok: boolean;
  sent: number;
  stored_rows: number;
  missing: number;
  duplicated: number;
  unexpected: number;
} {
  const seen = new Map<string, number>(sent.map((id) => [id, 0]));
  let storedRows = 0;
  let unexpected = 0;
  let duplicated = 0;
  for (const line of readFileSync(rowsFile, 'utf8').split('\n')) {
    if (line === '') continue;
    storedRows++;
    const id = (JSON.parse(line) as { event_id: string }).event_id;
    const c = seen.get(id);
    if (c === undefined) unexpected++;
    else {
      if (c === 1) duplicated++;
      seen.set(id, c + 1);
    }
  }
  let missing = 0;
  for (const c of seen.values()) if (c === 0) missing++;
  return {
    ok: missing + duplicated + unexpected === 0,
    sent: sent.length,
    stored_rows: storedRows,
    missing,
    duplicated,
    unexpected,
  };
}
