/** A horizontal bar list (label, bar, value) for rankings: countries, failure categories. */
export interface BarItem {
  id: string;
  label: string;
  /** Bar length relative to the largest `value`. */
  value: number;
  text: string;
  title?: string;
  bad?: boolean;
}

export function BarList({ items, label, max }: { items: readonly BarItem[]; label: string; max?: number }) {
  const top = max ?? Math.max(0, ...items.map((i) => i.value));
  return (
    <ul className="bars" aria-label={label}>
      {items.map((i) => (
        <li key={i.id} title={i.title}>
          <span>{i.label}</span>
          <span
            className={`bar${i.bad ? ' bad' : ''}`}
            style={{ width: `${top > 0 ? Math.max(1, (i.value / top) * 100) : 0}%` }}
          />
          <span className="num">{i.text}</span>
        </li>
      ))}
    </ul>
  );
}
