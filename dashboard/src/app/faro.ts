import type { DashboardConfig } from './config.js';
import { onRouteChange } from './router.js';

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
    // A collector without a Faro receiver answers 404: RUM must not flood the on-call's console.
    internalLoggerLevel: InternalLoggerLevel.OFF,
  });
  faro.api.setView({ name: location.pathname });
  return onRouteChange((href) => {
    const path = href.split('?')[0] ?? href;
    faro.api.setView({ name: path });
    faro.api.pushEvent('route_change', { path });
  });
}
