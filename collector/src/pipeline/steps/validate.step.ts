import { PaymentEventInputSchema, type PaymentEventInput } from '@paywatch/contracts';
import { cutText } from '../../lib/pan.js';
import type { StepOutcome } from '../outcome.js';
import { fastValidateEvent } from './fast-validate.js';

/** At most this many issues are reported per event (the first ones, in schema order). */
export const MAX_ISSUES_PER_EVENT = 5;

/**
 * Step 1: structural validation against the payment event contract. Reasons never echo the
 * submitted value (it may hold card data); they name the field and what was expected.
 * The common, valid shape is checked by a hand-written fast path that returns what zod would;
 * anything it is unsure of (every invalid event included) goes to zod, the authority.
 */
export function validateStep(input: unknown): StepOutcome<PaymentEventInput> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', reason: 'expected a JSON object (one payment event)' }] };
  }
  const fast = fastValidateEvent(input);
  if (fast !== undefined) return { ok: true, value: fast };
  const r = PaymentEventInputSchema.safeParse(input);
  if (r.success) {
    // zod drops a `__proto__` key (JSON.parse makes it an own property) from metadata and the
    // event was stored without it: refused instead, naming where. Depth is already ≤ 5 here.
    const proto = protoKeyPath((input as { metadata?: unknown }).metadata);
    if (proto !== null)
      return {
        ok: false,
        errors: [
          { path: ['metadata', ...proto].join('.'), reason: '"__proto__" is not allowed as a metadata key' },
        ],
      };
    return { ok: true, value: r.data };
  }
  return {
    ok: false,
    errors: r.error.issues.slice(0, MAX_ISSUES_PER_EVENT).map((i) => ({
      path: i.path.map(String).join('.'),
      reason:
        i.code === 'unrecognized_keys'
          ? `unknown field(s) ${unknownFields(i.keys)}; put custom data in metadata`
          : i.message,
    })),
  };
}

/** Unknown fields named in a rejection: each masked, then cut to 64 characters (`cutText`: no fragment of a card number kept), the first 10 of them. */
const MAX_UNKNOWN_FIELDS_NAMED = 10;
function unknownFields(keys: readonly string[]): string {
  const named = keys.slice(0, MAX_UNKNOWN_FIELDS_NAMED).map((k) => JSON.stringify(cutText(k, 64)));
  const more = keys.length - named.length;
  return `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/**
 * Path (keys below `v`) to the first own `__proto__` key in a parsed JSON value, or null. Built on
 * the way back, as `loneSurrogatePath` does: nothing is allocated when there is none.
 */
function protoKeyPath(v: unknown): string[] | null {
  if (v === null || typeof v !== 'object') return null;
  if (!Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, '__proto__')) return ['__proto__'];
  for (const [k, child] of Object.entries(v)) {
    const found = protoKeyPath(child);
    if (found !== null) return [k, ...found];
  }
  return null;
}
