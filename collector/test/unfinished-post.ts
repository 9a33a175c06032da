import { request, type ClientRequest } from 'node:http';

/** What a server answered to a POST whose body never ended. */
export interface UnfinishedAnswer {
  status: number;
  body: string;
  /** Whether the server said it closes the connection (`Connection: close`). */
  closed: boolean;
}

/**
 * POSTs a body it never finishes to `127.0.0.1:port` — `head`, then `more` every 5 ms when given
 * (an endless chunked upload), else nothing more — and resolves with the answer; rejects when none
 * came within `timeoutMs` (2 s). For limits that must answer before the body ends: a declared
 * `Content-Length` over the limit (`headers`), or a chunked body passing it.
 */
export async function postUnfinished(o: {
  port: number;
  path: string;
  head: string;
  more?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}): Promise<UnfinishedAnswer> {
  const timeoutMs = o.timeoutMs ?? 2000;
  let req: ClientRequest | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<UnfinishedAnswer>((resolve, reject) => {
      req = request(
        {
          port: o.port,
          host: '127.0.0.1',
          method: 'POST',
          path: o.path,
          headers: { 'content-type': 'application/json', ...o.headers },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body, closed: res.headers.connection === 'close' }),
          );
        },
      );
      req.on('error', reject);
      req.write(o.head);
      const more = o.more;
      if (more !== undefined) timer = setInterval(() => req?.write(more), 5);
      setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs).unref();
    });
  } finally {
    clearInterval(timer);
    req?.destroy();
  }
}
