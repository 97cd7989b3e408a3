import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Two cores, but the browser files spend much of their time waiting (for launches, kills,
    // deadlines, the site's latency): with two files at once the cores were busy less than half
    // of the run. Three files at once keep them busy; each file shares one server among its tests.
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      // The benchmark smoke run (every benchmark at tiny sizes: about 4 minutes of browsers, worker
      // processes, Redis and Selenium Grid) starts first, beside the other files.
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/chaos/**'], sequence: { groupOrder: 0 } } },
      // The crash-loop run measures restarts against a fixed kill interval: it runs last, alone.
      { extends: true, test: { name: 'chaos', include: ['test/chaos/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
