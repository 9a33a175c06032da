// Guards that buildDashboard (the e2e set-up and the web bench) builds the production bundle the collector ships whatever NODE_ENV its caller runs under (vitest's NODE_ENV=test made Vite bundle React's development build, 383 KB of JS gzipped instead of 312), and that developmentChunks, which the bench relies on to refuse a development build, finds one.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDashboard, DASHBOARD_DIST, developmentChunks, viteBuild } from './collector-process.js';

const devDist = mkdtempSync(join(tmpdir(), 'paywatch-dev-build-'));

afterAll(() => rmSync(devDist, { recursive: true, force: true }));

/** The text of the entry chunk index.html loads. */
function entryChunk(dist: string): string {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const entry = /<script type="module"[^>]* src="\/assets\/([^"]+\.js)"/.exec(html)?.[1];
  if (!entry) throw new Error(`no entry script in ${dist}/index.html`);
  return readFileSync(join(dist, 'assets', entry), 'utf8');
}

describe('buildDashboard', () => {
  it('builds React production code into dashboard/dist when the caller runs under NODE_ENV=development', async () => {
    await buildDashboard({ ...process.env, NODE_ENV: 'development' });
    expect(developmentChunks(DASHBOARD_DIST)).toEqual([]);
    // The entry holds react-dom's production bundle (its short error codes).
    expect(entryChunk(DASHBOARD_DIST)).toContain('Minified React error');
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
