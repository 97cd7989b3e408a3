import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Two cores: at most two files at once, so at most two real browsers run side by side. (Three
    // at once was tried: with a run of the suite's size beside it, 9 tests ran into their
    // deadlines.)
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    // The Redis queue key of this run, for every submitter and worker host the tests start (so that
    // no test makes ~/.config/browser-actor/queue.key; test/unit/queue-cipher.test.ts covers that file).
    env: { BROWSER_ACTOR_QUEUE_KEY: randomBytes(32).toString('hex') },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/chaos/**', 'test/bench/**'], sequence: { groupOrder: 0 } },
      },
      // The crash-loop run measures restarts against a fixed kill interval: it runs last, alone.
      { extends: true, test: { name: 'chaos', include: ['test/chaos/**/*.test.ts'], sequence: { groupOrder: 1 } } },
      // Not in `npm test` (which runs main and chaos): every benchmark at tiny sizes, about five
      // minutes of browsers, worker processes, Redis and Selenium Grid with browsers killed on a
      // timer (`npm run test:bench`). Beside another file it doubled both its own time and that
      // of the file next to it, so it runs alone.
      { extends: true, test: { name: 'benches', include: ['test/bench/**/*.test.ts'], sequence: { groupOrder: 2 } } },
    ],
  },
});
