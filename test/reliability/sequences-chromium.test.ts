import { describe, expect, it } from 'vitest';
import { signalGroup } from '../../src/drivers/process-tree.js';
import { SequenceCutError } from '../../src/errors.js';
import { randomUUID } from 'node:crypto';
import { ExecuteJS, Navigate } from '../../src/runtime/tasks/constructors.js';
import { useChromiumFile } from '../support/chromium-root.js';
import { holdImage, readPersonName } from '../support/fixture-site.js';

/**
 * Task sequences on real Chromium, tried as a user with no option would: a Navigate, then a read
 * of the page. A killed browser between the two must never make the read see a blank tab; with
 * the supervisor's defaults the page is loaded again first. Page loads are counted at the fixture
 * server. (A planned recycle between the two, with and without a lane handle, is the executor
 * contract's: test/contract/executor-contract.ts, on every executor.)
 */

const file = useChromiumFile('sequences-');

describe('task sequences across browser replacements (real Chromium)', () => {
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
    // A page loaded with images kept out comes back with them kept out (the image is held at the
    // server: a tab that asked for it would be seen asking).
    const key = `sequences-${randomUUID()}`;
    const image = holdImage(key);
    let asked = false;
    void image.seen.then(() => (asked = true));
    const imagePath = `/held-image-page?key=${key}`;
    const broken = await supervisor.withLane(async (lane) => {
      await lane.submit(Navigate(`${file.server.origin}${imagePath}`, { block: ['image'] }));
      const dead = new Promise<void>((resolve) => supervisor.on('restarting', () => resolve()));
      signalGroup(supervisor.browser?.pid as number, 'SIGKILL');
      await dead;
      return lane.submit(ExecuteJS('return document.images[0].complete && document.images[0].naturalWidth === 0'));
    });
    expect(broken).toBe(true);
    expect(file.server.count(imagePath)).toBe(2);
    expect(asked).toBe(false);
    image.release();
    await supervisor.stop();
  }, 120_000);
});
