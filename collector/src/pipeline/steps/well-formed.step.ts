import { wellFormedDeep, type Source } from '@paywatch/contracts';

/**
 * Step 0: well-formed text for sources that cannot refuse one field of what they receive (a
 * provider's signed webhook, a log line, a Faro beacon, a replay). A lone UTF-16 surrogate (what
 * `JSON.parse` makes of an unpaired `"\ud800"`) in any string or object key, at any depth, becomes
 * U+FFFD before validation, masking and storage — it has no UTF-8 form, and ClickHouse refuses a
 * whole INSERT that carries one. The events API is left as sent: validation refuses the field and
 * tells the client which one (docs/event.md). Returns `input` itself when it was already well
 * formed (the usual case: one native check per string, no copy).
 */
export function wellFormedStep(input: unknown, source: Source): unknown {
  return source === 'api' ? input : wellFormedDeep(input);
}
