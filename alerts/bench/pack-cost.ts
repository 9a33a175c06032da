// Per-event cost of the default rule pack, with and without its cross-provider success-rate rules
// (country_success_rate_drop, issuer_success_rate_drop): engine events per CPU-second over 50
// minutes of synthetic traffic (100 events/s, 40 countries, 5 000 BINs each issued in one country,
// 3 providers), interleaved runs. `npm run bench:alerts` times detectors alone; this times the
// engine's per-event path (slices, pooling, minute aggregates) for the whole pack.
// Usage: npx tsx alerts/bench/pack-cost.ts
import { loadavg } from 'node:os';
import { parse, stringify } from 'yaml';
import type { PaymentEvent } from '@paywatch/contracts';
import { parseAlertsConfig } from '../src/config/load.js';
import { DEFAULT_RULES_YAML } from '../src/config/default-rules.js';
import { createAlertEngine } from '../src/engine/engine.js';
import { createMemoryAlertStateStore } from '../src/state/store.js';
import { makeEvent, rng } from '../src/detect/synthetic.js';

const doc = parse(DEFAULT_RULES_YAML) as { rules: { name: string }[] };
const packs: Record<string, string> = {
  'default pack': DEFAULT_RULES_YAML,
  'without country/issuer rules': stringify({
    ...doc,
    rules: doc.rules.filter((r) => !/^(country|issuer)_success_rate_drop$/.test(r.name)),
  }),
};

const r = rng(3);
const T0 = Date.UTC(2026, 2, 2, 6);
const N = 300_000;
const COUNTRIES = Array.from(
  { length: 40 },
  (_, i) => `${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`,
);
const PROVIDERS = ['adyen', 'stripe', 'checkout'] as const;
/** Skewed: a few countries and BINs carry most of the traffic, as at a real merchant. */
const pick = <T>(xs: readonly T[], u: number): T => xs[Math.min(xs.length - 1, Math.floor(u * xs.length))]!;
const events: PaymentEvent[] = [];
for (let i = 0; i < N; i++) {
  const bin = 400000 + Math.floor(r() ** 3 * 5000);
  const issuer = pick(COUNTRIES, (((bin * 7919) % 1000) / 1000) ** 2);
  const country = r() < 0.9 ? issuer : pick(COUNTRIES, r());
  const ok = r() > 0.1;
  const base = makeEvent({ ts: T0 + Math.floor((i / N) * 50 * 60_000), event_id: `e${i}` });
  events.push({
    ...base,
    provider: pick(PROVIDERS, r()),
    country,
    status: ok ? 'succeeded' : 'failed',
    failure: ok ? null : { category: 'do_not_honor', code: null, message: null },
    card: { ...base.card!, bin: String(bin), issuer_country: issuer },
    customer_ref: `c${i % 5000}`,
    device_ref: `d${i % 5000}`,
    ip_ref: `i${i % 5000}`,
  });
}

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (let round = 1; round <= 2; round++)
  for (const [name, yaml] of Object.entries(packs)) {
    const engine = createAlertEngine({ store: createMemoryAlertStateStore() }, parseAlertsConfig(yaml));
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i += 500) engine.onEvents(events.slice(i, i + 500));
    engine.finish();
    const c = process.cpuUsage(c0);
    const perCpuS = Math.round(N / ((c.user + c.system) / 1e6));
    console.log(
      `${name.padEnd(30)} ${perCpuS.toLocaleString('en-US').padStart(9)} events/CPU-s, ${engine.stats().series} series`,
    );
  }
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
