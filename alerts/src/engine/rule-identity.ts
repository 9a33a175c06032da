import type { RuleConfig } from '../config/schema.js';
import { RuleSchema } from '../config/schema.js';
import { DetectorSpecSchema } from '../detect/registry.js';

/**
 * The part of a rule its detector state depends on: the detector spec, the slicing and the
 * filter. Severity, `for`, routing labels and the like are not in it (changing them keeps the
 * learned baselines).
 */
type RuleDefinition = Pick<RuleConfig, 'detector' | 'group_by' | 'filter' | 'pool' | 'pool_min_per_hour'>;

function definitionOf(cfg: RuleDefinition): RuleDefinition {
  return {
    detector: cfg.detector,
    group_by: cfg.group_by,
    filter: cfg.filter,
    pool: cfg.pool,
    pool_min_per_hour: cfg.pool_min_per_hour,
  };
}

/**
 * The fingerprint saved with a rule's detector state: its parsed definition (schema defaults
 * filled in) as JSON. Filled-in defaults are kept on purpose: they record the parameters the
 * state was learned with, so a release that changes a default's *value* is seen as a change.
 * Compare with `sameRuleDefinition`, never with `===`: a release that only adds a setting
 * writes a longer fingerprint for the same rule.
 */
export function ruleFingerprint(cfg: RuleDefinition): string {
  return JSON.stringify(definitionOf(cfg));
}

/** JSON with object keys sorted (arrays keep their order): equal for equal definitions. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/**
 * True when detector state saved under `stored` (a `ruleFingerprint`, from this release or an
 * earlier one) still fits rule `cfg`. The stored definition is read again with today's schema
 * first, so a setting added since (with a default) takes that default, as it does for the
 * rule itself: a rule the user did not touch keeps its state across an upgrade that adds
 * settings, while any parameter that now differs — the user's edit, or a default whose value
 * changed — means the state was learned under other parameters (the engine then discards it).
 * Anything unreadable is "not the same".
 */
export function sameRuleDefinition(stored: unknown, cfg: RuleDefinition): boolean {
  if (typeof stored !== 'string') return false;
  if (stored === ruleFingerprint(cfg)) return true;
  let raw: unknown;
  try {
    raw = JSON.parse(stored);
  } catch {
    return false;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const r = raw as Record<string, unknown>;
  const detector = DetectorSpecSchema.safeParse(r['detector']);
  const groupBy = RuleSchema.shape.group_by.safeParse(r['group_by']);
  const pool = RuleSchema.shape.pool.safeParse(r['pool']);
  const poolMin = RuleSchema.shape.pool_min_per_hour.safeParse(r['pool_min_per_hour']);
  if (!detector.success || !groupBy.success || !pool.success || !poolMin.success) return false;
  // Filters are stored parsed (matcher objects, which the string schema does not read back).
  const filter = r['filter'] ?? [];
  return (
    canonical({
      detector: detector.data,
      group_by: groupBy.data,
      filter,
      pool: pool.data,
      pool_min_per_hour: poolMin.data,
    }) === canonical(definitionOf(cfg))
  );
}
