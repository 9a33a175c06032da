import type { Logger } from '../../lib/logger.js';
import { countSampleLines, mapSamples, parseExposition, type ScrapedSample } from './exposition.js';
import type { ScrapeConfig, ScrapeTarget } from './scrape-config.js';

/** Where scraped series go (a metrics table in the store; the composition root provides it). */
export interface SampleWriter {
  /** Resolves once the samples are stored. */
  writeSamples(samples: readonly ScrapedSample[]): Promise<void>;
}

/** Why a scrape produced no samples (bounded: a metrics label). */
export type ScrapeFailure =
  | 'http_error'
  | 'timeout'
  | 'network_error'
  | 'body_too_large'
  | 'sample_limit_exceeded'
  | 'label_limit_exceeded'
  | 'parse_error'
  | 'store_error';

/** The outcome of one scrape, also stored as the target's `up`/duration/sample series. */
export interface ScrapeResult {
  target: string;
  up: boolean;
  durationMs: number;
  /** Samples in the exposition (before mapping). */
  samplesScraped: number;
  /** Samples stored after mapping. */
  samplesStored: number;
  failure?: ScrapeFailure;
  message?: string;
}

export interface PromScraperDeps {
  writer: SampleWriter;
  logger: Logger;
  /**
   * The pipeline masker's text masking. Label values a target exposes are outside our control
   * (a gateway may label by card number or e-mail), and parse errors quote the offending line:
   * both pass through it before they are stored or logged.
   */
  maskText: (s: string) => string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Called after every scrape (metrics hook: up, duration, failures by target). */
  onScrape?: (result: ScrapeResult) => void;
}

/** Scrapes configured Prometheus endpoints on their intervals. `stop()` is idempotent and waits. */
export interface PromScraper {
  start(): void;
  stop(): Promise<void>;
  /** One scrape of a target now (used by the schedule and by tests). */
  scrapeOnce(target: ScrapeTarget): Promise<ScrapeResult>;
}

class ScrapeError extends Error {
  constructor(
    readonly failure: ScrapeFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a response body as text, aborting once it exceeds `limit` bytes (never buffers more). */
async function readLimited(res: Response, limit: number, abort: AbortController): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) {
    abort.abort();
    throw new ScrapeError('body_too_large', `content-length ${declared} exceeds ${limit} bytes`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      abort.abort();
      await reader.cancel().catch(() => undefined);
      throw new ScrapeError('body_too_large', `body exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function authHeader(t: ScrapeTarget): Record<string, string> {
  if (t.bearer_token) return { authorization: `Bearer ${t.bearer_token}` };
  if (t.basic_auth)
    return {
      authorization: `Basic ${Buffer.from(`${t.basic_auth.username}:${t.basic_auth.password}`).toString('base64')}`,
    };
  return {};
}

/** Target health stored like Prometheus' synthetic series. */
function healthSamples(r: ScrapeResult, ts: number): ScrapedSample[] {
  const base = { ts, target: r.target, labels: {} };
  return [
    { ...base, series: 'up', value: r.up ? 1 : 0 },
    { ...base, series: 'scrape_duration_seconds', value: r.durationMs / 1000 },
    { ...base, series: 'scrape_samples_scraped', value: r.samplesScraped },
  ];
}

/** Label values masked (names are the mapping's own, from config). */
function maskLabels(labels: Record<string, string>, maskText: (s: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[k] = maskText(v);
  return out;
}

export function createPromScraper(deps: PromScraperDeps, config: ScrapeConfig): PromScraper {
  const doFetch = deps.fetch ?? fetch;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'prom-scrape' });
  const timers = new Map<string, NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  let running = false;

  async function scrapeOnce(t: ScrapeTarget): Promise<ScrapeResult> {
    const started = performance.now();
    const ts = now();
    let samplesScraped = 0;
    let samples: ScrapedSample[] = [];
    let failure: ScrapeError | undefined;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), t.timeout_s * 1000);
    try {
      let res: Response;
      try {
        res = await doFetch(t.url, {
          headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', ...authHeader(t) },
          signal: abort.signal,
          redirect: 'follow',
        });
      } catch (err) {
        throw abort.signal.aborted
          ? new ScrapeError('timeout', `no answer within ${t.timeout_s} s`)
          : new ScrapeError('network_error', (err as Error).message);
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new ScrapeError('http_error', `HTTP ${res.status}`);
      }
      let text: string;
      try {
        text = await readLimited(res, t.max_body_bytes, abort);
      } catch (err) {
        if (err instanceof ScrapeError) throw err;
        throw abort.signal.aborted
          ? new ScrapeError('timeout', `body not complete within ${t.timeout_s} s`)
          : new ScrapeError('network_error', (err as Error).message);
      }
      samplesScraped = countSampleLines(text);
      if (samplesScraped > t.sample_limit)
        throw new ScrapeError(
          'sample_limit_exceeded',
          `${samplesScraped} samples > sample_limit ${t.sample_limit}`,
        );
      try {
        samples = mapSamples(parseExposition(text), t.mappings, t.name, ts).map((s) => ({
          ...s,
          labels: maskLabels(s.labels, deps.maskText),
        }));
      } catch (err) {
        throw new ScrapeError('parse_error', (err as Error).message);
      }
      for (const s of samples)
        for (const [k, v] of Object.entries(s.labels))
          if (v.length > t.label_value_length_limit)
            throw new ScrapeError(
              'label_limit_exceeded',
              `label ${k} of ${s.series} has ${v.length} characters > label_value_length_limit ${t.label_value_length_limit}`,
            );
    } catch (err) {
      failure = err instanceof ScrapeError ? err : new ScrapeError('network_error', String(err));
      samples = [];
    } finally {
      clearTimeout(timer);
    }
    const result: ScrapeResult = {
      target: t.name,
      up: failure === undefined,
      durationMs: performance.now() - started,
      samplesScraped,
      samplesStored: samples.length,
      ...(failure ? { failure: failure.failure, message: deps.maskText(failure.message) } : {}),
    };
    try {
      await deps.writer.writeSamples([...samples, ...healthSamples(result, ts)]);
    } catch (err) {
      result.samplesStored = 0;
      result.failure ??= 'store_error';
      result.message ??= deps.maskText((err as Error).message);
    }
    if (result.failure)
      log.warn({ target: t.name, failure: result.failure, detail: result.message }, 'scrape failed');
    else
      log.debug(
        { target: t.name, samples: result.samplesStored, ms: Math.round(result.durationMs) },
        'scraped',
      );
    deps.onScrape?.(result);
    return result;
  }

  function schedule(t: ScrapeTarget, delayMs: number): void {
    if (!running) return;
    timers.set(
      t.name,
      setTimeout(() => {
        // The next scrape is scheduled after this one ends: scrapes of one target never overlap.
        const p = scrapeOnce(t).finally(() => {
          inFlight.delete(p);
          schedule(t, t.interval_s * 1000);
        });
        inFlight.add(p);
      }, delayMs),
    );
  }

  return {
    start() {
      if (running) return;
      running = true;
      // Spread first scrapes over the interval so targets do not all fire at once.
      config.targets.forEach((t, i) =>
        schedule(
          t,
          Math.floor(((i + 1) / (config.targets.length + 1)) * Math.min(t.interval_s * 1000, 5000)),
        ),
      );
    },
    async stop() {
      running = false;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inFlight]);
    },
    scrapeOnce,
  };
}
