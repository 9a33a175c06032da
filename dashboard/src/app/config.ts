/** Build-time settings of the dashboard (the only module that reads `import.meta.env`). */
export interface DashboardConfig {
  faro: {
    enabled: boolean;
    /** Where Faro beacons go; the collector's Faro receiver by default (same origin). */
    url: string;
    appName: string;
    appVersion: string;
  };
}

export const FARO_OFF_KEY = 'paywatch.faro';

export function loadConfig(): DashboardConfig {
  const env = import.meta.env;
  return {
    faro: {
      enabled: String(env.VITE_FARO_ENABLED ?? 'true') !== 'false',
      url: String(env.VITE_FARO_URL ?? '/faro/collect'),
      appName: 'paywatch-dashboard',
      appVersion: String(env.VITE_APP_VERSION ?? '0.1.0'),
    },
  };
}

/**
 * The runtime off switch: `?faro=off` (remembered in localStorage) or `?faro=on` to undo;
 * lets an operator silence RUM on one browser without rebuilding.
 */
export function faroSwitchedOff(
  search: string,
  storage: Pick<Storage, 'getItem' | 'setItem'> | undefined,
): boolean {
  const q = new URLSearchParams(search).get('faro');
  if (q === 'off' || q === 'on') {
    try {
      storage?.setItem(FARO_OFF_KEY, q);
    } catch {
      // storage disabled: the switch applies to this page load only
    }
    return q === 'off';
  }
  return storage?.getItem(FARO_OFF_KEY) === 'off';
}
