import type { FailureCategory } from '@paywatch/contracts';
import type { MinuteAggregate, MinuteWindow } from './types.js';
import { emptyMinute } from './types.js';

/**
 * Helpers for detector snapshots: the state a detector hands the engine so that it survives a
 * restart (`SeriesDetector.snapshot()` / `restore()`). Snapshots are plain JSON: typed arrays
 * become number arrays (NaN as null), minute aggregates lose their Map types. A malformed
 * snapshot makes `restore` throw `SnapshotError`; the engine then starts that detector afresh.
 */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(`detector snapshot: ${message}`);
    this.name = 'SnapshotError';
  }
}

/**
 * A minute aggregate as JSON: the same fields, its two maps as entry lists; without its payment
 * ids (a restored minute's attempts count as payments: see `MinuteAggregate.payments`).
 */
export type MinuteJson = Omit<
  MinuteAggregate,
  'contrib' | 'contrib_attempts' | 'payments' | 'payment_outcomes'
> & {
  contrib: [string, number][];
  contrib_attempts: [string, number][];
};

export function minuteToJson(m: MinuteAggregate): MinuteJson {
  return {
    t: m.t,
    attempts: m.attempts,
    succeeded: m.succeeded,
    failed: m.failed,
    technical_failed: m.technical_failed,
    failures: { ...m.failures },
    gmv: m.gmv,
    attempted_amount: m.attempted_amount,
    latency_sum: m.latency_sum,
    latency_n: m.latency_n,
    latency_log_sum: m.latency_log_sum,
    contrib: [...m.contrib],
    contrib_attempts: [...m.contrib_attempts],
    samples: [...m.samples],
    late: m.late,
    late_lag_max: m.late_lag_max,
  };
}

export function minuteFromJson(x: unknown): MinuteAggregate {
  const j = obj(x);
  const m = emptyMinute(num(j['t']));
  m.attempts = num(j['attempts']);
  m.succeeded = num(j['succeeded']);
  m.failed = num(j['failed']);
  m.technical_failed = num(j['technical_failed']);
  const f = obj(j['failures']);
  for (const k of Object.keys(f)) m.failures[k as FailureCategory] = num(f[k]);
  m.gmv = num(j['gmv']);
  m.attempted_amount = num(j['attempted_amount']);
  m.latency_sum = num(j['latency_sum']);
  m.latency_n = num(j['latency_n']);
  m.latency_log_sum = num(j['latency_log_sum']);
  for (const e of arr(j['contrib'])) {
    const [k, v] = arr(e);
    m.contrib.set(String(k), num(v));
  }
  for (const e of arr(j['contrib_attempts'])) {
    const [k, v] = arr(e);
    m.contrib_attempts.set(String(k), num(v));
  }
  m.samples = arr(j['samples']).map(String);
  // Snapshots from before late arrivals were counted: none.
  m.late = j['late'] === undefined ? 0 : num(j['late']);
  m.late_lag_max = j['late_lag_max'] === undefined ? 0 : num(j['late_lag_max']);
  return m;
}

/** Numbers of a typed array as JSON (NaN and infinities become null). */
export function floatsToJson(a: ArrayLike<number>): (number | null)[] {
  const out = new Array<number | null>(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i] ?? NaN;
    out[i] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/** Fills `target` from `floatsToJson` output; the length must match (a changed spec is refused). */
export function floatsFromJson(target: Float64Array | Float32Array, x: unknown): void {
  const a = arr(x);
  if (a.length !== target.length) throw new SnapshotError(`array of ${a.length}, expected ${target.length}`);
  for (let i = 0; i < a.length; i++) target[i] = num(a[i]);
}

/** A number (null → NaN, as written by JSON for NaN); anything else is an error. */
export function num(x: unknown): number {
  if (x === null) return NaN;
  if (typeof x !== 'number') throw new SnapshotError(`expected a number, got ${typeof x}`);
  return x;
}

export function obj(x: unknown): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new SnapshotError('expected an object');
  return x as Record<string, unknown>;
}

export function arr(x: unknown): unknown[] {
  if (!Array.isArray(x)) throw new SnapshotError('expected an array');
  return x;
}

/** Checks the detector type recorded in a snapshot and returns its fields. */
export function fieldsOf(x: unknown, type: string): Record<string, unknown> {
  const o = obj(x);
  if (o['type'] !== type) throw new SnapshotError(`snapshot of ${String(o['type'])}, expected ${type}`);
  return o;
}

export function windowToJson(w: MinuteWindow): MinuteJson[] {
  return w.minutes().map(minuteToJson);
}

/** Refills an empty window from `windowToJson` output. */
export function windowFromJson(w: MinuteWindow, x: unknown): void {
  const ms = arr(x).map(minuteFromJson);
  if (ms.length > w.size) throw new SnapshotError(`window of ${ms.length} minutes, expected ≤ ${w.size}`);
  for (const m of ms) w.push(m);
}
