// Guards which rule changes discard saved detector state: a setting added by a release with a default (the rate detector's recover_*, the mix's recover_*, the forecast's reanchor) keeps a rule's identity, a real parameter change or a changed default value does not.
import { describe, expect, it } from 'vitest';
import { parseAlertsConfig } from '../config/load.js';
import { DEFAULT_RULES_YAML } from '../config/default-rules.js';
import type { RuleConfig } from '../config/schema.js';
import { DetectorSpecSchema } from '../detect/registry.js';
import { ruleFingerprint, sameRuleDefinition } from './rule-identity.js';
import {
  LEGACY_FORECAST_FINGERPRINT,
  LEGACY_MIX_FINGERPRINT,
  LEGACY_PROVIDER_RATE_FINGERPRINT,
} from './testing/legacy-fingerprint.js';

const rateRule = (detector: string, extra = '') =>
  parseAlertsConfig(`
rules:
  - name: provider_success_rate_drop
    detector: { type: rate, metric: success_rate, ${detector} }
    group_by: [provider]
${extra}`).rules[0]!;
const PACK_RATE = 'window_minutes: 5, baseline_minutes: 120, min_attempts: 60, min_effect: 0.08';

describe('rule identity of saved detector state', () => {
  it("state saved by the previous release is the same rule's, though today's schema fills in two more settings", () => {
    const today = rateRule(PACK_RATE);
    // The fingerprint did change (today's has recover_*): equality alone would lose the state.
    expect(ruleFingerprint(today)).not.toBe(LEGACY_PROVIDER_RATE_FINGERPRINT);
    expect(sameRuleDefinition(LEGACY_PROVIDER_RATE_FINGERPRINT, today)).toBe(true);
    // And the default pack's rule itself.
    const pack = parseAlertsConfig(DEFAULT_RULES_YAML).rules.find(
      (r) => r.name === 'provider_success_rate_drop',
    )!;
    expect(sameRuleDefinition(LEGACY_PROVIDER_RATE_FINGERPRINT, pack)).toBe(true);
  });

  it("the pack's mix and forecast rules keep the state saved before their recover_* / reanchor had schema defaults", () => {
    const rules = parseAlertsConfig(DEFAULT_RULES_YAML).rules;
    for (const [name, saved, added] of [
      [
        'decline_mix_shift',
        LEGACY_MIX_FINGERPRINT,
        { recover_minutes: 3, recover_min_failures: 20, recover_p_value: 0.01 },
      ],
      ['success_rate_forecast', LEGACY_FORECAST_FINGERPRINT, { reanchor: true }],
    ] as const) {
      const today = rules.find((r) => r.name === name)!;
      // Today's fingerprint writes the defaults out; the saved one lacks them.
      expect(JSON.parse(ruleFingerprint(today)).detector, name).toMatchObject(added);
      expect(ruleFingerprint(today), name).not.toBe(saved);
      expect(sameRuleDefinition(saved, today), name).toBe(true);
      // A default's value other than the one the code applied then is a change.
      const other = JSON.parse(saved) as { detector: Record<string, unknown> };
      const [k, v] = Object.entries(added)[0]!;
      other.detector[k] = typeof v === 'boolean' ? !v : v * 2;
      expect(sameRuleDefinition(JSON.stringify(other), today), `${name}.${k}`).toBe(false);
    }
  });

  it('a default written out is the same rule as one left to the schema', () => {
    const written = rateRule(`${PACK_RATE}, recover_minutes: 3, recover_min_attempts: 15`);
    expect(sameRuleDefinition(ruleFingerprint(rateRule(PACK_RATE)), written)).toBe(true);
    expect(sameRuleDefinition(LEGACY_PROVIDER_RATE_FINGERPRINT, written)).toBe(true);
  });

  it("a user's change to the detector, slicing, filter or pooling is a different rule", () => {
    const changed: RuleConfig[] = [
      rateRule(PACK_RATE.replace('min_effect: 0.08', 'min_effect: 0.1')),
      rateRule(PACK_RATE.replace('window_minutes: 5', 'window_minutes: 10')),
      rateRule(`${PACK_RATE}, recover_minutes: 0`),
      rateRule(PACK_RATE, '    filter: [\'method="card"\']'),
      rateRule(PACK_RATE, '    pool_min_per_hour: 300'),
      { ...rateRule(PACK_RATE), group_by: ['provider', 'country'] },
    ];
    for (const c of changed) expect(sameRuleDefinition(LEGACY_PROVIDER_RATE_FINGERPRINT, c)).toBe(false);
    // Not the detector's business: severity, `for`, labels.
    const same = rateRule(PACK_RATE, '    severity: page\n    for: 2m\n    labels: { team: payments }');
    expect(sameRuleDefinition(LEGACY_PROVIDER_RATE_FINGERPRINT, same)).toBe(true);
  });

  it('a default whose value changed between releases is a change (the state was learned with the old value)', () => {
    const saved = JSON.parse(ruleFingerprint(rateRule(PACK_RATE))) as { detector: Record<string, unknown> };
    saved.detector['recover_minutes'] = 5; // as if the release that wrote it had defaulted to 5
    expect(sameRuleDefinition(JSON.stringify(saved), rateRule(PACK_RATE))).toBe(false);
  });

  it('an unreadable fingerprint is never the same rule', () => {
    const r = rateRule(PACK_RATE);
    for (const bad of [undefined, null, 42, '', '{"detector":', '[]', '{"detector":{"type":"nope"}}'])
      expect(sameRuleDefinition(bad, r)).toBe(false);
  });

  it('every rule of the default pack keeps its identity when any setting the schema fills in was missing from what a release saved', () => {
    const rules = parseAlertsConfig(DEFAULT_RULES_YAML).rules;
    let dropped = 0;
    for (const r of rules) {
      const saved = JSON.parse(ruleFingerprint(r)) as { detector: Record<string, unknown> };
      expect(sameRuleDefinition(JSON.stringify(saved), r)).toBe(true);
      for (const k of Object.keys(saved.detector)) {
        const without: Record<string, unknown> = { ...saved.detector };
        delete without[k];
        const reread = DetectorSpecSchema.safeParse(without);
        // A setting "added later with a default": reading the spec without it gives it back.
        if (
          !reread.success ||
          JSON.stringify((reread.data as Record<string, unknown>)[k]) !== JSON.stringify(saved.detector[k])
        )
          continue;
        dropped++;
        expect(sameRuleDefinition(JSON.stringify({ ...saved, detector: without }), r), `${r.name}.${k}`).toBe(
          true,
        );
      }
    }
    expect(dropped).toBeGreaterThan(20); // the pack leaves many settings to their defaults
  });
});
