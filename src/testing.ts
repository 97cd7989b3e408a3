/**
 * Test helpers, exported as `browser-actor/testing`: the in-memory Fake driver, a manual clock,
 * and PNG helpers. The Fake passes the same driver contract suite as the real adapters.
 */
export { FakeDriver, type FakeDriverOptions, type FakeOperation } from './drivers/fake/fake-driver.js';
export { FAKE_PAGE_HEIGHT_HEADER, type FakeRequest, type FakeResponse, type FakeSiteHandler } from './drivers/fake/fake-site.js';
export { pngSize, solidPng } from './internal/png.js';
export { ManualClock, flushMicrotasks } from './internal/manual-clock.js';
