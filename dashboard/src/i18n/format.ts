import type { Lang } from './messages.js';

/** Locale-aware formatters built on `Intl`; one instance per language, cached. */
export interface Formatter {
  number(n: number | null | undefined, digits?: number): string;
  compact(n: number | null | undefined): string;
  percent(ratio: number | null | undefined, digits?: number): string;
  /** Major units of `currency` (e.g. 19.99 USD). */
  money(major: number | null | undefined, currency: string, compact?: boolean): string;
  ms(n: number | null | undefined): string;
  dateTime(t: number): string;
  time(t: number): string;
  /**
   * A value axis tick, compact but exact: `22.5K`, `2.25万`, `$1.25M` (with `currency`). `compact`
   * keeps one decimal, so a gridline at 22,500 read `2.3万` and one at 1,250,000 `1.3M`.
   */
  axisNumber(n: number | null | undefined, currency?: string): string;
  /** Short axis label: time only for ranges within a day, date + time otherwise. */
  axis(t: number, spanMs: number): string;
  relative(deltaMs: number): string;
}

/**
 * Sentences run together the language's way: a space between English ones, none after a Chinese
 * full stop (`。`). Empty parts are left out.
 */
export function joinSentences(lang: Lang, sentences: readonly (string | false | null | undefined)[]): string {
  return sentences.filter((s): s is string => !!s).join(lang === 'zh-CN' ? '' : ' ');
}

const DASH = '–';
const cache = new Map<string, Formatter>();

/** The formatters of a language; times on the browser's clock, or on `timeZone`'s (an IANA name). */
export function formatterFor(lang: Lang, timeZone?: string): Formatter {
  const key = timeZone === undefined ? lang : `${lang}|${timeZone}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const f = createFormatter(lang, timeZone);
  if (cache.size > 50) cache.clear();
  cache.set(key, f);
  return f;
}

function createFormatter(locale: string, timeZone?: string): Formatter {
  const zone = timeZone === undefined ? {} : { timeZone };
  const nf = new Map<number, Intl.NumberFormat>();
  const num = (d: number) => {
    let x = nf.get(d);
    if (!x) nf.set(d, (x = new Intl.NumberFormat(locale, { maximumFractionDigits: d })));
    return x;
  };
  const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
  const money = new Map<string, Intl.NumberFormat>();
  const dt = new Intl.DateTimeFormat(locale, {
    ...zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  const tm = new Intl.DateTimeFormat(locale, {
    ...zone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  const hm = new Intl.DateTimeFormat(locale, { ...zone, hour: '2-digit', minute: '2-digit', hour12: false });
  const dhm = new Intl.DateTimeFormat(locale, {
    ...zone,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const ok = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);
  return {
    number: (n, d = 0) => (ok(n) ? num(d).format(n) : DASH),
    compact: (n) => (ok(n) ? compact.format(n) : DASH),
    percent: (r, d = 1) =>
      ok(r)
        ? new Intl.NumberFormat(locale, {
            style: 'percent',
            minimumFractionDigits: d,
            maximumFractionDigits: d,
          }).format(r)
        : DASH,
    money: (m, currency, isCompact = false) => {
      if (!ok(m)) return DASH;
      const key = `${currency}:${isCompact}`;
      let x = money.get(key);
      if (!x) {
        try {
          x = new Intl.NumberFormat(locale, {
            style: 'currency',
            currency,
            ...(isCompact ? { notation: 'compact', maximumFractionDigits: 1 } : {}),
          });
        } catch {
          x = num(2);
        }
        money.set(key, x);
      }
      return x.format(m);
    },
    axisNumber: (n, currency) => {
      if (!ok(n)) return DASH;
      // Ticks are round numbers: 12 significant digits print them whole and drop float noise
      // (0.30000000000000004 → 0.3).
      const key = `axis:${currency ?? ''}`;
      let x = money.get(key);
      if (!x) {
        const exact = { notation: 'compact', maximumSignificantDigits: 12 } as const;
        try {
          x = new Intl.NumberFormat(locale, currency ? { ...exact, style: 'currency', currency } : exact);
        } catch {
          x = new Intl.NumberFormat(locale, exact);
        }
        money.set(key, x);
      }
      return x.format(n);
    },
    ms: (n) => (ok(n) ? (n >= 10_000 ? `${num(1).format(n / 1000)} s` : `${num(0).format(n)} ms`) : DASH),
    dateTime: (t) => dt.format(t),
    time: (t) => tm.format(t),
    axis: (t, span) => (span <= 86_400_000 ? hm.format(t) : dhm.format(t)),
    relative: (delta) => {
      const s = Math.round(delta / 1000);
      if (Math.abs(s) < 60) return rel.format(s, 'second');
      const m = Math.round(s / 60);
      if (Math.abs(m) < 60) return rel.format(m, 'minute');
      return rel.format(Math.round(m / 60), 'hour');
    },
  };
}
