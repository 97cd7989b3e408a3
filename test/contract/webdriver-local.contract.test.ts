import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { WEBDRIVER_CAPABILITIES, WebDriverDriver } from '../../src/drivers/webdriver/webdriver-driver.js';
import { type FixtureServer, refusedUrl, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite } from '../support/fixture-site.js';
import { leftoversUnder } from '../support/leftovers.js';
import { defineDriverContract } from './driver-contract.js';

let server: FixtureServer;
// Each driver gets its own parent directory, so "left behind" can be checked per driver:
// chromedriver, the browser and its crash handlers all run with paths under it.
const roots = new Map<object, string>();

defineDriverContract(
  'webdriver, local chromedriver (real Chromium)',
  async () => {
    server = await startFixtureServer(fixtureSite);
    return {
      origin: server.origin,
      refusedUrl: await refusedUrl(),
      makeDriver: () => {
        const tmpRoot = mkdtempSync(join(browserDirsRoot(), 'contract-wd-'));
        const driver = new WebDriverDriver({ tmpRoot });
        roots.set(driver, tmpRoot);
        return driver;
      },
      leftovers: (driver) => leftoversUnder(roots.get(driver) as string),
    };
  },
  async () => {
    await server?.close();
    for (const root of roots.values()) rmdirSync(root);
  },
  WEBDRIVER_CAPABILITIES,
);
