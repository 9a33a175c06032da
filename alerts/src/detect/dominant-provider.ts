import type { Evaluation, MinuteAggregate, SeriesDetector } from './types.js';
import { MinuteWindow } from './types.js';

/** A dimension a finding can name (a contributor key prefix): see `withDominantProvider`. */
export type FindingDimension = 'provider' | 'country';

/**
 * Failures (`contrib`, in total `failed`) or attempts (`contrib_attempts`, in total `attempts`)
 * by value of a dimension (`provider=<name>` contributor keys, or `country=…`) and in total,
 * over some minutes.
 */
function countsBy(
  minutes: readonly MinuteAggregate[],
  dim: FindingDimension = 'provider',
  of: 'failed' | 'attempts' = 'failed',
): { total: number; by: Map<string, number> } {
  const by = new Map<string, number>();
  const prefix = `${dim}=`;
  let total = 0;
  for (const m of minutes) {
    total += m[of];
    for (const [key, n] of of === 'failed' ? m.contrib : m.contrib_attempts)
      if (key.startsWith(prefix))
        by.set(key.slice(prefix.length), (by.get(key.slice(prefix.length)) ?? 0) + n);
  }
  return { total, by };
}

/** The latest minutes `dominantProvider` looks at. */
const RECENT_MINUTES = 3;
/** Least share of those minutes' failures the provider carries. */
const MIN_SHARE = 0.5;
/**
 * Least growth of that share over the provider's share in the older minutes (`excessProvider`:
 * least excess of its failure rate over the other providers').
 */
const MIN_GAIN = 0.2;
/**
 * Least z-score of that growth (binomial, over the recent failures): with a few failures a
 * minute per provider a shift spread over every provider gave one of them +20 points by chance
 * — and named it (a live engine then paged the shift a second time, in that provider's group).
 */
const MIN_Z = 3;

/**
 * The provider the failures of the last `RECENT_MINUTES` minutes concentrate on, compared with
 * the older minutes of the window (oldest first): at least `MIN_SHARE` of the recent failures,
 * and a share that grew by at least `MIN_GAIN` over its share before, by more than chance
 * (`MIN_Z`). A provider that always
 * carries most failures (most of the traffic, or a higher decline rate) did not *gain*, and a
 * shift spread over every provider moves no share. Null without older failures to compare with.
 */
export function dominantProvider(minutes: readonly MinuteAggregate[]): string | null {
  const cut = Math.max(1, minutes.length - RECENT_MINUTES);
  const before = countsBy(minutes.slice(0, cut));
  const recent = countsBy(minutes.slice(cut));
  if (before.total <= 0 || recent.total <= 0) return null;
  let best: string | null = null;
  let bestShare = 0;
  for (const [provider, n] of recent.by) {
    const share = n / recent.total;
    const was = (before.by.get(provider) ?? 0) / before.total;
    // The older share, kept off 0 and 1: a provider with no failures before still needs a few now.
    const p0 = Math.min(0.95, Math.max(0.05, was));
    const z = (share - was) / Math.sqrt((p0 * (1 - p0)) / recent.total);
    if (share >= MIN_SHARE && share - was >= MIN_GAIN && z >= MIN_Z && share > bestShare) {
      best = provider;
      bestShare = share;
    }
  }
  return best;
}

/** Below this share of a slice's attempts, the other providers are too few to compare with. */
const MIN_REST_SHARE = 0.05;

/**
 * The provider the latest `RECENT_MINUTES` minutes' failures concentrate on *beyond the rest of
 * the slice's failure rate* (for success-rate slices that span providers: a country, a BIN): at
 * least `MIN_SHARE` of the failures, and a failure rate at least `MIN_GAIN` above the other
 * providers' by more than chance (`MIN_Z`, two proportions) — or no other provider to speak of
 * (below `MIN_REST_SHARE` of the attempts: a single-acquirer market, whose provider outage is
 * the country's drop). Unlike `dominantProvider` it needs no older minutes before the incident:
 * a country that starts failing several minutes into a provider outage (its window already
 * full of it) still names the provider, and at the end of an outage, while the window still
 * holds it, the latest minutes' ordinary failures name none — compared with the outage's
 * minutes they made another provider's share "grow" (a BIN alert of a stripe outage was named
 * adyen). Compared with the rest's *rate*, not with the provider's share of the attempts: a
 * provider carrying 80 % or more of a country's attempts cannot gain 20 points of the failures,
 * and its outage paged the country beside its own page.
 */
export function excessProvider(minutes: readonly MinuteAggregate[]): string | null {
  return excessOf(minutes, 'provider');
}

/**
 * The shopper's country (`country=` contributor keys) the latest failures concentrate on beyond
 * the rest of the slice, by the same test as `excessProvider`: for success-rate slices without a
 * country (an issuing country × BIN). A country outage fails the cards its shoppers hold, so
 * the BIN alerts of that country's issuers name it, and the country's page inhibits them
 * (`equal: [country]`); an issuer's own incident fails its cards in every country they are
 * used in, and names none unless nearly all its cards are used in one (then that one).
 */
export function excessCountry(minutes: readonly MinuteAggregate[]): string | null {
  return excessOf(minutes, 'country');
}

function excessOf(minutes: readonly MinuteAggregate[], dim: FindingDimension): string | null {
  const recent = minutes.slice(Math.max(0, minutes.length - RECENT_MINUTES));
  const failures = countsBy(recent, dim);
  if (failures.total <= 0) return null;
  const { total, by: attempts } = countsBy(recent, dim, 'attempts');
  if (total <= 0) return null;
  const pooled = failures.total / total;
  let best: string | null = null;
  let bestShare = 0;
  for (const [provider, n] of failures.by) {
    const share = n / failures.total;
    const own = attempts.get(provider) ?? 0;
    // No attempts counted (the contributor keys are capped): nothing to compare.
    if (share < MIN_SHARE || own <= 0 || share <= bestShare) continue;
    const rest = total - own;
    if (rest < MIN_REST_SHARE * total) {
      best = provider;
      bestShare = share;
      continue;
    }
    const gap = n / own - (failures.total - n) / rest;
    const z = gap / Math.sqrt(Math.max(1e-9, pooled * (1 - pooled) * (1 / own + 1 / rest)));
    if (gap >= MIN_GAIN && z >= MIN_Z) {
      best = provider;
      bestShare = share;
    }
  }
  return best;
}

/**
 * Wraps a series detector of a rule whose slices do not carry the provider (the default pack's
 * `decline_mix_shift` judges all traffic at once): an anomalous evaluation whose latest
 * failures concentrate on one provider (`dominantProvider`) gets the label `provider=<it>`
 * (`Evaluation.labels`),
 * so that the provider-down inhibition (`equal: [provider]`) applies to it — a provider outage
 * shifts the decline mix towards `provider_error`/`timeout`, and that is the outage's page, not a
 * second one. A shift spread over the providers (an issuer, a scheme) gets no label.
 *
 * The window is this wrapper's own (the minutes' references, no copy); the inner detector's
 * snapshot is passed through unchanged, so after a restart the label needs a window of minutes
 * seen again.
 */
export function withDominantProvider(
  inner: SeriesDetector,
  windowMinutes: number,
  /**
   * The finding labels set and how each is found: `provider` by `dominantProvider` (the mix) or
   * `excessProvider` (rates), `country` by `excessCountry`; one window for all of them.
   */
  finders: Partial<Record<FindingDimension, (minutes: readonly MinuteAggregate[]) => string | null>> = {
    provider: dominantProvider,
  },
): SeriesDetector {
  const win = new MinuteWindow(windowMinutes);
  const found = Object.entries(finders);
  const out: SeriesDetector = {
    kind: 'series',
    type: inner.type,
    evaluate(minute: MinuteAggregate): Evaluation {
      win.push(minute);
      const ev = inner.evaluate(minute);
      if (ev.verdict !== 'anomalous') return ev;
      const minutes = win.minutes();
      let labels = ev.labels;
      for (const [label, find] of found) {
        const value = find(minutes);
        if (value !== null) labels = { ...labels, [label]: value };
      }
      return labels === ev.labels ? ev : { ...ev, labels };
    },
  };
  if (inner.snapshot) out.snapshot = () => inner.snapshot?.();
  if (inner.restore) out.restore = (state: unknown) => inner.restore?.(state);
  return out;
}
