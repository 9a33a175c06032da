/**
 * What a CLI command gets from the process: output streams. Commands return an exit code and
 * never call `process.exit` themselves, so they can be tested and composed.
 */
export interface CliIo {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
}
