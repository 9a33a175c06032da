import type { Overview, Timeseries } from '@paywatch/contracts';
import type { readApi } from '../../api/index.js';
import { joinSentences } from '../../i18n/format.js';
import type { I18n } from '../../i18n/index.js';

/** The query of the primary range (the read API's `timeseries` parameters). */
export type TrendQuery = Parameters<typeof readApi.timeseries>[0];

/** What the trends page draws: the primary series, the optional comparison, and their read time. */
export interface TrendData {
  primary: Timeseries;
  comparison: Timeseries | undefined;
  /**
   * The read time (epoch ms): the bucket holding it was still filling, so it is drawn apart and
   * marked in the CSV (`buildChartModel`'s `asOf`). Taken when the requests are sent, see below.
   */
  asOf: number;
  /**
   * For money metrics: the currencies of successful payments in the range (or the comparison
   * range) that have no FX rate, with their amounts in major units (summed over both ranges).
   * They are in no GMV of the time series, so a chart of GMV would draw them as 0.
   */
  unconverted: Record<string, number>;
  /**
   * The successful payments in those currencies (both ranges): left out of GMV and of the
   * average ticket's divisor alike, so the page says how many.
   */
  unconvertedSucceeded: number;
  /**
   * For money metrics, when some currencies have no FX rate: the currencies of successful payments
   * in the range (or the comparison range) that converted, sorted — the ones GMV and the average
   * ticket are made of, so a drill-down lists only their payments. Empty otherwise.
   */
  converted: string[];
}

/** The read API and the clock the trends data is loaded with (tests pass their own). */
export interface TrendDataDeps {
  timeseries(p: TrendQuery, signal?: AbortSignal): Promise<Timeseries>;
  /** The range's totals: asked for money metrics only, for the currencies without an FX rate. */
  overview?(p: Pick<TrendQuery, 'from' | 'to' | 'filters'>, signal?: AbortSignal): Promise<Overview>;
  now?(): number;
}

/**
 * Loads the primary range and, with `compare`, the same query over the comparison range, in
 * parallel. The read time is taken BEFORE the requests are sent: the store answers with what it
 * held at some moment during the request, never later than its end, so a clock read after the
 * answer arrives could already lie in the next bucket and mark the bucket the server read
 * half-filled as complete — a false drop of up to the request's duration. Read before sending,
 * a request that crosses a boundary at worst marks a bucket that has just ended as still in
 * progress, which only draws it apart. (The read API returns no server read time to use instead;
 * this is the dashboard's clock, as is the `now` the range itself is resolved with.)
 */
export async function fetchTrendData(
  deps: TrendDataDeps,
  query: TrendQuery,
  compare: { from: number; to: number } | null,
  signal?: AbortSignal,
  opts: { money?: boolean } = {},
): Promise<TrendData> {
  const asOf = (deps.now ?? Date.now)();
  const overview = opts.money ? deps.overview : undefined;
  const ranges = [query, ...(compare ? [compare] : [])];
  const [primary, comparison, ...totals] = await Promise.all([
    deps.timeseries(query, signal),
    compare ? deps.timeseries({ ...query, from: compare.from, to: compare.to }, signal) : undefined,
    ...(overview
      ? ranges.map((r) => overview({ from: r.from, to: r.to, filters: query.filters }, signal))
      : []),
  ]);
  const unconverted: Record<string, number> = {};
  let unconvertedSucceeded = 0;
  const seen = new Set<string>();
  for (const o of totals) {
    for (const c of o.gmv.unconverted) unconverted[c] = (unconverted[c] ?? 0) + (o.gmv.by_currency[c] ?? 0);
    unconvertedSucceeded += o.gmv.unconverted_succeeded ?? 0;
    for (const c of Object.keys(o.gmv.by_currency)) seen.add(c);
  }
  const converted =
    Object.keys(unconverted).length > 0 ? [...seen].filter((c) => !(c in unconverted)).sort() : [];
  return { primary, comparison, asOf, unconverted, unconvertedSucceeded, converted };
}

/**
 * The notice above a money chart when some currencies have no FX rate: the amounts left out and,
 * for the average ticket (`avgLeftOut`: not grouped by currency), how many payments its divisor
 * leaves out. Lists and sentences are joined the UI language's way: `AU$1.00, ¥2.00` and a space
 * between English sentences, `AU$1.00、¥2.00` and none after a Chinese full stop.
 */
export function unconvertedNotice(
  i18n: Pick<I18n, 't' | 'fmt' | 'lang'>,
  data: Pick<TrendData, 'unconverted' | 'unconvertedSucceeded'>,
  currency: string,
  avgLeftOut: boolean,
): string {
  const zh = i18n.lang === 'zh-CN';
  const amounts = Object.entries(data.unconverted)
    .map(([c, v]) => i18n.fmt.money(v, c))
    .join(zh ? '、' : ', ');
  const text = i18n.t('trends.unconverted', { amounts, currency });
  if (!avgLeftOut) return text;
  const avg = i18n.t('trends.unconvertedAvg', { n: i18n.fmt.number(data.unconvertedSucceeded) });
  return joinSentences(i18n.lang, [text, avg]);
}
