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
    // The server holds the three pages unanswered until all three are in flight (or the test's
    // deadline ends it): only three tabs navigating at once can get there.
    const held = file.server.hold((p) => p.startsWith('/slow?ms=0&n=held-'));
    try {
      await supervisor.startActor();
      file.server.resetMaxInFlight();
      const results = Promise.all([1, 2, 3].map((i) => supervisor.submit(Navigate(`${file.server.origin}/slow?ms=0&n=held-${i}`))));
      for (const i of [1, 2, 3]) await file.server.waitForRequest((p) => p === `/slow?ms=0&n=held-${i}`);
      expect(file.server.maxInFlight).toBeGreaterThanOrEqual(3);
      held.release();
      expect((await results).map((r) => r.status)).toEqual([200, 200, 200]);
      expect(supervisor.health().lanes.map((l) => l.tabOpen)).toEqual([true, true, true]);
    } finally {
      held.release();
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
      const victim = victimLane.submit(
        ExecuteJS(
          "await fetch(arguments[0] + '/exec?task=tab-crash-victim'); await new Promise((r) => setTimeout(r, 5000)); return 'done'",
          [file.server.origin],
        ),
      );
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
    // Two contexts restored after a relaunch: about 5 s alone, and it has needed 30 on two busy
    // cores. The deadline ends a hung run; it does not judge speed.
  }, 90_000);

  it('a browser killed while it launches fails the launch at once (not at the launch deadline), and the next one serves', async () => {
    // The launch deadline is set far beyond the test's own: a supervisor that waited for it
    // would fail the test by its deadline. A try whose kill landed after the browser was
    // already up (a busy machine can be that slow to see the new process) tests no launch and
    // is made again with a new supervisor.
    for (let attempt = 1; ; attempt++) {
      const { supervisor } = file.supervised({ lanes: 1, actor: { launchTimeoutMs: 600_000 } });
      const faults: string[] = [];
      supervisor.on('fault', ({ kind }) => faults.push(kind));
      let readies = 0;
      supervisor.on('ready', () => readies++);
      try {
        const ready = supervisor.startActor();
        let victim: number | undefined;
        while (victim === undefined) {
          victim = file.browserMains()[0];
          if (victim === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const upBeforeKill = readies > 0;
        expect(signalProcess(victim, 'SIGKILL')).toBe(true);
        await ready;
        if (upBeforeKill) {
          expect(attempt, 'the kill never landed during a launch').toBeLessThan(5);
          continue;
        }
        expect(
          faults.some((kind) => kind === 'launch-failed' || kind === 'restore-failed'),
          faults.join(', '),
        ).toBe(true);
        expect(supervisor.browser?.pid).not.toBe(victim);
        expect(await supervisor.submit(Navigate(`${file.server.origin}/person?id=3`))).toMatchObject({ status: 200 });
        return;
      } finally {
        await supervisor.stop();
      }
    }
  });
});
