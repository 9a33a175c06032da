/**
 * The mask step's CPU cost per realistic event (the ingest path runs it on every event):
 * `npx tsx collector/bench/mask.bench.ts [rounds]`. The event carries the strings a real one does
 * (ids, a failure message with a grouped card number and a public IPv4, metadata with a Chrome
 * user agent, a URL, an e-mail, amounts and dates): 20 strings in all. Prints µs of process CPU
 * (user + system) per `maskEvent`, the best of `rounds` rounds of 20,000 events, and the load
 * average (the box is shared: record it with the figure).
 */
import { readFileSync } from 'node:fs';
import type { PaymentEvent } from '@paywatch/contracts';
import { createMasker } from '../src/pipeline/steps/mask.step.js';

const event: PaymentEvent = {
  v: 1,
  event_id: 'evt_01JDQ8ZK3N4W7Y2C5V6B8M9P0R',
  ts: 1764182420123,
  received_at: 1764182420200,
  source: 'api',
  payment_id: 'pi_3QbX9aL2eZvKYlo21AbCdEfG',
  attempt: 1,
  merchant_id: 'merchant-eu-0042',
  provider: 'stripe',
  method: 'card',
  channel: 'web',
  status: 'failed',
  amount_minor: 12999,
  currency: 'EUR',
  failure: {
    category: 'do_not_honor',
    code: 'card_declined',
    message: 'Your card 4111 1111 1111 1111 was declined by the issuer (client 203.0.113.77)',
  },
  card: {
    brand: 'visa',
    bin: '411111',
    last4: '1111',
    issuer_country: 'DE',
    funding: 'credit',
    wallet: null,
  },
  country: 'DE',
  latency_ms: 412,
  customer_ref: 'cus_R4nd0mCustomer42',
  device_ref: 'dev_8f2a9c',
  ip_ref: '203.0.113.77',
  user_level: 'gold',
  risk_score: 12,
  metadata: {
    user_agent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    return_url: 'https://shop.example/checkout/complete?order=20261126-000123&lang=de',
    order_id: 'ORD-2026-11-26-000123',
    receipt_email: 'jane.doe@example.com',
    cart: { items: '3', subtotal: '129.99', shipping: 'DHL Express', coupon: 'BLACKFRIDAY' },
    session: 'sess_9a8b7c6d5e4f',
    note: 'retry after 3DS challenge',
  },
};

const rounds = Number(process.argv[2] ?? 5);
const masker = createMasker(Buffer.from('k'.repeat(32)));
const N = 20_000;
let sink = 0;
for (let i = 0; i < N; i++) sink += masker.maskEvent(event).event_id.length; // warm-up
let best = Infinity;
for (let r = 0; r < rounds; r++) {
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) sink += masker.maskEvent(event).event_id.length;
  const used = process.cpuUsage(start);
  best = Math.min(best, (used.user + used.system) / N);
}
const load = readFileSync('/proc/loadavg', 'utf8').trim();
console.log(
  `maskEvent: ${best.toFixed(2)} µs CPU per event (best of ${rounds}×${N}); loadavg ${load}; ${sink > 0}`,
);
