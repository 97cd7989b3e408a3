/**
 * `npm run bench` — every benchmark in one run, then a report: Markdown tables, an HTML page with
 * charts (inline SVG, no network needed to open it) and the raw JSON, in `bench-report/` (or
 * `--out=DIR`). Each benchmark runs as its own process with `--json`, at the sizes below (smaller
 * than its own defaults, so that the whole run fits in about 20 minutes on a 2-core machine); the
 * report records each one's command, its rounds and its time, and the machine (CPU model, cores,
 * memory, Node and Chromium versions). A whole standard run in which every benchmark succeeded
 * then rewrites the figures in README.md and docs/benchmarks.md (their generated blocks) and keeps
 * its raw result as docs/bench-report.json (see report-docs.ts). Progress goes to stderr: one line
 * per benchmark, and a bar with the time left (a line every 10 s when stderr is not a terminal).
 * Flags: `--out=DIR`, `--only=name,name` (the names below; the documents are then left alone),
 * `--smoke` (tiny sizes: proves that every benchmark still works, as CI does; its figures mean
 * nothing; no bar, no documents), `--quiet` (no bar), `--no-docs` (leave the documents alone),
 * `--docs-from=FILE` (run nothing: rewrite the documents' blocks from a report.json).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo, stringFlag } from './report.js';
import { renderHtml, renderMarkdown } from './report-render.js';
import { writeDocs } from './report-docs.js';
import { type BenchEntry, type BenchReport, commandOf, runChildBench } from './run-child.js';
import { createProgress } from '../src/internal/progress.js';

export interface BenchStep {
  readonly name: string;
  readonly title: string;
  readonly script: string;
  /** Arguments for the standard run and for the smoke run. */
  readonly args: readonly string[];
  readonly smokeArgs: readonly string[];
  /** What the standard run is expected to take here, for the progress line's estimate. */
  readonly plannedSeconds: number;
}

export const STEPS: readonly BenchStep[] = [
  {
    name: 'actor',
    title: 'The actor: mailbox, dispatch overhead, Chromium tasks',
    script: 'actor-bench',
    args: ['--quick'],
    smokeArgs: ['--quick', '--only=mailbox'],
    plannedSeconds: 25,
  },
  {
    name: 'recovery',
    title: 'Recovery after a browser crash, with session restore',
    script: 'recovery-bench',
    args: [],
    smokeArgs: ['--quick'],
    plannedSeconds: 50,
  },
  {
    name: 'cpu',
    title: "Where a page's CPU goes: ours against plain Playwright",
    script: 'cpu-bench',
    args: ['--pages=100', '--rounds=3'],
    smokeArgs: ['--pages=4', '--rounds=1', '--lanes=1'],
    plannedSeconds: 200,
  },
  {
    name: 'chaos',
    title: 'Chaos: lane-handle sequences while the serving Chromium is SIGKILLed',
    script: 'chaos-bench',
    args: ['--pages=100', '--kill-every=2000,1000', '--deadline=200'],
    smokeArgs: ['--pages=6', '--kill-every=2000', '--sides=lanes', '--deadline=120'],
    plannedSeconds: 240,
  },
  {
    name: 'site',
    title: 'The reference site: load, search and ladder latency',
    script: 'site-bench',
    args: ['--quick'],
    smokeArgs: ['--sizes=10000'],
    plannedSeconds: 10,
  },
  {
    name: 'gedcom',
    title: 'Reading GEDCOM files',
    script: 'gedcom-bench',
    args: ['--people=100000', '--rounds=1'],
    smokeArgs: ['--people=2000', '--rounds=1', '--export-people=2000'],
    plannedSeconds: 90,
  },
  {
    name: 'research',
    title: 'The research batch: naive against optimised',
    script: 'research-bench',
    args: ['--queries=20'],
    smokeArgs: ['--queries=2'],
    plannedSeconds: 60,
  },
  {
    name: 'session',
    title: 'The session layer: naive against optimised',
    script: 'session-bench',
    args: ['--calls=100', '--rounds=1'],
    smokeArgs: ['--calls=8', '--rounds=1', '--latency=0', '--callers=2'],
    plannedSeconds: 60,
  },
  {
    name: 'peers',
    title: 'Beside the peers: pages, crashes, signed-in API work',
    script: 'peers-bench',
    args: ['--pages=30', '--rounds=1', '--crash-pages=40', '--crash-deadline=60'],
    // Every contender on every workload; 600 ms per page so that our side's 16 pages still outlast the first kill,
    // and a deadline that a 2-worker dispatcher restarting under the load of the whole test suite still meets.
    // A kill every 5 s: beside the other test files Chromium takes about 3 s to start, and this killer also hits
    // browsers still starting, so at 3 s a replacement could be killed again and again before it served (the
    // full benchmark runs K = 8 and 2 on a quiet machine).
    smokeArgs: [
      '--pages=2',
      '--rounds=1',
      '--concurrency=2',
      '--latency=600',
      '--crash-pages=16',
      '--kill-every=5',
      '--crash-deadline=75',
      '--queries=2',
    ],
    plannedSeconds: 660,
  },
  {
    name: 'peers-300',
    title: 'Beside the peers at 300 ms latency, 4 pages in flight',
    script: 'peers-bench',
    args: [
      '--workloads=A',
      '--latency=300',
      '--concurrency=4',
      '--pages=60',
      '--rounds=1',
      '--only=lanes,playwright,playwright-system,crawlee',
    ],
    smokeArgs: ['--workloads=A', '--latency=300', '--concurrency=4', '--pages=4', '--rounds=1', '--only=lanes,crawlee'],
    plannedSeconds: 90,
  },
  {
    name: 'drivers',
    title: 'Driver adapters: Playwright, WebDriver local and on Selenium Grid',
    script: 'drivers-bench',
    args: ['--rounds=5'],
    smokeArgs: ['--rounds=1', '--scripts=5'],
    plannedSeconds: 60,
  },
  {
    name: 'gates',
    title: "The note's decision gates",
    script: 'gates-bench',
    args: ['--pages=30'],
    smokeArgs: ['--pages=2', '--queries=2', '--lane-latency=300', '--widths=1'],
    plannedSeconds: 250,
  },
];

/** The project's root (this file runs from build/bench/). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function updateDocs(report: BenchReport): void {
  try {
    const files = writeDocs(report, ROOT);
    process.stderr.write(`Figures updated from this run in ${files.join(', ')}\n`);
  } catch (error) {
    process.stderr.write(`Documents not updated: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const docsFrom = stringFlag(args, 'docs-from');
  if (docsFrom !== undefined) {
    updateDocs(JSON.parse(readFileSync(resolve(docsFrom), 'utf8')) as BenchReport);
    return;
  }
  const smoke = args.includes('--smoke');
  const out = resolve(stringFlag(args, 'out') ?? 'bench-report');
  const only = stringFlag(args, 'only')?.split(',').filter(Boolean);
  if (only?.some((n) => !STEPS.some((s) => s.name === n)))
    throw new Error(`--only takes names from: ${STEPS.map((s) => s.name).join(', ')}`);
  const steps = STEPS.filter((s) => !only || only.includes(s.name));
  const started = performance.now();
  const planned = steps.reduce((n, s) => n + s.plannedSeconds, 0);
  // Progress weighted by each benchmark's planned time, so that its time left means something;
  // within a benchmark it creeps up with the clock, never past that benchmark's share.
  const progress = createProgress({
    unit: 's of planned run time',
    total: planned,
    rate: false,
    heartbeat: true,
    quiet: args.includes('--quiet') || smoke,
  });
  let plannedDone = 0;
  const benches: BenchEntry[] = [];
  for (const [i, step] of steps.entries()) {
    const elapsed = (performance.now() - started) / 1000;
    const eta = smoke ? '' : `, about ${Math.max(1, Math.round((planned - plannedDone) / 60))} min left`;
    progress.print(
      `[${i + 1}/${steps.length}] ${step.name}: ${commandOf({ script: step.script, args: smoke ? step.smokeArgs : step.args })} (${Math.round(elapsed)} s so far${eta})\n`,
    );
    progress.label(`${step.name} (${i + 1}/${steps.length})`);
    const stepStarted = performance.now();
    const creep = setInterval(
      () => progress.set(plannedDone + Math.min(step.plannedSeconds * 0.95, (performance.now() - stepStarted) / 1000)),
      1000,
    );
    const result = await runChildBench({
      script: step.script,
      args: smoke ? step.smokeArgs : step.args,
      timeoutMs: (smoke ? 420 : Math.max(600, step.plannedSeconds * 3)) * 1000,
    }).finally(() => clearInterval(creep));
    plannedDone += step.plannedSeconds;
    progress.set(plannedDone);
    benches.push({ name: step.name, title: step.title, ...result });
    progress.print(`      ${result.error === undefined ? 'done' : `FAILED: ${result.error}`} in ${Math.round(result.seconds)} s\n`);
  }
  progress.end();
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    profile: smoke ? 'smoke' : 'standard',
    machine: machineInfo(),
    totalSeconds: Math.round((performance.now() - started) / 1000),
    benches,
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(resolve(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(resolve(out, 'report.md'), renderMarkdown(report));
  writeFileSync(resolve(out, 'report.html'), renderHtml(report));
  process.stderr.write(`Report in ${out}: report.md, report.html, report.json (${report.totalSeconds} s in all)\n`);
  if (benches.some((b) => b.error !== undefined)) process.exitCode = 1;
  if (!smoke && !only && !args.includes('--no-docs')) updateDocs(report);
}

await main();
