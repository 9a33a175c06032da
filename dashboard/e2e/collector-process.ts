// Shared by the dashboard e2e tests and the web bench: a real `paywatch start` child process, the dashboard build it serves, the test Chromium (collector/test/chromium.ts, shared with the collector's browser tests) and an API sign-in.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { buildDashboard as buildProductionDashboard } from '../../collector/src/cli/dashboard-build.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../collector/test/chromium.js';

/** The Vite child-process build and the development-chunk check `paywatch start` uses too. */
export { developmentChunks, viteBuild } from '../../collector/src/cli/dashboard-build.js';

/** The tests' password sign-in (shared with the collector's integration tests). */
export { signIn } from '../../collector/test/sign-in.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../collector/bin/paywatch.mjs', import.meta.url));
const DASHBOARD = join(ROOT, 'dashboard');
/** Where `buildDashboard` writes the build (the collector serves it). */
export const DASHBOARD_DIST = join(DASHBOARD, 'dist');

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
 * collector serves — the production build `paywatch start` makes (collector/src/cli/dashboard-build.ts:
 * Vite in a child process with NODE_ENV=production, whatever NODE_ENV the caller — vitest: `test`
 * — runs under). The caller passes `process.env`.
 */
export async function buildDashboard(env: NodeJS.ProcessEnv): Promise<void> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install it with \`apt-get install -y chromium\``);
  await buildProductionDashboard(env);
}

/** Launches the test Chromium (the path and flags of collector/test/chromium.ts). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
