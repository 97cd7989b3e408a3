/**
 * `npm run bench:soak` — long runs: does memory stay flat?
 *
 * N person pages of the reference site (navigate, then read the name and the lifespan) through
 * each side, each side in a child process of its own started with `--expose-gc`, so that its
 * Node heap is measured alone (the site runs in this process):
 *  - `ours`: a SessionSupervisor with its defaults (1 lane, recycling on), each page a lane handle's Navigate and read;
 *  - `plain`: the same, each page a plain `submit(Navigate)` then `submit(read)`, no lane handle
 *    (a recycle between the two must not show: the read reopens the page);
 *  - `ours-no-recycle`: the same with recycling turned off (what the defaults prevent);
 *  - `lanes`: a SessionSupervisor with 2 lanes, two callers;
 *  - `playwright`: plain Playwright doing the same calls on one page of one browser.
 * Every `--every` pages each side samples: Node heap after a forced GC, Node RSS, the RSS of all
 * its browser processes, its open descriptors, and the time per page over the last window. The
 * report shows each series and its slope per 1 000 pages after warm-up (the first sample is
 * warm-up). Then a research batch of `--queries` searches (0: skipped) with its peak RSS.
 *
 * Flags: `--pages=N` (default 20 000), `--every=N` (1 000), `--sides=a,b` (default all four),
 * `--queries=N` (10 000), `--max-navigations=N` (our sides' recycling, instead of the default),
 * `--json`, `--quiet` (no progress).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { browserDirsRoot } from '../src/drivers/browser-dirs.js';
import { REQUIRED_CHROMIUM_FLAGS } from '../src/drivers/find-chromium.js';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { generateTree } from '../src/genealogy/synthetic.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { ImportCookies } from '../src/runtime/tasks/constructors.js';
import { startTreeSite } from '../src/site/server.js';
import { readInPage } from './peers-common.js';
import { type PersonPage, laneVisitor, personPages, plainVisitor } from './person-pages.js';
import {
  benchProgress,
  descendantsRss,
  intFlag,
  machineInfo,
  machineLine,
  samplePeakRss,
  signInOverHttp,
  stringFlag,
  textLog,
  benchChromium,
} from './report.js';
import { runResearchBatch } from './research-batch.js';
import { runChildBench } from './run-child.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const log = textLog(asJson);
const SIDES = ['ours', 'plain', 'ours-no-recycle', 'lanes', 'playwright'] as const;
type Side = (typeof SIDES)[number];

export interface SoakSample {
  /** Pages done when the sample was taken. */
  readonly pages: number;
  readonly heapMb: number;
  readonly rssMb: number;
  readonly browserRssMb: number;
  readonly fds: number;
  /** Mean time per page since the previous sample. */
  readonly msPerPage: number;
}

export interface SoakRun {
  readonly side: Side;
  readonly pages: number;
  readonly samples: readonly SoakSample[];
  readonly errors: number;
  readonly wrong: number;
  /** Browser replacements (planned recycles on our side). */
  readonly recycles: number;
  /** Each recycle's downtime: from retiring the old browser to the new one serving with the session restored. */
  readonly recycleMs?: readonly number[];
  /** Session snapshots taken and skipped (no change reported) on our side. */
  readonly snapshots?: { readonly taken: number; readonly skipped: number };
  readonly error?: string;
}

const mb = (bytes: number): number => Math.round((bytes / 1_048_576) * 10) / 10;

function sample(pages: number, windowMs: number, windowPages: number): SoakSample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:soak does)');
  gc();
  gc();
  const browserRss = descendantsRss();
  return {
    pages,
    heapMb: mb(process.memoryUsage().heapUsed),
    rssMb: mb(process.memoryUsage.rss()),
    browserRssMb: mb(browserRss),
    fds: readdirSync('/proc/self/fd').length,
    msPerPage: windowPages > 0 ? Math.round((windowMs / windowPages) * 100) / 100 : 0,
  };
}

/** One side's run, in this (child) process: `visit` each page from `callers` loops, sampling every `every` pages. */
async function soak(
  side: Side,
  pages: readonly PersonPage[],
  every: number,
  callers: number,
  visit: (page: PersonPage) => Promise<{ name: unknown }>,
  recycles: () => number,
): Promise<SoakRun> {
  const samples: SoakSample[] = [sample(0, 0, 0)];
  let next = 0;
  let done = 0;
  let errors = 0;
  let wrong = 0;
  let windowStart = performance.now();
  let windowFrom = 0;
  let sampling: Promise<void> = Promise.resolve();
  const loop = async (): Promise<void> => {
    for (;;) {
      await sampling;
      const i = next++;
      const page = pages[i];
      if (!page) return;
      try {
        const { name } = await visit(page);
        if (name !== page.name) wrong++;
      } catch {
        errors++;
      }
      done++;
      if (done % 100 === 0) process.stderr.write(`soak-progress ${done}\n`);
      if (done % every === 0) {
        // Other callers wait while the sample is taken, so the window's time is pages only.
        const windowMs = performance.now() - windowStart;
        const taken = done;
        sampling = (async () => {
          samples.push(sample(taken, windowMs, taken - windowFrom));
          windowFrom = taken;
          windowStart = performance.now();
        })();
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, loop));
  await sampling;
  return { side, pages: done, samples, errors, wrong, recycles: recycles() };
}

async function runChild(side: Side): Promise<void> {
  const origin = stringFlag(args, 'origin') ?? '';
  const sid = process.env['BROWSER_ACTOR_SOAK_SID'] ?? '';
  const count = intFlag(args, 'pages', 20_000, 1);
  const every = intFlag(args, 'every', 1000, 1);
  const { tree } = generateTree({ people: 10_000, seed: 1 });
  const pages = personPages(tree, count);
  mkdirSync(browserDirsRoot(), { recursive: true });
  const root = mkdtempSync(join(browserDirsRoot(), 'soak-'));
  let run: SoakRun;
  try {
    if (side === 'playwright') {
      const browser = await chromium.launch({
        executablePath: benchChromium(),
        args: [...REQUIRED_CHROMIUM_FLAGS],
        headless: true,
        timeout: 30_000,
      });
      try {
        const context = await browser.newContext();
        await context.addCookies([{ name: 'sid', value: sid, url: origin, httpOnly: true, sameSite: 'Lax' }]);
        const page = await context.newPage();
        run = await soak(
          side,
          pages,
          every,
          1,
          async (p) => {
            await page.goto(origin + p.path, { timeout: 30_000 });
            return page.evaluate<{ name: unknown }>(readInPage);
          },
          () => 0,
        );
      } finally {
        await browser.close();
      }
    } else {
      const lanes = side === 'lanes' ? 2 : 1;
      const maxNavigations = stringFlag(args, 'max-navigations');
      const recycle =
        side === 'ours-no-recycle'
          ? (false as const)
          : maxNavigations === undefined
            ? undefined
            : { maxNavigations: Number(maxNavigations) };
      const supervisor = new SessionSupervisor({
        driver: () => new PlaywrightDriver({ tmpRoot: root }),
        lanes,
        ...(recycle === undefined ? {} : { recycle }),
      });
      const recycleMs: number[] = [];
      supervisor.on('ready', (e) => {
        if (e.generation > 0) recycleMs.push(Math.round(e.downtimeMs)); // generation 0 is the first browser
      });
      try {
        await supervisor.startActor();
        await supervisor.submit(ImportCookies([{ name: 'sid', value: sid, url: origin, httpOnly: true, sameSite: 'Lax' }]));
        const visit = side === 'plain' ? plainVisitor(supervisor, origin) : laneVisitor((fn) => supervisor.withLane(fn), origin);
        run = {
          ...(await soak(side, pages, every, lanes, visit, () => supervisor.health().recycles)),
          recycleMs,
          snapshots: supervisor.health().snapshots,
        };
      } finally {
        await supervisor.stop();
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(JSON.stringify(run));
}

async function runResearchChild(): Promise<void> {
  const queries = intFlag(args, 'queries', 10_000, 1);
  // Node and every browser it started, together.
  const peak = samplePeakRss(250, { self: true });
  const started = performance.now();
  try {
    const run = await runResearchBatch({ concurrency: 4, queries, latencyMs: 0 });
    console.log(
      JSON.stringify({
        queries: run.queries,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        peakRssMb: mb(peak.stop()),
        nodeRssMb: mb(process.memoryUsage.rss()),
        apiCalls: run.apiCalls,
      }),
    );
  } finally {
    peak.stop();
  }
}

/** Least-squares slope of `y` over `x`, per 1 000 of `x`. */
export function slopePer1000(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  return sxx === 0 ? 0 : Math.round((sxy / sxx) * 1000 * 100) / 100;
}

const SERIES = ['heapMb', 'rssMb', 'browserRssMb', 'fds', 'msPerPage'] as const;

export interface SeriesSummary {
  readonly slopePer1000: number;
  /** Last sample minus the first, after warm-up. */
  readonly change: number;
  /** Lowest and highest sample after warm-up. */
  readonly min: number;
  readonly max: number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Each series' slope per 1 000 pages, change and range, after warm-up (from the second sample on). */
export function summarise(run: SoakRun): Record<(typeof SERIES)[number], SeriesSummary> {
  const warm = run.samples.filter((s) => s.pages > 0).slice(1);
  const out = {} as Record<(typeof SERIES)[number], SeriesSummary>;
  for (const key of SERIES) {
    const values = warm.map((s) => s[key]);
    const points = warm.map((s) => [s.pages, s[key]] as const);
    out[key] = {
      slopePer1000: slopePer1000(points),
      change: round1((values.at(-1) ?? 0) - (values[0] ?? 0)),
      min: values.length === 0 ? 0 : Math.min(...values),
      max: values.length === 0 ? 0 : Math.max(...values),
    };
  }
  return out;
}

/** Issue #17's goals for one of our sides, against plain Playwright of the same run. */
export interface SoakGoals {
  readonly side: Side;
  /** Half the heap's range after warm-up: the "±" of "flat within ±10 MB". */
  readonly heapHalfRangeMb: number;
  readonly heapFlat: boolean;
  /** The browser's RSS slope per 1 000 pages after warm-up; flat when under 5 MB per 1 000 pages. */
  readonly browserSlopeMb: number;
  readonly browserFlat: boolean;
  /** Mean time per page against plain Playwright's (undefined without a clean Playwright side). */
  readonly timeRatio?: number;
  readonly timeMet?: boolean;
}

/** A side whose pages all came back right: only such sides' figures are compared. */
const clean = (r: SoakRun): boolean => !r.error && r.errors === 0 && r.wrong === 0 && r.pages > 0;

export const GOAL_HEAP_HALF_RANGE_MB = 10;
export const GOAL_BROWSER_SLOPE_MB = 5;
export const GOAL_TIME_RATIO = 1.05;

export function meanMsPerPage(run: SoakRun): number {
  const warm = run.samples.filter((s) => s.pages > 0);
  return warm.length === 0 ? 0 : warm.reduce((n, s) => n + s.msPerPage, 0) / warm.length;
}

/** The baseline of every time ratio: the plain Playwright side, if its pages all came back right. */
function baseline(runs: readonly SoakRun[]): SoakRun | undefined {
  return runs.find((r) => r.side === 'playwright' && clean(r));
}

/** `run`'s mean time per page against the baseline's, to 2 decimals (undefined without one). */
function timeRatioTo(run: SoakRun, pw: SoakRun | undefined): number | undefined {
  const pwMs = pw ? meanMsPerPage(pw) : 0;
  return pwMs > 0 ? Math.round((meanMsPerPage(run) / pwMs) * 100) / 100 : undefined;
}

export function soakGoals(runs: readonly SoakRun[], summaries: Readonly<Record<string, ReturnType<typeof summarise>>>): SoakGoals[] {
  const pw = baseline(runs);
  return runs
    .filter((r) => (r.side === 'ours' || r.side === 'plain' || r.side === 'lanes') && clean(r))
    .map((r) => {
      const sum = summaries[r.side] ?? summarise(r);
      const heapHalfRangeMb = round1((sum.heapMb.max - sum.heapMb.min) / 2);
      const browserSlopeMb = sum.browserRssMb.slopePer1000;
      const timeRatio = timeRatioTo(r, pw);
      return {
        side: r.side,
        heapHalfRangeMb,
        heapFlat: heapHalfRangeMb <= GOAL_HEAP_HALF_RANGE_MB,
        browserSlopeMb,
        browserFlat: browserSlopeMb < GOAL_BROWSER_SLOPE_MB,
        ...(timeRatio === undefined ? {} : { timeRatio, timeMet: timeRatio <= GOAL_TIME_RATIO }),
      };
    });
}

async function main(): Promise<void> {
  const child = stringFlag(args, 'child');
  if (child === 'research') return runResearchChild();
  if (child !== undefined) {
    if (!(SIDES as readonly string[]).includes(child)) throw new Error(`--child must be one of ${SIDES.join(', ')} or research`);
    return runChild(child as Side);
  }
  const count = intFlag(args, 'pages', 20_000, 1);
  const every = intFlag(args, 'every', 1000, 1);
  const queries = intFlag(args, 'queries', 10_000, 0);
  // Our sides' recycling, when not the default (to measure what a recycle costs in a short run).
  const maxNavigationsFlag = stringFlag(args, 'max-navigations');
  const sides = (stringFlag(args, 'sides')?.split(',').filter(Boolean) ?? [...SIDES]) as Side[];
  if (sides.some((s) => !SIDES.includes(s))) throw new Error(`--sides takes names from: ${SIDES.join(', ')}`);
  const password = randomBytes(12).toString('base64url');
  const { tree, referencePerson } = generateTree({ people: 10_000, seed: 1 });
  // Sessions outlive the whole run (the site's default is 30 minutes, shorter than a run of all
  // sides), and each side signs in afresh, so no side reads sign-in pages instead of person pages.
  const site = await startTreeSite({
    tree,
    referencePerson,
    users: [{ username: 'bench', password }],
    rateLimit: false,
    sessionTtlMs: 24 * 3_600_000,
  });
  const runs: SoakRun[] = [];
  let research: unknown;
  const bar = benchProgress(args, count * sides.length + (queries > 0 ? 1 : 0), 'pages');
  let before = 0;
  try {
    for (const side of sides) {
      bar.label(side);
      const sid = await signInOverHttp(site.origin, 'bench', password);
      const result = await runChildBench(
        {
          script: 'soak-bench',
          nodeArgs: ['--expose-gc'],
          args: [
            `--child=${side}`,
            `--origin=${site.origin}`,
            `--pages=${count}`,
            `--every=${every}`,
            ...(maxNavigationsFlag === undefined ? [] : [`--max-navigations=${maxNavigationsFlag}`]),
          ],
          env: { BROWSER_ACTOR_SOAK_SID: sid },
          timeoutMs: Math.max(600_000, count * 1000),
        },
        (line) => {
          const m = /^soak-progress (\d+)$/.exec(line);
          if (m) bar.set(before + Number(m[1]));
        },
      );
      before += count;
      bar.set(before);
      runs.push(
        result.json !== undefined
          ? (result.json as SoakRun)
          : { side, pages: 0, samples: [], errors: 0, wrong: 0, recycles: 0, error: result.error ?? 'no answer' },
      );
    }
    if (queries > 0) {
      bar.label(`research batch of ${queries}`);
      const result = await runChildBench({
        script: 'soak-bench',
        args: ['--child=research', `--queries=${queries}`],
        timeoutMs: Math.max(600_000, queries * 500),
      });
      research = result.json ?? { error: result.error };
      bar.tick();
    }
  } finally {
    bar.end();
    await site.close();
  }
  const summaries = Object.fromEntries(runs.map((r) => [r.side, summarise(r)]));
  const machine = machineInfo();
  const pw = baseline(runs);
  const goals = soakGoals(runs, summaries);
  if (asJson) {
    console.log(JSON.stringify({ machine, pages: count, every, runs, summaries, goals, research }, null, 2));
    return;
  }
  log(machineLine(machine));
  log(
    `${count} person pages per side (navigate, read the name and lifespan), samples every ${every}; slopes per 1 000 pages after warm-up (the first sample)`,
  );
  for (const r of runs) {
    log();
    if (r.error) {
      log(`${r.side}: FAILED: ${r.error}`);
      continue;
    }
    const recycleCost =
      r.recycleMs && r.recycleMs.length > 0
        ? `, each taking ${Math.round(r.recycleMs.reduce((a, b) => a + b, 0) / r.recycleMs.length)} ms on average`
        : '';
    const snaps = r.snapshots ? `; session snapshots taken ${r.snapshots.taken}, skipped ${r.snapshots.skipped}` : '';
    const ratio = r === pw ? undefined : timeRatioTo(r, pw);
    log(
      `${r.side}: ${r.pages} pages, errors ${r.errors}, wrong ${r.wrong}, browser replacements ${r.recycles}${recycleCost}, ${meanMsPerPage(r).toFixed(1)} ms/page${ratio === undefined ? '' : ` (${ratio.toFixed(2)}× plain Playwright)`}${snaps}`,
    );
    log('   pages   heap MB    RSS MB  browser MB    fds   ms/page');
    for (const s of r.samples)
      log(
        `  ${String(s.pages).padStart(6)}  ${s.heapMb.toFixed(1).padStart(8)}  ${s.rssMb.toFixed(1).padStart(8)}  ${s.browserRssMb.toFixed(1).padStart(10)}  ${String(s.fds).padStart(5)}  ${s.msPerPage.toFixed(1).padStart(8)}`,
      );
    const sum = summaries[r.side];
    if (sum)
      log(
        `  slope/1000 pages: heap ${sum.heapMb.slopePer1000} MB, RSS ${sum.rssMb.slopePer1000} MB, browser ${sum.browserRssMb.slopePer1000} MB, fds ${sum.fds.slopePer1000}, ms/page ${sum.msPerPage.slopePer1000}; heap after warm-up ${sum.heapMb.min}–${sum.heapMb.max} MB, change ${sum.heapMb.change} MB`,
      );
  }
  const unclean = runs.filter((x) => !clean(x));
  if (unclean.length > 0) log();
  for (const r of unclean)
    log(`${r.side}: not judged (${r.error ?? `${r.errors} errors and ${r.wrong} wrong pages`}): its figures are not of the same work`);
  if (goals.length > 0) {
    log();
    log(
      `Goals: Node heap after warm-up within ±${GOAL_HEAP_HALF_RANGE_MB} MB; browser RSS flat (slope under ${GOAL_BROWSER_SLOPE_MB} MB per 1 000 pages); time per page ≤ ${GOAL_TIME_RATIO}× plain Playwright`,
    );
    for (const g of goals) {
      const time =
        g.timeRatio === undefined ? 'time: no Playwright side to compare' : `time ${g.timeRatio}× (${g.timeMet ? 'met' : 'NOT met'})`;
      log(
        `  ${g.side}: heap ±${g.heapHalfRangeMb} MB (${g.heapFlat ? 'met' : 'NOT met'}), browser ${g.browserSlopeMb} MB/1000 (${g.browserFlat ? 'met' : 'NOT met'}), ${time}`,
      );
    }
    if (every >= 1000)
      log(
        '  (recycles every 1 000 navigations by default: samples every 1 000 pages can land at the same point of each cycle; --every=250 shows the whole sawtooth)',
      );
  }
  if (research) log(`\nresearch batch: ${JSON.stringify(research)}`);
}

await main();
