import { toMajorUnits } from '@paywatch/contracts';

/**
 * Reference rates (USD per one major unit), used when PAYWATCH_FX_RATES is not set. They are
 * approximate mid-market rates for dashboards, not for accounting: set PAYWATCH_FX_RATES for
 * your own. Currencies missing here are reported as `unconverted`, never guessed.
 */
export const REFERENCE_USD_RATES: Readonly<Record<string, number>> = Object.freeze({
  USD: 1,
  EUR: 1.08,
  GBP: 1.27,
  JPY: 0.0067,
  CNY: 0.138,
  HKD: 0.128,
  SGD: 0.74,
  AUD: 0.65,
  CAD: 0.72,
  CHF: 1.13,
  SEK: 0.094,
  NOK: 0.092,
  DKK: 0.145,
  PLN: 0.25,
  CZK: 0.043,
  INR: 0.012,
  KRW: 0.00072,
  BRL: 0.18,
  MXN: 0.055,
  KWD: 3.25,
  AED: 0.272,
  SAR: 0.267,
  TWD: 0.031,
  THB: 0.028,
  MYR: 0.22,
  IDR: 0.000062,
  PHP: 0.017,
  VND: 0.000039,
  NZD: 0.59,
  ZAR: 0.055,
  TRY: 0.029,
  BHD: 2.65,
  JOD: 1.41,
});

/** Converts amounts into the reporting currency. */
export interface Fx {
  readonly reportingCurrency: string;
  /** Major units of the reporting currency, or null when the currency has no rate. */
  convertMinor(amountMinor: number, currency: string): number | null;
  /** Sums a per-currency map of minor units; currencies without a rate are listed apart. */
  convertTotals(gmvMinor: Record<string, number>): {
    total: number;
    byCurrency: Record<string, number>;
    unconverted: string[];
  };
}

/**
 * `rates` maps a currency to the value of one major unit in `base` (default: the reference
 * table in USD). Cross rates through `base` give the reporting currency.
 */
export function createFx(reportingCurrency: string, rates: Record<string, number> = REFERENCE_USD_RATES): Fx {
  const baseOfReporting = rates[reportingCurrency];
  const convertMinor = (amountMinor: number, currency: string): number | null => {
    if (currency === reportingCurrency) return toMajorUnits(amountMinor, currency);
    const r = rates[currency];
    if (r === undefined || baseOfReporting === undefined) return null;
    return (toMajorUnits(amountMinor, currency) * r) / baseOfReporting;
  };
  return {
    reportingCurrency,
    convertMinor,
    convertTotals(gmvMinor) {
      let total = 0;
      const byCurrency: Record<string, number> = {};
      const unconverted: string[] = [];
      for (const [cur, minor] of Object.entries(gmvMinor)) {
        byCurrency[cur] = toMajorUnits(minor, cur);
        const v = convertMinor(minor, cur);
        if (v === null) unconverted.push(cur);
        else total += v;
      }
      return { total: Math.round(total * 100) / 100, byCurrency, unconverted: unconverted.sort() };
    },
  };
}
