import type { Breakdown } from '@paywatch/contracts';
import { readApi, type RangeParams } from '../../api/index.js';
import type { HeatCell } from '../../charts/heatmap.js';

/** Success rate by provider × method: rows = providers, columns = methods, by attempts. */
export interface Matrix {
  rows: string[];
  cols: string[];
  cells: Map<string, HeatCell>;
}

export const cellKey = (row: string, col: string) => `${row}\u0000${col}`;

/**
 * Builds the matrix from a provider breakdown and one method breakdown per provider (the read
 * API breaks down by one dimension at a time). Columns are ordered by total attempts.
 */
export function buildMatrix(providers: Breakdown, methodsByProvider: ReadonlyMap<string, Breakdown>): Matrix {
  const cells = new Map<string, HeatCell>();
  const colTotals = new Map<string, number>();
  const rows: string[] = [];
  for (const p of providers.rows) {
    if (p.key === null || p.attempts === 0) continue;
    rows.push(p.key);
    for (const m of methodsByProvider.get(p.key)?.rows ?? []) {
      if (m.key === null || m.attempts === 0) continue;
      cells.set(cellKey(p.key, m.key), { rate: m.success_rate, attempts: m.attempts });
      colTotals.set(m.key, (colTotals.get(m.key) ?? 0) + m.attempts);
    }
  }
  const cols = [...colTotals.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  return { rows, cols, cells };
}

export async function fetchMatrix(
  range: RangeParams,
  signal: AbortSignal,
  maxProviders = 8,
): Promise<Matrix> {
  const providers = await readApi.breakdown({ ...range, dimension: 'provider', limit: maxProviders }, signal);
  const keys = providers.rows.map((r) => r.key).filter((k): k is string => k !== null);
  const per = await Promise.all(
    keys.map((k) =>
      readApi
        .breakdown(
          { ...range, filters: { ...range.filters, provider: [k] }, dimension: 'method', limit: 20 },
          signal,
        )
        .then((b) => [k, b] as const),
    ),
  );
  return buildMatrix(providers, new Map(per));
}
