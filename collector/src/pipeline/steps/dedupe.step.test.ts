// Guards in-request dedupe: the first occurrence of an event_id wins, later ones count as duplicates.
import type { PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { dedupeStep } from './dedupe.step.js';

const ev = (id: string, amount: number) => ({ event_id: id, amount_minor: amount }) as PaymentEvent;

describe('dedupe step', () => {
  it('keeps the first occurrence and counts the rest', () => {
    const r = dedupeStep([ev('a', 1), ev('b', 2), ev('a', 3), ev('a', 4)]);
    expect(r.unique.map((e) => [e.event_id, e.amount_minor])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(r.duplicates).toBe(2);
  });
});
