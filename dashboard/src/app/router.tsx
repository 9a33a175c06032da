import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

// A minimal History-API router: every piece of view state lives in the URL (path + query), so
// links are shareable and the back button works. No router dependency keeps the bundle lean.

const NAV_EVENT = 'paywatch:navigate';

function subscribe(cb: () => void): () => void {
  window.addEventListener('popstate', cb);
  window.addEventListener(NAV_EVENT, cb);
  return () => {
    window.removeEventListener('popstate', cb);
    window.removeEventListener(NAV_EVENT, cb);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

/** The current `pathname + search`; re-renders on navigation and back/forward. */
export function useHref(): string {
  return useSyncExternalStore(subscribe, snapshot, () => '/');
}

export interface Location {
  path: string;
  search: URLSearchParams;
}

export function parseHref(href: string): Location {
  const u = new URL(href, 'http://x');
  return { path: u.pathname, search: u.searchParams };
}

export function useLocation(): Location {
  return parseHref(useHref());
}

/** Pushes (or replaces) a history entry and notifies subscribers. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAV_EVENT));
}

/** Calls `cb` with the new path after every navigation (used to report route changes). */
export function onRouteChange(cb: (href: string) => void): () => void {
  let last = snapshot();
  return subscribe(() => {
    const now = snapshot();
    if (now !== last) {
      last = now;
      cb(now);
    }
  });
}

export type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An anchor that navigates in-app on a plain click and behaves natively otherwise. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}

/** Matches `/a/:id` patterns; returns the params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const a = p[i] as string;
    const b = s[i] as string;
    if (a.startsWith(':')) params[a.slice(1)] = decodeURIComponent(b);
    else if (a !== b) return null;
  }
  return params;
}
