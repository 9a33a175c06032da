// Guards that the one dashboard build (collector/src/cli/dashboard-build.ts: `paywatch start`'s first-start build, the e2e set-up and the web bench) is the production bundle whatever NODE_ENV its caller runs under (vitest's NODE_ENV=test, or a user's NODE_ENV=development, made Vite bundle React's development build, 383 KB of JS gzipped instead of 312), and that developmentChunks, which the bench relies on to refuse a development build, finds one.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt } from '../../collector/src/cli/dashboard-build.js';
import { developmentChunks, viteBuild } from './collector-process.js';

const devDist = mkdtempSync(join(tmpdir(), 'paywatch-dev-build-'));
const startDist = mkdtempSync(join(tmpdir(), 'paywatch-start-build-'));

afterAll(() => {
  for (const d of [devDist, startDist]) rmSync(d, { recursive: true, force: true });
});

/** The text of the entry chunk index.html loads. */
function entryChunk(dist: string): string {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const entry = /<script type="module"[^>]* src="\/assets\/([^"]+\.js)"/.exec(html)?.[1];
  if (!entry) throw new Error(`no entry script in ${dist}/index.html`);
  return readFileSync(join(dist, 'assets', entry), 'utf8');
}

describe('the dashboard build', () => {
  it('paywatch start builds React production code on its first start when the user runs under NODE_ENV=development', async () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    // Before: an in-process Vite build, which took NODE_ENV=development (or vitest's test) as a
    // request for React's development bundle.
    await ensureDashboardBuilt(
      { stdout: sink, stderr: sink },
      { ...process.env, NODE_ENV: 'development' },
      {
        dist: startDist,
      },
    );
    expect(out).toMatch(/Dashboard built in/);
    expect(developmentChunks(startDist)).toEqual([]);
    // The entry holds react-dom's production bundle (its short error codes).
    expect(entryChunk(startDist)).toContain('Minified React error');
  });

  it('developmentChunks names the chunks of a build made for development', async () => {
    // Throws with Vite's output unless it exits 0.
    await viteBuild({ ...process.env, NODE_ENV: 'development' }, ['--outDir', devDist]);
    const dev = developmentChunks(devDist);
    const js = readdirSync(join(devDist, 'assets')).filter((f) => f.endsWith('.js'));
    expect(dev.length).toBeGreaterThan(0);
    expect(js).toEqual(expect.arrayContaining(dev));
    expect(entryChunk(devDist)).toContain('Download the React DevTools');
  });
});
