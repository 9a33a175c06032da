import type { Command, CommandIO } from './command.js';
import { startCommand } from './start.command.js';
import { benchCommand } from './bench.command.js';
import { detectCommand, replayCommand, silenceCommand } from './alerts.commands.js';
import { alertsServiceCommand } from '../alerts/alerts-service.command.js';
import { backupCommand, restoreCommand } from '../backup/backup.command.js';
import { usersCommand } from '../auth/users.command.js';

/** Every subcommand; each loads its implementation lazily so `--help` stays fast. */
export const COMMANDS: Command[] = [
  startCommand,
  {
    name: 'simulate',
    summary: 'Send realistic demo payments to a collector, or write them to an NDJSON file',
    run: async (argv, io) => (await import('../simulator/simulate.command.js')).simulateCommand(argv, io),
  },
  detectCommand,
  replayCommand,
  alertsServiceCommand,
  silenceCommand,
  benchCommand,
  backupCommand,
  restoreCommand,
  usersCommand,
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'paywatch — payment observability',
    '',
    'Usage: paywatch <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `paywatch <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`paywatch: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return cmd.run(rest, io);
}
