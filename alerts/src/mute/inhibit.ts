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
  /**
   * Whether the mute outlasts the source for its consequences (default true): a target whose
   * episode began while the source fired stays muted until it resolves itself (the dispatcher's
   * ended-source memory). False: muted only while the source fires (Alertmanager semantics) —
   * for a target that is a page of its own (a provider's outage starting under a country's page).
   */
  hold_consequences?: boolean;
}

/** The dispatcher's rule from a rules file's `inhibit_rules` entry. */
export function inhibitRuleOf(r: {
  source_matchers: Matcher[];
  target_matchers: Matcher[];
  equal: string[];
  hold_consequences: boolean;
}): InhibitRule {
  return {
    source: r.source_matchers,
    target: r.target_matchers,
    equal: r.equal,
    hold_consequences: r.hold_consequences,
  };
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
