import { useEffect } from 'react';
import type { DashboardConfig } from './config.js';
import { onRouteChange } from './router.js';
import { useSession, type Session } from './session.js';

/**
 * Whether this page should send Faro beacons for the current session. Behind access control the
 * collector says so (`faro_receiver` of /api/auth/me: its receiver is on and accepts this origin);
 * a default install has the receiver off, and beacons it refuses would fill every user's console
 * with 401/403s. A collector without access control (`open`) cannot say: send, as before.
 */
export function faroWanted(session: Session): boolean {
  if (session.kind === 'open') return true;
  return session.kind === 'signed-in' && session.me.faro_receiver === true;
}

/**
 * Starts Faro (errors, web vitals, route changes) unless switched off. Loaded as its own chunk
 * after first paint so RUM never delays the screen it measures.
 */
export async function startFaro(config: DashboardConfig['faro']): Promise<(() => void) | undefined> {
  if (!config.enabled) return undefined;
  const { initializeFaro, getWebInstrumentations, InternalLoggerLevel } =
    await import('@grafana/faro-web-sdk');
  const faro = initializeFaro({
    url: config.url,
    app: { name: config.appName, version: config.appVersion, environment: 'production' },
    instrumentations: getWebInstrumentations({ captureConsole: false }),
    // The dashboard's own API calls are not user journeys; keep beacons small.
    ignoreUrls: [/\/socket\.io\//, /\/faro\/collect/],
    // Beacons go only where a receiver accepts them (faroWanted); keep the SDK's own logging quiet too.
    internalLoggerLevel: InternalLoggerLevel.OFF,
  });
  faro.api.setView({ name: location.pathname });
  return onRouteChange((href) => {
    const path = href.split('?')[0] ?? href;
    faro.api.setView({ name: path });
    faro.api.pushEvent('route_change', { path });
  });
}

/** Calls `start` once the session says beacons are wanted (mounted inside the SessionProvider). */
export function FaroGate({ start }: { start: () => void }): null {
  const { session } = useSession();
  useEffect(() => {
    if (faroWanted(session)) start();
  }, [session, start]);
  return null;
}
