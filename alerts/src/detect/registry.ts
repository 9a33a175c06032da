import { z } from 'zod';
import type { Calendar } from './calendar.js';
import { AmlSpecSchema, createAmlDetector } from './aml.detector.js';
import { CardTestingSpecSchema, createCardTestingDetector } from './card-testing.detector.js';
import { EodSpecSchema, createEodDetector } from './eod.detector.js';
import { ForecastSpecSchema, createForecastDetector } from './forecast.detector.js';
import { LevelSpecSchema, createLevelDetector } from './level.detector.js';
import { LimitSpecSchema, createLimitDetector } from './limit.detector.js';
import { MixSpecSchema, createMixDetector } from './mix.detector.js';
import { excessCountry, excessProvider, withDominantProvider } from './dominant-provider.js';
import { RateSpecSchema, createRateDetector } from './rate.detector.js';
import { SeasonalSpecSchema, createSeasonalDetector } from './seasonal.detector.js';
import { SilenceSpecSchema, createSilenceDetector } from './silence.detector.js';
import { SloSpecSchema, createSloDetector } from './slo.detector.js';
import { StructuringSpecSchema, createStructuringDetector } from './structuring.detector.js';
import { ThresholdSpecSchema, createThresholdDetector } from './threshold.detector.js';
import { UnivariateSpecSchema, createUnivariateSeriesDetector } from './univariate-series.detector.js';
import { VelocitySpecSchema, createVelocityDetector } from './velocity.detector.js';
import type { Detector, EventDetector, SeriesDetector } from './types.js';

/** Every detector spec, discriminated by `type`. A new detector = one file + one line here and below. */
export const DetectorSpecSchema = z.discriminatedUnion('type', [
  ThresholdSpecSchema,
  SeasonalSpecSchema,
  LevelSpecSchema,
  RateSpecSchema,
  SloSpecSchema,
  ForecastSpecSchema,
  EodSpecSchema,
  SilenceSpecSchema,
  MixSpecSchema,
  UnivariateSpecSchema,
  CardTestingSpecSchema,
  VelocitySpecSchema,
  AmlSpecSchema,
  StructuringSpecSchema,
  LimitSpecSchema,
]);
export type DetectorSpec = z.infer<typeof DetectorSpecSchema>;

/** Context shared by detectors of one engine. */
export interface DetectorContext {
  calendar?: Calendar;
  /** The slice's labels (series detectors): scope the calendar entries that carry `match`. */
  labels?: Readonly<Record<string, string>>;
}

/** Builds a fresh detector (one per slice for series detectors, one per rule for event ones). */
export function createDetector(spec: DetectorSpec, ctx: DetectorContext = {}): Detector {
  switch (spec.type) {
    case 'threshold':
      return createThresholdDetector(spec);
    case 'seasonal':
      return createSeasonalDetector(spec, ctx.calendar, ctx.labels);
    case 'level':
      return createLevelDetector(spec);
    case 'rate': {
      // A slice without its own provider (a country, a BIN): failures concentrated on one
      // provider beyond its share of the attempts name it, so that provider's page inhibits it
      // (a provider outage drops every country).
      // A slice with neither a provider nor a country (an issuing country × BIN) names the
      // shoppers' country its failures concentrate on, so that country's page inhibits it.
      // A provider's slice without a country names the shoppers' country its failures
      // concentrate on beyond the provider's other countries: a country down drops the rate of a
      // provider serving mostly that market, and the country's page (naming no provider) then
      // inhibits the provider's.
      const finders = {
        ...(ctx.labels?.['provider'] === undefined ? { provider: excessProvider } : {}),
        ...(ctx.labels?.['country'] === undefined ? { country: excessCountry } : {}),
      };
      const rate = createRateDetector(spec);
      return Object.keys(finders).length > 0
        ? withDominantProvider(rate, spec.window_minutes, finders)
        : rate;
    }
    case 'slo':
      return createSloDetector(spec);
    case 'forecast':
      return createForecastDetector(spec);
    case 'eod':
      return createEodDetector(spec, ctx.calendar, ctx.labels);
    case 'silence':
      return createSilenceDetector(spec, ctx.calendar, ctx.labels);
    case 'mix':
      // A slice without its own provider: a shift concentrated on one provider names it.
      return ctx.labels?.['provider'] === undefined
        ? withDominantProvider(createMixDetector(spec), spec.window_minutes)
        : createMixDetector(spec);
    case 'univariate':
      return createUnivariateSeriesDetector(spec);
    case 'card_testing':
      return createCardTestingDetector(spec);
    case 'velocity':
      return createVelocityDetector(spec);
    case 'aml_threshold':
      return createAmlDetector(spec);
    case 'structuring':
      return createStructuringDetector(spec);
    case 'limit':
      return createLimitDetector(spec);
  }
}

const EVENT_TYPES = new Set<DetectorSpec['type']>([
  'card_testing',
  'velocity',
  'aml_threshold',
  'structuring',
  'limit',
]);

/** True for detectors fed payment events (fraud, compliance) rather than minute aggregates. */
export function isEventSpec(spec: DetectorSpec): boolean {
  return EVENT_TYPES.has(spec.type);
}

export function asSeries(d: Detector): SeriesDetector {
  if (d.kind !== 'series') throw new TypeError(`detector ${d.type} is not a series detector`);
  return d;
}
export function asEvent(d: Detector): EventDetector {
  if (d.kind !== 'event') throw new TypeError(`detector ${d.type} is not an event detector`);
  return d;
}
