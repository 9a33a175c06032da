// Guards the access decision table: the role ladder, key scopes (read never acts, ingest only ingests), users never ingest, anonymous gets 401 and known callers 403.
import { describe, expect, it } from 'vitest';
import { ROLES, decide, type Principal, type Requirement } from './roles.js';

const user = (role: (typeof ROLES)[number]): Principal => ({
  kind: 'user',
  id: 'u',
  name: 'u',
  role,
  sessionId: 's',
  csrf: 'c',
});
const key = (...scopes: ('ingest' | 'read' | 'oncall' | 'admin')[]): Principal => ({
  kind: 'key',
  id: 'k',
  name: 'k',
  scopes,
});

describe('decide', () => {
  it('lets anyone through public, signed and "who am I" (optional credentials) routes', () => {
    for (const p of [{ kind: 'anonymous' } as Principal, user('viewer'), key('ingest')]) {
      expect(decide(p, 'none')).toBe('allow');
      expect(decide(p, 'signature')).toBe('allow');
      expect(decide(p, 'optional')).toBe('allow');
    }
  });

  it('answers unauthenticated for anonymous callers and forbidden for the system principal', () => {
    for (const r of ['ingest', 'viewer', 'analyst', 'oncall', 'admin'] as Requirement[]) {
      expect(decide({ kind: 'anonymous' }, r)).toBe('unauthenticated');
      expect(decide({ kind: 'system', name: 'job' }, r)).toBe('forbidden');
    }
  });

  it('follows the role ladder for users, who never ingest', () => {
    const table = ROLES.map((have) => ROLES.map((need) => decide(user(have), need)));
    expect(table).toEqual([
      ['allow', 'forbidden', 'forbidden', 'forbidden'],
      ['allow', 'allow', 'forbidden', 'forbidden'],
      ['allow', 'allow', 'allow', 'forbidden'],
      ['allow', 'allow', 'allow', 'allow'],
    ]);
    expect(decide(user('admin'), 'ingest')).toBe('forbidden');
  });

  it('maps key scopes: ingest only ingests, read reads as an analyst, admin does everything', () => {
    const reqs: Requirement[] = ['ingest', 'viewer', 'analyst', 'oncall', 'admin'];
    expect(reqs.map((r) => decide(key('ingest'), r))).toEqual([
      'allow',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
    ]);
    expect(reqs.map((r) => decide(key('read'), r))).toEqual([
      'forbidden',
      'allow',
      'allow',
      'forbidden',
      'forbidden',
    ]);
    expect(reqs.map((r) => decide(key('admin'), r))).toEqual(['allow', 'allow', 'allow', 'allow', 'allow']);
    // A ChatOps bot that acknowledges and silences needed an admin key (users, keys, erasure…).
    expect(reqs.map((r) => decide(key('oncall'), r))).toEqual([
      'forbidden',
      'allow',
      'allow',
      'allow',
      'forbidden',
    ]);
    expect(reqs.map((r) => decide(key('ingest', 'read'), r))).toEqual([
      'allow',
      'allow',
      'allow',
      'forbidden',
      'forbidden',
    ]);
  });
});
