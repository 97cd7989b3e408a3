import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { processesWithMarker, waitFor } from '../../src/drivers/process-tree.js';
import { WEBDRIVER_CAPABILITIES, WebDriverDriver } from '../../src/drivers/webdriver/webdriver-driver.js';
import { type SeleniumGrid, startSeleniumGrid } from '../support/selenium-grid.js';
import { type FixtureServer, refusedUrl, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite } from '../support/fixture-site.js';
import { defineDriverContract } from './driver-contract.js';

/**
 * The driver contract on Selenium Grid 4 (standalone, on 127.0.0.1, started here and stopped by
 * its pid): the WebDriver driver in remote mode, the browsers started by Grid's chromedriver.
 * One Grid for the whole file (a Grid takes seconds to start).
 */
let server: FixtureServer;
let grid: SeleniumGrid | undefined;
/** Per driver: the Grid's processes that existed before it launched; what it adds and leaves is its own. */
const before = new Map<object, Set<number>>();
const gridProcesses = (): Set<number> =>
  new Set(
    grid
      ? processesWithMarker(grid.dir)
          .filter((p) => p.state !== 'Z')
          .map((p) => p.pid)
      : [],
  );

defineDriverContract(
  'webdriver on Selenium Grid (real Chromium)',
  async () => {
    server = await startFixtureServer(fixtureSite);
    grid = await startSeleniumGrid({ parent: browserDirsRoot() });
    const url = grid.url;
    return {
      origin: server.origin,
      refusedUrl: await refusedUrl(),
      makeDriver: () => {
        const driver = new WebDriverDriver({ url });
        before.set(driver, gridProcesses());
        return driver;
      },
      leftovers: async (driver) => {
        const earlier = before.get(driver) ?? new Set<number>();
        const added = (): number[] => [...gridProcesses()].filter((pid) => !earlier.has(pid));
        await waitFor(() => added().length === 0, 5000, 100);
        return added().map((pid) => `process ${pid} of a Grid session`);
      },
      readsMemory: false,
    };
  },
  async () => {
    await server?.close();
    await grid?.stop();
  },
  WEBDRIVER_CAPABILITIES,
);
