import { floatsFromJson, floatsToJson } from './snapshot.js';
import { median, mad } from './types.js';

/**
 * Same-slot history: the value of each slot (e.g. 15 minutes) of a season (a day or a week)
 * for the last `seasons` seasons, in a fixed Float64Array (bounded memory per series).
 */
export class SlotBaseline {
  private readonly values: Float64Array;
  readonly slotsPerSeason: number;
  constructor(
    readonly slotMs: number,
    seasonMs: number,
    readonly seasons: number,
  ) {
    this.slotsPerSeason = Math.round(seasonMs / slotMs);
    this.values = new Float64Array(this.slotsPerSeason * seasons).fill(NaN);
  }
  /** Absolute slot number of an event time. */
  slotOf(t: number): number {
    return Math.floor(t / this.slotMs);
  }
  /** Records the value of a completed absolute slot. */
  record(slot: number, value: number): void {
    this.values[this.index(slot)] = value;
  }
  private index(slot: number): number {
    const season = Math.floor(slot / this.slotsPerSeason);
    const pos = ((slot % this.slotsPerSeason) + this.slotsPerSeason) % this.slotsPerSeason;
    return (((season % this.seasons) + this.seasons) % this.seasons) * this.slotsPerSeason + pos;
  }
  /**
   * Median and MAD of the same slot in the past seasons (the current season's own slot is
   * excluded: it is not complete). `n` is how many past seasons had a value.
   */
  expected(slot: number): { median: number; mad: number; n: number } {
    const xs: number[] = [];
    for (let k = 1; k <= this.seasons - 1; k++) {
      const v = this.values[this.index(slot - k * this.slotsPerSeason)];
      // A slot older than `seasons - 1` seasons was overwritten; the ring index makes k ≤ seasons-1 safe.
      if (v !== undefined && Number.isFinite(v)) xs.push(v);
    }
    if (xs.length === 0) return { median: NaN, mad: NaN, n: 0 };
    const m = median(xs);
    return { median: m, mad: mad(xs, m), n: xs.length };
  }
  /** The slot values as JSON (for detector snapshots). */
  toJson(): (number | null)[] {
    return floatsToJson(this.values);
  }
  /** Restores `toJson` output (same slot size, season and history, or it throws). */
  fromJson(x: unknown): void {
    floatsFromJson(this.values, x);
  }
  /** Clears the values of slots from `from` (inclusive) to `to` (exclusive) (gaps in data). */
  clear(from: number, to: number): void {
    for (let s = from; s < to && s - from < this.slotsPerSeason * this.seasons; s++)
      this.values[this.index(s)] = NaN;
  }
}
