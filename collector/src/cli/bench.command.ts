import { parseArgs } from 'node:util';
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
  --out <file>        Results file (default bench/results/ingest-<store>.json).
  --cpu-prof <dir>    Write a V8 CPU profile of the collector process to <dir> (node --cpu-prof).
  --span-minutes <n>  Event time the events spread over, ending now (default 2880 = two days;
                      a few minutes is what a live collector sees).
  --no-alerts         Run the collector with its alert engine off (PAYWATCH_ALERTS_ENABLED=false),
                      as collectors run when the standalone \`paywatch alerts\` service alerts.
  -h, --help          Show this help.
`;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Run a benchmark (ingest) and write the results to bench/results/',
  async run(argv: string[], io: CommandIO): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
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
          help: { type: 'boolean', short: 'h', default: false },
        },
      });
    } catch (err) {
      io.stderr.write(`paywatch bench: ${(err as Error).message}\n\n${HELP}`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (positionals[0] !== 'ingest' || positionals.length > 1) {
      io.stderr.write(`paywatch bench: expected the benchmark name "ingest"\n\n${HELP}`);
      return 2;
    }
    const num = (name: string, v: string, max: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > max)
        throw new Error(`--${name} must be an integer from 1 to ${max}`);
      return n;
    };
    if (values.store !== 'embedded' && values.store !== 'clickhouse') {
      io.stderr.write(`paywatch bench: --store must be embedded or clickhouse, got "${values.store}"\n`);
      return 2;
    }
    const store: 'embedded' | 'clickhouse' = values.store;
    let opts;
    try {
      opts = {
        events: num('events', values.events, 100_000_000),
        batch: num('batch', values.batch, 10_000),
        concurrency: num('concurrency', values.concurrency, 64),
        seed: num('seed', values.seed, 2 ** 32 - 1),
        store,
        out: values.out ?? `bench/results/ingest-${store}.json`,
        cpuProfDir: values['cpu-prof'] ?? null,
        alerts: !values['no-alerts'],
        spanMinutes: num('span-minutes', values['span-minutes'], 525_600),
      };
    } catch (err) {
      io.stderr.write(`paywatch bench: ${(err as Error).message}\n`);
      return 2;
    }
    const { runIngestBench } = await import('../../bench/ingest.bench.js');
    await runIngestBench(opts, io);
    return 0;
  },
};
