// Measures generator and NDJSON serialization throughput (events/s) on this machine.
// Run: npx tsx collector/src/simulator/generator.bench.ts [events=1000000]
import { createGenerator } from './generator.js';

const n = Number(process.argv[2] ?? 1_000_000);
const start = Date.UTC(2026, 10, 16);
for (const tsFormat of ['rfc3339', 'epoch_ms'] as const) {
  const gen = createGenerator({ seed: 1, start, rate: 200, tsFormat });
  let t0 = performance.now();
  let k = 0;
  while (k < n && gen.next() !== undefined) k++;
  const genRate = k / ((performance.now() - t0) / 1000);
  const gen2 = createGenerator({ seed: 1, start, rate: 200, tsFormat });
  t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const ev = gen2.next();
    if (ev === undefined) break;
    bytes += JSON.stringify(ev).length + 1;
  }
  const serRate = n / ((performance.now() - t0) / 1000);
  process.stdout.write(
    `${tsFormat}: generate ${Math.round(genRate)} events/s; generate+JSON.stringify ${Math.round(serRate)} events/s (${(bytes / n).toFixed(0)} B/event)\n`,
  );
}
