/** Streams a command writes to; tests pass buffers. */
export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  signal?: AbortSignal;
}

/** A `paywatch` subcommand. `run` returns the exit code; `--help` is handled by each command. */
export interface Command {
  name: string;
  summary: string;
  run(argv: string[], io: CommandIO): Promise<number>;
}
