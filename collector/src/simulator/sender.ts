import { randomInt } from 'node:crypto';
import { setTimeout as sleepMs } from 'node:timers/promises';
import { IngestResponseSchema, type IngestRejection, type PaymentEventInput } from '@paywatch/contracts';
import { createCounter, type SimCounts } from './counts.js';
import { createGenerator, type EventGenerator, type GeneratorConfig } from './generator.js';

/** How to post simulated traffic to a collector. Only `url` is required. */
export interface SendOptions extends Partial<Omit<GeneratorConfig, 'start' | 'end' | 'rate' | 'seed'>> {
  /** Collector base URL, e.g. `http://127.0.0.1:8080`; events go to `{url}/v1/events`. */
  url: string;
  /** Ingest API key, sent as `Authorization: Bearer <key>`. */
  key?: string;
  /** Events per second of event time (and, when paced, of wall time). Default 20. */
  rate?: number;
  /** Default: a random seed (reported back), so two demo runs never collide on event ids. */
  seed?: number;
  /** Use this stream instead of building one from rate/seed/incidents. */
  generator?: EventGenerator;
  /**
   * Default true: each event is sent once its event time (starting now) arrives, so timestamps
   * are live. False: as fast as the server acknowledges, with event times from `start`.
   */
  paced?: boolean;
  /**
   * Unpaced only: event time of the stream's start. Default: far enough back that the run ends
   * about now (now − durationMs, or now − count/rate), so a large unpaced run does not stamp
   * events in the future (the collector rejects events more than a day ahead).
   */
  start?: number;
  /** Events per request (default 500; the collector accepts up to 10,000). */
  batchSize?: number;
  /** When paced, how often due events are flushed (default 250 ms). */
  flushIntervalMs?: number;
  /** Stop after this many events. */
  count?: number;
  /** Stop after this much event time (ms). */
  durationMs?: number;
  /** Stops cleanly: the request in flight completes and is counted, nothing further is sent. */
  signal?: AbortSignal;
  /**
   * Attempts per batch on 429/503/5xx/network errors before giving up. Default 8; unlimited for
   * an endless paced run (no count, no duration), which retries until aborted.
   */
  maxRetries?: number;
  requestTimeoutMs?: number;
  /** Called after every acknowledged batch. */
  onProgress?: (p: SendProgress) => void;
  /** Called before waiting to resend a batch: why it failed and how long the wait is. */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
  /** Wall clock (default `Date.now`); tests may substitute it. */
  now?: () => number;
}

/** Cheap running figures, passed to `onProgress`. */
export interface SendProgress {
  generated: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  batches: number;
  retries: number;
  elapsed_ms: number;
}

/** What a send run did. `counts` covers exactly the events the server acknowledged (accepted or duplicate). */
export interface SendReport extends SendProgress {
  seed: number;
  url: string;
  events_per_s: number;
  stopped: 'count' | 'duration' | 'ended' | 'aborted' | 'error';
  /** Set when stopped is 'error': what went wrong, e.g. `401 unauthorized: missing or invalid API key`. */
  error?: string;
  /** The first rejections reported by the server (index is the event's position in its batch). */
  rejections: IngestRejection[];
  counts: SimCounts;
}

/** A request failed in a way retrying will not fix (4xx other than 429). */
class FatalSendError extends Error {}

const MAX_KEPT_REJECTIONS = 20;

/** Parses Retry-After (delta-seconds or an HTTP date) into ms; undefined when absent or unparseable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function backoffMs(retry: number): number {
  const cap = Math.min(10_000, 250 * 2 ** retry);
  return cap / 2 + (Math.random() * cap) / 2;
}

/** Waits `ms` or until the signal aborts; resolves either way. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  try {
    await sleepMs(ms, undefined, signal ? { signal } : undefined);
  } catch {
    // aborted: the caller checks the signal
  }
}

/**
 * Posts simulated events to `{url}/v1/events` as NDJSON, like any client: batched, paced,
 * retrying 429/503 (honouring Retry-After), 5xx and network errors with backoff. Resolves when
 * the count/duration is reached, the stream ends, the signal aborts or a fatal error occurs
 * (never rejects for HTTP or network problems: see `stopped` and `error`).
 */
export async function sendEvents(opts: SendOptions): Promise<SendReport> {
  const now = opts.now ?? Date.now;
  const seed = opts.generator?.seed ?? opts.seed ?? randomInt(0, 2 ** 32);
  const start = now();
  const paced = opts.paced ?? true;
  const rate = opts.rate ?? 20;
  const span = opts.durationMs ?? (opts.count !== undefined ? (opts.count / rate) * 1000 : 0);
  const eventStart = paced ? start : (opts.start ?? Math.floor(start - span));
  const gen =
    opts.generator ??
    createGenerator({
      ...opts,
      seed,
      rate,
      start: eventStart,
      // Live runs compress after-sale delays so refunds and chargebacks show up during a demo.
      refundDelayMs: opts.refundDelayMs ?? (paced ? 3 * 60_000 : undefined),
      chargebackDelayMs: opts.chargebackDelayMs ?? (paced ? 10 * 60_000 : undefined),
      ...(opts.durationMs !== undefined ? { end: eventStart + opts.durationMs } : {}),
    });
  const batchSize = Math.max(1, Math.min(10_000, opts.batchSize ?? 500));
  const flushMs = opts.flushIntervalMs ?? 250;
  const limit = opts.count ?? Infinity;
  // An endless live stream (the `npm start` demo) outlives collector restarts: it retries until
  // aborted. A bounded run gives up so a wrong URL or a dead server ends it with an error.
  const endless = paced && opts.count === undefined && opts.durationMs === undefined;
  const maxRetries = opts.maxRetries ?? (endless ? Infinity : 8);
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const endpoint = new URL('/v1/events', opts.url).toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;

  const counter = createCounter();
  const rejections: IngestRejection[] = [];
  const p: SendProgress = {
    generated: 0,
    accepted: 0,
    duplicate: 0,
    rejected: 0,
    batches: 0,
    retries: 0,
    elapsed_ms: 0,
  };
  let stopped: SendReport['stopped'] = 'ended';
  let error: string | undefined;

  /** Posts one batch until acknowledged; returns false when aborted while waiting to retry. */
  async function post(batch: PaymentEventInput[], times: number[]): Promise<boolean> {
    const body = batch.map((e) => JSON.stringify(e)).join('\n') + '\n';
    for (let attempt = 0; ; attempt++) {
      let wait: number;
      let why: string;
      try {
        // Deliberately not tied to opts.signal: a batch in flight completes so its count is exact.
        const res = await fetch(endpoint, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        if (res.ok) {
          const parsed = IngestResponseSchema.safeParse(parseJson(text));
          if (!parsed.success) throw new FatalSendError(`unexpected ingest response: ${text.slice(0, 200)}`);
          const r = parsed.data;
          const bad = new Set(r.errors.map((e) => e.index));
          batch.forEach((ev, i) => {
            if (!bad.has(i)) counter.add(ev, times[i]);
          });
          p.accepted += r.accepted;
          p.duplicate += r.duplicate;
          p.rejected += r.rejected;
          for (const e of r.errors) if (rejections.length < MAX_KEPT_REJECTIONS) rejections.push(e);
          p.batches++;
          return true;
        }
        why = `${res.status} ${text.slice(0, 300)}`;
        if (res.status === 429 || res.status === 503) {
          wait = retryAfterMs(res.headers.get('retry-after'), now()) ?? backoffMs(attempt);
        } else if (res.status >= 500) {
          wait = backoffMs(attempt);
        } else {
          throw new FatalSendError(`POST ${endpoint} → ${why}`);
        }
      } catch (e) {
        if (e instanceof FatalSendError) throw e;
        why =
          e instanceof Error
            ? `${e.name}: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`
            : String(e);
        wait = backoffMs(attempt);
      }
      if (attempt + 1 >= maxRetries)
        throw new FatalSendError(`POST ${endpoint} failed ${maxRetries} times, last: ${why}`);
      p.retries++;
      opts.onRetry?.({ attempt: attempt + 1, waitMs: Math.round(wait), reason: why });
      await pause(wait, opts.signal);
      if (opts.signal?.aborted) return false;
    }
  }

  try {
    for (;;) {
      if (opts.signal?.aborted) {
        stopped = 'aborted';
        break;
      }
      if (p.generated >= limit) {
        stopped = 'count';
        break;
      }
      const due = paced ? now() : Infinity;
      const batch: PaymentEventInput[] = [];
      const times: number[] = [];
      while (batch.length < batchSize && p.generated < limit) {
        const t = gen.peekTime();
        if (t > due) break;
        const ev = gen.next();
        if (ev === undefined) break;
        batch.push(ev);
        times.push(t);
        p.generated++;
      }
      if (batch.length > 0) {
        if (!(await post(batch, times))) {
          stopped = 'aborted';
          break;
        }
        p.elapsed_ms = now() - start;
        opts.onProgress?.({ ...p });
      }
      if (gen.peekTime() === Infinity) {
        stopped = opts.durationMs !== undefined ? 'duration' : 'ended';
        // The stream can run dry a little before its end: a paced run still lasts the duration.
        if (paced && opts.durationMs !== undefined) await pause(start + opts.durationMs - now(), opts.signal);
        break;
      }
      if (paced && batch.length < batchSize) await pause(flushMs, opts.signal);
    }
  } catch (e) {
    stopped = 'error';
    error = e instanceof Error ? e.message : String(e);
  }
  p.elapsed_ms = now() - start;
  const acked = p.accepted + p.duplicate;
  return {
    ...p,
    seed,
    url: opts.url,
    events_per_s: Math.round(acked / Math.max(p.elapsed_ms / 1000, 1e-3)),
    stopped,
    ...(error !== undefined ? { error } : {}),
    rejections,
    counts: counter.snapshot(),
  };
}
