// Guards the failure run: 'first' on the first failure, a reminder only once everyMs has passed since the last log (counts include the current failure), the recovery's counts once, and a fresh run after it.
import { describe, expect, it } from 'vitest';
import { createFailureRun } from './failure-run.js';

describe('createFailureRun', () => {
  it('says first, then a reminder per period, then the run it ends', () => {
    const run = createFailureRun(60_000);
    expect(run.succeeded(0)).toBeNull();
    expect(run.failed(1_000)).toBe('first');
    expect(run.failed(30_000)).toBeNull();
    expect(run.failed(60_999)).toBeNull();
    expect(run.failed(61_000)).toEqual({ failures: 4, failingForS: 60 });
    expect(run.failed(100_000)).toBeNull();
    expect(run.succeeded(121_600)).toEqual({ failures: 5, failedForS: 121 });
    expect(run.succeeded(122_000)).toBeNull();
    expect(run.failed(130_000)).toBe('first');
  });
});
