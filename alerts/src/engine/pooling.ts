/**
 * Decides which slice an event of a pooled rule belongs to. Each slice's traffic is tracked as
 * an exponentially decayed attempts-per-hour (updated at every closed minute, so the decision
 * only uses the past). A slice below `minPerHour` hands its events to its parent: the finest
 * pooled dimension becomes "_pooled" (BIN → issuer country → country), recursively.
 */
export class SlicePooler {
  private readonly density = new Map<string, { count: number; rate: number }>();
  private readonly decay = Math.exp(-1 / 60);
  constructor(
    readonly pool: readonly string[],
    readonly minPerHour: number,
  ) {}

  /** Key of a label set; labels are always built in the rule's group_by order, so no sort is needed. */
  static keyOf(labels: Readonly<Record<string, string>>): string {
    let k = '';
    for (const n in labels) k += `${n}=${labels[n] ?? ''}\u0000`;
    return k;
  }

  /** Counts the event for every level it passes and returns the labels of the slice it lands in. */
  resolve(labels: Record<string, string>): Record<string, string> {
    const cur = { ...labels };
    for (let i = 0; i <= this.pool.length; i++) {
      const key = SlicePooler.keyOf(cur);
      let d = this.density.get(key);
      if (!d) {
        d = { count: 0, rate: 0 };
        this.density.set(key, d);
      }
      d.count++;
      const dim = this.pool[i];
      if (dim === undefined || d.rate >= this.minPerHour) return cur;
      cur[dim] = '_pooled';
    }
    return cur;
  }

  /** Called once per closed minute: folds the minute's counts into the decayed hourly rates and forgets idle slices. */
  tick(): void {
    for (const [k, d] of this.density) {
      // Steady state of rate = per-minute count × 60 (≈ attempts per hour).
      d.rate = d.rate * this.decay + d.count * (1 - this.decay) * 60;
      d.count = 0;
      if (d.rate < 0.01) this.density.delete(k);
    }
  }

  /** The decayed densities as JSON (detector snapshots). */
  toJson(): [string, number, number][] {
    return [...this.density].map(([k, d]) => [k, d.count, d.rate]);
  }

  /** Restores `toJson` output. */
  fromJson(entries: readonly (readonly [string, number, number])[]): void {
    this.density.clear();
    for (const [k, count, rate] of entries) this.density.set(k, { count, rate });
  }

  get size(): number {
    return this.density.size;
  }
}
