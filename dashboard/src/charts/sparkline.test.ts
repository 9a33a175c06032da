// Guards sparkline geometry: scaled into the box, broken at gaps, empty without data.
import { describe, expect, it } from 'vitest';
import { heatHue } from './heatmap.js';
import { sparkPath } from './sparkline.js';

describe('sparkPath', () => {
  it('scales min to the bottom and max to the top', () => {
    expect(sparkPath([0, 10], 100, 30)).toBe('M0.00 28.00L100.00 2.00');
  });
  it('starts a new segment after a gap', () => {
    expect(sparkPath([1, null, 1, 2], 30, 30)).toBe('M0.00 28.00M20.00 28.00L30.00 2.00');
  });
  it('is empty when there is nothing to draw', () => {
    expect(sparkPath([], 100, 30)).toBe('');
    expect(sparkPath([null, null], 100, 30)).toBe('');
  });
});

describe('heatHue', () => {
  it('runs from red at the floor to green at 100 %', () => {
    expect(heatHue(0.2)).toBe(0);
    expect(heatHue(0.5)).toBe(0);
    expect(heatHue(0.75)).toBe(60);
    expect(heatHue(1)).toBe(120);
  });
});
