// Guards the file-backed alert state store: a reopened store returns exactly what was saved (states, notification log, silences), removals stick, saves apply in order.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileAlertStateStore } from './store.js';
import { initialState } from './alert-state.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('file alert state store', () => {
  it('persists across reopen and applies saves in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-state-'));
    dirs.push(dir);
    const path = join(dir, 'sub', 'alerts-state.json');
    const a = createFileAlertStateStore({ path });
    expect(await a.load()).toEqual({ states: [], nflog: [], silences: [] });
    const s1 = { ...initialState('r', { provider: 'adyen' }, 'page', 1), status: 'firing' as const };
    const s2 = initialState('r', { provider: 'stripe' }, 'page', 1);
    void a.save({ states: [s1, s2] });
    void a.save({ states: [{ ...s1, status: 'resolved', resolved_at: 5 }], removed: [s2.id] });
    await a.save({
      nflog: [{ key: 'pager|g', at: 3, firing: [s1.id], resolved: [] }],
      silences: [
        {
          id: 'x',
          matchers: [{ name: 'provider', op: '=', value: 'adyen' }],
          starts_at: 0,
          ends_at: 10,
          created_by: 'bob',
          comment: 'deploy',
          created_at: 0,
        },
      ],
    });
    await a.close();
    const b = createFileAlertStateStore({ path });
    const got = await b.load();
    expect(got.states).toHaveLength(1);
    expect(got.states[0]).toMatchObject({ id: s1.id, status: 'resolved', resolved_at: 5 });
    expect(got.nflog).toEqual([{ key: 'pager|g', at: 3, firing: [s1.id], resolved: [] }]);
    expect(got.silences[0]?.created_by).toBe('bob');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['alerts-state.json']); // no temp files left
  });
});
