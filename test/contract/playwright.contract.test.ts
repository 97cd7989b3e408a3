import { PlaywrightDriver } from '../../src/drivers/playwright/playwright-driver.js';
import { defineDriverContract, localHarness } from './driver-contract.js';

const { setup, teardown } = localHarness('contract-', (tmpRoot) => new PlaywrightDriver({ tmpRoot }));
defineDriverContract('playwright (real Chromium)', setup, teardown);
