/* global Buffer, setInterval, clearInterval */
// A real metrics endpoint for the scrape integration test: prom-client's own exposition over HTTP,
// plus misbehaving routes (too many series, never answering, an endless body). Prints its port.
import { createServer } from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';

const registry = new Registry();
const payments = new Counter({
  name: 'payments_total',
  help: 'Payments by gateway and status.',
  labelNames: ['gateway', 'status'],
  registers: [registry],
});
const latency = new Histogram({
  name: 'payment_latency_seconds',
  help: 'Latency.',
  labelNames: ['gateway'],
  buckets: [0.1, 0.5, 1],
  registers: [registry],
});
payments.inc({ gateway: 'adyen', status: 'succeeded' }, 1027);
payments.inc({ gateway: 'adyen', status: 'failed' }, 33);
payments.inc({ gateway: 'stripe', status: 'succeeded' }, 2500);
for (const v of [0.05, 0.3, 0.3, 2]) latency.observe({ gateway: 'adyen' }, v);

const server = createServer(async (req, res) => {
  if (req.url === '/metrics') {
    if (req.headers.authorization !== `Basic ${Buffer.from('scraper:s3cret').toString('base64')}`) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    payments.inc({ gateway: 'adyen', status: 'succeeded' }); // changes between scrapes, like a live service
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
  } else if (req.url === '/bearer') {
    if (req.headers.authorization !== 'Bearer tok-123') return void res.writeHead(403).end();
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
  } else if (req.url === '/big') {
    let body = '# TYPE many gauge\n';
    for (let i = 0; i < 20_000; i++) body += `many{i="${i}"} ${i}\n`;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  } else if (req.url === '/slow') {
    // Never answers: the scraper must give up at its timeout.
  } else if (req.url === '/endless') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const line = Buffer.from('# filler\n'.repeat(1000));
    const timer = setInterval(() => res.write(line), 1);
    res.on('close', () => clearInterval(timer));
  } else {
    res.writeHead(404).end();
  }
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
