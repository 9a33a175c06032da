import type { StoreWriteHooks } from '../metrics/metrics.js';
import type { EventWriter } from './types.js';

/** Wraps any writer to report queue depth and write latency, whatever the backend. */
export function instrumentWriter(writer: EventWriter, hooks: StoreWriteHooks): EventWriter {
  return {
    async write(events) {
      hooks.writeStarted(events.length);
      const t0 = process.hrtime.bigint();
      let ok = false;
      try {
        const r = await writer.write(events);
        ok = true;
        return r;
      } finally {
        hooks.writeFinished(events.length, Number(process.hrtime.bigint() - t0) / 1e9, ok);
      }
    },
  };
}
