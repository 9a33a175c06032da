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
  /**
   * A black hole (a network partition, a server too loaded to answer): open connections stop
   * passing data, new ones are accepted and never answered, until `restore()` (which closes them).
   */
  hang(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`http://host:port`), listening on a free port of 127.0.0.1 unless `listening: false`. */
export async function startTcpProxy(target: string, opts: { listening?: boolean } = {}): Promise<TcpProxy> {
  const t = new URL(target);
  const sockets = new Set<net.Socket>();
  const pairs = new Set<[net.Socket, net.Socket]>();
  let server: net.Server | null = null;
  let hanging = false;

  const listen = (port: number) =>
    new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer((down) => {
        if (hanging) {
          sockets.add(down);
          down.on('error', () => down.destroy());
          return;
        }
        const up = net.connect(Number(t.port), t.hostname);
        sockets.add(down).add(up);
        const pair: [net.Socket, net.Socket] = [down, up];
        pairs.add(pair);
        down.pipe(up).pipe(down);
        const end = () => {
          pairs.delete(pair);
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
    const open = sockets.size > 0;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
    // Let clients see their pooled connections close first: a request sent on one before its
    // close is read fails with 'socket hang up', not the ECONNREFUSED of a server that is down.
    if (open) await new Promise((r) => setTimeout(r, 100));
  };
  if (opts.listening === false) await cut();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cut,
    async hang() {
      // Open connections stay open but nothing passes any more (a client's pooled socket hangs too).
      for (const [down, up] of pairs) {
        down.unpipe(up);
        up.unpipe(down);
        down.pause();
        up.pause();
      }
      hanging = true;
      if (!server) server = await listen(port);
    },
    async restore() {
      if (hanging) {
        hanging = false;
        for (const sock of sockets) sock.destroy();
        sockets.clear();
      }
      if (server) return;
      server = await listen(port);
    },
    close: cut,
  };
}
