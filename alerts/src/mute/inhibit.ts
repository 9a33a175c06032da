import type { Matcher } from './matchers.js';
import { matchesAll } from './matchers.js';

/**
 * An inhibition rule: while an alert matching `source` fires, alerts matching `target` that
 * share the values of the `equal` labels are muted (e.g. a provider-down alert mutes the
 * method alerts beneath it). An alert never inhibits itself.
 */
export interface InhibitRule {
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

/** Returns the first firing source alert inhibiting `target`, or null. */
export function inhibitedBy<T extends { id: string; labels: Record<string, string> }>(
  rules: readonly InhibitRule[],
  target: T,
  firing: readonly T[],
): T | null {
  for (const r of rules) {
    if (!matchesAll(r.target, target.labels)) continue;
    for (const src of firing) {
      if (src.id === target.id || !matchesAll(r.source, src.labels)) continue;
      if (r.equal.every((l) => (src.labels[l] ?? '') === (target.labels[l] ?? ''))) return src;
    }
  }
  return null;
}
