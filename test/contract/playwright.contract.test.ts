import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { PlaywrightDriver } from '../../src/drivers/playwright/playwright-driver.js';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { type FixtureServer, refusedUrl, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite } from '../support/fixture-site.js';
import { leftoversUnder } from '../support/leftovers.js';
import { defineDriverContract } from './driver-contract.js';

let server: FixtureServer;
// Each driver gets its own parent directory, so "left behind" can be checked per driver.
const roots = new Map<object, string>();

defineDriverContract(
  'playwright (real Chromium)',
  async () => {
    server = await startFixtureServer(fixtureSite);
    return {
      origin: server.origin,
      refusedUrl: await refusedUrl(),
      makeDriver: () => {
        const tmpRoot = mkdtempSync(join(browserDirsRoot(), 'contract-'));
        const driver = new PlaywrightDriver({ tmpRoot });
        roots.set(driver, tmpRoot);
        return driver;
      },
      leftovers: (driver) => leftoversUnder(roots.get(driver) as string),
    };
  },
  async () => {
    await server?.close();
    // rmdir (not rm -r): it fails, and so fails the suite, if a driver left anything inside.
    for (const root of roots.values()) rmdirSync(root);
  },
);
