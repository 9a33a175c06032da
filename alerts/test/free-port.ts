import { createServer, type AddressInfo } from 'node:net';

/**
 * A port free on 127.0.0.1 at the time of the call (for a child process a test starts on it).
 * The one copy in the repository: it lives in the alerts workspace because alerts may import only
 * contracts, while collector (collector/test/scrape-harness.ts re-exports it), the dashboard e2e
 * tests and the benches may import alerts' and collector's test helpers.
 */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
