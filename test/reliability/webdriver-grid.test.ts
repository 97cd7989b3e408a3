import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { processesWithMarker, waitFor } from '../../src/drivers/process-tree.js';
import { WebDriverDriver } from '../../src/drivers/webdriver/webdriver-driver.js';
import { type SeleniumGrid, startSeleniumGrid } from '../support/selenium-grid.js';
import { createWorkDispatcher } from '../../src/runtime/dispatch/work-dispatcher.js';
import { SessionSupervisor } from '../../src/runtime/supervisor/session-supervisor.js';
import { GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite, readPersonName } from '../support/fixture-site.js';

/**
 * The runtime on Selenium Grid 4 (standalone on 127.0.0.1, one for the file, stopped by pid):
 * lanes as window handles of one Grid session, dispatcher workers whose browsers all run on the
 * Grid (the worker processes could not start one of their own), and a session that Grid ends
 * behind our back, detected and replaced with the login restored.
 */

let server: FixtureServer;
let grid: SeleniumGrid;
const gridSessionIds = async (): Promise<string[]> => {
  const status = (await (await fetch(`${grid.url}/status`, { signal: AbortSignal.timeout(5000) })).json()) as {
    value: { nodes: { slots: { session: { sessionId: string } | null }[] }[] };
  };
  return status.value.nodes.flatMap((n) => n.slots).flatMap((s) => (s.session ? [s.session.sessionId] : []));
};

/** The browsers and chromedrivers Grid runs now (its own Java process aside). */
const gridBrowsers = (): number => processesWithMarker(grid.dir).filter((p) => p.state !== 'Z' && p.pid !== grid.pid).length;

beforeAll(async () => {
  server = await startFixtureServer(fixtureSite);
  grid = await startSeleniumGrid({ parent: browserDirsRoot() });
});

afterAll(async () => {
  await server?.close();
  await grid?.stop();
});

describe('the runtime on Selenium Grid', () => {
  it('a supervisor with 2 lanes: each lane a window of one Grid session, every page read right', async () => {
    const supervisor = new SessionSupervisor({ driver: () => new WebDriverDriver({ url: grid.url }), lanes: 2 });
    try {
      await supervisor.startActor();
      const read = async (i: number): Promise<unknown> =>
        supervisor.withLane(async (lane) => {
          await lane.submit(Navigate(`${server.origin}/person?id=${i}`));
          return lane.submit(readPersonName);
        });
      expect(await Promise.all([1, 2, 3, 4, 5, 6].map(read))).toEqual([1, 2, 3, 4, 5, 6].map((i) => `Person ${i}`));
      expect(supervisor.browser?.pid).toBeNull(); // the browser is Grid's, not a process of ours
    } finally {
      await supervisor.stop();
    }
    expect(await waitFor(() => gridBrowsers() === 0, 10_000, 100)).toBe(true);
  });

  it('dispatcher workers drive their browsers on Grid: the worker processes need no browser of their own', async () => {
    const d = createWorkDispatcher({
      workers: 2,
      browser: { driver: 'webdriver', webdriverUrl: grid.url },
      // A Chromium the workers could start themselves does not exist: every browser must be Grid's.
      env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
    });
    try {
      await d.start();
      expect(await gridSessionIds()).toHaveLength(2);
      const names = await Promise.all(
        [11, 12, 13, 14].map((i) =>
          d.withLane(async (lane) => {
            await lane.submit(Navigate(`${server.origin}/person?id=${i}`));
            return lane.submit(readPersonName);
          }),
        ),
      );
      expect(names).toEqual(['Person 11', 'Person 12', 'Person 13', 'Person 14']);
    } finally {
      await d.stop();
    }
    expect(await waitFor(() => gridBrowsers() === 0, 10_000, 100)).toBe(true);
  });

  it('a session Grid ends behind our back is detected at the next task and replaced, with the login restored', async () => {
    // Grid ends a session itself when it idles past --session-timeout (at least 10 s, then up to
    // 30 s more until its cleanup runs). From our side that is the same as the session deleted
    // through Grid's own endpoint, which the test does, so as not to wait for Grid's clock.
    // No health probes or periodic snapshots: nothing of ours touches the session in between.
    const supervisor = new SessionSupervisor({
      driver: () => new WebDriverDriver({ url: grid.url }),
      probe: { intervalMs: 600_000 },
      snapshot: { intervalMs: 600_000 },
    });
    try {
      await supervisor.startActor();
      await supervisor.submit(Navigate(`${server.origin}/set-cookies`));
      const session = (await supervisor.submit(GetCookies(['secret'])))[0]?.value;
      expect(session).toBeTruthy();
      const ids = await gridSessionIds();
      expect(ids).toHaveLength(1);
      const deleted = await fetch(`${grid.url}/session/${ids[0] as string}`, { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
      expect(deleted.status).toBe(200);
      // Grid's status shows the slot free once the node has ended the browser.
      let free = false;
      for (let i = 0; i < 100 && !free; i++) {
        free = (await gridSessionIds()).length === 0;
        if (!free) await new Promise((r) => setTimeout(r, 100));
      }
      expect(free).toBe(true);
      // The next task finds the session gone, and runs on a new one with the cookie restored.
      expect((await supervisor.submit(GetCookies(['secret']), { timeoutMs: 60_000 }))[0]?.value).toBe(session);
      expect(supervisor.health().restarts).toBe(1);
      expect(supervisor.health().lastFault?.reason).toMatch(/Unable to find session|invalid session id|timed out due to inactivity/);
      expect(await gridSessionIds()).toHaveLength(1);
    } finally {
      await supervisor.stop();
    }
  }, 90_000);
});
