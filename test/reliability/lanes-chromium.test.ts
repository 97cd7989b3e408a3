import { describe, expect, it } from 'vitest';
import type { PlaywrightDriver } from '../../src/drivers/playwright/playwright-driver.js';
import { signalGroup, signalProcess } from '../../src/drivers/process-tree.js';
import { ExecuteJS, Navigate } from '../../src/runtime/tasks/constructors.js';
import { useChromiumFile } from '../support/chromium-root.js';
import { readPersonName } from '../support/fixture-site.js';

/**
 * Lanes (several tabs of one supervised browser) on real Chromium: concurrency seen at the
 * server, a renderer crash confined to its lane, a launch killed midway. The crash-loop run is
 * in test/chaos/, which runs alone after everything else.
 */

const file = useChromiumFile('lanes-');

describe('SessionSupervisor lanes on real Chromium', () => {
  it('three lanes keep three navigations in flight at the server at once, each in its own tab', async () => {
    const { supervisor } = file.supervised({ lanes: 3 });
    try {
      await supervisor.startActor();
      file.server.resetMaxInFlight();
      const results = await Promise.all([1, 2, 3].map((i) => supervisor.submit(Navigate(`${file.server.origin}/slow?ms=1500&n=${i}`))));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(file.server.maxInFlight).toBeGreaterThanOrEqual(3);
      expect(supervisor.health().lanes.map((l) => l.tabOpen)).toEqual([true, true, true]);
    } finally {
      await supervisor.stop();
    }
  });

  it('a crashed tab fails only its own lane’s task; the neighbour lane’s navigation completes in the same browser', async () => {
    const { supervisor, drivers } = file.supervised({ lanes: 2 });
    try {
      await supervisor.startActor();
      const pid = supervisor.browser?.pid;
      const victimLane = supervisor.lane();
      await victimLane.submit(Navigate(`${file.server.origin}/landed?lane=victim`));
      const victim = victimLane.submit(ExecuteJS("await fetch(arguments[0] + '/exec?task=tab-crash-victim'); await new Promise((r) => setTimeout(r, 5000)); return 'done'", [file.server.origin]));
      victim.catch(() => undefined);
      await file.server.waitForRequest((p) => p === '/exec?task=tab-crash-victim');
      const neighbour = supervisor.submit(Navigate(`${file.server.origin}/slow?ms=1500&n=neighbour`));
      await file.server.waitForRequest((p) => p === '/slow?ms=1500&n=neighbour');
      expect(await (drivers[0] as PlaywrightDriver).injectPageCrash('lane=victim')).toBe(true);
      await expect(victim).rejects.toMatchObject({ code: 'ERR_ACTOR_CRASHED', details: { maybeExecuted: true } });
      expect(await neighbour).toMatchObject({ status: 200 });
      expect(file.server.count('/exec?task=tab-crash-victim')).toBe(1);
      expect(supervisor.health()).toMatchObject({ restarts: 0, lastFault: { kind: 'page-crashed' } });
      expect(supervisor.browser?.pid).toBe(pid);
      // The handle's lane serves on: a fresh tab, and the same browser.
      expect(await victimLane.submit(Navigate(`${file.server.origin}/person?id=7`))).toMatchObject({ status: 200 });
      expect(await victimLane.submit(readPersonName)).toBe('Person 7');
      victimLane.release();
    } finally {
      await supervisor.stop();
    }
  });

  it('isolated lanes on real Chromium: each lane keeps its own login, also across a SIGKILL of the browser', async () => {
    const { supervisor } = file.supervised({ lanes: 2, isolateLanes: true });
    try {
      await supervisor.startActor();
      const a = supervisor.lane();
      const b = supervisor.lane();
      await a.submit(Navigate(`${file.server.origin}/set-cookies`));
      await b.submit(Navigate(`${file.server.origin}/landed`));
      const sent = async (lane: typeof a): Promise<string> => {
        await lane.submit(Navigate(`${file.server.origin}/echo-cookies`));
        return lane.submit(ExecuteJS<string>('return document.title', [], { idempotent: true }));
      };
      expect(await sent(a)).toMatch(/secret=s3cr3t-value/);
      expect(await sent(b)).toBe('cookies:');
      const pid = supervisor.browser?.pid ?? 0;
      expect(signalGroup(pid, 'SIGKILL')).toBe(true);
      expect(await sent(a)).toMatch(/secret=s3cr3t-value/); // restored into lane a's new context
      expect(await sent(b)).toBe('cookies:');
      expect(supervisor.health().restarts).toBe(1);
      a.release();
      b.release();
    } finally {
      await supervisor.stop();
    }
  });

  it('a browser killed while it launches fails the launch at once (not at the 30 s launch deadline), and the next one serves', async () => {
    const { supervisor } = file.supervised({ lanes: 1 });
    const faults: { kind: string; at: number }[] = [];
    supervisor.on('fault', ({ kind }) => faults.push({ kind, at: performance.now() }));
    try {
      const ready = supervisor.startActor();
      // Catch the first browser while it starts, and kill it.
      let victim: number | undefined;
      while (victim === undefined) {
        victim = file.browserMains()[0];
        if (victim === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const killedAt = performance.now();
      expect(signalProcess(victim, 'SIGKILL')).toBe(true);
      await ready;
      const failed = faults.find((f) => f.kind === 'launch-failed' || f.kind === 'restore-failed');
      expect(failed).toBeDefined();
      expect((failed?.at ?? Number.POSITIVE_INFINITY) - killedAt).toBeLessThan(5000);
      expect(supervisor.browser?.pid).not.toBe(victim);
      expect(await supervisor.submit(Navigate(`${file.server.origin}/person?id=3`))).toMatchObject({ status: 200 });
    } finally {
      await supervisor.stop();
    }
  });
});
