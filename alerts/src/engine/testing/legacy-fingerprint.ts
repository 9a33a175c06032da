// Test fixture: a rule fingerprint exactly as an earlier release saved it with its detector state.

/**
 * The default pack's provider_success_rate_drop as the release before the rate detector's
 * `recover_minutes` / `recover_min_attempts` (commit 376690e) fingerprinted it: its engine's
 * `JSON.stringify` of the parsed rule, printed by that commit's code. State saved by that
 * release carries this string.
 */
export const LEGACY_PROVIDER_RATE_FINGERPRINT =
  '{"detector":{"type":"rate","metric":"success_rate","window_minutes":5,"baseline_minutes":120,"min_attempts":60,"z":3.29,"min_effect":0.08,"overdispersion":0.002,"min_baseline_attempts":100},"group_by":["provider"],"filter":[],"pool":[],"pool_min_per_hour":120}';

/**
 * The default pack's decline_mix_shift and success_rate_forecast as the releases from 21edb8e
 * (the mix's `recover_*` and the forecast's `reanchor` added, without schema defaults) to
 * 874d7f1 fingerprinted them, printed by that code: neither setting is in them.
 */
export const LEGACY_MIX_FINGERPRINT =
  '{"detector":{"type":"mix","window_minutes":10,"min_failures":40,"p_value":0.000002,"min_jsd":0.03,"half_life_minutes":360,"min_baseline_failures":100,"season_days":7,"season_slot_minutes":60,"min_season_days":1},"group_by":[],"filter":[],"pool":[],"pool_min_per_hour":120}';
export const LEGACY_FORECAST_FINGERPRINT =
  '{"detector":{"type":"forecast","metric":"success_rate","threshold":0.8,"breach":"below","step_minutes":1,"horizon_minutes":15,"season_minutes":0,"alpha":0.3,"beta":0.1,"gamma":0.1,"z":1.96,"min_attempts":50,"warmup_steps":30,"noise_z":1.64,"overdispersion":0.002,"max_merge_steps":60},"group_by":["provider"],"filter":[],"pool":[],"pool_min_per_hour":120}';
