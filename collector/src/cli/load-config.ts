import type { Config } from '../config.js';
import type { CommandIO } from './command.js';

/**
 * Loads the configuration for a command. A `ConfigError` is printed (it names the variable)
 * and answered with `null` so the command exits 1; anything else is a bug and propagates.
 */
export async function loadConfigOrReport(io: CommandIO): Promise<Config | null> {
  const { loadConfig } = await import('../config.js');
  const { ConfigError } = await import('../lib/errors.js');
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`paywatch: invalid configuration: ${err.message}\n`);
      return null;
    }
    throw err;
  }
}
