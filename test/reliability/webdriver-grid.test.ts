import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { processesWithMarker, waitFor } from '../../src/drivers/process-tree.js';
import { WebDriverDriver } from '../../src/drivers/webdriver/webdriver-driver.js';
import { type SeleniumGrid, startSeleniumGrid } from '../../src/internal/selenium-grid.js';
import { createWorkDispatcher } from '../../src/runtime/dispatch/work-dispatcher.js';
import { SessionSupervisor } from '../../src/runtime/supervisor/session-supervisor.js';
import { GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite, readPersonName } from '../support/fixture-site.js';

/**
 * The runtime on Selenium Grid 4 (standalone on 127.0.0.1, one for the file, stopped by pid):
 * lanes as window handles of one Grid session, dispatcher workers whose browsers all run on the
 * Grid (the worker processes could not start one of their own), and a session that Grid itself
 * ends for inactivity, detected and replaced with the login restored.
 */

let server: FixtureServer;
let grid: SeleniumGrid;
const gridSessions = async (): Promise<number> => {
  const status = (await (await fetch(`${grid.url}/status`, { signal: AbortSignal.timeout(5000) })).json()) as { value: { nodes: { slots: { session: unknown }[] }[] } };
  return status.value.nodes.flatMap((n) => n.slots).filter((s) => s.session).length;
};

/** The browsers and chromedrivers Grid runs now (its own Java process aside). */
const gridBrowsers = (): number => processesWithMarker(grid.dir).filter((p) => p.state !== 'Z' && p.pid !== grid.pid).length;

beforeAll(async () => {
  server = await startFixtureServer(fixtureSite);
  // Grid ends a session idle for 10 s (it checks every few seconds, so it takes up to ~30 s).
  grid = await startSeleniumGrid({ parent: browserDirsRoot(), sessionTimeoutSeconds: 10 });
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

  it("dispatcher workers drive their browsers on Grid: the worker processes need no browser of their own", async () => {
    const d = createWorkDispatcher({
      workers: 2,
      browser: { driver: 'webdriver', webdriverUrl: grid.url },
      // A Chromium the workers could start themselves does not exist: every browser must be Grid's.
      env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
    });
    try {
      await d.start();
      expect(await gridSessions()).toBe(2);
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

  it("a session Grid ends for inactivity is detected at the next task and replaced, with the login restored", async () => {
    // No health probes or periodic snapshots: nothing keeps the session busy, so Grid ends it.
    const supervisor = new SessionSupervisor({ driver: () => new WebDriverDriver({ url: grid.url }), probe: { intervalMs: 600_000 }, snapshot: { intervalMs: 600_000 } });
    try {
      await supervisor.startActor();
      await supervisor.submit(Navigate(`${server.origin}/set-cookies`));
      const session = (await supervisor.submit(GetCookies(['secret'])))[0]?.value;
      expect(session).toBeTruthy();
      expect(await gridSessions()).toBe(1);
      // Wait for Grid, not for a fixed time.
      let ended = false;
      for (let i = 0; i < 90 && !ended; i++) {
        ended = (await gridSessions()) === 0;
        if (!ended) await new Promise((r) => setTimeout(r, 500));
      }
      expect(ended).toBe(true);
      // The next task finds the session gone, and runs on a new one with the cookie restored.
      expect((await supervisor.submit(GetCookies(['secret']), { timeoutMs: 60_000 }))[0]?.value).toBe(session);
      expect(supervisor.health().restarts).toBe(1);
      expect(supervisor.health().lastFault?.reason).toMatch(/timed out due to inactivity|Unable to find session/);
    } finally {
      await supervisor.stop();
    }
  }, 90_000);
});
