import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SeriesSummary, SoakGoals, SoakRun } from '../../bench/soak-bench.js';

/**
 * `npm run bench:soak` at a tiny size (its figures mean nothing here): both sides answer every
 * page right, samples come at the interval asked, our side recycles at the limit asked and
 * reports each recycle's cost, and the research batch reports its peak RSS.
 */
const soak = fileURLToPath(new URL('../../build/bench/soak-bench.js', import.meta.url));

describe('bench:soak (smoke)', () => {
  it('runs each side in a process of its own and reports samples, slopes, recycles and the batch', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--expose-gc',
        soak,
        '--json',
        '--quiet',
        '--pages=30',
        '--every=10',
        '--sides=ours,playwright',
        '--queries=4',
        '--max-navigations=12',
      ],
      { timeout: 150_000, maxBuffer: 1 << 22 },
    );
    const report = JSON.parse(stdout) as {
      runs: SoakRun[];
      summaries: Record<string, Record<string, SeriesSummary>>;
      goals: SoakGoals[];
      research: { queries: number; peakRssMb: number };
    };
    expect(report.runs.map((r) => [r.side, r.pages, r.errors, r.wrong])).toEqual([
      ['ours', 30, 0, 0],
      ['playwright', 30, 0, 0],
    ]);
    for (const r of report.runs) {
      expect(r.samples.map((s) => s.pages)).toEqual([0, 10, 20, 30]);
      for (const s of r.samples) {
        expect(s.heapMb).toBeGreaterThan(1);
        expect(s.fds).toBeGreaterThan(3);
      }
      expect(r.samples.at(-1)?.browserRssMb).toBeGreaterThan(10);
      expect(r.samples.at(-1)?.msPerPage).toBeGreaterThan(0);
      expect(report.summaries[r.side]?.['heapMb']?.slopePer1000).toEqual(expect.any(Number));
    }
    const ours = report.runs[0] as SoakRun;
    expect(ours.recycles).toBe(2); // 30 navigations, a new browser every 12
    expect(ours.recycleMs).toHaveLength(2);
    expect(report.runs[1]?.recycles).toBe(0);
    // The goals line judges our side against Playwright's of the same run, from the samples.
    const heap = report.summaries['ours']?.['heapMb'] as SeriesSummary;
    const heaps = ours.samples.slice(2).map((s) => s.heapMb); // after warm-up: from the second non-zero sample
    expect([heap.min, heap.max]).toEqual([Math.min(...heaps), Math.max(...heaps)]);
    expect(report.goals).toHaveLength(1);
    const goal = report.goals[0] as SoakGoals;
    expect(goal.side).toBe('ours');
    expect(goal.heapHalfRangeMb).toBeCloseTo((heap.max - heap.min) / 2, 1);
    expect(goal.heapFlat).toBe(goal.heapHalfRangeMb <= 10);
    expect(goal.timeRatio).toBeGreaterThan(0);
    expect(goal.timeMet).toBe((goal.timeRatio ?? 0) <= 1.05);
    expect(report.research.queries).toBe(4);
    expect(report.research.peakRssMb).toBeGreaterThan(50);
  }, 180_000);
});
