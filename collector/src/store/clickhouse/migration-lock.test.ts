// Guards the migration lock's reading of a lock still being created (18.16: its files are not written yet) and its holder's heartbeat: a holder whose heartbeats stop going through, or whose lock another process owns, stops.
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

  it('a holder whose heartbeats fail stops before the stale bound; one whose heartbeats go through keeps the lock', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const make = (beatsFail: boolean, owner: () => string) => {
      const inserts: string[] = [];
      const lock = createMigrationLock(
        {
          run: async (s) => {
            if (s.text.startsWith('INSERT')) {
              inserts.push(s.text);
              if (beatsFail) throw new Error('Code: 210. Connection refused');
            }
          },
          // The lock as the server would show it: the owner's creation row, just renewed.
          rows: async () => [{ holder: owner(), acquired_at: '', beat: 0, age: 0 }],
          logger: createLogger({ level: 'silent' }),
        },
        { database: 'paywatch', holder: 'me', staleAfterMs: 800, heartbeatMs: 50 },
      );
      return { lock, inserts };
    };
    const ok = make(false, () => 'me');
    const failing = make(true, () => 'me');
    let owner = 'me';
    const taken = make(false, () => owner);
    for (const l of [ok, failing, taken]) await expect(l.lock.acquire()).resolves.toBe(true);
    owner = 'other';
    await sleep(900);
    expect(() => ok.lock.assertHeld()).not.toThrow();
    expect(ok.lock.signal().aborted).toBe(false);
    expect(ok.inserts.length).toBeGreaterThanOrEqual(4);
    expect(failing.inserts.length).toBeGreaterThanOrEqual(4);
    expect(() => failing.lock.assertHeld()).toThrow(/no heartbeat went through/);
    expect(() => taken.lock.assertHeld()).toThrow(/taken over by other/);
    for (const l of [ok, failing, taken]) await l.lock.release();
    expect(() => ok.lock.assertHeld()).toThrow(/not held/);
  });

  it('a heartbeat counts only when the lock it went into is seen to be ours', async () => {
    // Our lock was broken: the heartbeat INSERT still succeeds (on an Atomic database a RENAME
    // does not wait for it: it lands in the table moved aside, then dropped; or in a lock being
    // created), but reading the lock then finds it gone (code 60), without an owner row, or not at
    // all. The old code renewed on the INSERT alone and kept going past the stale bound while the
    // breaker held the lock.
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const gone = () =>
      Object.assign(new Error('Table paywatch.migration_lock does not exist.'), { code: '60' });
    const make = (after: () => Promise<Record<string, unknown>[]>) => {
      let broken = false;
      const lock = createMigrationLock(
        {
          run: async () => undefined,
          rows: async () => (broken ? after() : [{ holder: 'me', acquired_at: '', beat: 0, age: 0 }]),
          logger: createLogger({ level: 'silent' }),
        },
        { database: 'paywatch', holder: 'me', staleAfterMs: 600, heartbeatMs: 50 },
      );
      return { lock, breakIt: () => (broken = true) };
    };
    const cases = [
      make(async () => Promise.reject(gone())),
      make(async () => []),
      make(async () => Promise.reject(new Error('Code: 210. Connection reset by peer'))),
    ];
    for (const c of cases) await expect(c.lock.acquire()).resolves.toBe(true);
    const signals = cases.map((c) => c.lock.signal());
    for (const c of cases) c.breakIt();
    await sleep(700);
    for (const c of cases) expect(() => c.lock.assertHeld()).toThrow(/no heartbeat went through/);
    // A statement running under the lock (a back-fill) is cut off as well.
    for (const sig of signals) {
      expect(sig.aborted).toBe(true);
      expect(String(sig.reason)).toMatch(/no heartbeat went through/);
    }
    // Stops the heartbeats (the last one's read of the lock fails as the others did).
    for (const c of cases) await c.lock.release().catch(() => undefined);
  });
});
