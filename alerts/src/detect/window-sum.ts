import type { WindowTally, WindowView } from './keyed.js';

/**
 * The running sum of a window's amounts (see `WindowSum`): the left-to-right float sum the
 * detectors always reported, while no item has left since it was last known, and the exact sum.
 */
export interface AmountSum {
  /** `items.reduce((s, i) => s + amount(i), 0)` over the window, valid while `clean`. */
  fold: number;
  /** No item left the window since `fold` was last computed from the front. */
  clean: boolean;
  /** The exact sum of the window's amounts, as non-overlapping floats, smallest first (Shewchuk). */
  parts: number[];
  /** Items in the window whose amount is negative or not finite (the exact sum is not kept for them). */
  odd: number;
  /**
   * The window's amounts, oldest first from `from`, kept once a pass was needed (and from then on
   * in step with the items): the pass is then a loop over numbers, not a call per item through
   * the window (~4× faster where several rules' windows make those calls polymorphic). Windows
   * that never need a pass (most customers) do not carry the copy.
   */
  amounts?: number[];
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
 * - Once an item left, the limit is judged on the exact sum E (an expansion maintained with no
 *   rounding on add and drop). For non-negative amounts the fold is within
 *   γ(n−1)·E ≈ (n−1)·2⁻⁵³·E of E (recursive summation's error bound); the decision is taken from
 *   E when E is outside 8× that margin of the limit, else from one pass over the window (which
 *   makes `fold` known again). The margin is ~n·10⁻¹⁵ relative: in practice only a window total
 *   equal to the limit (integer amounts) takes the pass.
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
    return { fold: 0, clean: true, parts: [], odd: 0, from: 0 };
  }
  add(t: AmountSum, item: T): void {
    const a = this.amountOf(item);
    if (t.clean) t.fold += a;
    t.amounts?.push(a);
    if (odd(a)) t.odd++;
    else grow(t.parts, a);
  }
  drop(t: AmountSum, item: T): void {
    const a = this.amountOf(item);
    t.clean = false;
    if (t.amounts && ++t.from * 4 >= t.amounts.length) {
      // As KeyedWindows cuts its arrays: amortized O(1) per expiry.
      t.amounts.splice(0, t.from);
      t.from = 0;
    }
    if (odd(a)) t.odd--;
    else grow(t.parts, -a);
  }
  /** The window's left-to-right sum (one pass when an item left since it was last known). */
  total(w: WindowView<T, AmountSum>): number {
    const t = tallyOf(w);
    if (!t.clean) {
      if (!t.amounts) {
        t.amounts = w.reduce<number[]>((acc, i) => (acc.push(this.amountOf(i)), acc), []);
        t.from = 0;
      }
      // The same additions, in the same order, as `items.reduce((s, i) => s + amount(i), 0)`.
      const as = t.amounts;
      let s = 0;
      for (let i = t.from; i < as.length; i++) s += as[i] as number;
      t.fold = s;
      t.clean = true;
    }
    return t.fold;
  }
  /** `total(w) > limit`, mostly without a pass (see the class comment). */
  exceeds(w: WindowView<T, AmountSum>, limit: number): boolean {
    const t = tallyOf(w);
    if (!t.clean && t.odd === 0) {
      let e = 0;
      for (const p of t.parts) e += p;
      // γ(n−1)·E for the fold, γ(parts)·E for e, with a factor 8 for the rounding of this check.
      const margin = (w.size + t.parts.length + 2) * 2 ** -50 * e;
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
