import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_DIST } from '../app.js';
import type { CommandIO } from './command.js';

const DASHBOARD_ROOT = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

/**
 * `vite build` of the dashboard in a child process with exactly `env` (its NODE_ENV decides
 * production or development) and `args` after `build` (e.g. `--outDir DIR`); throws with Vite's
 * output unless it exits 0. `buildDashboard` is the production build: use that one.
 */
export async function viteBuild(env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<void> {
  const viteCli = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
  const child = spawn(process.execPath, [viteCli, 'build', ...args, '--logLevel', 'warn'], {
    cwd: DASHBOARD_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`vite build (dashboard) exited with ${code}:\n${out}`);
}

/**
 * The production build of the dashboard (as `npm run build -w dashboard` makes it) into
 * `outDir` (default dashboard/dist, which the collector serves), whatever NODE_ENV the caller
 * runs under. Why a child process: Vite takes an inherited NODE_ENV other than `production` as a
 * request for a development build (React's development bundle, `jsxDEV` calls) — vitest's
 * NODE_ENV=test, or a user's NODE_ENV=development, shipped 383 KB of JS gzipped instead of 312.
 * So Vite runs with `env` (the caller passes the process environment) and NODE_ENV=production on
 * top, leaving the caller's own alone. Used by `paywatch start`, the e2e tests and the web bench.
 */
export async function buildDashboard(env: NodeJS.ProcessEnv, opts: { outDir?: string } = {}): Promise<void> {
  await viteBuild(
    { ...env, NODE_ENV: 'production' },
    opts.outDir === undefined ? [] : ['--outDir', opts.outDir, '--emptyOutDir'],
  );
}

/**
 * The JS chunks of a dashboard build that hold React's development build: react-dom's
 * development bundle (its DevTools hint) or JSX compiled for development (`jsxDEV`). Empty for
 * a production build.
 */
export function developmentChunks(dist: string = DASHBOARD_DIST): string[] {
  const assets = join(dist, 'assets');
  return readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .filter((f) => {
      const code = readFileSync(join(assets, f), 'utf8');
      return code.includes('Download the React DevTools') || code.includes('jsxDEV');
    });
}

/**
 * Builds the dashboard once (first `npm start` on a fresh clone) so the collector can serve it:
 * the production build of `buildDashboard`, whatever NODE_ENV `env` holds. `dist` (default
 * dashboard/dist) is where the collector looks. A failed build is reported and the collector
 * serves its minimal live page instead.
 */
export async function ensureDashboardBuilt(
  io: CommandIO,
  env: NodeJS.ProcessEnv,
  opts: { dist?: string } = {},
): Promise<void> {
  const dist = opts.dist ?? DASHBOARD_DIST;
  if (existsSync(join(dist, 'index.html')) || !existsSync(DASHBOARD_ROOT + 'vite.config.ts')) return;
  io.stdout.write('Building the dashboard (first start only)…\n');
  const t0 = Date.now();
  try {
    await buildDashboard(env, opts.dist === undefined ? {} : { outDir: opts.dist });
    io.stdout.write(`Dashboard built in ${((Date.now() - t0) / 1000).toFixed(1)} s.\n`);
  } catch (err) {
    io.stderr.write(
      `Dashboard build failed (${(err as Error).message}); serving the minimal live page instead.\n`,
    );
  }
}
