import net from 'node:net';

/**
 * A TCP proxy in front of a real server (ClickHouse) that a test can cut and restore on the same
 * port: `cut()` closes the listener and destroys open connections (clients then get
 * ECONNREFUSED, as when the server is down), `restore()` listens again. The shared server itself is
 * never stopped, so other tests keep using it. `close()` is idempotent.
 */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: point the client here. */
  readonly url: string;
  readonly port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`http://host:port`), listening on a free port of 127.0.0.1 unless `listening: false`. */
export async function startTcpProxy(target: string, opts: { listening?: boolean } = {}): Promise<TcpProxy> {
  const t = new URL(target);
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;

  const listen = (port: number) =>
    new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer((down) => {
        const up = net.connect(Number(t.port), t.hostname);
        sockets.add(down).add(up);
        down.pipe(up).pipe(down);
        const end = () => {
          down.destroy();
          up.destroy();
          sockets.delete(down);
          sockets.delete(up);
        };
        down.on('error', end).on('close', end);
        up.on('error', end).on('close', end);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    });

  // Reserve the port once, so cut/restore keep the same address.
  const first = await listen(0);
  const port = (first.address() as net.AddressInfo).port;
  server = first;

  const cut = async () => {
    const s = server;
    server = null;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  if (opts.listening === false) await cut();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cut,
    async restore() {
      if (server) return;
      server = await listen(port);
    },
    close: cut,
  };
}
