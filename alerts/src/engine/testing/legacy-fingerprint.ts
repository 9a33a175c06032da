// Test fixture: a rule fingerprint exactly as an earlier release saved it with its detector state.

/**
 * The default pack's provider_success_rate_drop as the release before the rate detector's
 * `recover_minutes` / `recover_min_attempts` (commit 376690e) fingerprinted it: its engine's
 * `JSON.stringify` of the parsed rule, printed by that commit's code. State saved by that
 * release carries this string.
 */
export const LEGACY_PROVIDER_RATE_FINGERPRINT =
  '{"detector":{"type":"rate","metric":"success_rate","window_minutes":5,"baseline_minutes":120,"min_attempts":60,"z":3.29,"min_effect":0.08,"overdispersion":0.002,"min_baseline_attempts":100},"group_by":["provider"],"filter":[],"pool":[],"pool_min_per_hour":120}';
