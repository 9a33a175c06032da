import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Metrics read at scrape time from a component's own figures (`stats()`), so the component knows
 * nothing of prom-client (STYLE.md §7): `gauge` publishes a current value, `counter` a total the
 * component keeps since start (published as it is at each scrape).
 */
export function pullMetrics<S>(registry: Registry, stats: () => S) {
  const registers = [registry];
  return {
    gauge: (name: string, help: string, value: (s: S) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(value(stats()));
        },
      }),
    counter: (name: string, help: string, value: (s: S) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value(stats()));
        },
      }),
  };
}
