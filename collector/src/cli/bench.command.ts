import { integerFlag, parseCommandArgs, UsageError } from '@paywatch/alerts/cli-args';
import { ingestResultsFile } from '../../bench/ingest-topology.js';
import type { Command, CommandIO } from './command.js';

const HELP = `Usage: paywatch bench ingest [options]

Measures ingest: starts a collector in a child process on a fresh data dir, generates N
simulated events, posts them over HTTP as NDJSON and reports events/s and request latency.
Checks that /api/v1/overview counts every event. Writes JSON results.

With --store clickhouse the collector writes to ClickHouse through its durable spool (the
server from scripts/services.sh: .tmp/services/services.env or PAYWATCH_TEST_CLICKHOUSE_*), in a
fresh database dropped afterwards. The same stored rows are then inserted with
clickhouse-client "INSERT … FORMAT JSONEachRow" into a scratch table of the same schema (the
raw limit of this machine), and both rates and their ratio are reported.

Options:
  --events <n>        Events to send (default 200000).
  --batch <n>         Events per request (default 5000, max 10000).
  --concurrency <n>   Requests in flight (default 4).
  --seed <n>          Simulator seed (default 1).
  --store <backend>   embedded (default) or clickhouse.
  --out <file>        Results file (default bench/results/ingest-<store>[-no-alerts].json).
  --cpu-prof <dir>    Write a V8 CPU profile of the collector process to <dir> (node --cpu-prof).
  --span-minutes <n>  Event time the events spread over, ending now (default 2880 = two days;
                      a few minutes is what a live collector sees).
  --no-alerts         Run the collector with its alert engine off (PAYWATCH_ALERTS_ENABLED=false),
                      as collectors run when the standalone \`paywatch alerts\` service alerts.
  --collectors <n>    Scale-out: n collector processes (1–8, each on its own port and spool
                      folder, same ClickHouse database), batches spread round-robin. Records the
                      collector count, CPU by party (collectors, ClickHouse, client, the rest of
                      the box) per phase, load before/after and an exactly-once check of every
                      id, in ingest-<store>[-no-alerts]-collectors-<n>.json. Without the option:
                      one collector and the usual result.
  --semi-space-mb <n> The collectors' V8 --max-semi-space-size (MiB); default Node's.
  -h, --help          Show this help.
`;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Run a benchmark (ingest) and write the results to bench/results/',
  async run(argv: string[], io: CommandIO): Promise<number> {
    const a = parseCommandArgs(
      {
        command: 'bench',
        help: HELP,
        allowPositionals: true,
        options: {
          events: { type: 'string', default: '200000' },
          batch: { type: 'string', default: '5000' },
          concurrency: { type: 'string', default: '4' },
          seed: { type: 'string', default: '1' },
          store: { type: 'string', default: 'embedded' },
          out: { type: 'string' },
          'cpu-prof': { type: 'string' },
          'no-alerts': { type: 'boolean', default: false },
          'span-minutes': { type: 'string', default: '2880' },
          collectors: { type: 'string' },
          'semi-space-mb': { type: 'string' },
        },
        check: ({ values, positionals }) => {
          if (positionals[0] !== 'ingest' || positionals.length > 1)
            throw new UsageError('expected the benchmark name "ingest"', { showHelp: true });
          if (values.store !== 'embedded' && values.store !== 'clickhouse')
            throw new UsageError(`--store must be embedded or clickhouse, got "${values.store}"`);
          const store: 'embedded' | 'clickhouse' = values.store;
          const collectors =
            values.collectors === undefined
              ? null
              : integerFlag('collectors', values.collectors, { min: 1, max: 8 });
          if (collectors !== null && collectors > 1 && store !== 'clickhouse')
            throw new UsageError(
              '--collectors above 1 needs --store clickhouse (the embedded store is one process)',
            );
          return {
            events: integerFlag('events', values.events, { min: 1, max: 100_000_000 }),
            batch: integerFlag('batch', values.batch, { min: 1, max: 10_000 }),
            concurrency: integerFlag('concurrency', values.concurrency, { min: 1, max: 64 }),
            seed: integerFlag('seed', values.seed, { min: 1, max: 2 ** 32 - 1 }),
            store,
            out: values.out ?? ingestResultsFile({ store, alerts: !values['no-alerts'], collectors }),
            cpuProfDir: values['cpu-prof'] ?? null,
            alerts: !values['no-alerts'],
            spanMinutes: integerFlag('span-minutes', values['span-minutes'], { min: 1, max: 525_600 }),
            collectors: collectors ?? 1,
            scaleOut: collectors !== null,
            collectorSemiSpaceMb:
              values['semi-space-mb'] === undefined
                ? null
                : integerFlag('semi-space-mb', values['semi-space-mb'], { min: 1, max: 1024 }),
          };
        },
      },
      argv,
      io,
    );
    if (a.kind !== 'parsed') return a.exitCode;
    const opts = a.args;
    const { runIngestBench } = await import('../../bench/ingest.bench.js');
    await runIngestBench(opts, io);
    return 0;
  },
};
