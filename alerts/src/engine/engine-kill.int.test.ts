// Guards a page cut off by kill -9 (or an OOM) mid-send: the owed page is saved before the send starts, so the restart sends it once — and pages nobody when the outage ended while it was down.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventStream } from '../detect/synthetic.js';
import { OWED_T0, owedPageEngine, owedReceiver, runLive } from './testing/owed-page-engine.js';

const MIN = 60_000;
const here = fileURLToPath(new URL('.', import.meta.url));

// The child starts the engine, feeds the outage (the alert fires; a few ticks save its state and,
// a second later, a detector snapshot as every 5 min in production: waited for), then moves its wall clock
// past group_wait: the next tick sends the page, which the receiver holds until the test kills
// the child with SIGKILL (no stop(), nothing flushed after).
const CHILD = `
import { OWED_T0, owedEvents, owedPageEngine } from ${JSON.stringify(join(here, 'testing/owed-page-engine.ts'))};
const clock = { wall: OWED_T0 + 20 * 60_000 };
const engine = owedPageEngine(process.argv[1], process.argv[2], clock, 5, 1_000);
await engine.start();
engine.onEvents(owedEvents);
await new Promise((r) => setTimeout(r, 100));
clock.wall += 1_000;
const { existsSync } = await import('node:fs');
for (let i = 0; i < 200 && !existsSync(process.argv[2] + '/alerts-detectors.json'); i++)
  await new Promise((r) => setTimeout(r, 25));
clock.wall += 60_000;
setInterval(() => undefined, 1_000);
`;

const restartAt = OWED_T0 + 51 * MIN; // 30 min after the page was cut off
const after = (successRate: number) =>
  eventStream({
    from: restartAt,
    minutes: 4,
    perMinute: 40,
    providers: ['stripe'],
    successRate: () => successRate,
    seed: 12,
  });

describe('engine killed with SIGKILL while a page is being sent', () => {
  it('sends the page once after the restart, and not at all for an outage over by then', async () => {
    const rx = await owedReceiver();
    const dir = await mkdtemp(join(tmpdir(), 'paywatch-owed-'));
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', CHILD, rx.url, dir],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      for (let i = 0; i < 400 && rx.held.length === 0 && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(rx.held, stderr).toHaveLength(1); // the page is under way
      child.kill('SIGKILL');
      await exited;
      expect(child.signalCode).toBe('SIGKILL');
      rx.held.splice(0).forEach((r) => r.destroy());
      rx.state.hang = false;
      const dir2 = `${dir}-b`;
      await cp(dir, dir2, { recursive: true });

      // Restarted 30 min later (the evidence is history by then: without the owed record the
      // page was withheld, lost), no traffic yet: the alert still fires, the page goes out once.
      const clock = { wall: restartAt };
      const b = owedPageEngine(rx.url, dir, clock, 5);
      await b.start();
      await runLive(clock, b, 3);
      await b.stop();
      expect(rx.pages()).toEqual(['firing stripe']);
      const c = owedPageEngine(rx.url, dir, clock, 5);
      await c.start();
      await runLive(
        clock,
        c,
        1,
        after(0.05).filter((x) => x.ts > clock.wall),
      );
      await c.stop();
      expect(rx.pages()).toEqual(['firing stripe']); // not again

      // The same crash, but stripe recovered while it was down: nobody is paged.
      const clock2 = { wall: restartAt };
      const d = owedPageEngine(rx.url, dir2, clock2, 5);
      await d.start();
      await runLive(clock2, d, 3, after(0.92));
      expect(d.list().map((x) => x.status)).toEqual(['resolved']);
      await d.stop();
      expect(rx.pages()).toEqual(['firing stripe']);
      await rm(dir2, { recursive: true, force: true });
    } finally {
      await rx.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
