import type { ReactNode } from 'react';
import type { Formatter } from '../i18n/index.js';

/** One cell: success rate and attempt count of a (row, column) slice. */
export interface HeatCell {
  rate: number | null;
  attempts: number;
}

/** Hue from red (≤ `floor`) through amber to green (100 %). The number is always printed too. */
export function heatHue(rate: number, floor = 0.5): number {
  const x = Math.min(1, Math.max(0, (rate - floor) / (1 - floor)));
  return Math.round(x * 120);
}

/** A column label that may wrap after each `_` (`bank_`/`transfer`) or space, so every column fits. */
function breakable(name: string): ReactNode[] {
  return name
    .split('_')
    .flatMap((part, i, all) => (i < all.length - 1 ? [part + '_', <wbr key={i} />] : [part]));
}

/**
 * A success-rate heatmap as an accessible table (rows × columns), each cell showing the rate
 * and, on hover/focus, the attempts behind it.
 */
export function Heatmap({
  rows,
  cols,
  cell,
  caption,
  fmt,
  attemptsLabel,
  link,
  rowLabel = (r) => r,
  colLabel = (c) => c,
}: {
  rows: string[];
  cols: string[];
  cell(row: string, col: string): HeatCell | undefined;
  caption: string;
  fmt: Formatter;
  attemptsLabel(n: number): string;
  /** Wraps a cell's text in a drill-down link. */
  link?(row: string, col: string, text: string): ReactNode;
  /** Display labels of the row and column keys (the keys stay canonical for `cell` and `link`). */
  rowLabel?(row: string): string;
  colLabel?(col: string): string;
}) {
  return (
    <div className="table-wrap">
      <table className="heatmap">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" />
            {cols.map((c) => (
              <th key={c} scope="col">
                {breakable(colLabel(c))}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r}>
              <th scope="row">{rowLabel(r)}</th>
              {cols.map((c) => {
                const v = cell(r, c);
                if (!v || v.rate === null) {
                  return (
                    <td key={c} className="cell empty">
                      ·
                    </td>
                  );
                }
                return (
                  <td
                    key={c}
                    className="cell"
                    style={{ ['--h' as string]: heatHue(v.rate) }}
                    title={attemptsLabel(v.attempts)}
                  >
                    {link ? link(r, c, fmt.percent(v.rate, 1)) : fmt.percent(v.rate, 1)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
