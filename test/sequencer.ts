import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Longest first: on a fresh clone vitest has no durations cached and would start files in an
 * order that can leave a long one for last, running alone while the other worker idles. These
 * files go first, in this order; the rest follow in vitest's own order.
 */
const LONGEST_FIRST = [
  'test/reliability/supervisor-chromium.test.ts',
  'test/reliability/redis-chromium.test.ts',
  'test/reliability/research-workers.test.ts',
  'test/session/session-chromium.test.ts',
  'test/integration/actor-chromium.test.ts',
  'test/integration/redis-dispatcher.test.ts',
  'test/integration/dispatcher.test.ts',
  'test/contract/redis.executor.test.ts',
  'test/contract/supervisor.executor.test.ts',
  'test/reliability/session-changes-chromium.test.ts',
  'test/integration/research-cli.test.ts',
  'test/contract/dispatcher.executor.test.ts',
  'test/reliability/webdriver-grid.test.ts',
  'test/reliability/dispatcher-chromium.test.ts',
  'test/reliability/webdriver-faults.test.ts',
  'test/reliability/long-run-leaks.test.ts',
  'test/integration/bench-report.test.ts',
];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = LONGEST_FIRST.findIndex((name) => f.moduleId.endsWith(name));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}
