// Guards one incident = one page on the real simulator: a card-testing burst pages card testing only (its declines do not also page the provider's success rate, decline mix…), and a real provider outage during a card-testing burst still pages the outage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firingLines, replayPacks } from '../../bench/sim-replay.js';
import { simulateToFile } from '../../test/simulate.js';
import { DEFAULT_RULES_YAML } from '../config/default-rules.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-card-testing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FROM = Date.parse('2026-03-02T06:00:00Z');
const H = 3_600_000;
const M = 60_000;
// 1. A card-testing burst alone (the simulator puts it on stripe, at 60% of the normal event
//    rate on top of it: at 25 events/s it is most of stripe's attempts while it lasts).
const alone = { start: FROM + 90 * M, end: FROM + 100 * M };
// 2. Another burst, on another BIN, with a real stripe outage starting 3 minutes into it.
const both = {
  start: FROM + 150 * M,
  end: FROM + 160 * M,
  outage: FROM + 153 * M,
  outageEnd: FROM + 165 * M,
};

describe('card testing on simulator replays (default rule pack)', () => {
  it.each([5, 1])(
    'seed %i: a card-testing burst pages card testing only; an outage during a burst still pages the outage',
    async (seed) => {
      const file = join(dir, `events-${seed}.ndjson.gz`);
      simulateToFile(file, {
        from: FROM,
        to: FROM + 3 * H,
        rate: 25,
        seed,
        incidents: [
          `card-testing:453201@+90m/10m`,
          `card-testing:510510@+150m/10m`,
          `provider-outage:stripe@+153m/12m`,
        ],
      });
      const run = await replayPacks(file, [{ name: 'default', yaml: DEFAULT_RULES_YAML }]);
      rmSync(file, { force: true });
      const transitions = run.packs[0]?.transitions ?? [];
      const firing = transitions.filter((t) => t.state === 'firing');
      process.stdout.write(`seed ${seed}:\n  ${firingLines(firing).join('\n  ')}\n`);

      // 1. The burst alone: card testing pages, within seconds, and nothing else fires at all
      //    (not the provider's success rate, its slices, the forecast or the decline mix).
      const during1 = firing.filter((t) => t.at >= alone.start && t.at <= alone.end + 10 * M);
      const ct1 = during1.find((t) => t.rule === 'card_testing' && t.labels['bin'] === '453201');
      expect(ct1, 'card testing on BIN 453201 fires').toBeDefined();
      expect((ct1?.at ?? Infinity) - alone.start).toBeLessThanOrEqual(10_000);
      expect(firingLines(during1.filter((t) => t.rule !== 'card_testing'))).toEqual([]);

      // 2. Burst + outage: card testing fires, and the outage pages stripe's success rate within
      //    a minute of its onset (an inhibition would have hidden it; the burst's attempts are
      //    left out of the rate, the outage's are not).
      const during2 = firing.filter((t) => t.at >= both.start && t.at <= both.outageEnd + 5 * M);
      expect(during2.find((t) => t.rule === 'card_testing' && t.labels['bin'] === '510510')).toBeDefined();
      const outage = during2.find(
        (t) =>
          t.rule === 'provider_success_rate_drop' && t.labels['provider'] === 'stripe' && t.at >= both.outage,
      );
      expect(outage, 'the stripe outage pages').toBeDefined();
      expect((outage?.at ?? Infinity) - both.outage).toBeLessThanOrEqual(60_000);
      // …and not before the outage began: the burst's first 3 minutes page card testing only.
      expect(firingLines(during2.filter((t) => t.rule !== 'card_testing' && t.at < both.outage))).toEqual([]);

      // Nothing fires outside the two incidents.
      const outside = firing.filter(
        (t) =>
          !(t.at >= alone.start && t.at <= alone.end + 10 * M) &&
          !(t.at >= both.start && t.at <= both.outageEnd + 10 * M),
      );
      expect(firingLines(outside)).toEqual([]);
    },
    180_000,
  );
});
