// Guards the Chinese UI against English hard-coded in the pages' option and button labels (they bypass the catalogues).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FEATURES = fileURLToPath(new URL('../features/', import.meta.url));

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsxFiles(join(dir, e.name))
      : e.name.endsWith('.tsx') && !e.name.includes('.test.')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('page labels go through the catalogues', () => {
  it('no <option> or <button> text is a hard-coded English word', () => {
    const found: string[] = [];
    for (const f of tsxFiles(FEATURES)) {
      const src = readFileSync(f, 'utf8');
      // The opening tag may hold arrow functions (`onClick={() => …}`): `=>` is not its end.
      for (const m of src.matchAll(/<(option|button)\b(?:=>|[^>])*>([^<{]*)/g)) {
        const text = (m[2] ?? '').trim();
        if (/[A-Za-z]{3,}/.test(text)) found.push(`${f.slice(FEATURES.length)}: <${m[1]}>${text}`);
      }
    }
    expect(found).toEqual([]);
  });
});
