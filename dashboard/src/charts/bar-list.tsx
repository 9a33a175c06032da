import type { ReactNode } from 'react';

/** A horizontal bar list (label, bar, value) for rankings: countries, failure categories. */
export interface BarItem {
  id: string;
  label: string;
  /** Bar length relative to the largest `value`. */
  value: number;
  text: string;
  title?: string;
  bad?: boolean;
  /** Drill-down target of the label. */
  href?: string;
}

export function BarList({
  items,
  label,
  max,
  renderLink,
}: {
  items: readonly BarItem[];
  label: string;
  max?: number;
  /** Renders `href` labels as links (the router's Link; kept out of this pure chart module). */
  renderLink?(href: string, text: string): ReactNode;
}) {
  const top = max ?? Math.max(0, ...items.map((i) => i.value));
  return (
    <ul className="bars" aria-label={label}>
      {items.map((i) => (
        <li key={i.id} title={i.title}>
          <span>{i.href && renderLink ? renderLink(i.href, i.label) : i.label}</span>
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
