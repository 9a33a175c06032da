// Guards the provider × method heatmap assembly from per-provider breakdowns (rows, column order, empty slices).
import type { Breakdown } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { buildMatrix, cellKey } from './live-panels.js';

const r = (key: string | null, attempts: number, succeeded: number) => ({
  key,
  attempts,
  succeeded,
  failed: attempts - succeeded,
  success_rate: attempts ? succeeded / attempts : null,
  gmv: 0,
  latency_p95: null,
});
const bd = (dimension: Breakdown['dimension'], rows: ReturnType<typeof r>[]): Breakdown => ({
  from: 0,
  to: 1,
  dimension,
  reporting_currency: 'USD',
  rows,
});

describe('buildMatrix', () => {
  it('puts providers in rows, methods in columns by total attempts, rates in cells', () => {
    const m = buildMatrix(
      bd('provider', [r('stripe', 100, 90), r('alipay', 50, 49), r(null, 3, 3), r('idle', 0, 0)]),
      new Map([
        ['stripe', bd('method', [r('card', 80, 70), r('apple_pay', 20, 20)])],
        ['alipay', bd('method', [r('alipay', 50, 49)])],
      ]),
    );
    expect(m.rows).toEqual(['stripe', 'alipay']);
    expect(m.cols).toEqual(['card', 'alipay', 'apple_pay']);
    expect(m.cells.get(cellKey('stripe', 'card'))).toEqual({ rate: 70 / 80, attempts: 80 });
    expect(m.cells.get(cellKey('alipay', 'card'))).toBeUndefined();
  });
});
