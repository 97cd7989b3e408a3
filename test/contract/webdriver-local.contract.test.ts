import { WEBDRIVER_CAPABILITIES, WebDriverDriver } from '../../src/drivers/webdriver/webdriver-driver.js';
import { defineDriverContract, localHarness } from './driver-contract.js';

// chromedriver, the browser and its crash handlers all run with paths under the driver's directory.
const { setup, teardown } = localHarness('contract-wd-', (tmpRoot) => new WebDriverDriver({ tmpRoot }));
defineDriverContract('webdriver, local chromedriver (real Chromium)', setup, teardown, WEBDRIVER_CAPABILITIES);
