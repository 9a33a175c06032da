import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-file.js';
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
  /**
   * Detector state (baselines, open minutes, event-time position), written whole by the engine
   * at an interval and on stop so that a restart keeps its history. Opaque to the store; null
   * when none was saved.
   */
  loadDetectors(): Promise<unknown>;
  saveDetectors(snapshot: unknown): Promise<void>;
  close(): Promise<void>;
}

/**
 * `JSON.stringify` of a large snapshot in slices: containers down to depth 4 are walked (the
 * engine's snapshot: rules → series), anything deeper is stringified whole, and the event loop
 * gets a turn every ~5 ms, so a snapshot of many series does not stall ingest for seconds.
 */
export async function stringifyYielding(value: unknown): Promise<string> {
  const parts: string[] = [];
  let since = performance.now();
  async function walk(x: unknown, depth: number): Promise<void> {
    if (performance.now() - since > 5) {
      await new Promise<void>((r) => setImmediate(r));
      since = performance.now();
    }
    if (depth >= 4 || x === null || typeof x !== 'object') {
      parts.push(JSON.stringify(x) ?? 'null');
      return;
    }
    if (Array.isArray(x)) {
      parts.push('[');
      for (let i = 0; i < x.length; i++) {
        if (i > 0) parts.push(',');
        await walk(x[i], depth + 1);
      }
      parts.push(']');
      return;
    }
    parts.push('{');
    let first = true;
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined || typeof v === 'function') continue;
      if (!first) parts.push(',');
      first = false;
      parts.push(JSON.stringify(k), ':');
      await walk(v, depth + 1);
    }
    parts.push('}');
  }
  await walk(value, 0);
  return parts.join('');
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
  let detectors: string | null = null;
  return {
    load: async () =>
      structuredClone({
        states: [...snap.states.values()],
        nflog: [...snap.nflog.values()],
        silences: snap.silences,
      }),
    save: async (p) => apply(snap, structuredClone(p)),
    loadDetectors: async () => (detectors === null ? null : (JSON.parse(detectors) as unknown)),
    saveDetectors: async (d) => {
      detectors = JSON.stringify(d);
    },
    close: async () => undefined,
  };
}

/**
 * File-backed store: one JSON snapshot, replaced atomically (write to a temp file, fsync,
 * rename) on every save, so a crash leaves either the old or the new snapshot, never half.
 * Detector state goes to its own file (`detectorsPath`, default `alerts-detectors.json` beside
 * `path`): it is large and written far less often.
 */
export function createFileAlertStateStore(config: { path: string; detectorsPath?: string }): AlertStateStore {
  const detectorsPath = config.detectorsPath ?? join(dirname(config.path), 'alerts-detectors.json');
  const snap = {
    states: new Map<string, AlertState>(),
    nflog: new Map<string, NotificationLogEntry>(),
    silences: [] as Silence[],
  };
  let chain: Promise<void> = Promise.resolve();
  let loaded = false;

  let detectorsChain: Promise<void> = Promise.resolve();

  async function write(): Promise<void> {
    await writeFileAtomic(
      config.path,
      JSON.stringify({
        version: 1,
        states: [...snap.states.values()],
        nflog: [...snap.nflog.values()],
        silences: snap.silences,
      }),
    );
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
    async loadDetectors() {
      try {
        return JSON.parse(await readFile(detectorsPath, 'utf8')) as unknown;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        // A damaged file must not stop the engine: it starts with fresh detectors instead.
        if (e instanceof SyntaxError) return null;
        throw e;
      }
    },
    saveDetectors(d) {
      // The snapshot is a fresh copy (the engine does not touch it again): it is serialised in
      // slices between which other work runs, and written in order.
      // A failed write is reported to its caller; it must not block the next one.
      detectorsChain = detectorsChain
        .catch(() => undefined)
        .then(async () => writeFileAtomic(detectorsPath, await stringifyYielding(d)));
      return detectorsChain;
    },
    close: () => Promise.all([chain, detectorsChain]).then(() => undefined),
  };
}
