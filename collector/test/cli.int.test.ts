// Guards the `paywatch` CLI as a newcomer uses it: --help everywhere, clear config errors, and `start` serving demo payments.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Overview } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/main.js';
import { spawnPaywatch } from './harness.js';
import { assertClickHouseUp, clickhouseEndpoint } from './services.js';
import { signIn } from './sign-in.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'paywatch.mjs');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });

describe('paywatch CLI', () => {
  it('prints usage listing every command', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(c.name);
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help prints its options and exits 0', (name) => {
    const r = run([name, '--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Usage: paywatch ${name}`, 'i'));
    expect(r.stdout).toMatch(/--/);
  });

  it('refuses an unknown command and an unknown option with exit 2', () => {
    expect(run(['frobnicate']).status).toBe(2);
    const r = run(['start', '--colour']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/colour/);
  });

  it('stops the start on bad configuration, naming the variable', () => {
    const r = run(['start', '--no-demo'], {
      PAYWATCH_PORT: 'http',
      PAYWATCH_DATA_DIR: mkdtempSync(join(tmpdir(), 'pw-cli-')),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('PAYWATCH_PORT: expected an integer');
  });

  it('stops the start on a ClickHouse that refuses the credentials: one line naming server, database and user, exit 1, no stack trace', async () => {
    const ep = clickhouseEndpoint();
    await assertClickHouseUp(ep);
    const dataDir = mkdtempSync(join(tmpdir(), 'pw-cli-ch-'));
    try {
      const r = run(['start', '--no-demo', '--no-dashboard'], {
        PAYWATCH_PORT: '0',
        PAYWATCH_DATA_DIR: dataDir,
        PAYWATCH_STORE: 'clickhouse',
        PAYWATCH_CLICKHOUSE_URL: ep.url,
        PAYWATCH_CLICKHOUSE_USER: ep.username,
        PAYWATCH_CLICKHOUSE_PASSWORD: 'not-the-password-0123',
        PAYWATCH_CLICKHOUSE_DATABASE: 'paywatch_cli_never_created',
      });
      // Before: an uncaught StoreError with the source line and a stack trace, exit code 1 by accident.
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `paywatch: could not start: ClickHouse at ${ep.url} (database paywatch_cli_never_created, user ${ep.username})`,
      );
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stderr).not.toContain('not-the-password-0123');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('start on a port in use says so, naming PAYWATCH_PORT, before creating anything: the next start still shows the first admin password', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pw-busy-'));
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as AddressInfo).port;
    try {
      const r = run(['start', '--no-demo', '--no-dashboard'], {
        PAYWATCH_HOST: '127.0.0.1',
        PAYWATCH_PORT: String(port),
        PAYWATCH_DATA_DIR: dataDir,
        PAYWATCH_LOG_LEVEL: 'warn',
      });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(`127.0.0.1:${port} is in use`);
      expect(r.stderr).toContain('PAYWATCH_PORT');
      expect(r.stderr).not.toContain('setupListenHandle'); // a message, not a stack trace
    } finally {
      await new Promise((r) => busy.close(r));
    }
    // The admin user was not created by the failed start: its password is shown now.
    const proc = spawnPaywatch(['start', '--no-demo', '--no-dashboard'], {
      PAYWATCH_PORT: '0',
      PAYWATCH_DATA_DIR: dataDir,
      PAYWATCH_LOG_LEVEL: 'warn',
    });
    try {
      await proc.waitFor(/Press Ctrl\+C to stop/, 60_000, 'no banner');
      expect(proc.out).toMatch(/First start: sign in as "admin" with password \S+/);
    } finally {
      proc.child.kill('SIGINT');
      await new Promise((r) => proc.child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('start prints the URL within 60 s and demo payments flow', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pw-start-'));
    const proc = spawnPaywatch(['start', '--demo-rate', '50', '--seed', '3'], {
      PAYWATCH_PORT: '0',
      PAYWATCH_DATA_DIR: dataDir,
      PAYWATCH_LOG_LEVEL: 'warn',
    });
    const { child } = proc;
    try {
      const t0 = Date.now();
      const url = (await proc.waitFor(/Dashboard:\s+(http:\/\/\S+?)\/\s/, 60_000, 'no URL printed'))[1]!;
      // First start prints the generated admin password once; anonymous reads are refused.
      const password = /sign in as "admin" with password (\S+)/.exec(proc.out)?.[1];
      expect(password, proc.out).toBeDefined();
      expect((await fetch(`${url}/api/v1/overview`)).status).toBe(401);
      const { cookie } = await signIn(url, 'admin', password!);
      let attempts = 0;
      while (attempts === 0) {
        const o = (await (
          await fetch(`${url}/api/v1/overview?from=${Date.now() - 600_000}&to=${Date.now() + 600_000}`, {
            headers: { cookie },
          })
        ).json()) as Overview;
        attempts = o.attempts;
        if (Date.now() - t0 > 90_000) throw new Error(`no demo payments:\n${proc.out}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(attempts).toBeGreaterThan(0);
      // A fresh store is back-filled with a week of history (trends and week-over-week compare).
      let history = 0;
      while (history < 100_000) {
        const r = await fetch(
          `${url}/api/v1/overview?from=${Date.now() - 8 * 86_400_000}&to=${Date.now() - 86_400_000}`,
          { headers: { cookie } },
        );
        history = ((await r.json()) as Overview).events;
        if (Date.now() - t0 > 120_000)
          throw new Error(`history not back-filled (${history} events):\n${proc.out}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      const page = await (await fetch(url + '/')).text();
      expect(page).toMatch(/<html/i);
    } finally {
      child.kill('SIGINT');
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
      expect(code, proc.out).toBe(0);
    }
  });
});
