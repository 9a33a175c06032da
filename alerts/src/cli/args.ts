import { parseArgs } from 'node:util';

/** `node:util`'s option table type (not exported by name from @types/node). */
type ParseArgsOptionsConfig = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

/** Where a command writes (a subset of every CLI's io: process streams, or buffers in tests). */
export interface ArgsIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/**
 * A bad command line, found after parsing (a value out of range, a missing required flag).
 * The message names the flag; `parseCommandArgs` prints it as `paywatch <command>: <message>`
 * and the command exits 2. `showHelp` appends the command's help text after a blank line.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly showHelp: boolean;
  constructor(message: string, opts: { showHelp?: boolean } = {}) {
    super(message);
    this.showHelp = opts.showHelp ?? false;
  }
}

/** The `-h, --help` flag every command gets from `parseCommandArgs`. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

type WithHelp<O extends ParseArgsOptionsConfig> = O & typeof HELP_OPTION;

/** What `node:util` parseArgs returns for these options (strict: every value typed). */
export type ParsedCommandArgs<O extends ParseArgsOptionsConfig, P extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; options: WithHelp<O>; strict: true; allowPositionals: P }>
>;

/**
 * The command line of one `paywatch` subcommand: its options (`--help`/`-h` is added), whether
 * it takes positionals, its help text, and an optional `check` turning the parsed strings into
 * what the command runs with (throw `UsageError` for a bad value).
 */
export interface CommandArgsSpec<O extends ParseArgsOptionsConfig, P extends boolean, T> {
  /** The subcommand: messages read `paywatch <command>: …`. */
  command: string;
  /** Printed on stdout for --help, and on stderr after a parse error when `onParseError` is 'help'. */
  help: string;
  options: O;
  allowPositionals?: P;
  /**
   * What follows a parse error (unknown flag, missing value): the whole help (default), or the
   * one-line hint `Run "paywatch <command> --help" for the options.`
   */
  onParseError?: 'help' | 'hint';
  check?: (parsed: ParsedCommandArgs<O, P>) => T;
}

/**
 * The outcome of reading a command line. `parsed`: run with `args`. `help`: the help was
 * printed, exit 0. `usage-error`: `message` (naming the flag) was printed, exit 2.
 */
export type CommandArgs<T> =
  | { kind: 'parsed'; args: T }
  | { kind: 'help'; exitCode: 0 }
  | { kind: 'usage-error'; exitCode: 2; message: string };

/**
 * Parses `argv` for a subcommand with `node:util` parseArgs (strict): unknown flags, missing
 * values and positionals the command does not take are usage errors; `--help`/`-h` prints
 * the help; then `check` converts the values (its `UsageError`s are usage errors too). Writes
 * the help or the error itself, so a command only returns `exitCode` when not `parsed`:
 *
 *   const a = parseCommandArgs(SPEC, argv, io);
 *   if (a.kind !== 'parsed') return a.exitCode;
 */
export function parseCommandArgs<
  const O extends ParseArgsOptionsConfig,
  const P extends boolean = false,
  T = ParsedCommandArgs<O, P>,
>(spec: CommandArgsSpec<O, P, T>, argv: readonly string[], io: ArgsIo): CommandArgs<T> {
  const prefix = `paywatch ${spec.command}: `;
  let parsed: ParsedCommandArgs<O, P>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...spec.options, ...HELP_OPTION } as WithHelp<O>,
      strict: true,
      allowPositionals: (spec.allowPositionals ?? false) as P,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const after =
      spec.onParseError === 'hint'
        ? `\nRun "paywatch ${spec.command} --help" for the options.\n`
        : `\n\n${spec.help}`;
    io.stderr.write(prefix + message + after);
    return { kind: 'usage-error', exitCode: 2, message };
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(spec.help);
    return { kind: 'help', exitCode: 0 };
  }
  if (!spec.check) return { kind: 'parsed', args: parsed as T };
  try {
    return { kind: 'parsed', args: spec.check(parsed) };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${prefix}${err.message}\n${err.showHelp ? `\n${spec.help}` : ''}`);
    return { kind: 'usage-error', exitCode: 2, message: err.message };
  }
}

/**
 * `--<flag>` as an integer in [min, max]; otherwise a `UsageError`
 * "--<flag> must be an integer from <min> to <max>".
 */
export function integerFlag(
  flag: string,
  raw: string,
  range: { min: number; max: number },
  opts: { showHelp?: boolean } = {},
): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < range.min || n > range.max)
    throw new UsageError(`--${flag} must be an integer from ${range.min} to ${range.max}`, opts);
  return n;
}
