/** Path for a sparkline in a `w`×`h` box; gaps (null) break the line. Exported for tests. */
export function sparkPath(
  values: readonly (number | null)[],
  w: number,
  h: number,
  domain?: [number, number],
): string {
  const nums = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (nums.length === 0) return '';
  const lo = domain?.[0] ?? Math.min(...nums);
  const hi = domain?.[1] ?? Math.max(...nums);
  const span = hi - lo || 1;
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(2);
    const y = (h - 2 - ((v - lo) / span) * (h - 4)).toFixed(2);
    d += `${pen ? 'L' : 'M'}${x} ${y}`;
    pen = true;
  });
  return d;
}

/** A tiny trend line (plain SVG: the live screen stays free of the charting library). */
export function Sparkline({
  values,
  label,
  color = 'var(--series-0)',
  domain,
}: {
  values: readonly (number | null)[];
  label: string;
  color?: string;
  domain?: [number, number];
}) {
  const d = sparkPath(values, 100, 30, domain);
  return (
    <svg viewBox="0 0 100 30" preserveAspectRatio="none" role="img" aria-label={label}>
      {d && <path d={d} fill="none" stroke={color} strokeWidth={1.5} vectorEffect="non-scaling-stroke" />}
    </svg>
  );
}
