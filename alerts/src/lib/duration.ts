/** Parses a Prometheus-style duration ("30s", "5m", "1h30m", "2d", "1w", "500ms") into ms; numbers are ms. */
export function parseDuration(d: string | number): number {
  if (typeof d === 'number') return d;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
  const unit: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
    w: 604_800_000,
  };
  let total = 0;
  let consumed = 0;
  for (const m of d.matchAll(re)) {
    total += Number(m[1]) * (unit[m[2] ?? 'ms'] ?? 1);
    consumed += m[0].length;
  }
  if (consumed !== d.length || d.length === 0)
    throw new RangeError(`invalid duration "${d}" (e.g. 30s, 5m, 1h30m)`);
  return total;
}
