import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import type { ScrapeMapping } from './scrape-config.js';

/** One sample as exposed: full sample name (`x_bucket`, `x_sum`…), labels, value, optional time. */
export interface ExposedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

/** A stored paywatch series point taken from a scrape. */
export interface ScrapedSample {
  ts: number;
  target: string;
  series: string;
  labels: Record<string, string>;
  value: number;
}

function toNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v === '+Inf' || v === 'Inf') return Number.POSITIVE_INFINITY;
  if (v === '-Inf') return Number.NEGATIVE_INFINITY;
  const n = Number(v);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * Counts sample lines without parsing (cheap), so an oversized exposition is refused before the
 * parser builds objects for it.
 */
export function countSampleLines(text: string): number {
  let n = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let i = start;
    while (i < end && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i < end && text[i] !== '#') n++;
    start = end + 1;
  }
  return n;
}

/**
 * Parses the text exposition format (with parse-prometheus-text-format) into flat samples.
 * Histogram and summary TYPE lines are declared `untyped` before parsing: the library's grouping
 * of those families merges series with different labels (it loses labels and _sum/_count), while
 * untyped parsing keeps every `x_bucket{…}`, `x_sum`, `x_count` line as its own sample.
 */
export function parseExposition(text: string): ExposedSample[] {
  const flat = text.replace(/^(#\s*TYPE\s+\S+\s+)(histogram|summary|gaugehistogram)\s*$/gim, '$1untyped');
  const families: PromFamily[] = parsePrometheusTextFormat(flat);
  const out: ExposedSample[] = [];
  for (const f of families) {
    for (const m of f.metrics) {
      const value = toNumber(m.value);
      if (value === undefined) continue;
      const t = m.timestamp_ms !== undefined ? Number(m.timestamp_ms) : undefined;
      out.push({
        name: f.name,
        labels: m.labels ?? {},
        value,
        // A timestamp no Date can hold (stores refuse it) is ignored: the scrape time is used.
        ...(t !== undefined && Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? { timestampMs: t } : {}),
      });
    }
  }
  return out;
}

/**
 * Applies the mappings: only mapped samples are kept, renamed and with the chosen labels.
 * Non-finite values (±Inf, NaN) are dropped because stores and JSON cannot carry them, except
 * `le="+Inf"` buckets whose label (not value) is infinite.
 */
export function mapSamples(
  samples: readonly ExposedSample[],
  mappings: readonly ScrapeMapping[],
  target: string,
  scrapeTs: number,
): ScrapedSample[] {
  const byMetric = new Map<string, ScrapeMapping[]>();
  for (const m of mappings) byMetric.set(m.metric, [...(byMetric.get(m.metric) ?? []), m]);
  const out: ScrapedSample[] = [];
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    for (const m of byMetric.get(s.name) ?? []) {
      if (m.match && Object.entries(m.match).some(([k, v]) => s.labels[k] !== v)) continue;
      const labels: Record<string, string> = {};
      if (m.labels) {
        for (const [from, to] of Object.entries(m.labels)) {
          const v = s.labels[from];
          if (v !== undefined) labels[to] = v;
        }
      } else Object.assign(labels, s.labels);
      out.push({ ts: s.timestampMs ?? scrapeTs, target, series: m.series ?? s.name, labels, value: s.value });
    }
  }
  return out;
}
