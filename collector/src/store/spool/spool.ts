import { mkdir, open, readdir, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { PaymentEvent } from '@paywatch/contracts';
import { fsyncDir as fsyncDirAt, writeFileAtomic } from '@paywatch/alerts/atomic-file';
import { OverloadedError, PaywatchError, StoreError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { createFailureRun } from '../failure-run.js';
import type { EventWriter, WriteResult } from '../types.js';

/**
 * A durable write path in front of any `EventWriter` (ClickHouse in production): an
 * append-only local spool with group commit. `write` resolves once the events are in a spool
 * segment and fsync'd — from then on they survive a store outage and a `kill -9` — and a
 * background drainer hands them to the store in append order, retrying with backoff while the
 * store is down. Past the disk quota `write` throws `OverloadedError` (503 + Retry-After).
 *
 * Exactly once: the drainer records its position (checkpoint) only after the store accepted a
 * batch; after a crash it replays from the checkpoint, and the store's own duplicate check
 * (event ids) drops what had already landed. Events the store refuses as invalid
 * (non-retryable error) go to `dead-letter.ndjson` and count as drops: a refused batch of several
 * records is split in halves until the refused record is alone, so only records the store refuses
 * on their own are dead-lettered (a record — one `write` or `append` — is the unit).
 *
 * Records of other kinds (`append`: the ClickHouse store's signal rows — scraped samples, log and
 * RUM records) share the same segments, quota, order, checkpoint and figures: the drainer hands
 * consecutive records of one kind to that kind's `SpoolRecordWriter`, and rows count as events
 * in `SpoolStats`.
 */
export interface SpoolConfig {
  /** Folder of the segments and checkpoint (created). */
  dir: string;
  /** Maximum bytes of spool segments on disk; beyond it `write` throws `OverloadedError`. */
  quotaBytes: number;
  /** A segment is closed and a new one opened past this size (default 16 MiB). */
  segmentBytes?: number;
  /** Most events handed to the store in one write (default 20 000). */
  maxBatchEvents?: number;
  /** Retry-After sent with `OverloadedError` (default 5 s). */
  retryAfterS?: number;
  /** Backoff between failed store writes: starts here, doubles, capped at `maxBackoffMs` (defaults 100 ms / 5 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** On `stop()`, keep draining to the store for at most this long (default 5 s); the rest stays spooled. */
  stopDrainMs?: number;
  /** Events kept in memory for the drainer (beyond it they are read back from disk; default 200 000). */
  memoryEvents?: number;
}

/** Point-in-time figures for metrics (map onto gauges / counters). */
export interface SpoolStats {
  /** Events acknowledged but not yet accepted by the store. */
  pendingEvents: number;
  /** Bytes of spool segments on disk. */
  diskBytes: number;
  quotaBytes: number;
  /** Age of the oldest pending event's append, ms (0 when empty). */
  oldestAgeMs: number;
  /** Totals since start. */
  drainedEvents: number;
  duplicateEvents: number;
  retries: number;
  droppedEvents: number;
  overloads: number;
}

/** Optional callbacks for counters that should move as things happen. */
export interface SpoolHooks {
  /** A store write failed and will be retried. */
  retry?(err: unknown): void;
  /** Events dead-lettered (the store refused them as invalid). */
  dropped?(count: number, reason: string): void;
  /** A batch reached the store. */
  drained?(inserted: number, duplicates: number): void;
  /** A write was refused because the quota is full. */
  overloaded?(): void;
}

/**
 * A writer that takes spooled events in its own line encoding (the ClickHouse store: one
 * JSONEachRow line per event), so an event is serialized once — when it is appended — and the
 * drainer sends the spooled bytes as they are. When `SpoolDeps.writer` implements it, new
 * records hold these lines (records of the older JSON format are still read and drained).
 */
export interface LineWriter {
  /** One line per event, in order, each ending in `\n`. */
  encodeLines(events: readonly PaymentEvent[]): Buffer;
  /** The events of lines made by `encodeLines` (crash replay, dead letters). */
  decodeLines(lines: Buffer): PaymentEvent[];
  /**
   * Writes spooled lines: `keys[i]` is the id and time of line i of the concatenated `chunks`.
   * Same semantics as `EventWriter.write` (ids already stored, or repeated, are duplicates).
   */
  writeLines(
    keys: readonly LineKey[],
    chunks: readonly Buffer[],
  ): Promise<{ inserted: number; duplicates: number }>;
}

/**
 * Stores spooled records of one kind other than payment events (`Spool.append`; the ClickHouse
 * signal tables). The drainer hands it consecutive records of its kind, in append order, several
 * at once. A retryable error is retried with backoff (everything behind waits: order is kept); a
 * non-retryable `PaywatchError` dead-letters the records. After a crash, records the writer had
 * already stored are handed over again: it must skip rows already stored (exactly once).
 */
export interface SpoolRecordWriter {
  /** Stores the payloads as given to `append`; resolves with rows inserted and rows found already stored. */
  writeRecords(payloads: readonly Buffer[]): Promise<{ inserted: number; duplicates: number }>;
}

/** Identity of one spooled line. */
export interface LineKey {
  event_id: string;
  ts: number;
}

function isLineWriter(w: EventWriter): w is EventWriter & LineWriter {
  const l = w as Partial<LineWriter>;
  return (
    typeof l.encodeLines === 'function' &&
    typeof l.decodeLines === 'function' &&
    typeof l.writeLines === 'function'
  );
}

export interface SpoolDeps {
  /** The store; when it is also a `LineWriter`, records are kept and drained in its line encoding. */
  writer: EventWriter;
  /**
   * Writers of the other record kinds `append` takes, by kind name (1–64 bytes). A spool holding
   * records of a kind not listed here refuses to start (start with the store that wrote them).
   */
  records?: Readonly<Record<string, SpoolRecordWriter>>;
  logger: Logger;
  hooks?: SpoolHooks;
  now?: () => number;
}

/** The spool: an `EventWriter` whose writes are acknowledged on local fsync. Lifecycle: `start()` recovers and begins draining; `stop()` is idempotent. */
export interface Spool extends EventWriter {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): SpoolStats;
  /** Resolves when every event acknowledged so far has reached the store (tests, shutdown). */
  drained(): Promise<void>;
  /**
   * Appends one record of `kind` (a key of `SpoolDeps.records`) holding `rows` rows; resolves once
   * it is fsync'd (acknowledge then), throws `OverloadedError` (503 + Retry-After) past the quota.
   * It is drained in append order, after everything appended before it.
   */
  append(kind: string, payload: Buffer, rows: number): Promise<void>;
  /**
   * Why a write now would be refused, or null when the spool takes writes (readiness: a balancer
   * keeps sending ingest while this is null, whatever the store's state). Refusing: not running
   * (starting, stopping), 95 % of the quota used, or a write refused for the quota or failed on
   * disk within the last Retry-After (5 s) — what the ingest API would answer 503 to right now.
   */
  refusal(): SpoolRefusal | null;
}

/** Why the spool does not take writes (`Spool.refusal`). */
export interface SpoolRefusal {
  /** `spool_full`: the quota (or a write refused for it); `spool_failing`: appends fail on disk; `spool_stopped`: not running. */
  code: 'spool_full' | 'spool_failing' | 'spool_stopped';
  message: string;
}

/** Share of the quota past which `refusal()` reports the spool full (writes are still taken up to the quota). */
const READY_QUOTA_SHARE = 0.95;

/** The in-memory copy of a record, for the drainer (null beyond `memoryEvents`: read back from disk). */
type Held =
  | { kind: 'events'; events: PaymentEvent[] }
  | { kind: 'lines'; keys: LineKey[]; lines: Buffer }
  | { kind: 'record'; recordKind: string; data: Buffer };

interface Entry {
  segment: number;
  offset: number;
  length: number;
  count: number;
  appendedAt: number;
  format: RecordFormat;
  /** The kind of a `record` entry (null for events). */
  recordKind: string | null;
  held: Held | null;
}

interface Append {
  /** The record: header and payload, written with one `writev` (no copy of the payload). */
  parts: [Buffer, Buffer];
  length: number;
  held: Held;
  count: number;
  appendedAt: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Record formats: a JSON array of events ("PWSL"), the writer's lines ("PWSN"), or a record of
 * another kind ("PWSR": payload = kind length u16, kind UTF-8, the appended bytes).
 */
type RecordFormat = 'json' | 'lines' | 'record';
const MAGICS: Readonly<Record<RecordFormat, number>> = {
  json: 0x5057_534c, // "PWSL"
  lines: 0x5057_534e, // "PWSN"
  record: 0x5057_5352, // "PWSR"
};
const FORMAT_OF_MAGIC = new Map(Object.entries(MAGICS).map(([f, m]) => [m, f as RecordFormat]));
const MAX_KIND = 64;
const HEADER = 24; // magic u32, payload length u32, crc u32, count u32, appendedAt f64
const MAX_RECORD = 512 * 1024 * 1024;

function segName(n: number): string {
  return `seg-${n.toString().padStart(12, '0')}.log`;
}

function encode(format: RecordFormat, payload: Buffer, count: number, appendedAt: number): [Buffer, Buffer] {
  const head = Buffer.alloc(HEADER);
  head.writeUInt32LE(MAGICS[format], 0);
  head.writeUInt32LE(payload.length, 4);
  head.writeUInt32LE(count, 12);
  head.writeDoubleLE(appendedAt, 16);
  head.writeUInt32LE(crc32(payload, crc32(head.subarray(12, HEADER))), 8);
  return [head, payload];
}

function formatOf(h: Held): RecordFormat {
  return h.kind === 'events' ? 'json' : h.kind === 'lines' ? 'lines' : 'record';
}

function formatOfMagic(magic: number): RecordFormat | null {
  return FORMAT_OF_MAGIC.get(magic) ?? null;
}

/** The kind and the appended bytes of a `record` payload; null when it is malformed. */
function splitRecord(payload: Buffer): { recordKind: string; data: Buffer } | null {
  if (payload.length < 2) return null;
  const len = payload.readUInt16LE(0);
  if (len < 1 || len > MAX_KIND || payload.length < 2 + len) return null;
  return { recordKind: payload.toString('utf8', 2, 2 + len), data: payload.subarray(2 + len) };
}

/** Drained together: events (either format) or records of one kind. */
const groupOf = (e: Entry): string => (e.format === 'record' ? `record:${e.recordKind}` : 'events');

/** The first of each id in the call is accepted; repeats within the call are duplicates. */
function splitRepeats(events: PaymentEvent[]): WriteResult {
  const seen = new Set<string>();
  const inserted: PaymentEvent[] = [];
  const duplicates: string[] = [];
  for (const e of events) {
    if (seen.has(e.event_id)) duplicates.push(e.event_id);
    else {
      seen.add(e.event_id);
      inserted.push(e);
    }
  }
  return { inserted, duplicates };
}

/** Creates a spool (unstarted) over `deps.writer`. */
export function createSpool(config: SpoolConfig, deps: SpoolDeps): Spool {
  const log = deps.logger.child({ component: 'spool' });
  const now = deps.now ?? Date.now;
  const segmentBytes = config.segmentBytes ?? 16 * 1024 * 1024;
  const maxBatch = config.maxBatchEvents ?? 20_000;
  const retryAfterS = config.retryAfterS ?? 5;
  const minBackoff = config.minBackoffMs ?? 100;
  const maxBackoff = config.maxBackoffMs ?? 5_000;
  const memoryCap = config.memoryEvents ?? 200_000;
  const hooks = deps.hooks ?? {};
  const lineWriter: LineWriter | null = isLineWriter(deps.writer) ? deps.writer : null;
  const recordWriters = deps.records ?? {};
  const recordWriter = (kind: string): SpoolRecordWriter => {
    const w = Object.hasOwn(recordWriters, kind) ? recordWriters[kind] : undefined;
    if (!w)
      throw new StoreError(
        `spool ${config.dir} holds records of kind ${JSON.stringify(kind)}, but this store has no writer for them: start with the store that wrote them`,
        undefined,
        false,
      );
    return w;
  };
  const checkpointPath = path.join(config.dir, 'checkpoint.json');

  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  let stopPromise: Promise<void> | null = null;
  // Appends
  let active: { n: number; fh: FileHandle; size: number } | null = null;
  const queue: Append[] = [];
  let queuedBytes = 0;
  // Appends and segment rolls run one at a time on this chain.
  let appendChain: Promise<void> = Promise.resolve();
  let flushScheduled = false;
  let inFlight = 0;
  // Disk accounting: segment number → bytes
  const segments = new Map<number, number>();
  let diskBytes = 0;
  // Pending (acknowledged, not yet in the store), in order
  const pending: Entry[] = [];
  let pendingEvents = 0;
  let memEvents = 0;
  let checkpoint = { segment: 0, offset: 0 };
  // Drainer
  let wake: (() => void) | null = null;
  // Cuts a retry backoff short: only a stop does (new appends must not, or every group commit
  // during an outage would be another failed store write: a retry storm instead of backoff).
  let wakeBackoff: (() => void) | null = null;
  let drainLoop: Promise<void> | null = null;
  let drainDeadline = Infinity;
  const emptyWaiters: (() => void)[] = [];
  const totals = { drainedEvents: 0, duplicateEvents: 0, retries: 0, droppedEvents: 0, overloads: 0 };
  // When a write was last refused for the quota / last failed on disk (refusal()).
  let lastOverloadAt = -Infinity;
  let lastAppendFailure: { at: number; err: unknown } | null = null;

  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const signalStop = () => {
    signal();
    const w = wakeBackoff;
    wakeBackoff = null;
    w?.();
  };

  const fsyncDir = () => fsyncDirAt(config.dir);

  async function openSegment(n: number): Promise<void> {
    const fh = await open(path.join(config.dir, segName(n)), 'a');
    await fsyncDir();
    active = { n, fh, size: 0 };
    segments.set(n, 0);
  }

  function serial(fn: () => Promise<void>): Promise<void> {
    const p = appendChain.then(fn);
    appendChain = p.catch(() => undefined);
    return p;
  }

  async function flushQueue(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, queue.length);
      inFlight += batch.length;
      const bytes = batch.reduce((s, a) => s + a.length, 0);
      try {
        if (active === null) throw new StoreError('spool is not open', undefined, false);
        if (active.size > 0 && active.size + bytes > segmentBytes) {
          await active.fh.sync();
          await active.fh.close();
          await openSegment(active.n + 1);
        }
        const seg = active as { n: number; fh: FileHandle; size: number };
        let off = seg.size;
        try {
          // A full disk (or file-size limit) cuts a write short without an error: a record only
          // partly on disk must not be acknowledged (recovery would drop it as a torn tail).
          const { bytesWritten } = await seg.fh.writev(batch.flatMap((a) => a.parts));
          if (bytesWritten !== bytes)
            throw new Error(
              `short write to ${segName(seg.n)}: ${bytesWritten} of ${bytes} bytes (disk full?)`,
            );
          // One fsync for every append that arrived while the previous one ran: group commit.
          await seg.fh.datasync();
        } catch (err) {
          await discardTail(seg);
          throw err;
        }
        seg.size += bytes;
        segments.set(seg.n, seg.size);
        diskBytes += bytes;
        for (const a of batch) {
          const keep = memEvents + a.count <= memoryCap;
          pending.push({
            segment: seg.n,
            offset: off,
            length: a.length,
            count: a.count,
            appendedAt: a.appendedAt,
            format: formatOf(a.held),
            recordKind: a.held.kind === 'record' ? a.held.recordKind : null,
            held: keep ? a.held : null,
          });
          if (keep) memEvents += a.count;
          pendingEvents += a.count;
          off += a.length;
        }
        queuedBytes -= bytes;
        inFlight -= batch.length;
        for (const a of batch) a.resolve();
        signal();
      } catch (err) {
        queuedBytes -= bytes;
        inFlight -= batch.length;
        lastAppendFailure = { at: now(), err };
        const e = new StoreError('spool append failed', err);
        for (const a of batch) a.reject(e);
      }
    }
  }

  /**
   * After a failed append: cuts the segment back to its acknowledged records, so the next appends
   * land where `seg.size` says (the file is opened for append) and recovery finds no partial
   * record before them. If that fails, the next appends go to a new segment; if that fails too,
   * the spool takes no more appends ("not open") rather than acknowledge records it would lose.
   */
  async function discardTail(seg: { n: number; fh: FileHandle; size: number }): Promise<void> {
    try {
      await seg.fh.truncate(seg.size);
      await seg.fh.datasync();
    } catch (err) {
      log.error({ err, segment: seg.n }, 'spool: could not cut a failed append off its segment; rolling');
      active = null;
      await seg.fh.close().catch(() => undefined);
      await openSegment(seg.n + 1);
    }
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    // Let the appends of this tick join the same fsync (group commit).
    setImmediate(() => {
      flushScheduled = false;
      void serial(flushQueue);
    });
  }

  /** Once everything in the active segment is drained, start a fresh one so the old one can be deleted. */
  function rollIfDrained(): Promise<void> {
    return serial(async () => {
      const a = active;
      if (!a || a.size === 0 || checkpoint.segment !== a.n || checkpoint.offset < a.size) return;
      await a.fh.close();
      await openSegment(a.n + 1);
    });
  }

  /** A record as the drainer needs it: from memory, or read back from its segment. */
  async function readEntry(e: Entry): Promise<Held> {
    if (e.held) return e.held;
    const fh = await open(path.join(config.dir, segName(e.segment)), 'r');
    let payload: Buffer;
    try {
      const buf = Buffer.alloc(e.length);
      await fh.read(buf, 0, e.length, e.offset);
      payload = buf.subarray(HEADER);
    } finally {
      await fh.close();
    }
    if (e.format === 'json')
      return { kind: 'events', events: JSON.parse(payload.toString('utf8')) as PaymentEvent[] };
    if (e.format === 'record') {
      const r = splitRecord(payload);
      if (!r)
        throw new StoreError(
          `spool record at ${segName(e.segment)}:${e.offset} is malformed`,
          undefined,
          false,
        );
      return { kind: 'record', ...r };
    }
    if (!lineWriter)
      throw new StoreError('spool record in line format but the writer reads no lines', undefined, false);
    const events = lineWriter.decodeLines(payload);
    return { kind: 'lines', keys: events.map((x) => ({ event_id: x.event_id, ts: x.ts })), lines: payload };
  }

  /** The events of held records (dead letters; drains to a writer without lines). */
  function eventsOf(held: Held[]): PaymentEvent[] {
    return held.flatMap((h) => {
      if (h.kind === 'events') return h.events;
      if (h.kind === 'record')
        throw new StoreError('a spool record of another kind holds no events', undefined, false);
      if (!lineWriter)
        throw new StoreError('spool record in line format but the writer reads no lines', undefined, false);
      return lineWriter.decodeLines(h.lines);
    });
  }

  /** Hands records to the store: as lines when it takes them (records of the JSON format are encoded now). */
  async function writeHeld(held: Held[]): Promise<{ inserted: number; duplicates: number }> {
    const first = held[0];
    if (first?.kind === 'record')
      // One kind per batch (groupOf): that kind's writer takes the appended bytes as they are.
      return recordWriter(first.recordKind).writeRecords(
        held.map((h) => (h.kind === 'record' ? h.data : Buffer.alloc(0))),
      );
    if (!lineWriter) {
      const r = await deps.writer.write(eventsOf(held));
      return { inserted: r.inserted.length, duplicates: r.duplicates.length };
    }
    const keys: LineKey[] = [];
    const chunks: Buffer[] = [];
    for (const h of held) {
      if (h.kind === 'lines') {
        for (const k of h.keys) keys.push(k);
        chunks.push(h.lines);
      } else if (h.kind === 'events') {
        for (const e of h.events) keys.push({ event_id: e.event_id, ts: e.ts });
        chunks.push(lineWriter.encodeLines(h.events));
      }
    }
    return lineWriter.writeLines(keys, chunks);
  }

  async function writeCheckpoint(): Promise<void> {
    await writeFileAtomic(checkpointPath, JSON.stringify(checkpoint));
  }

  async function deleteDrainedSegments(): Promise<void> {
    for (const [n, size] of [...segments.entries()]) {
      const drainedFully = n < checkpoint.segment || (n === checkpoint.segment && checkpoint.offset >= size);
      if (!drainedFully || n === active?.n) continue;
      await rm(path.join(config.dir, segName(n)), { force: true });
      segments.delete(n);
      diskBytes -= size;
    }
  }

  async function deadLetter(entries: Entry[], held: Held[], err: unknown): Promise<void> {
    const reason = err instanceof Error ? err.message : String(err);
    // One line per event; line records that do not even decode are kept as their raw lines.
    const out: string[] = [];
    let count = 0;
    for (const h of held) {
      if (h.kind === 'record') {
        // Records of another kind: their bytes as text, one dead letter per record.
        out.push(JSON.stringify({ reason, kind: h.recordKind, record: h.data.toString('utf8') }));
        continue;
      }
      let events: PaymentEvent[] | null = null;
      try {
        events = eventsOf([h]);
      } catch {
        events = null;
      }
      if (events) {
        for (const e of events) out.push(JSON.stringify({ reason, event: e }));
        count += events.length;
      } else if (h.kind === 'lines') {
        for (const line of h.lines.toString('utf8').split('\n'))
          if (line !== '') out.push(JSON.stringify({ reason, line }));
        count += h.keys.length;
      }
    }
    const fh = await open(path.join(config.dir, 'dead-letter.ndjson'), 'a');
    try {
      await fh.writeFile(out.join('\n') + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    for (let i = 0; i < held.length; i++) if (held[i]?.kind === 'record') count += entries[i]?.count ?? 0;
    totals.droppedEvents += count;
    hooks.dropped?.(count, reason);
    log.error({ err, events: count, records: entries.length }, 'spool: store refused events; dead-lettered');
  }

  const isPermanent = (err: unknown) => err instanceof PaywatchError && !err.retryable;

  async function drain(): Promise<void> {
    let backoff = minBackoff;
    // The current run of failed writes (an outage): logged when it starts, every minute while
    // it lasts, and when the store accepts writes again.
    const failing = createFailureRun();
    // A store refusing a batch (ClickHouse refuses a whole INSERT for one row it cannot parse)
    // says nothing of which record is bad, and the others were acknowledged too: the batch is
    // split in halves (at most `limit` records per batch) until the refused records are alone,
    // and only they are dead-lettered. `suspect`: records at the head of `pending` still in a
    // refused batch (the limit holds until they are past).
    let suspect = 0;
    let limit = Infinity;
    const passed = (k: number) => {
      suspect = Math.max(0, suspect - k);
      // Past a refused record the rest are likely good: the batches grow again.
      limit = suspect === 0 ? Infinity : limit * 2;
    };
    for (;;) {
      if (pending.length === 0) {
        for (const w of emptyWaiters.splice(0)) w();
        if (state !== 'running') return;
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      if (state !== 'running' && now() > drainDeadline) return;
      const entries: Entry[] = [];
      let n = 0;
      for (const e of pending) {
        if (
          entries.length > 0 &&
          (entries.length >= limit || n + e.count > maxBatch || groupOf(e) !== groupOf(entries[0]!))
        )
          break;
        entries.push(e);
        n += e.count;
      }
      let held: Held[] = [];
      try {
        held = await Promise.all(entries.map(readEntry));
        const r = await writeHeld(held);
        totals.drainedEvents += r.inserted;
        totals.duplicateEvents += r.duplicates;
        hooks.drained?.(r.inserted, r.duplicates);
        backoff = minBackoff;
        const ended = failing.succeeded(now());
        if (ended)
          log.info(
            {
              failedForS: ended.failedForS,
              failedAttempts: ended.failures,
              pendingEvents: pendingEvents - n,
            },
            'spool: store accepts writes again; draining',
          );
      } catch (err) {
        if (isPermanent(err) && state === 'running' && held.length === entries.length) {
          if (entries.length > 1) {
            suspect = Math.max(suspect, entries.length);
            limit = Math.ceil(entries.length / 2);
            continue;
          }
          await deadLetter(entries, held, err);
        } else {
          totals.retries++;
          hooks.retry?.(err);
          const t = now();
          const message = err instanceof Error ? err.message : String(err);
          const due = failing.failed(t);
          if (due === 'first')
            log.warn(
              { err: message, pendingEvents, backoffMs: backoff },
              'spool: store write failed; events stay spooled and are retried (logged again every minute while it fails)',
            );
          else if (due)
            log.warn(
              {
                err: message,
                failedAttempts: due.failures,
                failingForS: due.failingForS,
                pendingEvents,
                oldestAgeS: Math.round((t - (pending[0]?.appendedAt ?? t)) / 1000),
              },
              'spool: store writes still fail',
            );
          if (state !== 'running' && now() + backoff > drainDeadline) return;
          await new Promise<void>((r) => {
            const t = setTimeout(r, backoff);
            // A stop request cuts the wait short.
            wakeBackoff = () => {
              clearTimeout(t);
              r();
            };
          });
          wakeBackoff = null;
          backoff = Math.min(maxBackoff, backoff * 2);
          continue;
        }
      }
      // Accepted (or dead-lettered): advance past these records, durably, then forget them.
      passed(entries.length);
      const last = entries[entries.length - 1] as Entry;
      checkpoint = { segment: last.segment, offset: last.offset + last.length };
      await writeCheckpoint();
      pending.splice(0, entries.length);
      for (const e of entries) {
        pendingEvents -= e.count;
        if (e.held) memEvents -= e.count;
      }
      if (pending.length === 0) await rollIfDrained();
      await deleteDrainedSegments();
    }
  }

  /** Rebuilds the pending list from the segments after the checkpoint; truncates a torn tail. */
  async function recover(): Promise<number> {
    try {
      const cp = JSON.parse(await readFile(checkpointPath, 'utf8')) as { segment: number; offset: number };
      if (Number.isInteger(cp.segment) && Number.isInteger(cp.offset)) checkpoint = cp;
    } catch {
      checkpoint = { segment: 0, offset: 0 };
    }
    const names = (await readdir(config.dir)).filter((f) => /^seg-\d{12}\.log$/.test(f)).sort();
    let last = 0;
    for (const name of names) {
      const n = Number(name.slice(4, 16));
      last = Math.max(last, n);
      const file = path.join(config.dir, name);
      const size = (await stat(file)).size;
      if (n < checkpoint.segment || (n === checkpoint.segment && checkpoint.offset >= size)) {
        await rm(file, { force: true });
        continue;
      }
      const data = await readFile(file);
      let off = n === checkpoint.segment ? checkpoint.offset : 0;
      while (off < data.length) {
        const ok =
          off + HEADER <= data.length &&
          formatOfMagic(data.readUInt32LE(off)) !== null &&
          data.readUInt32LE(off + 4) <= MAX_RECORD &&
          off + HEADER + data.readUInt32LE(off + 4) <= data.length;
        const len = ok ? data.readUInt32LE(off + 4) : 0;
        const payload = data.subarray(off + HEADER, off + HEADER + len);
        if (
          !ok ||
          crc32(payload, crc32(data.subarray(off + 12, off + HEADER))) !== data.readUInt32LE(off + 8)
        ) {
          // A record cut short by a crash was never acknowledged (ack follows fsync): drop it.
          log.warn(
            { segment: n, offset: off, size: data.length },
            'spool: truncating torn record at segment tail',
          );
          const fh = await open(file, 'r+');
          await fh.truncate(off);
          await fh.sync();
          await fh.close();
          break;
        }
        const format = formatOfMagic(data.readUInt32LE(off)) as RecordFormat;
        let recordKind: string | null = null;
        if (format === 'record') {
          const r = splitRecord(payload);
          if (!r)
            throw new StoreError(`spool ${config.dir}: malformed record at ${name}:${off}`, undefined, false);
          recordKind = r.recordKind;
          recordWriter(recordKind); // refuses to start without a writer for it
        }
        if (format === 'lines' && !lineWriter)
          throw new StoreError(
            `spool ${config.dir} holds records in a store's line format, but this store takes no lines: start with the store that wrote them`,
            undefined,
            false,
          );
        pending.push({
          segment: n,
          offset: off,
          length: HEADER + len,
          count: data.readUInt32LE(off + 12),
          appendedAt: data.readDoubleLE(off + 16),
          format,
          recordKind,
          held: null,
        });
        pendingEvents += data.readUInt32LE(off + 12);
        off += HEADER + len;
      }
      segments.set(n, off);
      diskBytes += off;
    }
    return last;
  }

  /** Queues one record for the next group commit; resolves once it is fsync'd, refuses past the quota. */
  function enqueue(held: Held, payload: Buffer, count: number, appendedAt: number): Promise<void> {
    const parts = encode(formatOf(held), payload, count, appendedAt);
    const length = HEADER + payload.length;
    if (diskBytes + queuedBytes + length > config.quotaBytes) {
      totals.overloads++;
      lastOverloadAt = now();
      hooks.overloaded?.();
      return Promise.reject(
        new OverloadedError(
          `event spool is full (${diskBytes + queuedBytes} of ${config.quotaBytes} bytes): the store is not keeping up`,
          retryAfterS,
          503,
        ),
      );
    }
    queuedBytes += length;
    return new Promise<void>((resolve, reject) => {
      queue.push({ parts, length, held, count, appendedAt, resolve, reject });
      scheduleFlush();
    });
  }

  const spool: Spool = {
    async start() {
      if (state !== 'new') throw new StoreError('spool already started', undefined, false);
      await mkdir(config.dir, { recursive: true });
      const last = await recover();
      await openSegment(last + 1);
      state = 'running';
      if (pendingEvents > 0)
        log.info({ events: pendingEvents, bytes: diskBytes }, 'spool: replaying events not yet in the store');
      drainLoop = drain().catch((err: unknown) => {
        log.error({ err }, 'spool drainer failed');
      });
    },

    write(events) {
      if (state !== 'running') {
        return Promise.reject(new StoreError('spool is not accepting writes', undefined, false));
      }
      const r = splitRepeats(events);
      if (r.inserted.length === 0) return Promise.resolve(r);
      const appendedAt = now();
      // Serialized once: the record holds the store's lines, which the drainer sends as they are.
      let held: Held;
      let payload: Buffer;
      if (lineWriter) {
        payload = lineWriter.encodeLines(r.inserted);
        held = {
          kind: 'lines',
          keys: r.inserted.map((e) => ({ event_id: e.event_id, ts: e.ts })),
          lines: payload,
        };
      } else {
        payload = Buffer.from(JSON.stringify(r.inserted), 'utf8');
        held = { kind: 'events', events: r.inserted };
      }
      return enqueue(held, payload, r.inserted.length, appendedAt).then(() => r);
    },

    append(kind, payload, rows) {
      if (state !== 'running') {
        return Promise.reject(new StoreError('spool is not accepting writes', undefined, false));
      }
      const name = Buffer.from(kind, 'utf8');
      if (name.length < 1 || name.length > MAX_KIND || !Object.hasOwn(recordWriters, kind))
        return Promise.reject(
          new StoreError(`spool has no writer for records of kind ${JSON.stringify(kind)}`, undefined, false),
        );
      if (!Number.isInteger(rows) || rows < 0)
        return Promise.reject(new RangeError('rows must be a whole number ≥ 0'));
      const head = Buffer.alloc(2);
      head.writeUInt16LE(name.length, 0);
      const record = Buffer.concat([head, name, payload]);
      return enqueue({ kind: 'record', recordKind: kind, data: payload }, record, rows, now());
    },

    stop() {
      if (stopPromise) return stopPromise;
      stopPromise = (async () => {
        if (state === 'new') {
          state = 'stopped';
          return;
        }
        state = 'stopping';
        await serial(flushQueue);
        drainDeadline = now() + (config.stopDrainMs ?? 5_000);
        signalStop();
        await drainLoop;
        if (pendingEvents > 0)
          log.warn(
            { events: pendingEvents },
            'spool: stopping with events still spooled; they drain on next start',
          );
        await active?.fh.sync();
        await active?.fh.close();
        active = null;
        state = 'stopped';
        for (const w of emptyWaiters.splice(0)) w();
      })();
      return stopPromise;
    },

    stats() {
      const oldest = pending[0];
      return {
        pendingEvents,
        diskBytes,
        quotaBytes: config.quotaBytes,
        oldestAgeMs: oldest ? Math.max(0, now() - oldest.appendedAt) : 0,
        ...totals,
      };
    },

    refusal() {
      if (state !== 'running' || active === null)
        return { code: 'spool_stopped', message: `the spool is ${active === null ? 'not open' : state}` };
      const used = diskBytes + queuedBytes;
      const since = now() - retryAfterS * 1000;
      const overloaded = lastOverloadAt > since;
      if (used >= READY_QUOTA_SHARE * config.quotaBytes || overloaded)
        return {
          code: 'spool_full',
          message: `the spool is full (${used} of ${config.quotaBytes} bytes${overloaded ? `, a write refused for the quota in the last ${retryAfterS} s` : ''}): the store is not keeping up`,
        };
      if (lastAppendFailure && lastAppendFailure.at > since)
        return {
          code: 'spool_failing',
          message: `a spool append failed in the last ${retryAfterS} s: ${lastAppendFailure.err instanceof Error ? lastAppendFailure.err.message : String(lastAppendFailure.err)}`,
        };
      return null;
    },

    drained() {
      if (pending.length === 0 && queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise<void>((r) => emptyWaiters.push(r));
    },
  };
  return spool;
}
