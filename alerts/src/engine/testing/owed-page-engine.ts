// Test helper: the engine of the owed-page crash test (a stripe outage from minute 10, paging one webhook, alert state in a file), shared by the test and the child process it kills.
import { join } from 'node:path';
import { parseAlertsConfig } from '../../config/load.js';
import { eventStream } from '../../detect/synthetic.js';
import { createDeliveryLog } from '../../notify/delivery-log.js';
import { createNotifier } from '../../notify/notifier.js';
import { createFileAlertStateStore } from '../../state/store.js';
import { createAlertEngine } from '../engine.js';

const MIN = 60_000;
/** Start of the events: stripe fails from +10 min on, up to +20 min. */
export const OWED_T0 = Date.UTC(2026, 2, 2, 8, 0);
export const owedEvents = eventStream({
  from: OWED_T0,
  minutes: 20,
  perMinute: 40,
  providers: ['stripe'],
  successRate: (t) => (t >= OWED_T0 + 10 * MIN ? 0.05 : 0.92),
  seed: 11,
});

/**
 * A live engine (`followWallClock`, tick every `tickMs`) on the wall clock `clock.wall`, paging
 * the webhook `${url}/pager` (group_wait 30 s), its alert state in `dir/alerts-state.json` and its
 * detector snapshot beside it (every `snapshotIntervalMs`, default 5 min, of that clock).
 */
export function owedPageEngine(
  url: string,
  dir: string,
  clock: { wall: number },
  tickMs: number,
  snapshotIntervalMs?: number,
) {
  const cfg = parseAlertsConfig(`
rules:
  - name: provider_down
    detector: { type: threshold, metric: success_rate, op: below, threshold: 0.5, window_minutes: 1, min_attempts: 5 }
    group_by: [provider]
    severity: page
route: { receiver: pager }
receivers: [{ name: pager, channels: [{ type: webhook, url: '${url}/pager' }] }]
`);
  const log = createDeliveryLog();
  return createAlertEngine(
    {
      store: createFileAlertStateStore({ path: join(dir, 'alerts-state.json') }),
      deliveryLog: log,
      notifier: createNotifier({ log, sleep: async () => undefined }, { receivers: cfg.receivers }),
      now: () => clock.wall,
    },
    cfg,
    {
      followWallClock: true,
      tickMs,
      stopTimeoutMs: 300,
      ...(snapshotIntervalMs ? { snapshotIntervalMs } : {}),
    },
  );
}
