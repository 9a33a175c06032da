// Guards that scraped label values and scrape-failure details are masked before they are stored or logged (no card number or e-mail from a target's exposition).
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { createMasker } from '../../pipeline/steps/mask.step.js';
import type { ScrapedSample } from './exposition.js';
import { createPromScraper } from './prom-scraper.js';
import { ScrapeTargetSchema } from './scrape-config.js';

const PAN = '4122868206288446';
const masker = createMasker(Buffer.from('prom-scrape-test-key'));

function run(exposition: string) {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
  const samples: ScrapedSample[] = [];
  const scraper = createPromScraper(
    {
      writer: { writeSamples: async (s) => void samples.push(...s) },
      logger,
      maskText: masker.maskText,
      // The target's answer, as fetch returns it (the HTTP path is covered by prom-scraper.int.test.ts).
      fetch: async () => new Response(exposition, { headers: { 'content-type': 'text/plain' } }),
    },
    { targets: [] },
  );
  const target = ScrapeTargetSchema.parse({
    name: 'gw',
    url: 'http://gw.invalid/metrics',
    mappings: [{ metric: 'payments_total', labels: { gateway: 'provider', card: 'card', email: 'email' } }],
  });
  return { scraper, target, samples, lines };
}

describe('prom scraper masking', () => {
  it('masks card numbers and e-mails in stored label values', async () => {
    const { scraper, target, samples } = run(
      `payments_total{gateway="stripe",card="${PAN}",email="frank@example.com"} 5\n`,
    );
    const r = await scraper.scrapeOnce(target);
    expect(r.up).toBe(true);
    const stored = samples.find((s) => s.series === 'payments_total');
    expect(stored?.labels).toEqual({
      provider: 'stripe',
      card: '412286…8446',
      email: masker.maskText('frank@example.com'),
    });
    expect(JSON.stringify(samples)).not.toContain(PAN);
    expect(JSON.stringify(samples)).not.toContain('frank@example.com');
  });

  it('does not log the unparseable line verbatim', async () => {
    const { scraper, target, lines } = run(`payments_total{card="${PAN}" 5\n`);
    const r = await scraper.scrapeOnce(target);
    expect(r.failure).toBe('parse_error');
    expect(r.message).not.toContain(PAN);
    expect(lines.join('')).toContain('scrape failed');
    expect(lines.join('')).not.toContain(PAN);
  });
});
