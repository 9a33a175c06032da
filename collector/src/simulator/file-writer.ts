import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zc, createGzip } from 'node:zlib';
import { createCounter, type SimCounts } from './counts.js';
import { createGenerator, type GeneratorConfig } from './generator.js';

/** What to write: a generator config over [from, to) plus where to. */
export interface WriteFileOptions extends Omit<GeneratorConfig, 'start' | 'end'> {
  /** Output path; gzip when it ends in `.gz`. Ignored when `stream` is given. */
  path?: string;
  /** Write to this stream instead of a file (e.g. stdout); it is not ended. */
  stream?: NodeJS.WritableStream;
  /** Event-time span, epoch ms: events are stamped in [from, to). */
  from: number;
  to: number;
  /** Stop after this many events (the span may end earlier). */
  count?: number;
  signal?: AbortSignal;
  /** gzip level 1–9 for `.gz` output; default 3 (writing speed matters more than size here). */
  gzipLevel?: number;
}

/** Result of one file write: what was written and how fast. */
export interface WriteFileReport {
  path: string;
  gzip: boolean;
  events: number;
  /** Uncompressed NDJSON bytes. */
  bytes: number;
  elapsed_ms: number;
  events_per_s: number;
  /** Process CPU time (user + system, gzip threads included) spent meanwhile. */
  cpu_ms: number;
  aborted: boolean;
  counts: SimCounts;
}

const CHUNK_BYTES = 1 << 20;

/**
 * Writes simulated events as NDJSON, streaming: the generator is pulled one chunk (~1 MiB) at a
 * time and the file stream's backpressure paces it, so memory stays constant for any count.
 */
export async function writeEventsFile(opts: WriteFileOptions): Promise<WriteFileReport> {
  if (!(opts.to > opts.from)) throw new RangeError('to must be after from');
  const gen = createGenerator({ ...opts, start: opts.from, end: opts.to });
  const counter = createCounter();
  const limit = opts.count ?? Infinity;
  let events = 0;
  let bytes = 0;
  let aborted = false;
  const started = performance.now();
  const cpu0 = process.cpuUsage();

  async function* chunks(): AsyncGenerator<string> {
    let buf = '';
    while (events < limit) {
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      const t = gen.peekTime();
      const ev = gen.next();
      if (ev === undefined) break;
      counter.add(ev, t);
      events++;
      buf += JSON.stringify(ev) + '\n';
      if (buf.length >= CHUNK_BYTES) {
        bytes += Buffer.byteLength(buf);
        yield buf;
        buf = '';
      }
    }
    if (buf.length > 0) {
      bytes += Buffer.byteLength(buf);
      yield buf;
    }
  }

  const path = opts.stream ? '-' : opts.path;
  if (path === undefined) throw new RangeError('path or stream is required');
  const gzip = !opts.stream && path.endsWith('.gz');
  const source = Readable.from(chunks(), { objectMode: false });
  if (opts.stream) {
    await pipeline(source, opts.stream, { end: false });
  } else if (gzip) {
    await pipeline(
      source,
      createGzip({ level: opts.gzipLevel ?? 3, strategy: zc.Z_DEFAULT_STRATEGY }),
      createWriteStream(path),
    );
  } else {
    await pipeline(source, createWriteStream(path));
  }
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  return {
    path,
    gzip,
    events,
    bytes,
    elapsed_ms: Math.round(elapsed),
    events_per_s: Math.round(events / Math.max(elapsed / 1000, 1e-9)),
    cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
    aborted,
    counts: counter.snapshot(),
  };
}
