import { cutFront } from './keyed.js';
import type { WindowTally, WindowView } from './keyed.js';

/**
 * The running sum of a window's amounts (see `WindowSum`): the left-to-right float sum the
 * detectors always reported, while no item has left since it was last known, and — from the
 * first pass over the window on — the exact sum and a copy of the amounts.
 */
export interface AmountSum {
  /** `items.reduce((s, i) => s + amount(i), 0)` over the window, valid while `clean`. */
  fold: number;
  /** No item left the window since `fold` was last computed from the front. */
  clean: boolean;
  /**
   * Made by the first pass, then kept in step with the items. Most windows (a customer's few
   * payments, never judged after one expired) never take a pass and carry none of it: ~270
   * bytes per entity when every window kept an expansion from its first item.
   */
  exact?: ExactSum;
}

interface ExactSum {
  /** The exact sum of the window's amounts, as non-overlapping floats, smallest first (Shewchuk). */
  parts: number[];
  /** Items in the window whose amount is negative or not finite (not in `parts`). */
  odd: number;
  /**
   * The window's amounts, oldest first from `from`: a pass loops over numbers, not a call per
   * item through the window (~4× faster where several rules' windows make those calls
   * polymorphic: a customer above a daily limit for a day, 20k items, went 22k → 174k events per
   * CPU-second).
   */
  amounts: number[];
  from: number;
}

/**
 * Adds `x` to the expansion `parts` exactly (Shewchuk's grow-expansion, as Python's `math.fsum`):
 * afterwards the parts still sum, with no rounding, to the old sum plus `x`.
 */
function grow(parts: number[], x: number): void {
  let i = 0;
  for (let j = 0; j < parts.length; j++) {
    let y = parts[j] as number;
    if (Math.abs(x) < Math.abs(y)) {
      const s = x;
      x = y;
      y = s;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) parts[i++] = lo;
    x = hi;
  }
  parts[i++] = x;
  parts.length = i;
}

const odd = (a: number): boolean => !(a >= 0 && a < Infinity);

function include(x: ExactSum, a: number): void {
  if (odd(a)) x.odd++;
  else grow(x.parts, a);
}

/**
 * Window totals for the amount rules (velocity volume, structuring, daily limits) without a
 * re-sum per event, deciding and reporting exactly what the re-sum did.
 *
 * Floating point: the detectors compare and report `fold`, the plain left-to-right sum of the
 * window. A running sum that adds new amounts and subtracts expired ones drifts from it (by a few
 * ulps per operation, without bound over a long stream), so a decision at the limit, or a reported
 * value, could differ. Instead:
 * - `fold` is kept while only items arrive (the fold of the window plus one item is the old fold
 *   plus that item: bit for bit). A burst inside one window never needs a pass.
 * - Once an item left, the limit is judged on the exact sum E (an expansion kept with no
 *   rounding on add and drop from the window's first pass on; until then a window carries only
 *   `fold`, and its first judgement after an expiry is a pass). For non-negative amounts the
 *   fold is within γ(n−1)·E ≈ (n−1)·2⁻⁵³·E of E (recursive summation's error bound); the
 *   decision is taken from E when E is outside 8× that margin of the limit, else from one pass
 *   over the window (which makes `fold` known again). The margin is ~n·10⁻¹⁵ relative: only a
 *   total equal (in decimal) to the limit takes the pass — there the float sum rounds either
 *   way depending on the order of the additions (0.1 + 0.2 + 0.3 > 0.6, 0.3 + 0.2 + 0.1 = 0.6).
 * - The value reported (a finding's total) is the fold itself: computed by one pass when an item
 *   left since it was last known. A finding on the total of a window that expires an item on
 *   every event (a customer above a daily limit for more than a day) therefore still costs one
 *   pass per finding; a burst within the window costs none.
 * - Negative or non-finite amounts (refunds, a broken rate) are not summed exactly: while one is
 *   in the window, decisions take the pass.
 */
export class WindowSum<T> implements WindowTally<T, AmountSum> {
  constructor(private readonly amountOf: (item: T) => number) {}
  init(): AmountSum {
    return { fold: 0, clean: true };
  }
  add(t: AmountSum, item: T): void {
    const a = this.amountOf(item);
    if (t.clean) t.fold += a;
    const x = t.exact;
    if (x) {
      x.amounts.push(a);
      include(x, a);
    }
  }
  drop(t: AmountSum, item: T): void {
    t.clean = false;
    const x = t.exact;
    if (!x) return;
    const a = this.amountOf(item);
    if (odd(a)) x.odd--;
    else grow(x.parts, -a);
    // As KeyedWindows cuts its arrays.
    x.from = cutFront(x.from + 1, x.amounts);
  }
  /** The window's left-to-right sum (one pass when an item left since it was last known). */
  total(w: WindowView<T, AmountSum>): number {
    const t = tallyOf(w);
    if (!t.clean) {
      let x = t.exact;
      if (!x) {
        // First pass: copy the amounts and sum them exactly (once per window).
        const made: ExactSum = { parts: [], odd: 0, amounts: [], from: 0 };
        w.reduce((m, i) => {
          const a = this.amountOf(i);
          m.amounts.push(a);
          include(m, a);
          return m;
        }, made);
        t.exact = x = made;
      }
      // The same additions, in the same order, as `items.reduce((s, i) => s + amount(i), 0)`.
      const as = x.amounts;
      let s = 0;
      for (let i = x.from; i < as.length; i++) s += as[i] as number;
      t.fold = s;
      t.clean = true;
    }
    return t.fold;
  }
  /** `total(w) > limit`, mostly without a pass (see the class comment). */
  exceeds(w: WindowView<T, AmountSum>, limit: number): boolean {
    const t = tallyOf(w);
    const x = t.exact;
    if (!t.clean && x && x.odd === 0) {
      let e = 0;
      for (const p of x.parts) e += p;
      // γ(n−1)·E for the fold, γ(parts)·E for e, with a factor 8 for the rounding of this check.
      const margin = (w.size + x.parts.length + 2) * 2 ** -50 * e;
      if (Number.isFinite(e) && Number.isFinite(margin)) {
        if (e - margin > limit) return true;
        if (e + margin < limit) return false;
      }
    }
    return this.total(w) > limit;
  }
}

function tallyOf(w: WindowView<unknown, AmountSum>): AmountSum {
  if (w.tally === undefined) throw new Error('unreachable: the window was created without its WindowSum');
  return w.tally;
}
