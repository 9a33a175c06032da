import { readFileSync, statSync } from 'node:fs';
import { inlineHashes } from '../auth/security-headers.js';

/**
 * The HTML page served at `/` (the built dashboard's index.html, or the minimal live page) and
 * the CSP hashes of its inline blocks. A rebuilt dashboard writes a new index.html naming new
 * asset files and deletes the old ones, so the page is read again when the file changes on disk
 * (checked at most once per `checkEveryMs`); a page served from memory would name assets that
 * no longer exist, and every screen would stay blank until a restart.
 */
export interface PageSource {
  html(): Buffer;
  inline(): { script: string[]; style: string[] };
}

/** Reads `file` now (throws when it is missing, as at start) and again whenever it changes. */
export function createPageSource(
  file: string,
  checkEveryMs = 1000,
  now: () => number = Date.now,
): PageSource {
  let html = readFileSync(file);
  let inline = inlineHashes(html.toString('utf8'));
  let seen = statSync(file);
  let checkedAt = now();
  const refresh = () => {
    const t = now();
    if (t - checkedAt < checkEveryMs) return;
    checkedAt = t;
    try {
      const st = statSync(file);
      if (st.mtimeMs === seen.mtimeMs && st.size === seen.size) return;
      html = readFileSync(file);
      inline = inlineHashes(html.toString('utf8'));
      seen = st;
    } catch {
      // Mid-rebuild (the file is briefly gone): keep serving the last page read.
    }
  };
  return {
    html: () => (refresh(), html),
    inline: () => (refresh(), inline),
  };
}
