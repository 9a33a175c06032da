import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Config } from '../config.js';

/**
 * The collector's HTTP(S) server with one request listener that forwards to a replaceable
 * handler: a 503 "starting" answer until `serve(app)`. The listener exists before socket.io
 * attaches (socket.io wraps the listeners it finds and passes them only the requests outside its
 * path), so the handler set later never sees socket.io's requests. Owned by whoever listens on
 * it: `startServer` closes it, a caller that bound it (`bindServer`) closes it if the start fails.
 */
export interface BoundServer {
  server: Server;
  /** Routes every request outside socket.io's path to `handler` from now on. */
  serve(handler: RequestListener): void;
}

type ServerConfig = Pick<Config, 'host' | 'port'> & { security: Pick<Config['security'], 'tls'> };

/** Until the collector is built: retryable, so clients and health checks try again. */
const starting: RequestListener = (_req, res) => {
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '2' });
  res.end('paywatch is starting; try again in a few seconds\n');
};

/** A server for `config` (HTTPS when TLS is configured), not yet listening. */
export function createBoundServer(config: ServerConfig): BoundServer {
  const tls = config.security.tls;
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }) : createServer();
  let handler = starting;
  server.on('request', (req, res) => handler(req, res));
  return {
    server,
    serve(h) {
      handler = h;
    },
  };
}

/**
 * Listens on `config.host:port` at once, answering 503 until the collector is built on it
 * (`startServer(config, { server })`), so the port is held from the first moment: `paywatch
 * start` binds it before building the dashboard and creating anything (a port taken in between
 * was a late failure, after the first admin's password had been generated and never shown).
 * Rejects with the listen error (its `code` is EADDRINUSE, EACCES…), leaving nothing open.
 */
export async function bindServer(config: ServerConfig): Promise<BoundServer> {
  const bound = createBoundServer(config);
  await listen(bound.server, config);
  return bound;
}

/** Listens on `config.host:port`; rejects with the listen error. */
export function listen(server: Server, config: Pick<Config, 'host' | 'port'>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
