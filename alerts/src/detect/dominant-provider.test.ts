// Guards which provider a decline-mix finding names: the one whose share of the latest failures grew to a majority (an outage), never one that always carried most failures, nor any for a shift spread over all providers (not even by chance on few failures); and which one a country's or BIN's success-rate drop names: the one failing beyond its share of the attempts.
import { describe, expect, it } from 'vitest';
import { dominantProvider, excessProvider } from './dominant-provider.js';
import { emptyMinute } from './types.js';
import type { MinuteAggregate } from './types.js';

/** Ten minutes with these failures per provider (the last three given apart). */
function window(before: Record<string, number>, recent: Record<string, number>): MinuteAggregate[] {
  return Array.from({ length: 10 }, (_, i) => {
    const m = emptyMinute(i * 60_000);
    for (const [p, n] of Object.entries(i < 7 ? before : recent)) {
      m.failed += n;
      m.contrib.set(`provider=${p}`, n);
    }
    return m;
  });
}

describe('dominantProvider', () => {
  it('names a provider whose failures took over in the latest minutes', () => {
    expect(dominantProvider(window({ adyen: 5, stripe: 5 }, { adyen: 40, stripe: 5 }))).toBe('adyen');
  });

  it('names none for a provider that always carried most failures, or a shift spread over all', () => {
    // stripe declines more than adyen all along; every provider's failures double.
    expect(dominantProvider(window({ adyen: 2, stripe: 8 }, { adyen: 4, stripe: 16 }))).toBeNull();
    // A majority that did not grow enough (0.45 → 0.55) is not a concentration.
    expect(dominantProvider(window({ adyen: 9, stripe: 11 }, { adyen: 11, stripe: 9 }))).toBeNull();
  });

  it('names none for a gain that a few failures a minute make by chance', () => {
    // 5 failures a minute spread over both providers; the last 3 minutes 4:1 by chance (+30
    // points over 15 failures, z ≈ 2.3): a live engine named stripe in a spread shift and paged
    // it again in that provider's group.
    expect(dominantProvider(window({ adyen: 5, stripe: 5 }, { adyen: 4, stripe: 1 }))).toBeNull();
    // The same share over many failures is a concentration.
    expect(dominantProvider(window({ adyen: 25, stripe: 25 }, { adyen: 40, stripe: 10 }))).toBe('adyen');
  });

  it('names none without older failures to compare with', () => {
    expect(dominantProvider(window({}, { adyen: 40 }))).toBeNull();
    expect(dominantProvider([])).toBeNull();
  });

  /** Ten minutes of a slice over adyen and stripe (attempts per minute each), failures as given. */
  function slice(fail: (i: number) => Record<string, number>, attempts = 50): MinuteAggregate[] {
    return Array.from({ length: 10 }, (_, i) => {
      const m = emptyMinute(i * 60_000);
      for (const p of ['adyen', 'stripe']) m.contrib_attempts.set(`provider=${p}`, attempts);
      m.attempts = 2 * attempts;
      for (const [p, n] of Object.entries(fail(i))) {
        m.failed += n;
        m.contrib.set(`provider=${p}`, n);
      }
      return m;
    });
  }

  it('excessProvider names a provider failing beyond its share of the attempts, however long it has', () => {
    // A BIN alert that starts 8 minutes into a stripe outage: no growth within its window, so
    // dominantProvider names nothing, and the stripe page did not inhibit it.
    const outage = slice(() => ({ adyen: 3, stripe: 40 }));
    expect(dominantProvider(outage)).toBeNull();
    expect(excessProvider(outage)).toBe('stripe');
  });

  it("excessProvider names none at an outage's end, where dominantProvider named the healthy provider", () => {
    // Seven minutes of the stripe outage, then ordinary failures (adyen 4, stripe 3 a minute —
    // as the attempts are): against the outage minutes adyen's share "grew" from 7 % to 57 %.
    const end = slice((i) => (i < 7 ? { adyen: 3, stripe: 40 } : { adyen: 4, stripe: 3 }));
    expect(dominantProvider(end)).toBe('adyen');
    expect(excessProvider(end)).toBeNull();
    // An issuer's declines spread over both providers as their attempts are: none.
    expect(excessProvider(slice(() => ({ adyen: 20, stripe: 22 })))).toBeNull();
  });

  /** Ten minutes of a slice with these attempts and failures per provider each minute. */
  function mix(per: Record<string, [attempts: number, failed: number]>): MinuteAggregate[] {
    return Array.from({ length: 10 }, (_, i) => {
      const m = emptyMinute(i * 60_000);
      for (const [p, [a, f]] of Object.entries(per)) {
        m.attempts += a;
        m.failed += f;
        m.contrib_attempts.set(`provider=${p}`, a);
        m.contrib.set(`provider=${p}`, f);
      }
      return m;
    });
  }

  it('excessProvider names the outage of a provider that carries most of the slice, or all of it', () => {
    // stripe takes 90 % of the country's attempts: its outage holds 98 % of the failures, only
    // 8 points over its share of the attempts — the country paged beside stripe's page.
    expect(excessProvider(mix({ stripe: [90, 72], adyen: [10, 1] }))).toBe('stripe');
    // A single-acquirer market: the provider is the whole slice.
    expect(excessProvider(mix({ stripe: [100, 80] }))).toBe('stripe');
    // A drop over both providers alike (a country's scheme down) still names none.
    expect(excessProvider(mix({ stripe: [90, 72], adyen: [10, 8] }))).toBeNull();
    // The other provider failing alone is named although it carries a tenth of the attempts.
    expect(excessProvider(mix({ stripe: [90, 6], adyen: [10, 9] }))).toBe('adyen');
  });
});
