// Guards the mask step: no PAN, CVV, raw ref, e-mail or phone survives into a stored event.
import { createHmac } from 'node:crypto';
import type { PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { createMasker } from './mask.step.js';

const event = (over: Partial<PaymentEvent> = {}): PaymentEvent => ({
  v: 1,
  event_id: 'e1',
  ts: 1,
  received_at: 1,
  source: 'api',
  payment_id: 'p1',
  attempt: 1,
  merchant_id: 'm1',
  provider: 'stripe',
  method: 'card',
  channel: 'web',
  status: 'failed',
  amount_minor: 100,
  currency: 'USD',
  failure: { category: 'do_not_honor', code: '05', message: 'Card 4111 1111 1111 1111 declined' },
  card: {
    brand: 'visa',
    bin: '411111',
    last4: '1111',
    issuer_country: 'US',
    funding: 'credit',
    wallet: null,
  },
  country: 'US',
  latency_ms: 120,
  customer_ref: 'cust-42',
  device_ref: 'dev-1',
  ip_ref: '203.0.113.7',
  user_level: null,
  risk_score: null,
  metadata: null,
  ...over,
});

const masker = createMasker(Buffer.from('k'.repeat(32)));

describe('mask step', () => {
  it('masks PANs in every string field and in nested metadata keys and values', () => {
    const m = masker.maskEvent(
      event({
        event_id: 'evt-4111111111111111',
        payment_id: 'pi_5555555555554444',
        merchant_id: 'shop 378282246310005',
        user_level: 'gold 4111-1111-1111-1111',
        metadata: {
          note: 'pan 4111111111111111',
          nested: { list: ['x', '5555 5555 5555 4444'], ['k4111111111111111']: 1 },
          n: 4111111111111111,
        },
      }),
    );
    const text = JSON.stringify(m);
    for (const pan of ['4111111111111111', '5555555555554444', '378282246310005'])
      expect(text).not.toContain(pan);
    expect(text).not.toMatch(/(?:\d[ -]?){12,19}/);
    expect(m.failure?.message).toBe('Card 411111…1111 declined');
    expect(m.metadata?.n).toBe('411111…1111');
  });

  it('masks card numbers sent as JSON numbers past 2^53, where the double no longer holds every digit', () => {
    // JSON.parse('6212345678901234569') is 6212345678901235000: 15 right digits, no Luhn check
    // possible; 9528123456789019 (16 digits) parses to 9528123456789020.
    const parsed = JSON.parse(
      '{"a":6212345678901234569,"b":9528123456789019,"c":12345678901234567890,"ok":1234567890123,"gpn":1946593727173863204}',
    ) as Record<string, unknown>;
    const m = masker.maskEvent(event({ metadata: parsed }));
    // A GPN card (IIN 1946, Indonesia) starts with 1 too.
    expect(m.metadata).toEqual({
      a: '621234…',
      b: '952812…',
      c: 12345678901234567000,
      ok: 1234567890123,
      gpn: '194659…',
    });
  });

  it('keeps numbers past 2^53 that start with 1 (epoch nanoseconds, 64-bit ids): no 16–19-digit card number but a GPN card (1946…) does', () => {
    const parsed = JSON.parse('{"ts_ns":1764182420123456789,"tweet_id":1861234567890123456}') as Record<
      string,
      unknown
    >;
    const m = masker.maskEvent(event({ metadata: parsed }));
    expect(m.metadata).toEqual(parsed);
    expect(typeof m.metadata?.['ts_ns']).toBe('number');
  });

  it('keeps an 8-digit card.bin only where every card number is 16+ digits (PCI SSC FAQ 1091); else the first 6', () => {
    const bin = (b: string, brand: 'visa' | 'mastercard' | 'amex' | 'other' | null = null) =>
      masker.maskEvent(event({ card: { ...event().card!, brand, bin: b, last4: '0004' } })).card?.bin;
    // Visa issues 13-digit PANs too, Maestro 12–19, Amex 15, Diners 14: 8 + last 4 would show 12
    // of 13 digits (and the check digit gives the last one).
    expect(bin('42222222', 'visa')).toBe('422222');
    expect(bin('67596649', 'other')).toBe('675966');
    expect(bin('37828224', 'amex')).toBe('378282');
    expect(bin('3056930', 'other')).toBe('305693');
    // Mastercard (16), Discover, JCB, UnionPay (16–19): first 8 + last 4 is allowed. The BIN's
    // range decides, not the brand the client sent.
    expect(bin('55555555', 'mastercard')).toBe('55555555');
    expect(bin('22223000', null)).toBe('22223000');
    expect(bin('60110000', 'other')).toBe('60110000');
    expect(bin('35281234', null)).toBe('35281234');
    expect(bin('62212600', null)).toBe('62212600');
    expect(bin('41111111', 'mastercard')).toBe('411111');
    expect(bin('411111', 'visa')).toBe('411111');
  });

  it('drops CVV/PIN-like metadata keys at any depth', () => {
    const m = masker.maskEvent(
      event({
        metadata: {
          cvv: '123',
          CVC2: '999',
          card: { 'security-code': '123', pin_block: 'abc', keep: 'yes' },
        },
      }),
    );
    expect(m.metadata).toEqual({ card: { keep: 'yes' } });
  });

  it('drops verification codes and PINs written as key=value inside text (a logged URL, a message)', () => {
    const m = masker.maskEvent(
      event({
        failure: { category: 'invalid_card_data', code: 'cvc_check', message: 'CVC: 737 rejected, pin=1234' },
        metadata: {
          url: 'https://shop.example/pay?card=4111111111111111&cvv=123&exp=12/29',
          note: 'cvv2 is 4821',
        },
      }),
    );
    expect(m.failure?.message).toBe('CVC: [redacted] rejected, pin=[redacted]');
    expect(m.metadata).toEqual({
      url: 'https://shop.example/pay?card=411111…1111&cvv=[redacted]&exp=12/29',
      note: 'cvv2 is [redacted]',
    });
    expect(m.failure?.code).toBe('cvc_check');
  });

  it('drops a verification code in a logged request body, after a prefix or a blank', () => {
    const text =
      'provider said 400 for {"pan":"4111111111111111","cvv":"123"} / {\\"cvc\\": \\"737\\"} card_cvv=321 <cvv>456</cvv>, CVV 987';
    expect(masker.maskText(text)).toBe(
      'provider said 400 for {"pan":"411111…1111","cvv":"[redacted]"} / {\\"cvc\\": \\"[redacted]\\"} card_cvv=[redacted] <cvv>[redacted]</cvv>, CVV [redacted]',
    );
    // Not a key: words ending in one, and a code not followed by digits.
    for (const kept of ['spin: 1234', 'cvc_check=1', 'accid=123', 'pins 1234'])
      expect(masker.maskText(kept)).toBe(kept);
  });

  it('hashes internationalised e-mail addresses too (non-ASCII local part or domain)', () => {
    const m = masker.maskEvent(
      event({
        metadata: { a: 'receipt to josé.garcía@correo.es', b: '联系 用户@例子.中国 谢谢', c: 'ü@bücher.de' },
      }),
    );
    const text = JSON.stringify(m.metadata);
    for (const part of ['josé', 'garcía', '用户', '例子', 'bücher']) expect(text).not.toContain(part);
    expect(m.metadata?.['a']).toBe(`receipt to ${masker.maskText('josé.garcía@correo.es')}`);
    expect(m.metadata?.['a']).toMatch(/^receipt to email_[0-9a-f]{32}$/);
    expect(m.metadata?.['b']).toMatch(/^联系 email_[0-9a-f]{32} 谢谢$/);
  });

  it('hashes an address in Chinese or Japanese text alone, as it hashes anywhere else (no spaces around it)', () => {
    const hash = (a: string) => masker.maskText(a);
    expect(masker.maskText('联系邮箱test@example.com谢谢')).toBe(`联系邮箱${hash('test@example.com')}谢谢`);
    expect(masker.maskText('メールはtaro@example.jpです')).toBe(`メールは${hash('taro@example.jp')}です`);
    expect(masker.maskText('QQ邮箱123456@qq.com')).toBe(`QQ邮箱${hash('123456@qq.com')}`);
    expect(masker.maskText('发给用户@例子.中国')).toMatch(/^email_[0-9a-f]{32}$/);
  });

  it('masks a long text in linear time (a tailed log line may be 1 MiB)', () => {
    // The e-mail pattern tried every start of a letter run to its end: 64 KiB of 'aaa…@' took 8.5 s.
    const started = performance.now();
    for (const s of ['a'.repeat(65536) + '@', 'a.'.repeat(32768) + '@x', 'x@' + 'a.'.repeat(32768)])
      expect(masker.maskText(s)).toBe(s);
    expect(performance.now() - started).toBeLessThan(1000);
    // A local part longer than RFC 5321's 64: its last 128 characters are hashed with the domain.
    expect(masker.maskText(`${'a'.repeat(130)}@example.com`)).toBe(
      `aa${masker.maskText(`${'a'.repeat(128)}@example.com`)}`,
    );
  });

  it('hashes IPv4 addresses in text like ip_ref (same key and kind: they can still be matched)', () => {
    const m = masker.maskEvent(
      event({
        ip_ref: '203.0.113.77',
        failure: {
          category: 'fraud_suspected',
          code: null,
          message: 'blocked: 203.0.113.77 (x-forwarded-for 10.0.0.1)',
        },
        metadata: { version: 'sdk 1.2.3.4.5', not_ip: '999.1.1.1', amount: '1.25' },
      }),
    );
    // The shopper's public address is hashed; the private one names our own proxy: kept.
    expect(m.failure?.message).toBe(`blocked: ${m.ip_ref} (x-forwarded-for 10.0.0.1)`);
    expect(m.failure?.message).not.toMatch(/203\.0/);
    expect(m.metadata).toEqual({ version: 'sdk 1.2.3.4.5', not_ip: '999.1.1.1', amount: '1.25' });
  });

  it('reads a dotted quad as an address only with four octets of 0–255, no leading zero, no dotted neighbour', () => {
    const ip = (a: string) => masker.maskText(a);
    for (const kept of ['01.2.3.4', '1.2.3.256', 'v.1.2.3.4', '1.2.3.4.5', '1234.1.1.1', '1.2.3.45678'])
      expect(masker.maskText(kept)).toBe(kept);
    expect(masker.maskText('at 1.2.3.4.')).toBe(`at ${ip('1.2.3.4')}.`);
    expect(masker.maskText('[198.51.100.1]:8123,255.255.255.0')).toBe(
      `[${ip('198.51.100.1')}]:8123,${ip('255.255.255.0')}`,
    );
    expect(ip('1.2.3.4')).toMatch(/^ip_[0-9a-f]{32}$/);
  });

  it('keeps private, loopback and link-local addresses: they name infrastructure an on-call must read, not a shopper', () => {
    for (const kept of [
      'connect ECONNREFUSED 10.0.3.17:8123',
      'upstream 172.16.0.5 and 172.31.255.1',
      'gw 192.168.1.1, lo 127.0.0.1, meta 169.254.169.254',
    ])
      expect(masker.maskText(kept)).toBe(kept);
    // Just outside those ranges: a public (or carrier-NAT) address, hashed.
    for (const hashed of ['172.15.0.1', '172.32.0.1', '192.169.0.1', '169.253.0.1', '100.64.0.1', '11.0.0.1'])
      expect(masker.maskText(`x ${hashed}`)).toMatch(/^x ip_[0-9a-f]{32}$/);
  });

  it('hashes public IPv6 addresses in text like ip_ref (RFC 5952 form); keeps loopback, link-local, unique-local', () => {
    const m = masker.maskEvent(
      event({
        ip_ref: '2001:db8:85a3::8a2e:370:7334',
        failure: {
          category: 'fraud_suspected',
          code: null,
          message: 'blocked: 2001:DB8:85A3:0:0:8A2E:370:7334 via [2a00:1450:4001:82b::200e]:443',
        },
      }),
    );
    // Any spelling of the address hashes as the event's ip_ref (sent in RFC 5952 form) does.
    expect(m.failure?.message).toBe(
      `blocked: ${m.ip_ref} via [${masker.maskText('2a00:1450:4001:82b::200e')}]:443`,
    );
    expect(masker.maskText('2a00:1450:4001:82b::200e')).toMatch(/^ip_[0-9a-f]{32}$/);
    // An IPv4-mapped address is its IPv4 address: hashed alike, or kept when private.
    expect(masker.maskText('from ::ffff:203.0.113.9')).toBe(`from ${masker.maskText('203.0.113.9')}`);
    expect(masker.maskText('ip:2a00:1450:4001:82b::200e.')).toBe(
      `ip:${masker.maskText('2a00:1450:4001:82b::200e')}.`,
    );
    for (const kept of [
      'connect ECONNREFUSED ::1:8123',
      'peer fe80::1ff:fe23:4567:890a%eth0, fd12:3456:789a:1::1 and ::ffff:10.0.0.1',
      'bound to :: port 80',
      'mcast ff02::1',
      // Not addresses: times, a MAC, code paths, ratios.
      'at 12:30:45.123 and 2026-11-26T12:30:45Z',
      'mac 00:1a:2b:3c:4d:5e',
      'std::vector Foo::Bar io::Error',
      'ratio 3:2, 10:1',
    ])
      expect(masker.maskText(kept)).toBe(kept);
  });

  it('hashes an IPv6 address glued by a colon to a label ending in a hex letter or digit ([IPv6:…] of a Received header)', () => {
    const a = masker.maskText('2a00:1450:4001:82b::200e');
    for (const label of ['[IPv6:', 'remote:', 'code:', 'Deadline:'])
      expect(masker.maskText(`${label}2a00:1450:4001:82b::200e]`)).toBe(`${label}${a}]`);
    // A hex token before the colon is one thing, not a label with an address after it.
    expect(masker.maskText('id deadbeef:cafe:babe::1 done')).toBe('id deadbeef:cafe:babe::1 done');
  });

  it('hashes an IPv6 address written with its port and keeps the port (Node, Java, gRPC, brackets)', () => {
    const a = masker.maskText('2001:db8::1');
    expect(masker.maskText('connect ECONNREFUSED 2001:db8::1:443')).toBe(`connect ECONNREFUSED ${a}:443`);
    expect(masker.maskText('listen EADDRINUSE: address already in use 2001:db8::1:8443')).toBe(
      `listen EADDRINUSE: address already in use ${a}:8443`,
    );
    // Nine groups (Java's InetSocketAddress) or a five-digit last part: no address reads them whole.
    expect(masker.maskText('peer /2001:db8:0:0:0:0:0:1:443 closed')).toBe(`peer /${a}:443 closed`);
    expect(masker.maskText('dial 2001:db8::1:50051 failed')).toBe(`dial ${a}:50051 failed`);
    expect(masker.maskText('[2001:db8::1]:443, [2001:db8::1]:50051')).toBe(`[${a}]:443, [${a}]:50051`);
    expect(masker.maskText('from ::ffff:203.0.113.9:443')).toBe(`from ${masker.maskText('203.0.113.9')}:443`);
    // An address ending in '::' before its port: 'x:::443' (was kept raw: no address read it).
    const b = masker.maskText('2a00:1450:4001:82b::');
    expect(b).toMatch(/^ip_[0-9a-f]{32}$/);
    expect(masker.maskText('connect ECONNREFUSED 2a00:1450:4001:82b:::443')).toBe(
      `connect ECONNREFUSED ${b}:443`,
    );
    expect(masker.maskText('peer /2a00:1450:4001:82b:::50051 closed')).toBe(`peer /${b}:50051 closed`);
    // Without such a sign a last decimal group is a group: the whole is one address, hashed whole.
    expect(masker.maskText('blocked 2001:db8:85a3::8a2e:370:7334')).toBe(
      `blocked ${masker.maskEvent(event({ ip_ref: '2001:db8:85a3:0:0:8a2e:370:7334' })).ip_ref}`,
    );
    expect(masker.maskText('x 2001:db8::1:443')).toMatch(/^x ip_[0-9a-f]{32}$/);
    expect(masker.maskText('connect ECONNREFUSED ::1:8123')).toBe('connect ECONNREFUSED ::1:8123');
  });

  it('keeps eight two-digit hex groups: a WWN or EUI-64 in byte notation, not an IPv6 address', () => {
    for (const kept of [
      'wwpn 20:00:00:25:b5:00:00:0f',
      'node 50:06:01:60:3b:a0:11:22',
      'eui 02:00:5e:10:00:00:00:01',
    ])
      expect(masker.maskText(kept)).toBe(kept);
    // Groups written as an address (no two-digit padding) still read as one.
    expect(masker.maskText('a:b:c:d:e:f:1:2')).toMatch(/^ip_[0-9a-f]{32}$/);
    expect(masker.maskText('2001:db8:0:0:0:0:0:1')).toBe(masker.maskText('2001:db8::1'));
  });

  it('hashes an IPv6 ip_ref in the form text is hashed in: IPv4-mapped as IPv4, any spelling as RFC 5952', () => {
    const refOf = (ip_ref: string) => masker.maskEvent(event({ ip_ref })).ip_ref;
    // Node's req.ip on a dual-stack server, and the same shopper in a message and from an IPv4 client.
    expect(refOf('::ffff:203.0.113.9')).toBe(masker.maskText('203.0.113.9'));
    expect(refOf('::ffff:203.0.113.9')).toBe(refOf('203.0.113.9'));
    // Java's InetAddress writes every group; upper case from other clients.
    expect(refOf('2001:db8:0:0:0:0:0:1')).toBe(masker.maskText('2001:db8::1'));
    expect(refOf('2001:DB8::1')).toBe(refOf('2001:db8::1'));
    // Not an address: hashed as sent.
    expect(refOf('h_7f3a')).not.toBe(refOf('h_7f3b'));
  });

  it("keeps a product's version token that looks like an address (every Chrome user agent), not one in a URL", () => {
    const ua =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0';
    expect(masker.maskText(ua)).toBe(ua);
    expect(masker.maskText('GET http://203.0.113.77/ip/203.0.113.77')).toBe(
      `GET http://${masker.maskText('203.0.113.77')}/ip/${masker.maskText('203.0.113.77')}`,
    );
    expect(masker.maskText('GET http://203.0.113.77/')).not.toContain('203.0');
    expect(masker.maskText('refused: acquirer.example.com/203.0.113.77:443')).toBe(
      `refused: acquirer.example.com/${masker.maskText('203.0.113.77')}:443`,
    );
  });

  it('replaces refs, e-mails and phones by stable keyed hashes', () => {
    const a = masker.maskEvent(
      event({ metadata: { contact: 'write to jane.doe@example.com or +49 30 1234 5678', email: 'x@y.io' } }),
    );
    const b = masker.maskEvent(event());
    expect(a.customer_ref).toMatch(/^ref_[0-9a-f]{32}$/);
    expect(a.customer_ref).toBe(b.customer_ref);
    expect(a.customer_ref).toBe(masker.hashRef('cust-42'));
    expect(a.ip_ref).not.toContain('203.0.113.7');
    expect(a.device_ref).not.toContain('dev-1');
    const text = JSON.stringify(a.metadata);
    expect(text).not.toContain('jane.doe');
    expect(text).not.toContain('1234 5678');
    expect(text).not.toContain('x@y.io');
    expect(a.metadata?.contact).toMatch(/^write to email_[0-9a-f]{32} or phone_[0-9a-f]{32}$/);
  });

  it('keeps the stored pseudonym format: HMAC-SHA256(key, kind NUL value), 16 bytes hex', () => {
    // Stored refs and erase-by-customer depend on it: a change would orphan every stored ref.
    const ref = (kind: string, v: string) =>
      `${kind}_${createHmac('sha256', Buffer.from('k'.repeat(32)))
        .update(`${kind}\0${v}`)
        .digest('hex')
        .slice(0, 32)}`;
    const m = masker.maskEvent(
      event({ customer_ref: 'cust-42', device_ref: 'dév-ü', ip_ref: 'x'.repeat(80) }),
    );
    expect(m.customer_ref).toBe(ref('ref', 'cust-42'));
    expect(m.device_ref).toBe(ref('dev', 'dév-ü'));
    expect(m.ip_ref).toBe(ref('ip', 'x'.repeat(80)));
  });

  it('depends on the key', () => {
    const other = createMasker(Buffer.from('z'.repeat(32)));
    expect(other.hashRef('cust-42')).not.toBe(masker.hashRef('cust-42'));
  });
});
