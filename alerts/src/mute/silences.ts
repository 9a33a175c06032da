import { randomUUID } from 'node:crypto';
import type { Matcher } from './matchers.js';
import { matchesAll } from './matchers.js';

/** A silence: mutes notifications of alerts matching all matchers between starts_at and ends_at (wall clock). */
export interface Silence {
  id: string;
  matchers: Matcher[];
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
}

/**
 * The longest a silence may run, from now (its `ends_at` at most this far ahead, whatever its
 * `starts_at`): with no maximum a typo ("2000h", seconds read as ms) muted pages for years.
 */
export const MAX_SILENCE_MS = 90 * 86_400_000;
export const MAX_SILENCE_TEXT = '90d';

/**
 * A silence's state at `now`: ended first (expiring a pending silence sets its `ends_at` before its
 * `starts_at`), as the API's `state` and `paywatch silence list` show it.
 */
export function silenceState(
  s: Pick<Silence, 'starts_at' | 'ends_at'>,
  now: number,
): 'pending' | 'active' | 'expired' {
  return s.ends_at <= now ? 'expired' : s.starts_at > now ? 'pending' : 'active';
}

/** Silences in memory; the engine persists the list through the AlertStateStore. */
export interface SilenceRegistry {
  create(s: Omit<Silence, 'id' | 'created_at'>, now: number): Silence;
  /** Ends a silence now; false if unknown. */
  expire(id: string, now: number): boolean;
  list(): Silence[];
  /** Active silences muting these labels at `now`. */
  mutedBy(labels: Readonly<Record<string, string>>, now: number): Silence[];
  replaceAll(silences: Silence[]): void;
}

export function createSilenceRegistry(): SilenceRegistry {
  let all: Silence[] = [];
  return {
    create(s, now) {
      if (s.matchers.length === 0) throw new RangeError('a silence needs at least one matcher');
      // As Alertmanager: matchers that all match an empty label set (`provider=~".*"`,
      // `team!="x"`) match every alert too, pages included, of every rule.
      if (matchesAll(s.matchers, {}))
        throw new RangeError(
          'these matchers match every alert (each also matches an empty label): add one that needs a value, e.g. provider="adyen"',
        );
      if (!(s.ends_at > s.starts_at)) throw new RangeError('ends_at must be after starts_at');
      if (s.ends_at - now > MAX_SILENCE_MS)
        throw new RangeError(`a silence may last at most ${MAX_SILENCE_TEXT} from now`);
      if (!s.created_by.trim()) throw new RangeError('created_by (author) is required');
      if (!s.comment.trim()) throw new RangeError('comment (reason) is required');
      const sil: Silence = { ...s, id: randomUUID(), created_at: now };
      all.push(sil);
      return sil;
    },
    expire(id, now) {
      const s = all.find((x) => x.id === id);
      if (!s) return false;
      s.ends_at = Math.min(s.ends_at, now);
      return true;
    },
    list: () => all.map((s) => ({ ...s })),
    mutedBy(labels, now) {
      return all.filter((s) => s.starts_at <= now && now < s.ends_at && matchesAll(s.matchers, labels));
    },
    replaceAll(silences) {
      all = silences.map((s) => ({ ...s }));
    },
  };
}
