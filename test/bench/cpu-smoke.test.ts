import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CpuRow, SideRun } from '../../bench/cpu-bench.js';

/**
 * `npm run bench:cpu` at a tiny size (its figures mean nothing here): both sides answer every
 * page right, and the CPU of every process kind a page uses is measured for each.
 */
const bench = fileURLToPath(new URL('../../build/bench/cpu-bench.js', import.meta.url));

describe('bench:cpu (smoke)', () => {
  it('measures CPU per page by process kind for ours and plain Playwright, in children of their own', () => {
    const r = spawnSync(process.execPath, [bench, '--json', '--pages=6', '--rounds=1', '--lanes=1,2', '--latency=0'], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: CpuRow[]; runs: SideRun[] };
    expect(out.rows.map((row) => row.lanes)).toEqual([1, 2]);
    expect(out.runs).toHaveLength(4);
    for (const run of out.runs) {
      expect(run, `${run.side} at ${run.lanes}`).toMatchObject({ pages: 6, errors: 0, wrong: 0 });
      // Node, the browser process and a renderer all work for every page; Chromium's processes are found.
      for (const kind of ['node', 'browser', 'renderer'] as const) expect(run.cpuMs[kind], `${run.side} ${kind}`).toBeGreaterThan(0);
      expect(run.processes).toBeGreaterThanOrEqual(3);
    }
    for (const row of out.rows) expect(row.totalRatio).toBeGreaterThan(0);
  }, 300_000);
});
