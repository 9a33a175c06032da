import type { Config } from '../config.js';
import type { CommandIO } from './command.js';

/**
 * Loads the configuration for a command. A `ConfigError` is printed (it names the variable)
 * and answered with `null` so the command exits 1; anything else is a bug and propagates.
 *
 * The alert rules file (`PAYWATCH_ALERTS_RULES`) is validated here too, when the alert engine
 * runs in this process (`alertRules: true` for `paywatch alerts`, which always runs it): an error
 * names the file, line and path and nothing is started. It used to surface only while the
 * collector was being built, as an uncaught stack trace after the first start had already created
 * the `admin` user, whose generated password was then never shown.
 */
export async function loadConfigOrReport(
  io: CommandIO,
  opts: { alertRules?: boolean; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<Config | null> {
  const { loadConfig } = await import('../config.js');
  const { ConfigError } = await import('../lib/errors.js');
  let config: Config;
  try {
    config = loadConfig(opts.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`paywatch: invalid configuration: ${err.message}\n`);
      return null;
    }
    throw err;
  }
  if (opts.alertRules ?? config.alerts.enabled) {
    const { AlertsConfigError, loadAlertsConfig } = await import('@paywatch/alerts');
    try {
      loadAlertsConfig(config.alerts.rulesPath, config.alerts.env);
    } catch (err) {
      if (err instanceof AlertsConfigError) {
        io.stderr.write(`paywatch: invalid alert rules (PAYWATCH_ALERTS_RULES): ${err.message}\n`);
        return null;
      }
      throw err;
    }
  }
  return config;
}
