/**
 * Pure pieces of the ingest bench's scale-out mode (`--collectors N`): which collector a batch
 * goes to, where the results go, and reading CPU time out of `/proc` text. Kept apart from
 * ingest.bench.ts (processes, sockets, files) so they are unit-tested.
 */

/**
 * The collector (0-based) that receives batch `batchIndex`: round-robin, as a load balancer
 * spreading requests would, so every collector gets ⌈B/N⌉ or ⌊B/N⌋ of the B batches.
 */
export function collectorForBatch(batchIndex: number, collectors: number): number {
  if (!Number.isInteger(collectors) || collectors < 1)
    throw new RangeError(`collectors must be ≥ 1, got ${collectors}`);
  return batchIndex % collectors;
}

/**
 * Default results file. Without `--collectors` (`collectors` null) it is the file the bench has
 * always written (`ingest-<store>[-no-alerts].json`); with it, a separate file per collector count
 * (`ingest-<store>[-no-alerts]-collectors-<N>.json`) so scale-out runs never overwrite the
 * single-collector result.
 */
export function ingestResultsFile(o: { store: string; alerts: boolean; collectors: number | null }): string {
  const base = `bench/results/ingest-${o.store}${o.alerts ? '' : '-no-alerts'}`;
  return o.collectors === null ? `${base}.json` : `${base}-collectors-${o.collectors}.json`;
}

/** USER_HZ: /proc reports CPU times in clock ticks, 100 per second on Linux. */
const TICKS_PER_S = 100;

/**
 * CPU seconds (user + system, every thread) from the text of `/proc/<pid>/stat`. The command
 * field may contain spaces and parentheses, so fields are counted after its last ')'.
 */
export function procStatCpuSeconds(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('not a /proc/<pid>/stat line');
  return (utime + stime) / TICKS_PER_S;
}

/**
 * The whole machine's busy CPU seconds (summed over cores; idle and iowait excluded) from the
 * text of `/proc/stat`: what every process used, including other people's work on a shared box.
 */
export function procStatBusySeconds(text: string): number {
  const cpu = text.split('\n').find((l) => l.startsWith('cpu '));
  if (cpu === undefined) throw new Error('no "cpu " line in /proc/stat');
  // user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
  const v = cpu.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 8 || v.some((x) => !Number.isFinite(x)))
    throw new Error('malformed "cpu " line in /proc/stat');
  const [user, nice, system, , , irq, softirq, steal] = v as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_S;
}
