// Guards the time-series bucket limit: refused on the exact number of zoned buckets, not range / size (off by one per DST change).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFx } from '../lib/fx.js';
import { createLogger } from '../lib/logger.js';
import { createEmbeddedStore } from '../store/embedded/embedded.store.js';
import type { Store } from '../store/types.js';
import { createReadService } from './read-service.js';

const H = 3_600_000;
const NY = 'America/New_York';

describe('timeseries bucket limit across a DST change (America/New_York, 6h, limit 8)', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paywatch-read-service-'));
    store = createEmbeddedStore({ dataDir: dir }, { logger: createLogger({ level: 'silent' }) });
    await store.start();
  });
  afterAll(async () => {
    await store?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const service = () => createReadService(store, createFx('USD'), Date.now, { maxBuckets: 8 });

  it('accepts two local days holding the 25-hour fall-back day: 8 buckets over 49 hours', async () => {
    // 2026-10-31 00:00 EDT to 2026-11-02 00:00 EST; ceil(49 h / 6 h) would say 9.
    const from = Date.UTC(2026, 9, 31, 4);
    const to = Date.UTC(2026, 10, 2, 5);
    expect(to - from).toBe(49 * H);
    const ts = await service().timeseries({ from, to, bucket: '6h', tz: NY });
    const points = ts.series[0]?.points ?? [];
    expect(points).toHaveLength(8);
    // The fall-back day's last bucket runs 18:00 EDT → 00:00 EST: 7 hours.
    expect((points[7]?.t ?? 0) - (points[6]?.t ?? 0)).toBe(6 * H);
    expect(to - (points[7]?.t ?? 0)).toBe(7 * H);
  });

  it('refuses a range reaching into a 9th bucket past the 23-hour spring-forward day', async () => {
    // 2026-03-07 00:00 EST to one minute past 2026-03-09 00:00 EDT: 47 h 1 min, ceil says 8.
    const from = Date.UTC(2026, 2, 7, 5);
    const to = Date.UTC(2026, 2, 9, 4) + 60_000;
    await expect(service().timeseries({ from, to, bucket: '6h', tz: NY })).rejects.toMatchObject({
      status: 400,
      field: 'bucket',
      message: expect.stringContaining('8 buckets'),
    });
    // One minute less is the 8 buckets of the two days: accepted.
    const ts = await service().timeseries({ from, to: to - 60_000, bucket: '6h', tz: NY });
    expect(ts.series[0]?.points).toHaveLength(8);
  });
});
