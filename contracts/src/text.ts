/**
 * Well-formed text (no lone UTF-16 surrogates). `JSON.parse` turns an escape such as `"\ud800"`
 * into a lone surrogate, which has no UTF-8 encoding: ClickHouse refuses the whole INSERT that
 * carries one (18.16: Code 25) and other consumers replace or choke on it. The events API refuses
 * such strings; sources that cannot refuse a field (provider webhooks) replace them by U+FFFD.
 */

// Node 20 (V8 11.3) has String.prototype.isWellFormed / toWellFormed; the ES2023 lib does not
// declare them yet. A one-byte string (most ids) answers without a scan.
interface WellFormedString {
  isWellFormed?(): boolean;
  toWellFormed?(): string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LONE_SURROGATE_TEST = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const nativeIs = (String.prototype as WellFormedString).isWellFormed;
const nativeTo = (String.prototype as WellFormedString).toWellFormed;

/** True when `s` holds no lone UTF-16 surrogate (it can be encoded as UTF-8). */
export const isWellFormed: (s: string) => boolean =
  nativeIs !== undefined
    ? (s) => (nativeIs as (this: string) => boolean).call(s)
    : (s) => !LONE_SURROGATE_TEST.test(s);

/** `s` with every lone UTF-16 surrogate replaced by U+FFFD (the replacement character). */
export function wellFormed(s: string): string {
  if (isWellFormed(s)) return s;
  return nativeTo !== undefined
    ? (nativeTo as (this: string) => string).call(s)
    : s.replace(LONE_SURROGATE, '\uFFFD');
}

/** The reason a validation error gives for a string holding a lone surrogate. */
export const LONE_SURROGATE_MESSAGE =
  'contains a lone UTF-16 surrogate (e.g. an unpaired \\ud800 escape): not valid Unicode text';

/**
 * Deepest level the walks below descend to. Far past any depth the contracts accept (metadata:
 * 5), and well within the call stack: a small JSON body can nest 10 000 levels, and such a value
 * is refused for its depth anyway.
 */
const MAX_WALK_DEPTH = 64;

/**
 * The path (keys from `value`) of the first string, or object key, holding a lone surrogate in
 * a JSON value, or `null` when all text in it is well formed (text past 64 levels is not looked at).
 */
export function loneSurrogatePath(value: unknown, depth = 0): (string | number)[] | null {
  if (typeof value === 'string') return isWellFormed(value) ? null : [];
  if (value === null || typeof value !== 'object' || depth >= MAX_WALK_DEPTH) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = loneSurrogatePath(value[i], depth + 1);
      if (p !== null) return [i, ...p];
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    if (!isWellFormed(k)) return [k];
    const p = loneSurrogatePath(v, depth + 1);
    if (p !== null) return [k, ...p];
  }
  return null;
}

/**
 * A JSON value with every string and object key made well formed (lone surrogates → U+FFFD).
 * Returns `value` itself when nothing needed a change, else a copy of the changed parts. Parts
 * past 64 levels are left as they are (validation refuses such depth).
 */
export function wellFormedDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return wellFormed(value) as T;
  if (value === null || typeof value !== 'object' || depth >= MAX_WALK_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const w = wellFormedDeep(v, depth + 1);
      if (w !== v) (out ??= value.slice())[i] = w;
    }
    return (out ?? value) as T;
  }
  let out: Record<string, unknown> | null = null;
  const src = value as Record<string, unknown>;
  for (const k of Object.keys(src)) {
    const v = src[k];
    const wk = wellFormed(k);
    const w = wellFormedDeep(v, depth + 1);
    if (wk === k && w === v) continue;
    if (out === null) out = { ...src };
    if (wk !== k) delete out[k];
    // A `__proto__` key (JSON.parse makes it an own property) is kept as data, not a prototype.
    Object.defineProperty(out, wk, { value: w, enumerable: true, writable: true, configurable: true });
  }
  return (out ?? value) as T;
}
