// Guards documentation truth: every environment variable the code reads is in the README's configuration table.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_DOCS } from '../src/config.js';

const root = join(import.meta.dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    if (f === 'node_modules' || f === 'dist' || f.startsWith('.')) return [];
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.includes('.test.') ? [p] : [];
  });
}

describe('README configuration table', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const table = new Set([...readme.matchAll(/^\| `(PAYWATCH_[A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]));

  it('lists every variable of ENV_DOCS', () => {
    for (const v of ENV_DOCS) expect(table.has(v.name), v.name).toBe(true);
  });

  it('lists every PAYWATCH_ variable read anywhere in the source', () => {
    const used = new Set<string>();
    for (const f of [...files(join(root, 'collector', 'src')), ...files(join(root, 'alerts', 'src'))]) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\b(PAYWATCH_[A-Z0-9_]+)\b/g)) {
        if (!m[1]!.startsWith('PAYWATCH_TEST_')) used.add(m[1]!);
      }
    }
    expect(used.size).toBeGreaterThan(5);
    for (const v of used) expect(table.has(v), `${v} is read but not documented in README`).toBe(true);
  });
});
