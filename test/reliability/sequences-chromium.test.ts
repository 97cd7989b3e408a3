import { describe, expect, it } from 'vitest';
import { signalGroup } from '../../src/drivers/process-tree.js';
import { SequenceCutError } from '../../src/errors.js';
import { Navigate } from '../../src/runtime/tasks/constructors.js';
import { useChromiumFile } from '../support/chromium-root.js';
import { readPersonName } from '../support/fixture-site.js';

/**
 * Task sequences on real Chromium, tried as a user without a lane handle or any option would:
 * a Navigate, then a read of the page. A planned recycle or a killed browser between the two
 * must never make the read see a blank tab. Page loads are counted at the fixture server.
 */

const file = useChromiumFile('sequences-');

describe('task sequences across browser replacements (real Chromium)', () => {
  it('a plain Navigate-then-read loop (no lane handle) reads its own page across every planned recycle', async () => {
    // Default options but a small recycling interval, so that recycles land between a Navigate and its read.
    const { supervisor } = file.supervised({ recycle: { maxNavigations: 5 } });
    const recycles: string[] = [];
    supervisor.on('restarting', (e) => {
      if (e.planned) recycles.push(e.reason);
    });
    const pages = 11;
    const reads: (string | null)[] = [];
    for (let i = 0; i < pages; i++) {
      await supervisor.submit(Navigate(`${file.server.origin}/person?id=${i}&seq=plain`));
      reads.push(await supervisor.submit(readPersonName));
    }
    const health = supervisor.health();
    await supervisor.stop();
    expect(reads).toEqual(Array.from({ length: pages }, (_, i) => `Person ${i}`));
    expect(health.recycles).toBe(2);
    expect(health.restarts).toBe(0);
    expect(recycles).toHaveLength(2);
    // Each recycle followed a Navigate; the read after it loaded that page once more, no other page twice.
    const loads = Array.from({ length: pages }, (_, i) => file.server.count(`/person?id=${i}&seq=plain`));
    expect(loads.filter((n) => n === 2)).toHaveLength(2);
    expect(loads.every((n) => n === 1 || n === 2)).toBe(true);
    // Three browser starts: about 15 s here alone, more than 30 s beside another file on busy cores.
  }, 120_000);

  it('a lane handle with default options: the browser SIGKILLed between its Navigate and its read; the read sees the page, reloaded on the new browser', async () => {
    const { supervisor } = file.supervised({ lanes: 2 });
    await supervisor.startActor();
    const path = '/person?id=7&seq=handle';
    const name = await supervisor.withLane(async (lane) => {
      await lane.submit(Navigate(`${file.server.origin}${path}`));
      const pid = supervisor.browser?.pid;
      expect(pid).toBeTypeOf('number');
      const dead = new Promise<void>((resolve) => supervisor.on('restarting', () => resolve()));
      signalGroup(pid as number, 'SIGKILL');
      await dead;
      return lane.submit(readPersonName);
    });
    expect(name).toBe('Person 7');
    expect(supervisor.health().restarts).toBe(1);
    expect(file.server.count(path)).toBe(2);
    // Told not to reopen, the read fails typed instead of reading the blank tab.
    const cut = await supervisor.withLane(async (lane) => {
      await lane.submit(Navigate(`${file.server.origin}/person?id=8&seq=handle`));
      const dead = new Promise<void>((resolve) => supervisor.on('restarting', () => resolve()));
      signalGroup(supervisor.browser?.pid as number, 'SIGKILL');
      await dead;
      return lane.submit(readPersonName, { restoreUrl: false }).catch((error: unknown) => error);
    });
    expect(cut).toBeInstanceOf(SequenceCutError);
    expect(file.server.count('/person?id=8&seq=handle')).toBe(1);
    await supervisor.stop();
  }, 120_000);
});
