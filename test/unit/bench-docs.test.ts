import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCS_REPORT, DOC_BLOCKS, blockBody, readmePerformance, replaceBlock, writeDocs } from '../../bench/report-docs.js';
import type { BenchReport } from '../../bench/run-child.js';

/**
 * The figures in README.md and docs/benchmarks.md come from one `npm run bench` run: the run
 * rewrites their generated blocks and keeps its raw result as docs/bench-report.json. These tests
 * check the rewriting, and that the committed documents say what the committed run measured.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const open = (name: string): string => `<!-- bench-report:begin ${name} (written by npm run bench; edits here are overwritten) -->`;
const close = (name: string): string => `<!-- bench-report:end ${name} -->`;
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A standard report with every benchmark the README quotes, at made-up figures. */
function report(overrides: Partial<BenchReport> = {}): BenchReport {
  const entry = (name: string, json: unknown) => ({
    name,
    title: name,
    command: `node build/bench/${name}-bench.js --json`,
    seconds: 1,
    json,
  });
  return {
    generatedAt: '2026-12-08T04:00:00.000Z',
    profile: 'standard',
    machine: {
      cpu: 'Test CPU',
      cores: 2,
      memoryGiB: 24,
      node: 'v20.0.0',
      chromium: 'Chromium 1.0',
      command: 'node build/bench/run-all.js',
    },
    totalSeconds: 1800,
    benches: [
      entry('recovery', { rounds: 7, coldStartMs: 600, recoveryMs: 690, ratio: 1.15, standbyRecoveryMs: 120, standbyRatio: 0.2 }),
      entry('cpu', {
        pages: 100,
        rounds: 3,
        latencyMs: 20,
        rows: [{ lanes: 1, totalRatio: 0.71, ours: {}, playwright: {}, playwrightShell: {}, shellRatio: 1.19 }],
      }),
      entry('chaos', {
        runs: [{ side: 'lanes', killEveryMs: 1000, pages: 100, right: 100, failed: {}, wrongReads: 0, kills: 40, wallMs: 90_000 }],
      }),
      entry('peers', {
        A: {
          pages: 30,
          latencyMs: 20,
          summary: [
            { concurrency: 1, label: 'browser-actor: 1 browser, N lanes', pagesPerSecond: 12.345 },
            { concurrency: 1, label: "Crawlee's PlaywrightCrawler (defaults)", pagesPerSecond: 4.5 },
            { concurrency: 2, label: 'browser-actor: 1 browser, N lanes', pagesPerSecond: 14.25 },
          ],
        },
        B: {
          pages: 40,
          retries: 7,
          summary: [{ killEverySeconds: 2, label: 'browser-actor: 1 browser, N lanes', completed: 40, tasks: 40, lost: 0, duplicated: 0 }],
        },
      }),
    ],
    ...overrides,
  };
}

function tempRoot(readme: string, benchmarks: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-docs-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'docs'));
  writeFileSync(join(dir, 'README.md'), readme);
  writeFileSync(join(dir, 'docs', 'benchmarks.md'), benchmarks);
  return dir;
}

describe('the generated blocks of README.md and docs/benchmarks.md', () => {
  it('replaces only what lies between its two markers', () => {
    const text = `before\n${open('x')}\nold figures\n${close('x')}\nafter\n`;
    const out = replaceBlock(text, 'x', 'new figures', 'F.md');
    expect(out).toBe(`before\n${open('x')}\n\nnew figures\n\n${close('x')}\nafter\n`);
    expect(blockBody(out, 'x')).toBe('new figures');
    expect(replaceBlock(out, 'x', 'new figures', 'F.md')).toBe(out); // rewriting is stable
  });

  it('refuses a file whose markers are missing, doubled or out of order, naming the file and the lines it needs', () => {
    for (const text of [
      'no markers',
      `${close('x')}\n${open('x')}`,
      `${open('x')}\n${close('x')}\n${open('x')}\n${close('x')}`,
      `${open('x')}\nonly the start`,
    ]) {
      expect(() => replaceBlock(text, 'x', 'body', 'docs/F.md')).toThrow(
        /docs\/F\.md has no single generated block "x"[\s\S]*bench-report:begin x/,
      );
    }
  });

  it('writes both documents and the raw result from a whole standard run, and nothing from a smoke run or a run with a failure', () => {
    const readme = `# R\n${open('performance')}\nold\n${close('performance')}\ntail\n`;
    const benchmarks = `# B\n${open('latest-run')}\nold\n${close('latest-run')}\n`;
    const dir = tempRoot(readme, benchmarks);
    expect(() => writeDocs(report({ profile: 'smoke' }), dir)).toThrow(/standard run only/);
    const failed = report();
    expect(() =>
      writeDocs(
        { ...failed, benches: [...failed.benches, { name: 'gates', title: 'g', command: 'c', seconds: 1, error: 'timed out' }] },
        dir,
      ),
    ).toThrow(/left as they were: gates failed/);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe(readme);
    expect(writeDocs(report(), dir)).toEqual(['README.md', 'docs/benchmarks.md', DOCS_REPORT]);
    const written = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(written.startsWith('# R\n')).toBe(true);
    expect(written.endsWith('tail\n')).toBe(true);
    const body = blockBody(written, 'performance') ?? '';
    expect(body).toContain('on 2026-12-08');
    expect(body).toContain('Test CPU, 2 cores');
    expect(body).toContain('| 1 | **12.35** | 4.50 |'); // pages/s by pages in flight, ours in bold
    expect(body).toContain('| 2 | **14.25** | – |');
    expect(body).toContain('40 of 40, 0 lost, 0 duplicated');
    expect(body).toContain('**1.15×** (goal ≤ 1.2×; medians of 7 alternating rounds)');
    expect(body).toContain('1 in flight **0.71×**');
    expect(body).toContain('lanes at a kill every 1.0 s: 100 of 100 right (40 kills, 0 failed, 0 wrong reads)');
    expect(blockBody(readFileSync(join(dir, 'docs', 'benchmarks.md'), 'utf8'), 'latest-run')).toContain('| 1 | ours |');
    expect(JSON.parse(readFileSync(join(dir, DOCS_REPORT), 'utf8'))).toEqual(report());
  });

  it('leaves every document untouched when one of them lacks its block', () => {
    const readme = `# R\n${open('performance')}\nold\n${close('performance')}\n`;
    const dir = tempRoot(readme, '# B without its block\n');
    expect(() => writeDocs(report(), dir)).toThrow(/docs\/benchmarks\.md has no single generated block "latest-run"/);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe(readme);
  });

  it('README.md and docs/benchmarks.md quote the run kept in docs/bench-report.json, as it would write them', () => {
    const kept = JSON.parse(readFileSync(join(root, DOCS_REPORT), 'utf8')) as BenchReport;
    expect(kept.profile).toBe('standard');
    expect(kept.benches.filter((b) => b.error !== undefined).map((b) => b.name)).toEqual([]);
    for (const { file, block, render } of DOC_BLOCKS) {
      const body = blockBody(readFileSync(join(root, file), 'utf8'), block);
      expect(body, `${file} has its block "${block}"`).toBeDefined();
      expect(body, `${file}: run node build/bench/run-all.js --docs-from=${DOCS_REPORT}`).toBe(render(kept).trim());
    }
    expect(readmePerformance(kept)).toContain(kept.generatedAt.slice(0, 10));
  });
});
