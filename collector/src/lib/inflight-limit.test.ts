// Guards the in-flight body limit against slow clients: a body trickled in holds its budget only until it falls below the minimum rate, and one client holds few bodies of unknown size.
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createInflightLimit } from './inflight-limit.js';

let server: Server;
let port = 0;
beforeAll(async () => {
  const app = express();
  app.post(
    '/wide',
    createInflightLimit({ budgetBytes: 8000, maxBodyBytes: 1000, what: 'test bytes' }),
    express.raw({ type: () => true, limit: 1000 }),
    (req, res) => {
      res.json({ bytes: Buffer.isBuffer(req.body) ? req.body.length : 0 });
    },
  );
  app.post(
    '/in',
    createInflightLimit({
      budgetBytes: 1000,
      maxBodyBytes: 1000,
      what: 'test bytes',
      minBodyRate: { bytesPerSecond: 1000, graceMs: 300 },
    }),
    express.raw({ type: () => true, limit: 1000 }),
    (req, res) => {
      res.json({ bytes: Buffer.isBuffer(req.body) ? req.body.length : 0 });
    },
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** A chunked POST that sends one byte of its body and then nothing; resolves with what the server answered. */
function trickle(path = '/in'): { socket: Socket; answer: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n`);
  let got = '';
  socket.on('data', (c: Buffer) => (got += c.toString()));
  const answer = new Promise<string>((r) => socket.on('close', () => r(got)));
  return { socket, answer };
}
const post = () => fetch(`http://127.0.0.1:${port}/in`, { method: 'POST', body: '[]' });

it('answers 408 to a body arriving below the minimum rate and frees its budget for others', async () => {
  // Was: 16 such connections held an 8 MiB chunked body each until the 120 s request timeout,
  // and every other client got 503 meanwhile (64 unsigned ones did it to every webhook).
  const slow = trickle();
  await new Promise((r) => setTimeout(r, 100));
  expect((await post()).status).toBe(503);
  const t0 = Date.now();
  const answer = await Promise.race([
    slow.answer,
    new Promise<string>((r) => setTimeout(() => r('(still open after 3 s)'), 3000)),
  ]);
  slow.socket.destroy();
  expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  expect(answer).toContain('slower than 1000 bytes/s');
  expect(Date.now() - t0).toBeLessThan(2000);
  const after = await post();
  expect(after.status).toBe(200);
  expect(await after.json()).toEqual({ bytes: 2 });
});

it('lets one client hold at most 4 bodies of unknown size (chunked or compressed) once half the budget is used', async () => {
  // Was: with the 408 above, 64 connections from one IP re-opened as they were closed still kept
  // the webhook budget full: 25 of 30 webhooks answered 503 over 30 s.
  const held = Array.from({ length: 4 }, () => trickle('/wide'));
  await new Promise((r) => setTimeout(r, 100));
  const fifth = trickle('/wide');
  const refused = await Promise.race([
    fifth.answer,
    new Promise<string>((r) => setTimeout(() => r('(no answer)'), 1000)),
  ]);
  fifth.socket.destroy();
  expect(refused).toMatch(/^HTTP\/1\.1 429 /);
  expect(refused).toMatch(/Retry-After: 1/i);
  expect(refused).toContain('too many chunked or compressed bodies in flight from this client (limit 4)');
  // A body of known size is charged what it is: still admitted.
  const sized = await fetch(`http://127.0.0.1:${port}/wide`, { method: 'POST', body: '[1]' });
  expect(sized.status).toBe(200);
  for (const h of held) h.socket.destroy();
});

it('lets one client hold more bodies of unknown size while half the budget is free', async () => {
  // Was: a batch client gzip-ing over 8 parallel connections from one IP (64 of the 128 MiB ingest
  // budget) had 4 of them answered 429 though the collector had room for all.
  const app = express();
  app.post(
    '/roomy',
    createInflightLimit({ budgetBytes: 16_000, maxBodyBytes: 1000, what: 'test bytes' }),
    express.raw({ type: () => true, limit: 1000 }),
    (req, res) => {
      res.json({ bytes: Buffer.isBuffer(req.body) ? req.body.length : 0 });
    },
  );
  const roomy = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => roomy.once('listening', () => r()));
  const roomyPort = (roomy.address() as AddressInfo).port;
  try {
    const send = () =>
      fetch(`http://127.0.0.1:${roomyPort}/roomy`, {
        method: 'POST',
        body: new ReadableStream({
          async start(c) {
            c.enqueue(new TextEncoder().encode('[1,'));
            await new Promise((r) => setTimeout(r, 300));
            c.enqueue(new TextEncoder().encode('2]'));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    const answers = await Promise.all(Array.from({ length: 8 }, send));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 8 }, () => 200));
  } finally {
    roomy.closeAllConnections();
    await new Promise<void>((r) => roomy.close(() => r()));
  }
});
