import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';

/** One delivery attempt sequence of one notification to one channel. */
export interface DeliveryRecord {
  id: number;
  /** Wall clock, epoch ms, when the final outcome was known. */
  at: number;
  receiver: string;
  channel: string;
  /** Host (never a full URL: those hold tokens). */
  target: string;
  group_key: string;
  reason: string;
  alert_ids: string[];
  status: 'sent' | 'failed';
  attempts: number;
  error: string | null;
  duration_ms: number;
  /** Set when this delivery was the fallback for a failed receiver. */
  fallback_for: string | null;
}

/**
 * Delivery log: every send is recorded (attempts, status, error). Bounded in memory, optionally
 * appended to a JSONL file, whose newest records are read back when the log is created (a restart
 * keeps the history the API and the alert page show, and ids go on from the last one).
 */
export interface DeliveryLog {
  append(r: Omit<DeliveryRecord, 'id'>): DeliveryRecord;
  /** Newest first; `alert`: only the sends that carried that alert id. */
  list(q?: DeliveryQuery): DeliveryRecord[];
  /** Listeners hear each record (live stream, metrics). */
  onRecord(listener: (r: DeliveryRecord) => void): () => void;
  flush(): Promise<void>;
}

/** Filters of `DeliveryLog.list` (the `/alerts-deliveries` query). */
export interface DeliveryQuery {
  limit?: number;
  receiver?: string;
  status?: DeliveryRecord['status'];
  alert?: string;
}

export function createDeliveryLog(config: { capacity?: number; file?: string } = {}): DeliveryLog {
  const cap = config.capacity ?? 5000;
  const ring: DeliveryRecord[] = [];
  const listeners = new Set<(r: DeliveryRecord) => void>();
  let nextId = 1;
  if (config.file) {
    for (const rec of readTail(config.file, cap)) {
      ring.push(rec);
      nextId = Math.max(nextId, rec.id + 1);
    }
  }
  let pending: Promise<void> = Promise.resolve();
  return {
    append(r) {
      const rec = { ...r, id: nextId++ };
      ring.push(rec);
      if (ring.length > cap) ring.shift();
      if (config.file) {
        const file = config.file;
        pending = pending.then(() => appendFile(file, JSON.stringify(rec) + '\n')).catch(() => undefined);
      }
      for (const l of listeners) l(rec);
      return rec;
    },
    list(q = {}) {
      let out = ring.slice().reverse();
      if (q.receiver) out = out.filter((r) => r.receiver === q.receiver);
      if (q.status) out = out.filter((r) => r.status === q.status);
      if (q.alert) out = out.filter((r) => r.alert_ids.includes(q.alert ?? ''));
      return out.slice(0, q.limit ?? 100);
    },
    onRecord(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    flush: () => pending,
  };
}

/** At most this many bytes from the end of the JSONL file are read back at start. */
const TAIL_BYTES = 4 * 1024 * 1024;

/** The newest `cap` well-formed records of a delivery-log file (none when it does not exist). */
function readTail(file: string, cap: number): DeliveryRecord[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    // A read starting mid-file begins inside a line: drop that partial first line.
    if (start > 0) lines.shift();
    const out: DeliveryRecord[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as Partial<DeliveryRecord>;
        // A torn last line (crash mid-append) or a foreign line is skipped.
        if (typeof r.id === 'number' && typeof r.at === 'number' && typeof r.receiver === 'string')
          out.push(r as DeliveryRecord);
      } catch {
        /* skipped */
      }
    }
    return out.slice(-cap);
  } finally {
    closeSync(fd);
  }
}
