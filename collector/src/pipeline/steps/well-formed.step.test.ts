// Guards lone-surrogate handling in the pipeline: webhook (and other non-API) events are stored with U+FFFD in place of each lone surrogate; the events API refuses the field instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LONE_SURROGATE_MESSAGE, type PaymentEvent } from '@paywatch/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { createEmbeddedStore } from '../../store/embedded/embedded.store.js';
import { createPipeline } from '../pipeline.js';
import { createMasker } from './mask.step.js';
import { wellFormedStep } from './well-formed.step.js';

const logger = createLogger({ level: 'silent' });
const T = Date.UTC(2026, 10, 25, 10);
const input = (id: string) => ({
  event_id: id,
  ts: T,
  payment_id: `pay\ud800_${id}`,
  merchant_id: 'm\ud800',
  provider: 'stripe',
  method: 'card',
  status: 'failed',
  amount_minor: 100,
  currency: 'usd',
  failure: { category: 'do_not_honor', code: 'c\udc00', message: 'declined \udbff\udbff' },
  user_level: 'gold\udfff',
  metadata: { ['k\ud800']: { v: ['ok', 'x\udc00', '😀'] } },
});

describe('well-formed step', () => {
  it('replaces lone surrogates at any depth for non-API sources, copying only when needed', () => {
    const out = wellFormedStep(input('e1'), 'webhook') as ReturnType<typeof input>;
    expect(out.merchant_id).toBe('m\ufffd');
    expect(out.failure).toEqual({
      category: 'do_not_honor',
      code: 'c\ufffd',
      message: 'declined \ufffd\ufffd',
    });
    expect(out.metadata).toEqual({ ['k\ufffd']: { v: ['ok', 'x\ufffd', '😀'] } });
    const clean = { event_id: 'e', merchant_id: 'm😀', metadata: { a: 'b' } };
    expect(wellFormedStep(clean, 'log')).toBe(clean);
    // The events API keeps what the client sent: validation names the field.
    const api = input('e2');
    expect(wellFormedStep(api, 'api')).toBe(api);
  });

  describe('in the pipeline, with the embedded store', () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    async function pipeline() {
      const dataDir = await mkdtemp(join(tmpdir(), 'paywatch-wellformed-'));
      const store = createEmbeddedStore({ dataDir }, { logger });
      await store.start();
      cleanups.push(
        () => rm(dataDir, { recursive: true, force: true }),
        () => store.stop(),
      );
      const consumed: PaymentEvent[] = [];
      const ingestor = createPipeline({
        writer: store,
        masker: createMasker(Buffer.alloc(32, 7)),
        sink: { name: 'collect', consume: (events) => void consumed.push(...events) },
        hooks: { ingested: () => undefined },
        logger,
      });
      return { store, ingestor, consumed };
    }

    it('stores a webhook event with U+FFFD in place of each lone surrogate', async () => {
      const { store, ingestor, consumed } = await pipeline();
      const out = await ingestor.ingest([input('wh1')], { source: 'webhook' });
      expect(out).toMatchObject({ accepted: 1, rejected: 0, errors: [] });
      const [stored] = await store.paymentTimeline('pay\ufffd_wh1');
      expect(stored).toMatchObject({
        event_id: 'wh1',
        merchant_id: 'm\ufffd',
        failure: { category: 'do_not_honor', code: 'c\ufffd', message: 'declined \ufffd\ufffd' },
        user_level: 'gold\ufffd',
        metadata: { ['k\ufffd']: { v: ['ok', 'x\ufffd', '😀'] } },
      });
      expect(consumed.map((e) => e.merchant_id)).toEqual(['m\ufffd']);
    });

    it('refuses the same event from the events API, per event, naming each field; good events in the batch are stored', async () => {
      const { store, ingestor } = await pipeline();
      const good = {
        ...input('ok1'),
        payment_id: 'pay_ok1',
        merchant_id: 'm1',
        failure: undefined,
        user_level: undefined,
        metadata: undefined,
      };
      const out = await ingestor.ingest([good, input('bad1')], { source: 'api' });
      expect(out).toMatchObject({ accepted: 1, rejected: 1 });
      expect(out.errors).toEqual(
        ['payment_id', 'merchant_id', 'failure.code', 'failure.message', 'user_level'].map((path) => ({
          index: 1,
          path,
          reason: LONE_SURROGATE_MESSAGE,
        })),
      );
      expect((await store.paymentTimeline('pay_ok1')).map((e) => e.event_id)).toEqual(['ok1']);
    });

    it('names a refused metadata path with card numbers masked (the path quotes the keys)', async () => {
      const { ingestor } = await pipeline();
      const bad = {
        ...input('bad2'),
        payment_id: 'pay_bad2',
        merchant_id: 'm1',
        failure: undefined,
        user_level: undefined,
        metadata: { '4125440422668202': { x: 'bad\ud800' } },
      };
      const out = await ingestor.ingest([bad], { source: 'api' });
      expect(out.errors).toEqual([
        { index: 0, path: 'metadata.412544…8202.x', reason: LONE_SURROGATE_MESSAGE },
      ]);
    });
  });
});
