import { randomBytes } from 'node:crypto';
import { parseCommandArgs, UsageError } from '@paywatch/alerts/cli-args';
import type { BoundServer } from '../http/bound-server.js';
import { parseIncident, SimulatorOptionError } from '../simulator/incidents.js';
import type { RunningServer } from '../main.js';
import type { Command, CommandIO } from './command.js';

const HELP = `Usage: paywatch start [options]

Starts the collector (ingest API, read API, live stream, /metrics) and serves the dashboard,
on the store chosen by PAYWATCH_STORE (default: the embedded store in PAYWATCH_DATA_DIR),
and sends demo traffic to itself unless --no-demo.

Options:
  --no-demo            Do not send simulated payments.
  --demo-rate <n>      Demo events per second (default 20).
  --no-history         Do not back-fill 8 days of demo history into an empty store
                       (live traffic starts at once; the alert engine learns the last
                       2 hours of it in seconds, the rest is stored behind live traffic).
                       A start stopped before its history was stored leaves it to the
                       next one, which stores the missing part (demo-history.json in
                       the data dir says how far it got).
  --no-dashboard       Neither build nor serve the dashboard (API only).
  --seed <n>           Seed of the demo traffic (default: random).
  --incident <spec>    Inject an incident into the live demo traffic (repeatable), to see an
                       alert fire end to end: TYPE[:ARG][@START][/DURATION], START counted
                       from the start of live traffic (default +1m), DURATION default 5m.
                       Types: provider-outage[:PROVIDER], latency-spike[:PROVIDER],
                       card-testing[:BIN], decline-shift[:FROM>TO] (see paywatch simulate --help).
                       e.g. --incident provider-outage:adyen@+3m/5m
  -h, --help           Show this help.

Configuration comes from environment variables (see README, "Configuration").
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

/** Name of the ingest key `paywatch start` creates for its demo traffic. */
export const SIMULATOR_KEY_NAME = 'simulator (paywatch start)';

export const startCommand: Command = {
  name: 'start',
  summary: 'Run the collector and dashboard (embedded store, demo traffic by default)',
  async run(argv: string[], io: CommandIO): Promise<number> {
    const a = parseCommandArgs(
      {
        command: 'start',
        help: HELP,
        options: {
          'no-demo': { type: 'boolean', default: false },
          'no-history': { type: 'boolean', default: false },
          'no-dashboard': { type: 'boolean', default: false },
          'demo-rate': { type: 'string' },
          seed: { type: 'string' },
          incident: { type: 'string', multiple: true, default: [] as string[] },
        },
        check: ({ values }) => {
          if (values.incident.length && values['no-demo'])
            throw new UsageError('--incident needs the demo traffic (leave out --no-demo)');
          for (const spec of values.incident) {
            try {
              parseIncident(spec, Date.now());
            } catch (err) {
              if (err instanceof SimulatorOptionError) throw new UsageError(err.message);
              throw err;
            }
          }
          const rate = values['demo-rate'] === undefined ? 20 : Number(values['demo-rate']);
          if (!(rate > 0 && rate <= 100_000))
            throw new UsageError('--demo-rate must be a number between 0 and 100000');
          const seed = values.seed === undefined ? randomBytes(4).readUInt32LE(0) : Number(values.seed);
          if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
          return { values, rate, seed };
        },
      },
      argv,
      io,
    );
    if (a.kind !== 'parsed') return a.exitCode;
    const { values, rate, seed } = a.args;

    const { loadConfigOrReport } = await import('./load-config.js');
    const config = await loadConfigOrReport(io);
    if (config === null) return 1;
    // The port is held from here on (answering 503 until the collector is built on it), before
    // the dashboard build (tens of seconds on a first start) and before anything is created: a
    // first start failing at listen() had already created the admin user, whose generated
    // password was then never shown.
    const { bindServer } = await import('../http/bound-server.js');
    let server: BoundServer;
    try {
      server = await bindServer(config);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      io.stderr.write(
        `paywatch: ${config.host}:${config.port} is ${code === 'EADDRINUSE' ? 'in use' : `not available (${code})`}; ` +
          `start on another port with PAYWATCH_PORT, e.g. PAYWATCH_PORT=8081 npm start\n`,
      );
      return 1;
    }
    let running: RunningServer;
    try {
      const { ensureDashboardBuilt } = await import('./dashboard-build.js');
      const { processEnv } = await import('../config.js');
      // A production build whatever NODE_ENV the user starts with (Vite runs in a child process).
      if (!values['no-dashboard']) await ensureDashboardBuilt(io, processEnv());
      const { startServer } = await import('../main.js');
      running = await startServer(config, { dashboard: !values['no-dashboard'], server });
    } catch (err) {
      server.server.close();
      // One line an operator can act on (the store's errors name server, database and user), as
      // `paywatch alerts` does; not an uncaught error with a source excerpt and a stack trace.
      io.stderr.write(`paywatch: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }

    let demoKey: string | undefined;
    if (!values['no-demo']) {
      // A real API key (scope ingest, audited, listed in the admin API); the previous run's is revoked.
      const system = { principal: { kind: 'system' as const, name: 'paywatch start' }, ip: null };
      for (const k of running.auth.listKeys()) {
        if (k.name === SIMULATOR_KEY_NAME && k.revoked_at === null)
          await running.auth.revokeKey(k.id, system);
      }
      demoKey = (await running.auth.createKey({ name: SIMULATOR_KEY_NAME, scopes: ['ingest'] }, system)).key;
    }
    io.stdout.write(
      `\npaywatch is running on the ${running.store.backend} store.\n` +
        (values['no-dashboard'] ? '' : `  Dashboard:   ${running.url}/\n`) +
        `  Ingest API:  POST ${running.url}/v1/events   (API keys: admin API or PAYWATCH_INGEST_KEYS${demoKey ? `; key "${SIMULATOR_KEY_NAME}" was created for the simulator` : ''})\n` +
        `  Read API:    ${running.url}/api/v1/overview   OpenAPI: ${running.url}/api/openapi.json\n` +
        `  Metrics:     ${running.url}/metrics\n` +
        (running.initialAdminPassword
          ? `  First start: sign in as "admin" with password ${running.initialAdminPassword}\n  (shown only this once; set PAYWATCH_ADMIN_PASSWORD to choose it, change it in the admin API).\n`
          : '') +
        (config.hashKeySource === 'generated'
          ? `  A hash key was generated in ${config.dataDir}/hash.key (set PAYWATCH_HASH_KEY in production).\n`
          : '') +
        (demoKey
          ? `  Demo traffic: ${rate} events/s, seed ${seed} (--no-demo to turn off); an empty store also gets 8 days of history, stored behind live traffic (--no-history; one cut short by a stop is completed at the next start).\n`
          : '') +
        `Press Ctrl+C to stop.\n\n`,
    );

    const demo = new AbortController();
    let demoDone: Promise<unknown> = Promise.resolve();
    if (demoKey) {
      const { createDemoHistoryTargets, runDemoTraffic } = await import('./demo.js');
      const { createDemoHistoryMarkFile, DEMO_HISTORY_MARK_FILE } = await import('./demo-history-mark.js');
      const { join } = await import('node:path');
      const store = running.store;
      demoDone = runDemoTraffic({
        url: running.url,
        key: demoKey,
        rate,
        seed,
        incidents: values.incident,
        signal: demo.signal,
        logger: running.logger,
        say: (line) => io.stdout.write(line),
        ...(values['no-history']
          ? {}
          : {
              history: createDemoHistoryTargets({
                writer: running.spool ?? store,
                masker: running.masker,
                engineSink: running.alerts?.sink ?? null,
                ...(running.alerts ? { engineReady: running.alerts.warmedUp } : {}),
                liveSinks: [running.metrics.sink, running.live.sink],
                hooks: running.metrics.pipelineHooks,
                remoteEngine: config.alerts.remote !== null,
                hasHistory: async (from, to) => (await store.overview({ from, to, filters: {} })).events > 0,
                marks: createDemoHistoryMarkFile(join(config.dataDir, DEMO_HISTORY_MARK_FILE)),
                logger: running.logger,
              }),
            }),
      }).catch((err: unknown) => running.logger.error({ err }, 'demo traffic stopped'));
    }
    await untilStopped(io.signal);
    demo.abort();
    await demoDone;
    await running.close();
    return 0;
  },
};
