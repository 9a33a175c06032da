import { parseCommandArgs } from '@paywatch/alerts/cli-args';
import type { Command, CommandIO } from '../cli/command.js';

const HELP = `Usage: paywatch alerts [options]

Runs the alert engine as its own process. It reads the events every collector stored in the
shared store (PAYWATCH_STORE=clickhouse in production) in arrival order, evaluates the alert
rules, notifies, and keeps its watermark in PAYWATCH_DATA_DIR so a restart neither re-reads
nor skips events. Run exactly one, and set PAYWATCH_ALERTS_ENABLED=false on the collectors.

Serves on PAYWATCH_HOST:PAYWATCH_ALERTS_PORT (default 9095):
  /healthz   200 while reads of the store succeed, else 503
  /metrics   Prometheus: events fed, feed lag, alerts by rule and state

Environment (besides the collector's store, data dir and alert rules variables):
  PAYWATCH_ALERTS_PORT         port (default 9095)
  PAYWATCH_ALERTS_POLL_MS      how often to read new events (default 1000)
  PAYWATCH_ALERTS_FEED_LAG_MS  read only events received more than this long ago (default 5000)
  PAYWATCH_ALERTS_WARMUP_HOURS first start without saved detector state: begin the feed this
                               many hours back so the engine learns them first (default 6, 0 = off)
  PAYWATCH_PUBLIC_URL          where users open the dashboard: alert links are <url>/alerts/<id>
                               (default http://PAYWATCH_HOST:PAYWATCH_PORT, the collector's address;
                               dashboard_url in the rules YAML wins)

Options:
  -h, --help   Show this help.
`;

/** Waits for SIGINT/SIGTERM or the given abort signal. */
function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `paywatch alerts`: the standalone alert engine (see alerts.service.ts). */
export const alertsServiceCommand: Command = {
  name: 'alerts',
  summary: 'Run the alert engine on its own, fed from the shared store (one per deployment)',
  async run(argv: string[], io: CommandIO): Promise<number> {
    const a = parseCommandArgs({ command: 'alerts', help: HELP, options: {} }, argv, io);
    if (a.kind !== 'parsed') return a.exitCode;
    const { loadConfigOrReport } = await import('../cli/load-config.js');
    // This process always runs the engine (collectors beside it have PAYWATCH_ALERTS_ENABLED=false).
    const config = await loadConfigOrReport(io, { alertRules: true });
    if (config === null) return 1;
    const { createLogger } = await import('../lib/logger.js');
    const { startAlertsService } = await import('./alerts.service.js');
    const logger = createLogger({ level: config.logLevel });
    let running;
    try {
      running = await startAlertsService(config, { logger });
    } catch (err) {
      logger.error({ err }, 'the alert engine could not start');
      io.stderr.write(`paywatch alerts: could not start: ${(err as Error).message}\n`);
      return 1;
    }
    io.stdout.write(`paywatch alerts: listening on ${running.url} (store: ${config.store.backend})\n`);
    await untilStopped(io.signal);
    await running.close();
    return 0;
  },
};
