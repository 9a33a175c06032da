import { mkdir, readFile, rename, writeFile, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NotificationLogEntry } from '../route/dispatcher.js';
import type { Silence } from '../mute/silences.js';
import type { AlertState } from './alert-state.js';

/** Everything the alert engine must survive a restart with. */
export interface PersistedAlerts {
  states: AlertState[];
  nflog: NotificationLogEntry[];
  silences: Silence[];
}

/** A change to persist; absent fields are unchanged. */
export interface AlertStatePatch {
  states?: AlertState[];
  removed?: string[];
  nflog?: NotificationLogEntry[];
  silences?: Silence[];
}

/**
 * Persistence of alert state, the notification log and silences, so a restart neither loses
 * a resolve nor re-sends a firing. `save` resolves once the patch is durable; calls are
 * applied in order. `close` waits for pending saves.
 */
export interface AlertStateStore {
  load(): Promise<PersistedAlerts>;
  save(patch: AlertStatePatch): Promise<void>;
  close(): Promise<void>;
}

function apply(
  snap: { states: Map<string, AlertState>; nflog: Map<string, NotificationLogEntry>; silences: Silence[] },
  p: AlertStatePatch,
): void {
  for (const s of p.states ?? []) snap.states.set(s.id, s);
  for (const id of p.removed ?? []) snap.states.delete(id);
  for (const e of p.nflog ?? []) snap.nflog.set(e.key, e);
  if (p.silences) snap.silences = p.silences;
}

/** In-memory store (replay, tests). */
export function createMemoryAlertStateStore(): AlertStateStore {
  const snap = {
    states: new Map<string, AlertState>(),
    nflog: new Map<string, NotificationLogEntry>(),
    silences: [] as Silence[],
  };
  return {
    load: async () =>
      structuredClone({
        states: [...snap.states.values()],
        nflog: [...snap.nflog.values()],
        silences: snap.silences,
      }),
    save: async (p) => apply(snap, structuredClone(p)),
    close: async () => undefined,
  };
}

/**
 * File-backed store: one JSON snapshot, replaced atomically (write to a temp file, fsync,
 * rename) on every save, so a crash leaves either the old or the new snapshot, never half.
 */
export function createFileAlertStateStore(config: { path: string }): AlertStateStore {
  const snap = {
    states: new Map<string, AlertState>(),
    nflog: new Map<string, NotificationLogEntry>(),
    silences: [] as Silence[],
  };
  let chain: Promise<void> = Promise.resolve();
  let loaded = false;

  async function write(): Promise<void> {
    await mkdir(dirname(config.path), { recursive: true });
    const tmp = `${config.path}.${process.pid}.tmp`;
    const body = JSON.stringify({
      version: 1,
      states: [...snap.states.values()],
      nflog: [...snap.nflog.values()],
      silences: snap.silences,
    });
    await writeFile(tmp, body);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, config.path);
  }

  return {
    async load() {
      try {
        const raw = JSON.parse(await readFile(config.path, 'utf8')) as Partial<PersistedAlerts>;
        snap.states = new Map((raw.states ?? []).map((s) => [s.id, s]));
        snap.nflog = new Map((raw.nflog ?? []).map((e) => [e.key, e]));
        snap.silences = raw.silences ?? [];
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      loaded = true;
      return structuredClone({
        states: [...snap.states.values()],
        nflog: [...snap.nflog.values()],
        silences: snap.silences,
      });
    },
    save(p) {
      if (!loaded) return Promise.reject(new Error('load() the alert state store before saving'));
      const copy = structuredClone(p);
      chain = chain.then(() => {
        apply(snap, copy);
        return write();
      });
      return chain;
    },
    close: () => chain,
  };
}
