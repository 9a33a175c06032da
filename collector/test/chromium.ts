import { fileURLToPath } from 'node:url';

/**
 * Debian's Chromium (scripts/ensure-browser.sh installs it), or the binary `PAYWATCH_CHROMIUM`
 * names, as ensure-browser.sh checks; playwright-core never downloads one. The one place the
 * browser tests find it: the collector's and the dashboard's e2e tests and web bench.
 */
export const CHROMIUM = process.env.PAYWATCH_CHROMIUM || '/usr/bin/chromium';

/** Headless flags for this closed network: no background connections, updates or sync. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The real Faro web SDK bundle, loaded into test pages. */
export const FARO_BUNDLE = fileURLToPath(
  new URL('../../node_modules/@grafana/faro-web-sdk/dist/bundle/faro-web-sdk.iife.js', import.meta.url),
);
