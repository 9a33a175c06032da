// Guards the demo history mark file: what is written is read back, no file reads as no mark, and a damaged file is an error (never taken for "no history").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoHistoryMarkFile } from './demo-history-mark.js';

describe('createDemoHistoryMarkFile', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'pw-demo-mark-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reads null before any write, then the last mark written (creating the data dir)', async () => {
    const marks = createDemoHistoryMarkFile(join(dir(), 'data', 'demo-history.json'));
    expect(await marks.read()).toBe(null);
    const mark = { anchor: 1_790_000_000_000, seed: 4_000_000_000, rate: 20, stored: [] };
    await marks.write(mark);
    expect(await marks.read()).toEqual(mark);
    await marks.write({ ...mark, stored: [4_000_000_001, 4_000_000_004] });
    expect(await marks.read()).toEqual({ ...mark, stored: [4_000_000_001, 4_000_000_004] });
  });

  it('rejects a file that is not a mark', async () => {
    const path = join(dir(), 'demo-history.json');
    writeFileSync(path, JSON.stringify({ anchor: 'yesterday', seed: 1, rate: 20, stored: [] }));
    await expect(createDemoHistoryMarkFile(path).read()).rejects.toThrow(/not a demo history mark/);
    writeFileSync(path, '{"anchor": 1');
    await expect(createDemoHistoryMarkFile(path).read()).rejects.toThrow();
  });

  it('reads a mark written before completion was derived (its completedAt is dropped)', async () => {
    const path = join(dir(), 'demo-history.json');
    const mark = { anchor: 1_790_000_000_000, seed: 7, rate: 20, stored: [8, 9] };
    writeFileSync(path, JSON.stringify({ ...mark, completedAt: 1_790_000_060_000 }));
    expect(await createDemoHistoryMarkFile(path).read()).toEqual(mark);
  });
});
