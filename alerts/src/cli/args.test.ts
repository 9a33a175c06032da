// Guards parseCommandArgs, the one argument parser of every paywatch subcommand: typed values, --help/-h, and usage errors (unknown flag, missing value, bad number, stray positional) printed with the flag named and exit code 2.
import { describe, expect, it } from 'vitest';
import { integerFlag, parseCommandArgs, UsageError } from './args.js';

const HELP = 'Usage: paywatch demo [options]\n  --count <n>\n  --name <s>\n  --dry\n';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

const SPEC = {
  command: 'demo',
  help: HELP,
  options: {
    count: { type: 'string', default: '10' },
    name: { type: 'string' },
    dry: { type: 'boolean', default: false },
  },
} as const;

describe('parseCommandArgs', () => {
  it('returns the parsed values, defaults applied, and prints nothing', () => {
    const c = io();
    const r = parseCommandArgs(SPEC, ['--name', 'x', '--dry'], c.io);
    expect(r).toEqual({
      kind: 'parsed',
      args: { values: { count: '10', name: 'x', dry: true, help: false }, positionals: [] },
    });
    if (r.kind === 'parsed') {
      // Typed: string for string options with a default, boolean flags, string | undefined otherwise.
      const count: string = r.args.values.count;
      const name: string | undefined = r.args.values.name;
      expect([count, name]).toEqual(['10', 'x']);
    }
    expect(c.out() + c.err()).toBe('');
  });

  it('prints the help on stdout for --help and -h, exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const c = io();
      expect(parseCommandArgs(SPEC, ['--count', '3', flag], c.io)).toEqual({ kind: 'help', exitCode: 0 });
      expect(c.out()).toBe(HELP);
      expect(c.err()).toBe('');
    }
  });

  it('an unknown flag is a usage error naming it, followed by the help, exit 2', () => {
    const c = io();
    const r = parseCommandArgs(SPEC, ['--cuont', '3'], c.io);
    expect(r.kind).toBe('usage-error');
    if (r.kind !== 'usage-error') return;
    expect(r.exitCode).toBe(2);
    expect(r.message).toMatch(/Unknown option '--cuont'/);
    expect(c.err()).toBe(`paywatch demo: ${r.message}\n\n${HELP}`);
    expect(c.out()).toBe('');
  });

  it('a flag without its value is a usage error naming the flag', () => {
    const c = io();
    const r = parseCommandArgs(SPEC, ['--name'], c.io);
    expect(r.kind).toBe('usage-error');
    expect(c.err()).toMatch(/^paywatch demo: Option '--name <value>' argument missing/);
  });

  it('a positional is refused unless the command takes them', () => {
    const c = io();
    expect(parseCommandArgs(SPEC, ['extra'], c.io).kind).toBe('usage-error');
    expect(c.err()).toMatch(/^paywatch demo: Unexpected argument 'extra'/);
    const d = io();
    const r = parseCommandArgs({ ...SPEC, allowPositionals: true }, ['run', '--dry'], d.io);
    expect(r.kind === 'parsed' && r.args.positionals).toEqual(['run']);
  });

  it('with onParseError "hint", a parse error ends with a one-line hint instead of the help', () => {
    const c = io();
    parseCommandArgs({ ...SPEC, onParseError: 'hint' }, ['--nope'], c.io);
    expect(c.err()).toMatch(
      /^paywatch demo: Unknown option '--nope'[^\n]*\nRun "paywatch demo --help" for the options\.\n$/,
    );
  });

  it('check converts values; a bad number is a usage error naming the flag, exit 2', () => {
    const spec = {
      ...SPEC,
      check: ({ values }: { values: { count: string } }) => ({
        count: integerFlag('count', values.count, { min: 1, max: 100 }),
      }),
    };
    const ok = parseCommandArgs(spec, ['--count', '42'], io().io);
    expect(ok).toEqual({ kind: 'parsed', args: { count: 42 } });
    for (const bad of ['0', '101', '2.5', 'ten']) {
      const c = io();
      expect(parseCommandArgs(spec, ['--count', bad], c.io)).toEqual({
        kind: 'usage-error',
        exitCode: 2,
        message: '--count must be an integer from 1 to 100',
      });
      // No help after a value error unless the check asks for it.
      expect(c.err()).toBe('paywatch demo: --count must be an integer from 1 to 100\n');
    }
  });

  it('a UsageError with showHelp is followed by the help; other errors propagate', () => {
    const c = io();
    const r = parseCommandArgs(
      {
        ...SPEC,
        check: () => {
          throw new UsageError('--name is required', { showHelp: true });
        },
      },
      [],
      c.io,
    );
    expect(r).toEqual({ kind: 'usage-error', exitCode: 2, message: '--name is required' });
    expect(c.err()).toBe(`paywatch demo: --name is required\n\n${HELP}`);
    expect(() =>
      parseCommandArgs(
        {
          ...SPEC,
          check: () => {
            throw new Error('bug');
          },
        },
        [],
        io().io,
      ),
    ).toThrow('bug');
  });
});
