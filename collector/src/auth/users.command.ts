import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseCommandArgs } from '@paywatch/alerts/cli-args';
import type { Command, CommandIO } from '../cli/command.js';

const HELP = `Usage: paywatch users <action> [args] [options]

Manages dashboard users in <data dir>/security.duckdb while the collector is stopped (for
example to recover a lost admin password). While it runs, use the admin API instead
(/api/admin/users). Every change is written to the audit log.

Actions:
  list                         Users, roles, disabled flag, last sign-in.
  add <name> --role <role>     Create a user (viewer, analyst, oncall, admin).
  passwd <name>                Set a new password.
  role <name> <role>           Change the role.
  disable <name> | enable <name>

Options:
  --password-stdin   Read the password from the first line of stdin; otherwise one is
                     generated and printed once.
  -h, --help         Show this help.
`;

async function readStdinLine(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) {
    data += (chunk as Buffer).toString('utf8');
    if (data.includes('\n')) break;
  }
  return data.split(/\r?\n/)[0] ?? '';
}

export const usersCommand: Command = {
  name: 'users',
  summary: 'List and manage dashboard users while the collector is stopped',
  async run(argv: string[], io: CommandIO): Promise<number> {
    const parsed = parseCommandArgs(
      {
        command: 'users',
        help: HELP,
        allowPositionals: true,
        options: { role: { type: 'string' }, 'password-stdin': { type: 'boolean', default: false } },
      },
      argv,
      io,
    );
    if (parsed.kind !== 'parsed') return parsed.exitCode;
    const { values, positionals } = parsed.args;
    const [action, name, arg] = positionals;
    if (action === undefined) {
      io.stderr.write(HELP);
      return 2;
    }
    const { loadConfig } = await import('../config.js');
    const { openSecurityDb } = await import('./security-db.js');
    const { createEmbeddedAuditLog } = await import('../audit/embedded-audit.js');
    const { createAuthService } = await import('./auth.service.js');
    const { createLogger } = await import('../lib/logger.js');
    const { isRole } = await import('./roles.js');
    const config = loadConfig();
    let db;
    try {
      db = await openSecurityDb(join(config.dataDir, 'security.duckdb'));
    } catch (err) {
      io.stderr.write(
        `paywatch users: cannot open the security database (${(err as Error).message}); is the collector running? Use /api/admin/users then.\n`,
      );
      return 1;
    }
    try {
      const auth = createAuthService(
        { db, audit: await createEmbeddedAuditLog(db), logger: createLogger({ level: 'silent' }) },
        {
          adminPassword: config.security.adminPassword,
          sessionTtlMs: config.security.sessionTtlMs,
          staticIngestKeys: [],
        },
      );
      const first = await auth.start();
      if (first.generatedAdminPassword)
        io.stdout.write(
          `No user existed: created "admin" with password ${first.generatedAdminPassword} (shown once).\n`,
        );
      const ctx = { principal: { kind: 'system' as const, name: 'paywatch users' }, ip: null };
      const find = () => {
        const u = auth.listUsers().find((x) => x.username === name);
        if (!u) throw new Error(`no user "${name ?? ''}"`);
        return u;
      };
      const password = async () => (values['password-stdin'] ? await readStdinLine() : null);
      const print = (pw: string | null, generated: string) => {
        if (pw === null) io.stdout.write(`password: ${generated}  (shown once)\n`);
      };
      switch (action) {
        case 'list':
          for (const u of auth.listUsers()) {
            io.stdout.write(
              `${u.username.padEnd(24)} ${u.role.padEnd(8)} ${u.disabled ? 'disabled' : 'enabled '} last sign-in ${u.last_login_at ? new Date(u.last_login_at).toISOString() : 'never'}\n`,
            );
          }
          return 0;
        case 'add': {
          if (!name || !isRole(values.role))
            throw new Error('usage: paywatch users add <name> --role viewer|analyst|oncall|admin');
          const pw = await password();
          const generated = randomBytes(18).toString('base64url');
          await auth.createUser({ username: name, password: pw ?? generated, role: values.role }, ctx);
          io.stdout.write(`created ${name} (${values.role})\n`);
          print(pw, generated);
          return 0;
        }
        case 'passwd': {
          const u = find();
          const pw = await password();
          const generated = randomBytes(18).toString('base64url');
          await auth.updateUser(u.id, { password: pw ?? generated }, ctx);
          io.stdout.write(`password of ${u.username} changed; their sessions ended\n`);
          print(pw, generated);
          return 0;
        }
        case 'role': {
          if (!isRole(arg)) throw new Error('usage: paywatch users role <name> viewer|analyst|oncall|admin');
          await auth.updateUser(find().id, { role: arg }, ctx);
          io.stdout.write(`${name} is now ${arg}\n`);
          return 0;
        }
        case 'disable':
        case 'enable':
          await auth.updateUser(find().id, { disabled: action === 'disable' }, ctx);
          io.stdout.write(`${name} ${action}d\n`);
          return 0;
        default:
          io.stderr.write(`paywatch users: unknown action "${action}"\n\n${HELP}`);
          return 2;
      }
    } catch (err) {
      io.stderr.write(`paywatch users: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
