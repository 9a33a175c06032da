// Guards writeFileAtomic (the one atomic write: alert state here, the collector's spool checkpoint, offsets, cursor and demo mark): the file holds exactly the last body written, its folder is created, and no temp file is left behind.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-file.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('writeFileAtomic', () => {
  it('creates the folder, replaces the content and leaves only the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-atomic-'));
    dirs.push(dir);
    const path = join(dir, 'state', 'mark.json');
    await writeFileAtomic(path, '{"a":1,"long":"' + 'x'.repeat(10_000) + '"}');
    await writeFileAtomic(path, '{"a":2}');
    expect(readFileSync(path, 'utf8')).toBe('{"a":2}');
    expect(readdirSync(join(dir, 'state'))).toEqual(['mark.json']);
  });
});
