// Guards the migration lock's reading of a lock still being created (18.16: its files are not written yet).
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { createMigrationLock, isLockBeingCreated } from './migration-lock.js';

/** The error 18.16 answered in CI when a store read the lock another one was creating. */
const fileNotFound = () =>
  new Error('ClickHouse query failed', {
    cause: new Error(
      'Poco::Exception. Code: 1000, e.code() = 2, e.displayText() = File not found: /var/lib/clickhouse/data/paywatch/migration_lock/acquired_at.bin, e.what() = File not found',
    ),
  });
const exists = () =>
  Object.assign(new Error('Table paywatch.migration_lock already exists.'), { code: '57' });

describe('ClickHouse migration lock', () => {
  it('tells a lock being created from other errors', () => {
    expect(isLockBeingCreated(fileNotFound())).toBe(true);
    expect(isLockBeingCreated(Object.assign(new Error('x'), { code: '107' }))).toBe(true);
    expect(isLockBeingCreated(new Error('Poco::Exception. Code: 1000, e.displayText() = Timeout'))).toBe(
      false,
    );
    expect(isLockBeingCreated(exists())).toBe(false);
  });

  it('waits for a lock whose files are not written yet instead of failing the start', async () => {
    // Another store creates the lock: our CREATE finds it, our first read finds its files missing,
    // it is then released and ours succeeds. The old code threw the read error out of acquire().
    let creates = 0;
    let reads = 0;
    const lock = createMigrationLock(
      {
        run: async () => {
          if (++creates === 1) throw exists();
        },
        rows: async <T>() => {
          if (++reads === 1) throw fileNotFound();
          return [] as T[];
        },
        logger: createLogger({ level: 'silent' }),
      },
      { database: 'paywatch', minPollMs: 1, maxPollMs: 1 },
    );
    await expect(lock.acquire()).resolves.toBe(true);
    expect([creates, reads]).toEqual([2, 1]);
  });
});
