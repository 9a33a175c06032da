// Guards the readiness judgement's shutdown and embedded-store rules: a stopping collector is never ready (balancers drain it while it flushes), and without a spool ready means the store answers.
import { describe, expect, it } from 'vitest';
import { checkReadiness } from './readiness.js';

const answering = () => Promise.resolve();
const refusing = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8123'));

describe('checkReadiness', () => {
  it('is not ready once shutdown has begun, also when the shutdown begins while the store is asked', async () => {
    expect(
      await checkReadiness({ backend: 'embedded', ping: answering, spool: null, stopping: () => true }),
    ).toMatchObject({ ready: false, code: 'stopping' });
    let stopping = false;
    const ping = () => {
      stopping = true;
      return Promise.resolve();
    };
    expect(
      await checkReadiness({ backend: 'embedded', ping, spool: null, stopping: () => stopping }),
    ).toMatchObject({ ready: false, code: 'stopping' });
  });

  it('without a spool, is ready exactly while the store answers', async () => {
    expect(
      await checkReadiness({ backend: 'embedded', ping: answering, spool: null, stopping: () => false }),
    ).toEqual({ ready: true, body: { status: 'ready', store: 'embedded', store_status: 'reachable' } });
    expect(
      await checkReadiness({ backend: 'embedded', ping: refusing, spool: null, stopping: () => false }),
    ).toEqual({ ready: false, code: 'store_unavailable', message: 'the embedded store does not answer' });
  });
});
