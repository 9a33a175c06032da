import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, preloadPage } from './app/app.js';
import { SessionProvider } from './app/session.js';
import { faroSwitchedOff, loadConfig } from './app/config.js';
import { FaroGate, startFaro } from './app/faro.js';
import './app/styles.css';
import { I18nProvider } from './i18n/index.js';

const config = loadConfig();
let storage: Storage | undefined;
try {
  storage = localStorage;
} catch {
  storage = undefined;
}
const faroAllowed = config.faro.enabled && !faroSwitchedOff(location.search, storage);
let faroReady: Promise<unknown> | undefined;

/** Starts Faro once, when the session says the collector's receiver takes this page's beacons. */
function startFaroOnce() {
  if (!faroAllowed || faroReady) return;
  faroReady = startFaro(config.faro).catch(() => undefined);
}

/** React render errors caught by a boundary never reach window.onerror: hand them to Faro. */
function reportCaught(error: unknown) {
  if (!faroReady) return;
  void faroReady.then(async () => {
    const { faro } = await import('@grafana/faro-web-sdk');
    faro.api?.pushError(error instanceof Error ? error : new Error(String(error)));
  });
}

preloadPage(location.pathname);
const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root, { onCaughtError: reportCaught }).render(
  <StrictMode>
    <I18nProvider>
      <SessionProvider>
        <FaroGate start={startFaroOnce} />
        <App />
      </SessionProvider>
    </I18nProvider>
  </StrictMode>,
);
