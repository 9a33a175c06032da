import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_DIST } from '../app.js';
import type { CommandIO } from './command.js';

const DASHBOARD_ROOT = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

/**
 * Builds the dashboard once (first `npm start` on a fresh clone) so the collector can serve it.
 * A failed build is reported and the collector serves its minimal live page instead.
 */
export async function ensureDashboardBuilt(io: CommandIO): Promise<void> {
  if (existsSync(DASHBOARD_DIST + 'index.html') || !existsSync(DASHBOARD_ROOT + 'vite.config.ts')) return;
  io.stdout.write('Building the dashboard (first start only)…\n');
  const t0 = Date.now();
  try {
    const { build } = await import('vite');
    await build({ root: DASHBOARD_ROOT, configFile: DASHBOARD_ROOT + 'vite.config.ts', logLevel: 'warn' });
    io.stdout.write(`Dashboard built in ${((Date.now() - t0) / 1000).toFixed(1)} s.\n`);
  } catch (err) {
    io.stderr.write(
      `Dashboard build failed (${(err as Error).message}); serving the minimal live page instead.\n`,
    );
  }
}
