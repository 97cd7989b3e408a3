import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { REQUIRED_CHROMIUM_FLAGS, findChromium } from '../../src/drivers/find-chromium.js';

/**
 * A plain Playwright Chromium for looking at pages in a test (a report, the status page), with
 * its TMPDIR in a directory of its own: Chromium's `org.chromium.Chromium.*` files must never
 * land in /tmp, where the other test files check that none of theirs are left.
 */
export async function launchViewer(): Promise<{ browser: Browser; close(): Promise<void> }> {
  mkdirSync(browserDirsRoot(), { recursive: true });
  const dir = mkdtempSync(join(browserDirsRoot(), 'viewer-'));
  const browser = await chromium.launch({
    executablePath: findChromium(),
    args: [...REQUIRED_CHROMIUM_FLAGS],
    headless: true,
    timeout: 30_000,
    env: { ...process.env, TMPDIR: dir, HOME: dir },
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
