// Guards the delivery log across restarts: the records written to its JSONL file are listed again by a new log on the same file, and ids go on from the last one.
import { mkdtempSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryLog } from './delivery-log.js';
import type { DeliveryRecord } from './delivery-log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const rec = (receiver: string, status: DeliveryRecord['status'], at: number): Omit<DeliveryRecord, 'id'> => ({
  at,
  receiver,
  channel: 'webhook',
  target: '127.0.0.1:9',
  group_key: 'g',
  reason: 'new',
  alert_ids: ['a'],
  status,
  attempts: status === 'sent' ? 1 : 4,
  error: status === 'sent' ? null : 'connection refused',
  duration_ms: 3,
  fallback_for: null,
});

describe('delivery log', () => {
  it('a new log on the same file lists the earlier deliveries, newest first, and continues their ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-deliveries-'));
    dirs.push(dir);
    const file = join(dir, 'alerts-deliveries.jsonl');
    const before = createDeliveryLog({ file });
    before.append(rec('oncall', 'sent', 1000));
    before.append(rec('broken', 'failed', 2000));
    before.append(rec('backup', 'sent', 3000));
    await before.flush();

    const after = createDeliveryLog({ file });
    expect(after.list().map((r) => [r.id, r.receiver])).toEqual([
      [3, 'backup'],
      [2, 'broken'],
      [1, 'oncall'],
    ]);
    expect(after.list({ status: 'failed' })).toEqual([{ ...rec('broken', 'failed', 2000), id: 2 }]);
    expect(after.append(rec('oncall', 'sent', 4000)).id).toBe(4);
  });

  it('keeps only the newest records up to its capacity and skips a torn last line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-deliveries-'));
    dirs.push(dir);
    const file = join(dir, 'alerts-deliveries.jsonl');
    const before = createDeliveryLog({ file });
    for (let i = 0; i < 5; i++) before.append(rec(`r${i}`, 'sent', i));
    await before.flush();
    appendFileSync(file, '{"id":6,"at":6,"recei');
    const after = createDeliveryLog({ file, capacity: 3 });
    expect(after.list().map((r) => r.receiver)).toEqual(['r4', 'r3', 'r2']);
    expect(after.append(rec('next', 'sent', 7)).id).toBe(6);
  });

  it('starts empty when the file does not exist yet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-deliveries-'));
    dirs.push(dir);
    const log = createDeliveryLog({ file: join(dir, 'none.jsonl') });
    expect(log.list()).toEqual([]);
    expect(log.append(rec('a', 'sent', 1)).id).toBe(1);
  });
});
