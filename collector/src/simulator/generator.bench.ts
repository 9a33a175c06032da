// Measures generator and NDJSON serialization throughput (events/s) on this machine.
// Run: npx tsx collector/src/simulator/generator.bench.ts [events=1000000]
import { createGenerator } from './generator.js';

const n = Number(process.argv[2] ?? 1_000_000);
const start = Date.UTC(2026, 10, 16);
for (const tsFormat of ['rfc3339', 'epoch_ms'] as const) {
  const cpuS = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;
  const gen = createGenerator({ seed: 1, start, rate: 200, tsFormat });
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  let k = 0;
  while (k < n && gen.next() !== undefined) k++;
  const genWall = k / ((performance.now() - t0) / 1000);
  const genCpu = k / cpuS(process.cpuUsage(c0));
  const gen2 = createGenerator({ seed: 1, start, rate: 200, tsFormat });
  t0 = performance.now();
  c0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const ev = gen2.next();
    if (ev === undefined) break;
    bytes += JSON.stringify(ev).length + 1;
  }
  const serWall = n / ((performance.now() - t0) / 1000);
  const serCpu = n / cpuS(process.cpuUsage(c0));
  const r = (x: number) => Math.round(x);
  process.stdout.write(
    `${tsFormat}: generate ${r(genWall)} events/s wall (${r(genCpu)} per CPU-second); ` +
      `generate+JSON.stringify ${r(serWall)} events/s wall (${r(serCpu)} per CPU-second), ${(bytes / n).toFixed(0)} B/event\n`,
  );
}
