import { createHash } from 'node:crypto';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../../lib/logger.js';
import { dropSplitToken } from '../../lib/pan.js';
import type { Ingestor } from '../../pipeline/types.js';
import {
  isPaymentLine,
  lineId,
  mapPaymentLine,
  toLogRecord,
  type LogRecord,
  type LogRecordWriter,
} from './line-mapper.js';
import { parseLine } from './line-parser.js';
import type { LogTailConfig, TailFile } from './log-tail.config.js';
import { createOffsetStore, type FileOffset } from './offset-store.js';

export interface LogTailerDeps {
  ingestor: Ingestor;
  writer: LogRecordWriter;
  logger: Logger;
  /** The pipeline masker's text masking (PANs, e-mails, phones, IPv4 addresses, CVV-like values) applied to log records. */
  maskText: (s: string) => string;
  now?: () => number;
  /** Metrics hook: lines read per file pattern, split into payments and log records. */
  onLines?: (stats: { payments: number; records: number; rejected: number }) => void;
}

/**
 * Follows log files (rename and truncate rotation), turning payment lines into events (source
 * `log`) and other lines into log records. Offsets advance only after a batch is durable, and are
 * persisted, so a restart neither loses nor repeats lines (a crash between the two repeats at most
 * one batch, which deterministic ids deduplicate).
 */
export interface LogTailer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One pass over every file (the schedule calls it; tests call it directly). */
  pollOnce(): Promise<void>;
}

interface Tracked {
  path: string;
  dev: number;
  ino: number;
  offset: number;
  fh: FileHandle;
  spec: TailFile;
  headLen: number;
  headSha: string;
  /** Times this file was found truncated or rewritten in place: part of its lines' ids. */
  gen: number;
}

/** How much of a file's start identifies its content (truncate-and-rewrite detection). */
const HEAD_BYTES = 1024;

async function headOf(fh: FileHandle, len: number): Promise<string> {
  if (len === 0) return '';
  const buf = Buffer.alloc(len);
  const { bytesRead } = await fh.read(buf, 0, len, 0);
  return createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex').slice(0, 32);
}

function globRegex(pattern: string): RegExp {
  const esc = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${esc}$`);
}

/** Expands `*`/`?` in the file-name part of a path (directories are literal). */
export async function expandPath(pattern: string): Promise<string[]> {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) return [pattern];
  const dir = dirname(pattern);
  const re = globRegex(name);
  try {
    return (await readdir(dir))
      .filter((f) => re.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

export function createLogTailer(deps: LogTailerDeps, config: LogTailConfig): LogTailer {
  const log = deps.logger.child({ component: 'log-tail' });
  const now = deps.now ?? Date.now;
  const store = createOffsetStore(config.offsets_path);
  let saved = new Map<string, FileOffset>();
  const tracked = new Map<string, Tracked>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let loaded = false;
  let stopped = false;
  /** Paths whose last pass failed: the error and how many passes in a row. */
  const failing = new Map<string, { message: string; passes: number }>();

  const key = (t: { dev: number; ino: number }): string => `${t.dev}:${t.ino}`;
  // Lines are known by (file, offset). A file truncated in place has new lines at old offsets:
  // its generation keeps their ids apart from the old lines' (0 keeps the ids of before).
  const idKey = (t: Tracked): string => (t.gen > 0 ? `${key(t)}:${t.gen}` : key(t));

  async function persist(): Promise<void> {
    const next = new Map(saved);
    for (const t of tracked.values())
      next.set(t.path, {
        dev: t.dev,
        ino: t.ino,
        offset: t.offset,
        headLen: t.headLen,
        headSha: t.headSha,
        ...(t.gen > 0 ? { gen: t.gen } : {}),
      });
    saved = next;
    await store.save(saved);
  }

  /** Processes lines; resolves only when payments are ingested and records written. */
  async function handle(
    spec: TailFile,
    path: string,
    fileKey: string,
    lines: { text: string; offset: number }[],
  ): Promise<void> {
    const at = now();
    const events: Record<string, unknown>[] = [];
    const eventOffsets: number[] = [];
    const records: LogRecord[] = [];
    for (const l of lines) {
      const fields = parseLine(l.text, spec.format);
      if (fields && spec.payment && isPaymentLine(fields, spec.payment)) {
        events.push(mapPaymentLine(fields, spec.payment, lineId(fileKey, l.offset), at));
        eventOffsets.push(l.offset);
      } else if (l.text.trim() !== '') {
        records.push(
          toLogRecord(
            fields,
            l.text,
            spec,
            { path, fileKey, offset: l.offset, receivedAt: at },
            deps.maskText,
            config.max_record_bytes,
          ),
        );
      }
    }
    let rejected = 0;
    if (events.length > 0) {
      const out = await deps.ingestor.ingest(events, { source: 'log', receivedAt: at });
      rejected = out.rejected;
      if (out.rejected > 0)
        log.warn(
          {
            path,
            rejected: out.rejected,
            // Where to look: the line's byte offset in the file (the index is only the batch's).
            errors: out.errors
              .slice(0, 3)
              .map((e) => ({ offset: eventOffsets[e.index], path: e.path, reason: e.reason })),
          },
          'log lines mapped to invalid payment events',
        );
    }
    if (records.length > 0) await deps.writer.writeLogs(records);
    deps.onLines?.({ payments: events.length - rejected, records: records.length, rejected });
  }

  /**
   * Reads from the tracked offset to EOF in bounded chunks. `final`: the file will not grow any
   * more (rotated away), so a last line without a newline is taken as complete.
   */
  /**
   * The line in chunk[start, end), cut to `max_line_bytes`. Lines are masked after this cut (by
   * the pipeline, or the record masking): a cut through a card number would leave 12–15 of its
   * digits that no longer pass Luhn, so a token the cut splits is dropped (`dropSplitToken`).
   */
  function lineText(chunk: Buffer, start: number, end: number): string {
    if (end - start <= config.max_line_bytes) return chunk.subarray(start, end).toString('utf8');
    const cut = start + config.max_line_bytes;
    return dropSplitToken(
      chunk.subarray(start, cut).toString('utf8'),
      String.fromCharCode(chunk[cut] ?? 0x0a),
    );
  }

  async function drain(t: Tracked, final: boolean): Promise<void> {
    const buf = Buffer.alloc(config.max_read_bytes);
    for (;;) {
      const { bytesRead } = await t.fh.read(buf, 0, buf.length, t.offset);
      if (bytesRead === 0) return;
      const chunk = buf.subarray(0, bytesRead);
      const lines: { text: string; offset: number }[] = [];
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        lines.push({ text: lineText(chunk, start, nl).replace(/\r$/, ''), offset: t.offset + start });
        start = nl + 1;
      }
      let consumed = start;
      const rest = bytesRead - start;
      const eof = bytesRead < buf.length;
      if (rest > 0 && ((final && eof) || rest >= config.max_line_bytes)) {
        // A final unterminated line, or one longer than the limit: take it (cut) and move on.
        lines.push({ text: lineText(chunk, start, bytesRead), offset: t.offset + start });
        consumed = bytesRead;
      }
      if (lines.length > 0) await handle(t.spec, t.path, idKey(t), lines);
      if (consumed === 0) return; // a partial line: wait for the writer to finish it
      t.offset += consumed;
      if (t.headLen < HEAD_BYTES) {
        t.headLen = Math.min(t.offset, HEAD_BYTES);
        t.headSha = await headOf(t.fh, t.headLen);
      }
      await persist();
      if (eof) return;
    }
  }

  async function openTracked(
    path: string,
    spec: TailFile,
    from: FileOffset | undefined,
  ): Promise<Tracked | undefined> {
    try {
      const fh = await open(path, 'r');
      const st = await fh.stat();
      let offset = from?.offset ?? 0;
      let gen = from?.gen !== undefined && Number.isSafeInteger(from.gen) ? from.gen : 0;
      // Shorter than where we stopped, or a different start: truncated and rewritten meanwhile.
      if (offset > st.size || (from?.headLen && (await headOf(fh, from.headLen)) !== from.headSha)) {
        offset = 0;
        gen++;
      }
      const headLen = Math.min(offset, HEAD_BYTES);
      return {
        path,
        dev: st.dev,
        ino: st.ino,
        offset,
        fh,
        spec,
        headLen,
        headSha: await headOf(fh, headLen),
        gen,
      };
    } catch {
      return undefined;
    }
  }

  /** After a restart: the file we were reading was rotated meanwhile; finish it first. */
  async function finishRotatedWhileDown(path: string, spec: TailFile, was: FileOffset): Promise<void> {
    const dir = dirname(path);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const p = join(dir, name);
      const st = await stat(p).catch(() => undefined);
      if (st && st.ino === was.ino && st.dev === was.dev && p !== path) {
        const t = await openTracked(p, spec, was);
        if (!t) return;
        log.info({ path, rotatedTo: p }, 'finishing a file rotated while paywatch was down');
        t.path = path; // records keep the logical path
        try {
          await drain(t, true);
        } finally {
          await t.fh.close();
        }
        return;
      }
    }
  }

  async function pollPath(path: string, spec: TailFile, seen: Set<string>): Promise<void> {
    const st = await stat(path).catch(() => undefined);
    let t = tracked.get(path);
    if (!st) {
      // Renamed away and not recreated yet: read what was appended to the old file.
      if (t) await drain(t, false);
      return;
    }
    if (seen.has(key(st)) && !(t && key(t) === key(st))) return; // same file under another matched name
    if (!t) {
      const was = saved.get(path);
      if (was && (was.ino !== st.ino || was.dev !== st.dev)) await finishRotatedWhileDown(path, spec, was);
      t = await openTracked(path, spec, was && was.ino === st.ino && was.dev === st.dev ? was : undefined);
      if (!t) return;
      if (was && was.offset > t.offset)
        log.warn(
          { path },
          'file shorter than the saved offset: truncated while down, reading from the start',
        );
      tracked.set(path, t);
    } else if (t.ino !== st.ino || t.dev !== st.dev) {
      // Rotated by rename: finish the old file through its still-open handle, then start the new one.
      await drain(t, true);
      await t.fh.close();
      const next = await openTracked(path, spec, undefined);
      if (!next) {
        tracked.delete(path);
        return;
      }
      t = next;
      tracked.set(path, t);
      await persist();
    } else if (st.size < t.offset || (t.headLen > 0 && (await headOf(t.fh, t.headLen)) !== t.headSha)) {
      // Truncated in place (copytruncate), possibly already rewritten past our offset: start over.
      t.offset = 0;
      t.headLen = 0;
      t.headSha = '';
      t.gen++;
      await persist();
    }
    seen.add(key(t));
    await drain(t, false);
  }

  async function pollOnce(): Promise<void> {
    if (!loaded) {
      saved = await store.load();
      loaded = true;
    }
    const seen = new Set<string>();
    for (const spec of config.files) {
      for (const path of await expandPath(spec.path)) {
        try {
          await pollPath(path, spec, seen);
          const failed = failing.get(path);
          if (failed !== undefined) {
            failing.delete(path);
            log.info({ path, failed_passes: failed.passes }, 'log tail pass succeeded again');
          }
        } catch (err) {
          // The batch is not committed: it is read again on the next poll. One warning per run of
          // failures (and per new error message): a store outage or a full spool would otherwise
          // log a warning with a stack trace on every poll.
          const msg = err instanceof Error ? err.message : String(err);
          const failed = failing.get(path);
          if (failed === undefined || failed.message !== msg) {
            log.warn(
              { path, err },
              'log tail pass failed; retrying every poll (logged again when the error changes or the tail recovers)',
            );
          } else {
            log.debug({ path, err: msg, passes: failed.passes + 1 }, 'log tail pass failed again');
          }
          failing.set(path, { message: msg, passes: (failed?.passes ?? 0) + 1 });
        }
      }
    }
  }

  function loop(): void {
    if (stopped) return;
    running = pollOnce().finally(() => {
      running = undefined;
      if (!stopped) timer = setTimeout(loop, config.poll_ms);
    });
  }

  return {
    async start() {
      saved = await store.load();
      loaded = true;
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      for (const t of tracked.values()) await t.fh.close().catch(() => undefined);
      tracked.clear();
    },
    pollOnce,
  };
}
