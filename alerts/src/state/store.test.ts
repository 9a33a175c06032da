// Guards the file-backed alert state store: a reopened store returns exactly what was saved (states, notification log, silences, detector state), removals stick, saves apply in order, a damaged detector file means a fresh start.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileAlertStateStore, stringifyYielding } from './store.js';
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
  it('keeps detector state in its own file; the last save wins; a damaged file reads as none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-state-'));
    dirs.push(dir);
    const path = join(dir, 'alerts-state.json');
    const a = createFileAlertStateStore({ path });
    await a.load();
    expect(await a.loadDetectors()).toBeNull();
    void a.saveDetectors({ version: 1, n: 1 });
    await a.saveDetectors({ version: 1, n: 2, xs: [1.5, null] });
    await a.close();
    expect(readdirSync(dir).sort()).toEqual(['alerts-detectors.json']);
    const b = createFileAlertStateStore({ path });
    expect(await b.loadDetectors()).toEqual({ version: 1, n: 2, xs: [1.5, null] });
    writeFileSync(join(dir, 'alerts-detectors.json'), '{"version":1,"rul');
    expect(await b.loadDetectors()).toBeNull();
  });
  it('serialises in slices exactly like JSON.stringify', async () => {
    const v = {
      version: 1,
      skip: undefined,
      rules: [
        {
          name: 'r',
          series: [{ labels: { a: 'b' }, det: { xs: [1, null, 2.5], m: { t: 0 } } }, { det: null }],
        },
      ],
      empty: [],
      o: {},
    };
    expect(await stringifyYielding(v)).toBe(JSON.stringify(v));
  });
});
