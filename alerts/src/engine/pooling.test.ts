// Guards pooling of sparse slices: a busy BIN gets its own series once its decayed hourly volume passes the bar; sparse BINs land in the issuer-country slice with bin="_pooled".
import { describe, expect, it } from 'vitest';
import { SlicePooler } from './pooling.js';

describe('slice pooler', () => {
  it('pools sparse BINs into their issuer country and un-pools a busy one after it has proven its volume', () => {
    const p = new SlicePooler(['bin'], 120);
    const seen = { busy: new Set<string>(), sparse: new Set<string>() };
    for (let minute = 0; minute < 240; minute++) {
      // 5 attempts/min on the busy BIN (300/h), one attempt every 10 min on each sparse BIN.
      for (let i = 0; i < 5; i++)
        seen.busy.add(SlicePooler.keyOf(p.resolve({ issuer_country: 'DE', bin: '411111' })));
      if (minute % 10 === 0)
        for (const bin of ['400001', '400002', '400003'])
          seen.sparse.add(SlicePooler.keyOf(p.resolve({ issuer_country: 'DE', bin })));
      p.tick();
    }
    const pooled = SlicePooler.keyOf({ issuer_country: 'DE', bin: '_pooled' });
    const own = SlicePooler.keyOf({ issuer_country: 'DE', bin: '411111' });
    // The busy BIN started pooled (no history) and then got its own slice.
    expect([...seen.busy]).toEqual([pooled, own]);
    expect([...seen.sparse]).toEqual([pooled]);
  });

  it('pools recursively (BIN → issuer country → everything) when the parent is sparse too', () => {
    const p = new SlicePooler(['bin', 'issuer_country'], 120);
    expect(p.resolve({ country: 'FR', issuer_country: 'LU', bin: '499999' })).toEqual({
      country: 'FR',
      issuer_country: '_pooled',
      bin: '_pooled',
    });
  });
});
