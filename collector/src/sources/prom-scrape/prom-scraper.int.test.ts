// Guards Prometheus scraping against a real metrics endpoint in another process: auth, mapping, up/duration, sample limit, timeout, body limit, schedule.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { createMasker } from '../../pipeline/steps/mask.step.js';
import type { ScrapedSample } from './exposition.js';
import { createPromScraper, type ScrapeResult } from './prom-scraper.js';
import { ScrapeConfigSchema, ScrapeTargetSchema, type ScrapeTarget } from './scrape-config.js';

const logger = createLogger({ level: 'silent' });
const { maskText } = createMasker(Buffer.from('prom-scrape-int-test'));
let child: ChildProcess;
let base = '';

/** The store side of the scrape source, in memory (stands in for the metrics table). */
function memoryWriter(): {
  samples: ScrapedSample[];
  writeSamples(s: readonly ScrapedSample[]): Promise<void>;
} {
  const samples: ScrapedSample[] = [];
  return {
    samples,
    async writeSamples(s) {
      samples.push(...s);
    },
  };
}

const target = (over: Record<string, unknown>): ScrapeTarget =>
  ScrapeTargetSchema.parse({ name: 'gw', url: `${base}/metrics`, interval_s: 1, timeout_s: 1, ...over });

beforeAll(async () => {
  child = spawn(process.execPath, [fileURLToPath(new URL('./testing/metrics-server.mjs', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  base = `http://127.0.0.1:${(JSON.parse(line.toString()) as { port: number }).port}`;
});
afterAll(async () => {
  child.kill('SIGTERM');
  await once(child, 'exit');
});

describe('prom scraper (real HTTP endpoint)', () => {
  it('scrapes with basic auth and stores the mapped series plus target health', async () => {
    const w = memoryWriter();
    const scraper = createPromScraper(
      { writer: w, logger, maskText, now: () => 1_800_000_000_000 },
      { targets: [] },
    );
    const r = await scraper.scrapeOnce(
      target({
        basic_auth: { username: 'scraper', password: 's3cret' },
        mappings: [
          {
            metric: 'payments_total',
            series: 'gateway_payments',
            labels: { gateway: 'provider', status: 'status' },
          },
          {
            metric: 'payment_latency_seconds_bucket',
            match: { le: '+Inf' },
            labels: { gateway: 'provider' },
          },
        ],
      }),
    );
    expect(r).toMatchObject({ target: 'gw', up: true, samplesStored: 4 });
    expect(r.samplesScraped).toBeGreaterThan(8);
    const bySeries = (s: string): ScrapedSample[] => w.samples.filter((x) => x.series === s);
    expect(
      bySeries('gateway_payments').map((x) => [x.labels['provider'], x.labels['status'], x.value]),
    ).toEqual([
      ['adyen', 'succeeded', 1028],
      ['adyen', 'failed', 33],
      ['stripe', 'succeeded', 2500],
    ]);
    expect(bySeries('payment_latency_seconds_bucket')).toEqual([
      {
        ts: 1_800_000_000_000,
        target: 'gw',
        series: 'payment_latency_seconds_bucket',
        labels: { provider: 'adyen' },
        value: 4,
      },
    ]);
    expect(bySeries('up')[0]?.value).toBe(1);
    expect(bySeries('scrape_duration_seconds')[0]?.value).toBeGreaterThan(0);
  });

  it('reports up=0 with http_error on wrong credentials, and works with a bearer token', async () => {
    const w = memoryWriter();
    const scraper = createPromScraper({ writer: w, logger, maskText }, { targets: [] });
    const denied = await scraper.scrapeOnce(
      target({
        basic_auth: { username: 'scraper', password: 'wrong' },
        mappings: [{ metric: 'payments_total' }],
      }),
    );
    expect(denied).toMatchObject({ up: false, failure: 'http_error', message: 'HTTP 401', samplesStored: 0 });
    expect(w.samples.filter((s) => s.series === 'up').map((s) => s.value)).toEqual([0]);
    const ok = await scraper.scrapeOnce(
      target({ url: `${base}/bearer`, bearer_token: 'tok-123', mappings: [{ metric: 'payments_total' }] }),
    );
    expect(ok).toMatchObject({ up: true, samplesStored: 3 });
  });

  it('drops a scrape beyond sample_limit whole', async () => {
    const w = memoryWriter();
    const scraper = createPromScraper({ writer: w, logger, maskText }, { targets: [] });
    const r = await scraper.scrapeOnce(
      target({ url: `${base}/big`, sample_limit: 5000, mappings: [{ metric: 'many' }] }),
    );
    expect(r).toMatchObject({
      up: false,
      failure: 'sample_limit_exceeded',
      samplesScraped: 20_000,
      samplesStored: 0,
    });
    expect(w.samples.filter((s) => s.series === 'many')).toEqual([]);
    const fits = await scraper.scrapeOnce(
      target({ url: `${base}/big`, sample_limit: 20_000, mappings: [{ metric: 'many', match: { i: '7' } }] }),
    );
    expect(fits).toMatchObject({ up: true, samplesStored: 1 });
  });

  it('drops a scrape whose stored label values exceed label_value_length_limit whole (they were stored at any length)', async () => {
    const w = memoryWriter();
    const scraper = createPromScraper({ writer: w, logger, maskText }, { targets: [] });
    const mappings = [{ metric: 'payments_total', labels: { status: 'status' } }];
    const basic_auth = { username: 'scraper', password: 's3cret' };
    const r = await scraper.scrapeOnce(target({ basic_auth, label_value_length_limit: 3, mappings }));
    expect(r).toMatchObject({ up: false, failure: 'label_limit_exceeded', samplesStored: 0 });
    expect(r.message).toMatch(
      /^label status of payments_total has \d+ characters > label_value_length_limit 3$/,
    );
    expect(w.samples.filter((s) => s.series === 'payments_total')).toEqual([]);
    expect(ScrapeTargetSchema.parse({ name: 'x', url: 'http://x/metrics' }).label_value_length_limit).toBe(
      1024,
    );
    const ok = await scraper.scrapeOnce(
      target({ basic_auth: { username: 'scraper', password: 's3cret' }, mappings }),
    );
    expect(ok).toMatchObject({ up: true });
  });

  it('gives up at the timeout on a target that never answers', async () => {
    const scraper = createPromScraper({ writer: memoryWriter(), logger, maskText }, { targets: [] });
    const t0 = Date.now();
    const r = await scraper.scrapeOnce(target({ url: `${base}/slow`, timeout_s: 0.5 }));
    expect(r).toMatchObject({ up: false, failure: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('aborts an endless body at max_body_bytes instead of buffering it', async () => {
    const scraper = createPromScraper({ writer: memoryWriter(), logger, maskText }, { targets: [] });
    const before = process.memoryUsage().rss;
    const r = await scraper.scrapeOnce(
      target({ url: `${base}/endless`, timeout_s: 5, interval_s: 5, max_body_bytes: 1024 * 1024 }),
    );
    expect(r).toMatchObject({ up: false, failure: 'body_too_large' });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('scrapes on schedule and stops cleanly', async () => {
    const w = memoryWriter();
    const results: ScrapeResult[] = [];
    const config = ScrapeConfigSchema.parse({
      targets: [
        {
          name: 'gw',
          url: `${base}/metrics`,
          interval_s: 1,
          timeout_s: 1,
          basic_auth: { username: 'scraper', password: 's3cret' },
          mappings: [{ metric: 'payments_total' }],
        },
      ],
    });
    const scraper = createPromScraper(
      { writer: w, logger, maskText, onScrape: (r) => results.push(r) },
      config,
    );
    scraper.start();
    await new Promise((r) => setTimeout(r, 2600));
    await scraper.stop();
    const n = results.length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(results.every((r) => r.up)).toBe(true);
    await new Promise((r) => setTimeout(r, 1200));
    expect(results.length).toBe(n);
    await scraper.stop(); // idempotent
  });
});
