// Shared by the dashboard e2e tests and the web bench: a real `paywatch start` child process, the dashboard build it serves, the test Chromium (collector/test/chromium.ts, shared with the collector's browser tests) and an API sign-in.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../collector/test/chromium.js';

/** The tests' password sign-in (shared with the collector's integration tests). */
export { signIn } from '../../collector/test/sign-in.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../collector/bin/paywatch.mjs', import.meta.url));
const DASHBOARD = join(ROOT, 'dashboard');
/** Where `buildDashboard` writes the build (the collector serves it). */
export const DASHBOARD_DIST = join(DASHBOARD, 'dist');
const VITE_CLI = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');

/** What `startCollector` runs: the CLI arguments after `paywatch` and the child's whole environment. */
export interface CollectorOptions {
  /** Arguments after `paywatch`, e.g. `['start', '--no-demo']`. */
  args: string[];
  /** The child's environment: the caller spreads `process.env` and sets PAYWATCH_PORT, PAYWATCH_DATA_DIR, … on top. */
  env: NodeJS.ProcessEnv;
  /** How long to wait for the banner before giving up (default 60 s). */
  timeoutMs?: number;
}

/** A running collector and the origin its banner printed (`http://host:port`, no trailing slash). */
export interface CollectorProcess {
  child: ChildProcess;
  base: string;
}

/**
 * Spawns the paywatch CLI from the repository root and resolves once its banner prints the
 * `Dashboard:` URL. Rejects with the output so far if it exits first, or (after killing it) if
 * the banner does not appear in time.
 */
export function startCollector({
  args,
  env,
  timeoutMs = 60_000,
}: CollectorOptions): Promise<CollectorProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`collector did not start in ${timeoutMs / 1000} s:\n${out}`));
    }, timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Dashboard:\s+(http:\/\/[^\s/]+)\//.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, base: m[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code}:\n${out}`));
    });
  });
}

/** Stops a collector started by `startCollector` (SIGTERM) and resolves once it has exited. */
export async function stopCollector(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * A browser test's set-up before its collector starts: fails (saying what to install) when the
 * test Chromium is missing, then builds the current sources into dashboard/dist, which the
 * collector serves — the production build, as `npm run build -w dashboard` makes it, whatever
 * NODE_ENV the caller runs under. Vite takes an inherited NODE_ENV other than `production` as a
 * request for a development build (React's development bundle, `jsxDEV` calls): vitest sets
 * NODE_ENV=test, so the e2e tests built and tested that, and wrote it to the dist the web bench
 * measures (383 KB of JS gzipped instead of 312). So Vite runs in a child process with `env`
 * (the caller passes `process.env`) and NODE_ENV=production on top, leaving the caller's own alone.
 */
export async function buildDashboard(env: NodeJS.ProcessEnv): Promise<void> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\``);
  await viteBuild({ ...env, NODE_ENV: 'production' });
}

/**
 * `vite build` of the dashboard in a child process with exactly `env` (its NODE_ENV decides
 * production or development) and `args` after `build` (e.g. `--outDir DIR`); throws with Vite's
 * output unless it exits 0. `buildDashboard` is the production build the tests and bench use.
 */
export async function viteBuild(env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<void> {
  const child = spawn(process.execPath, [VITE_CLI, 'build', ...args, '--logLevel', 'warn'], {
    cwd: DASHBOARD,
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

/** Launches the test Chromium (the path and flags of collector/test/chromium.ts). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
