// Public surface of the Prometheus scrape source.
export {
  createPromScraper,
  type PromScraper,
  type PromScraperDeps,
  type SampleWriter,
  type ScrapeResult,
  type ScrapeFailure,
} from './prom-scraper.js';
export {
  ScrapeConfigSchema,
  ScrapeTargetSchema,
  ScrapeMappingSchema,
  type ScrapeConfig,
  type ScrapeTarget,
  type ScrapeMapping,
} from './scrape-config.js';
export {
  parseExposition,
  mapSamples,
  countSampleLines,
  type ScrapedSample,
  type ExposedSample,
} from './exposition.js';
