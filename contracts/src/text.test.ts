// Guards the well-formed text helpers: lone UTF-16 surrogates are found (with their path) and replaced by U+FFFD; pairs and other text are untouched.
import { describe, expect, it } from 'vitest';
import { isWellFormed, loneSurrogatePath, wellFormed, wellFormedDeep } from './text.js';

describe('well-formed text', () => {
  it('tells lone surrogates from pairs and replaces each lone one by U+FFFD', () => {
    expect(isWellFormed('merchant_1')).toBe(true);
    expect(isWellFormed('café 😀')).toBe(true);
    expect(isWellFormed('m\ud800')).toBe(false);
    expect(isWellFormed('\udc00m')).toBe(false);
    expect(isWellFormed('\ude00\ud83d')).toBe(false); // reversed pair
    expect(wellFormed('m\ud800')).toBe('m\ufffd');
    expect(wellFormed('\ud800\ud800x\udfff')).toBe('\ufffd\ufffdx\ufffd');
    expect(wellFormed('a😀\ud83d')).toBe('a😀\ufffd');
    const s = 'plain';
    expect(wellFormed(s)).toBe(s);
  });

  it('finds the first bad string or key in a JSON value, with its path', () => {
    expect(loneSurrogatePath({ a: 1, b: ['x', { c: 'ok' }] })).toBeNull();
    expect(loneSurrogatePath({ a: 1, b: ['x', { c: 'bad\ud800' }] })).toEqual(['b', 1, 'c']);
    expect(loneSurrogatePath({ ['k\udc00']: 1 })).toEqual(['k\udc00']);
    expect(loneSurrogatePath('\ud800')).toEqual([]);
    expect(loneSurrogatePath(null)).toBeNull();
  });

  it('replaces deep inside objects and arrays, copying only what changed', () => {
    const clean = { a: 'x', b: [1, { c: 'y' }] };
    expect(wellFormedDeep(clean)).toBe(clean);
    const dirty = { a: 'x\ud800', b: [1, { c: 'y', ['k\udc00']: 'v' }], keep: clean };
    const out = wellFormedDeep(dirty);
    expect(out).toEqual({ a: 'x\ufffd', b: [1, { c: 'y', ['k\ufffd']: 'v' }], keep: clean });
    expect(out.keep).toBe(clean);
    // The input is not modified.
    expect(dirty.a).toBe('x\ud800');
    // A "__proto__" key stays data, never a prototype.
    const proto = wellFormedDeep(JSON.parse('{"__proto__": {"x": "\\ud800"}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value).toEqual({ x: '\ufffd' });
  });

  it('walks values nested thousands of levels deep without a stack overflow (past 64 levels left as they are)', () => {
    const deep = JSON.parse('['.repeat(10_000) + '"x\\ud800"' + ']'.repeat(10_000)) as unknown;
    expect(wellFormedDeep(deep)).toBe(deep);
    expect(loneSurrogatePath(deep)).toBeNull();
    const shallow = JSON.parse('{"a":[[{"b":"x\\ud800"}]]}') as unknown;
    expect(loneSurrogatePath(shallow)).toEqual(['a', 0, 0, 'b']);
  });
});
