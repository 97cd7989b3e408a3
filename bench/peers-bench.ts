/**
 * `npm run bench:peers` — us beside the tools users would otherwise pick, on the same workloads in
 * the same run (issue 14, item 2). All contenders drive the system Chromium with the same required
 * flags and are signed in with the same session; each is timed from a cold start (launch included)
 * to the last answer. Contenders run interleaved within each round (the order rotates), `--rounds`
 * rounds; figures are medians with their spread (min–max).
 *
 * Workload A, independent pages: N reference-site person pages, each a navigation and a read of
 * the name and lifespan, at concurrency 1, 2 and 4. Contenders:
 *  - us: one supervised browser with N lanes; and the WorkDispatcher with N worker processes
 *    (1 lane each);
 *  - puppeteer-cluster (on puppeteer-core) in its three modes: page, context (its default) and
 *    browser;
 *  - Crawlee's PlaywrightCrawler (its defaults, with min and max concurrency set to N);
 *  - plain Playwright with a hand-written pool: one browser, N tabs (the no-framework limit).
 * Peak RSS is summed over every process the contender started, sampled every 250 ms.
 *
 * Workload B, crashes during work: the same kind of pages, each tagged `?task=k` so the site
 * counts its loads, while one of the contender's browsers is SIGKILLed every K seconds (K = 8 and
 * 2). Everyone gets the same attempt budget: 1 + `--retries` (puppeteer-cluster `retryLimit`,
 * Crawlee `maxRequestRetries`, our `maxAttempts`, with a standby browser). Reported: completed,
 * lost and duplicated tasks, extra page loads at the site, wall time, and the processes and temp
 * entries left behind. Contenders: our lanes and dispatcher, puppeteer-cluster (default mode) and
 * Crawlee. Plain Playwright has no recovery of its own, so it is not in this workload. Each run is
 * a child process of its own (./peers-child.ts), so that what one library still does after it was
 * closed never lands in the next contender's counts.
 *
 * Workload C, signed-in API work: see ./peers-api.ts.
 *
 * Flags: `--json`, `--workloads=A,B,C`, `--rounds=N` (default 2), `--only=name,name` (contender
 * names). A: `--pages=N` (default 60), `--latency=MS` (the person route's, default 20),
 * `--concurrency=1,2,4`. B: `--crash-pages=N` (default 60), `--kill-every=8,2` (seconds, fractions allowed),
 * `--crash-concurrency=N` (default 2), `--retries=N` (default 7), `--crash-deadline=S` (default
 * 150). C: `--queries=N` (default 30), `--api-concurrency=N` (default 4), `--api-latency=MS`
 * (default 30), `--api-rate=N` (requests per second both sides keep, default 50).
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log as crawleeLog } from '@crawlee/playwright';
import { browserDirsRoot } from '../src/drivers/browser-dirs.js';
import { API_CONTENDERS, type ApiRun, type ApiSettings, runApiContender } from './peers-api.js';
import type { ChildMessage, ChildWork } from './peers-child.js';
import {
  type Answer,
  type Contender,
  MARK,
  type Work,
  benchBrowsers,
  escaped,
  killBrowser,
  killBrowsersLeft,
  removeTempLeftovers,
  tempEntries,
} from './peers-common.js';
import { CONTENDERS } from './peers-contenders.js';
import { type PersonPage, personPages, startPageSite } from './person-pages.js';
import {
  benchProgress,
  intFlag,
  integersFlag,
  machineInfo,
  machineLine,
  median,
  samplePeakRss,
  signInOverHttp,
  stringFlag,
  textLog,
} from './report.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const rounds = intFlag(args, 'rounds', 2, 1);
const workloads = new Set(
  listFlag('workloads', ['A', 'B', 'C']).map((w) => {
    if (!['A', 'B', 'C'].includes(w)) throw new Error(`--workloads takes A, B and C, got ${w}`);
    return w;
  }),
);
const pagesPerRun = intFlag(args, 'pages', 60, 1);
const latencyMs = intFlag(args, 'latency', 20, 0);
const concurrencies = integersFlag(args, 'concurrency', [1, 2, 4]);
const crashPagesPerRun = intFlag(args, 'crash-pages', 60, 1);
const killEvery = seconds('kill-every', ['8', '2']);
const crashConcurrency = intFlag(args, 'crash-concurrency', 2, 1);
const retries = intFlag(args, 'retries', 7, 0);
const crashDeadlineS = intFlag(args, 'crash-deadline', 150, 10);
const apiRate = intFlag(args, 'api-rate', 50, 1);
const apiSettings: ApiSettings = {
  queries: intFlag(args, 'queries', 30, 1),
  concurrency: intFlag(args, 'api-concurrency', 4, 1),
  latencyMs: intFlag(args, 'api-latency', 30, 0),
  rate: { capacity: apiRate, refillPerSecond: apiRate },
};
/** The contenders of workload B: ours, and each peer that recovers from a dead browser by itself, in its default mode. */
const CRASH_CONTENDERS = ['lanes', 'dispatcher', 'puppeteer-cluster-context', 'crawlee'];
const log = textLog(asJson);

/** Intervals in seconds, 0.25 to 16 (fractions allowed: `--kill-every=0.5`). */
function seconds(name: string, fallback: string[]): number[] {
  return listFlag(name, fallback).map((c) => {
    const n = Number(c);
    if (!Number.isFinite(n) || n < 0.25 || n > 16) throw new Error(`--${name} takes seconds from 0.25 to 16, got ${c}`);
    return n;
  });
}

function listFlag(name: string, fallback: string[]): string[] {
  const raw = stringFlag(args, name);
  return raw === undefined ? fallback : raw.split(',').filter(Boolean);
}

export interface PeerRun {
  readonly contender: string;
  readonly concurrency: number;
  readonly pagesPerSecond: number;
  readonly errors: number;
  readonly wrong: number;
  readonly peakRssBytes: number;
  /** Errors the library threw where no caller could catch them, during this run. */
  readonly escaped: readonly string[];
  /** The first wrong answer or error, for the report. */
  readonly example?: string;
  /** Browser processes still running after the contender closed (then killed by the benchmark). */
  readonly leftoverProcesses: number;
  /** Entries the contender left in the temp directories after it closed (then removed by the benchmark). */
  readonly leftoverTempEntries: number;
}

/** Workload B's figures for one run, on top of {@link PeerRun}'s. */
export interface CrashRun extends PeerRun {
  readonly killEverySeconds: number;
  readonly kills: number;
  readonly wallMs: number;
  /** Tasks answered with the right page content. */
  readonly completed: number;
  /** Tasks not answered with the right content at the end (an error, or no answer by the deadline). */
  readonly lost: number;
  /** Tasks whose content reached the user's code more than once (counted there, each time it was read). */
  readonly duplicated: number;
  /** Loads of task pages the site served beyond one per task: re-runs after kills (counted at the site). */
  readonly extraLoads: number;
  /** Tasks whose page the site never served. */
  readonly neverServed: number;
}

type Ran = Awaited<ReturnType<Contender['run']>> & { readonly escaped?: readonly string[] };

/**
 * Run one contender (in this process, or in a child of its own with `inChild`), sampling the
 * memory of everything it started and counting what it left behind.
 */
async function measure(contender: Contender, work: Work, inChild = false): Promise<PeerRun> {
  const rss = samplePeakRss();
  const escapedBefore = escaped.length;
  const tempBefore = tempEntries(work.root);
  try {
    const ran: Ran = inChild ? await runInChild(contender, work) : await contender.run(work);
    const { answers, wallMs } = ran;
    const bad = answers.findIndex((a, i) => a instanceof Error || a.name !== work.pages[i]?.name);
    const badAnswer = answers[bad];
    return {
      ...(badAnswer === undefined
        ? {}
        : {
            example: `${work.pages[bad]?.path}: ${badAnswer instanceof Error ? badAnswer.message : JSON.stringify(badAnswer)}`.slice(
              0,
              300,
            ),
          }),
      leftoverProcesses: ran.leftover,
      leftoverTempEntries: removeTempLeftovers(tempBefore, work.root),
      escaped: ran.escaped ?? escaped.slice(escapedBefore).map((e) => (e instanceof Error ? e.message : String(e)).slice(0, 200)),
      contender: contender.name,
      concurrency: work.concurrency,
      pagesPerSecond: (work.pages.length * 1000) / wallMs,
      errors: answers.filter((a) => a instanceof Error).length,
      wrong: answers.filter((a, i) => !(a instanceof Error) && a.name !== work.pages[i]?.name).length,
      peakRssBytes: rss.stop(),
    };
  } finally {
    rss.stop();
  }
}

/**
 * `contender.run(work)` in a child process (./peers-child.ts), its callbacks carried back over
 * IPC. Whatever its libraries still run when it exits ends with it; browsers they left are killed
 * and counted here. A child that outlives its deadline by a minute is killed, its pages lost.
 */
async function runInChild(contender: Contender, work: Work): Promise<Ran> {
  const child = fork(fileURLToPath(new URL('./peers-child.js', import.meta.url)), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // Its browsers carry this run's mark, so that the killer and the leftover count here find them.
    env: { ...process.env, BROWSER_ACTOR_BENCH_MARK: MARK },
  });
  let done: Extract<ChildMessage, { t: 'done' }> | undefined;
  child.on('message', (m: ChildMessage) => {
    if (m.t === 'started') work.onStarted?.();
    else if (m.t === 'answered') work.onAnswered?.();
    else if (m.t === 'read') work.onRead?.(m.path);
    else done = m;
  });
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit code ${String(code)}`)));
  const spec: ChildWork = {
    contender: contender.name,
    origin: work.site.origin,
    sid: work.sid,
    pages: work.pages,
    concurrency: work.concurrency,
    root: work.root,
    deadlineMs: work.deadlineMs,
    ...(work.retries === undefined ? {} : { retries: work.retries }),
  };
  child.send(spec);
  const limit = setTimeout(() => child.kill('SIGKILL'), work.deadlineMs + 60_000);
  const how = await exited;
  clearTimeout(limit);
  // The child's own answer arrives before its exit; what its libraries left is killed here.
  const after = await killBrowsersLeft();
  if (!done) {
    work.onAnswered?.();
    const lost = new Error(`the contender's process ended (${how}) without its answers`);
    return { answers: work.pages.map(() => lost), wallMs: work.deadlineMs, leftover: after };
  }
  const answers: Answer[] = done.answers.map((a) => ('error' in a ? new Error(a.error) : { name: a.name }));
  return { answers, wallMs: done.wallMs, leftover: done.leftover + after, escaped: done.escaped };
}

/**
 * Workload B: the same pages, each tagged `?task=k` so the site counts its loads, while a killer
 * SIGKILLs one of the contender's browsers (its whole process group) every `killEvery` seconds
 * until the answers are in. Every contender gets the same attempt budget (1 + `retries`).
 */
async function measureCrashes(
  contender: Contender,
  base: Omit<Work, 'pages' | 'onRead' | 'onStarted' | 'onAnswered'>,
  pages: readonly PersonPage[],
  served: Map<string, number>,
  killEvery: number,
): Promise<CrashRun> {
  const reads = new Map<string, number>();
  served.clear();
  let kills = 0;
  let killer: NodeJS.Timeout | undefined;
  const started = performance.now();
  let wallMs = 0;
  const run = await measure(
    contender,
    {
      ...base,
      pages,
      onRead: (path) => reads.set(path, (reads.get(path) ?? 0) + 1),
      // Kills start once the contender is up: its work is what they interrupt, not its first launch.
      onStarted: () => {
        killer = setInterval(() => {
          const mains = benchBrowsers().filter((p) => p.main);
          const victim = mains[Math.floor(Math.random() * mains.length)];
          if (!victim) return; // between browsers: nothing to kill this tick
          killBrowser(victim);
          kills++;
        }, killEvery * 1000);
      },
      onAnswered: () => {
        clearInterval(killer);
        wallMs = performance.now() - started;
      },
    },
    true,
  ).finally(() => clearInterval(killer));
  const tags = pages.map((p) => new URL(p.path, 'http://x').searchParams.get('task') ?? '');
  return {
    ...run,
    killEverySeconds: killEvery,
    kills,
    wallMs,
    completed: pages.length - run.errors - run.wrong,
    lost: run.errors + run.wrong,
    duplicated: pages.filter((p) => (reads.get(p.path) ?? 0) > 1).length,
    extraLoads: tags.reduce((n, t) => n + Math.max(0, (served.get(t) ?? 0) - 1), 0),
    neverServed: tags.filter((t) => (served.get(t) ?? 0) === 0).length,
  };
}

/** The median of `pick` over `runs`, with its spread (all NaN for no runs). */
function spread<R>(runs: readonly R[], pick: (r: R) => number): { median: number; min: number; max: number } {
  if (runs.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const values = runs.map(pick);
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

const round2 = (n: number): number => Number(n.toFixed(2));

/**
 * A temp directory of this run's own, made the system one for everything it starts (the peers'
 * browsers put their profiles there): what the contenders leave behind is counted there alone,
 * never another program's files, and none of it lands in the real /tmp.
 */
function privateTmpdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'browser-actor-peers-'));
  process.env['TMPDIR'] = dir;
  return dir;
}

async function main(): Promise<void> {
  const ownTmp = privateTmpdir();
  try {
    await runWorkloads();
  } finally {
    rmSync(ownTmp, { recursive: true, force: true });
  }
}

async function runWorkloads(): Promise<void> {
  const only = listFlag('only', []);
  const pick = <T extends { name: string }>(list: readonly T[]): T[] =>
    only.length === 0 ? [...list] : list.filter((c) => only.includes(c.name));
  const contenders = pick(CONTENDERS);
  const crashContenders = pick(CONTENDERS.filter((c) => CRASH_CONTENDERS.includes(c.name)));
  const apiContenders = pick(API_CONTENDERS);
  if (contenders.length + apiContenders.length === 0)
    throw new Error(`--only names none of: ${[...CONTENDERS, ...API_CONTENDERS].map((c) => c.name).join(', ')}`);
  crawleeLog.setLevel(crawleeLog.LEVELS.OFF);
  const { site, tree, password, served } = await startPageSite({ people: 10_000, latencyMs });
  // Under this run's own temp directory, the browsers' root does not exist yet.
  mkdirSync(browserDirsRoot(), { recursive: true });
  const root = mkdtempSync(join(browserDirsRoot(), 'peers-'));
  const runs: PeerRun[] = [];
  const crashRuns: CrashRun[] = [];
  const apiRuns: ApiRun[] = [];
  const total =
    (workloads.has('A') ? concurrencies.length * contenders.length : 0) +
    (workloads.has('B') ? killEvery.length * crashContenders.length : 0) +
    (workloads.has('C') ? apiContenders.length : 0);
  // Progress on stderr (a bar on a terminal, a line every 10 s otherwise; not with --quiet): the run that starts now.
  const bar = benchProgress(args, total * rounds, 'runs');
  let started = 0;
  const progress = (what: string): void => {
    if (started++ > 0) bar.tick();
    bar.label(what);
  };
  try {
    const sid = await signInOverHttp(site.origin, 'bench', password);
    const pages = personPages(tree, pagesPerRun);
    const crashPages = personPages(tree, crashPagesPerRun).map((p, k) => ({ ...p, path: `${p.path}?task=${k}` }));
    for (let r = 0; r < rounds; r++) {
      // Rotate the order each round, so no contender always runs first (cold machine) or last.
      const rotate = <T>(list: readonly T[]): T[] => list.map((_, k) => list[(k + r) % list.length] as T);
      if (workloads.has('A')) {
        for (const concurrency of concurrencies) {
          for (const c of rotate(contenders)) {
            progress(`workload A, concurrency ${concurrency}, round ${r + 1}: ${c.name}`);
            runs.push(await measure(c, { site, sid, pages, concurrency, root, deadlineMs: 60_000 + pages.length * 5_000 }));
          }
        }
      }
      if (workloads.has('B')) {
        for (const k of killEvery) {
          for (const c of rotate(crashContenders)) {
            progress(`workload B, a kill every ${k} s, round ${r + 1}: ${c.name}`);
            crashRuns.push(
              await measureCrashes(
                c,
                { site, sid, concurrency: crashConcurrency, root, retries, deadlineMs: crashDeadlineS * 1000 },
                crashPages,
                served,
                k,
              ),
            );
          }
        }
      }
      if (workloads.has('C')) {
        for (const c of rotate(apiContenders)) {
          progress(`workload C, round ${r + 1}: ${c.name}`);
          apiRuns.push(await runApiContender(c, apiSettings));
        }
      }
    }
    bar.tick();
  } finally {
    bar.end();
    await site.close();
    rmSync(root, { recursive: true, force: true });
  }

  const summaryA = concurrencies.flatMap((concurrency) =>
    contenders
      .map((c) => {
        const mine = runs.filter((r) => r.contender === c.name && r.concurrency === concurrency);
        if (mine.length === 0) return undefined;
        const rate = spread(mine, (r) => r.pagesPerSecond);
        return {
          contender: c.name,
          label: c.label,
          concurrency,
          pagesPerSecond: round2(rate.median),
          min: round2(rate.min),
          max: round2(rate.max),
          peakRssMb: Math.round(median(mine.map((r) => r.peakRssBytes)) / 2 ** 20),
          errors: mine.reduce((n, r) => n + r.errors, 0),
          wrong: mine.reduce((n, r) => n + r.wrong, 0),
          escaped: [...new Set(mine.flatMap((r) => r.escaped))],
          leftoverProcesses: mine.reduce((n, r) => n + r.leftoverProcesses, 0),
          leftoverTempEntries: mine.reduce((n, r) => n + r.leftoverTempEntries, 0),
          ...(mine.find((r) => r.example)?.example ? { example: mine.find((r) => r.example)?.example } : {}),
        };
      })
      .filter((s) => s !== undefined),
  );
  const summaryB = killEvery.flatMap((k) =>
    crashContenders
      .map((c) => {
        const mine = crashRuns.filter((r) => r.contender === c.name && r.killEverySeconds === k);
        if (mine.length === 0) return undefined;
        const sum = (f: (r: CrashRun) => number): number => mine.reduce((n, r) => n + f(r), 0);
        const wall = spread(mine, (r) => r.wallMs / 1000);
        return {
          contender: c.name,
          label: c.label,
          killEverySeconds: k,
          tasks: mine.length * crashPagesPerRun,
          completed: sum((r) => r.completed),
          lost: sum((r) => r.lost),
          duplicated: sum((r) => r.duplicated),
          extraLoads: sum((r) => r.extraLoads),
          neverServed: sum((r) => r.neverServed),
          kills: sum((r) => r.kills),
          wallSeconds: round2(wall.median),
          minWallSeconds: round2(wall.min),
          maxWallSeconds: round2(wall.max),
          leftoverProcesses: sum((r) => r.leftoverProcesses),
          leftoverTempEntries: sum((r) => r.leftoverTempEntries),
          escaped: [...new Set(mine.flatMap((r) => r.escaped))],
          ...(mine.find((r) => r.example)?.example ? { example: mine.find((r) => r.example)?.example } : {}),
        };
      })
      .filter((s) => s !== undefined),
  );
  const digests = new Set(apiRuns.filter((r) => r.error === undefined).map((r) => r.digest));
  const summaryC = apiContenders
    .map((c) => {
      const mine = apiRuns.filter((r) => r.contender === c.name);
      if (mine.length === 0) return undefined;
      const ok = mine.filter((r) => r.error === undefined);
      const wall = spread(ok, (r) => r.wallMs / 1000);
      return {
        contender: c.name,
        label: c.label,
        wallSeconds: round2(wall.median),
        minWallSeconds: round2(wall.min),
        maxWallSeconds: round2(wall.max),
        apiCalls: median(mine.map((r) => r.apiCalls)),
        authChecks: median(mine.map((r) => r.authChecks)),
        signIns: median(mine.map((r) => r.signIns)),
        pageLoads: median(mine.map((r) => r.pageLoads)),
        failedRuns: mine.length - ok.length,
        ...(mine.find((r) => r.error)?.error ? { error: mine.find((r) => r.error)?.error } : {}),
      };
    })
    .filter((s) => s !== undefined);
  const machine = machineInfo();
  const result = {
    machine,
    rounds,
    A: workloads.has('A') ? { pages: pagesPerRun, latencyMs, concurrencies, summary: summaryA, runs } : undefined,
    B: workloads.has('B')
      ? {
          pages: crashPagesPerRun,
          concurrency: crashConcurrency,
          retries,
          killEverySeconds: killEvery,
          deadlineSeconds: crashDeadlineS,
          summary: summaryB,
          runs: crashRuns,
        }
      : undefined,
    C: workloads.has('C')
      ? { ...apiSettings, answersAgree: digests.size <= 1, summary: summaryC, runs: apiRuns.map(({ digest: _d, ...rest }) => rest) }
      : undefined,
  };
  if (asJson) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  log();
  log(machineLine(machine));
  if (workloads.has('A')) {
    log(
      `Workload A: ${pagesPerRun} person pages (navigate + read name and lifespan), ${latencyMs} ms latency, cold start to last answer, ${rounds} interleaved round(s) (median, min–max)`,
    );
    for (const concurrency of concurrencies) {
      const rows = summaryA.filter((s) => s.concurrency === concurrency);
      const base = rows.find((s) => s.contender === 'playwright')?.pagesPerSecond;
      log(`  concurrency ${concurrency}:`);
      for (const s of rows) {
        const ratio = base ? `${(s.pagesPerSecond / base).toFixed(2)}× Playwright` : '';
        log(
          `    ${s.label.padEnd(52)} ${s.pagesPerSecond.toFixed(2).padStart(6)} p/s (${s.min.toFixed(2)}–${s.max.toFixed(2)})  ${String(s.peakRssMb).padStart(5)} MB  ${ratio.padStart(16)}  errors ${s.errors}, wrong ${s.wrong}, left running ${s.leftoverProcesses}, temp entries left ${s.leftoverTempEntries}${s.escaped.length > 0 ? `; uncaught in the library: ${s.escaped.join('; ')}` : ''}${s.example ? `; e.g. ${s.example}` : ''}`,
        );
      }
    }
  }
  if (workloads.has('B')) {
    log(
      `Workload B: ${crashPagesPerRun} tagged person pages at concurrency ${crashConcurrency}, one browser SIGKILLed every K s until the answers are in; ${retries + 1} attempts per page for everyone; ${rounds} round(s), totals (wall: median, min–max)`,
    );
    for (const k of killEvery) {
      log(`  a kill every ${k} s:`);
      for (const s of summaryB.filter((b) => b.killEverySeconds === k)) {
        log(
          `    ${s.label.padEnd(52)} completed ${s.completed}/${s.tasks}, lost ${s.lost}, duplicated ${s.duplicated}, extra loads ${s.extraLoads}, kills ${s.kills}, wall ${s.wallSeconds.toFixed(1)} s (${s.minWallSeconds.toFixed(1)}–${s.maxWallSeconds.toFixed(1)}), left running ${s.leftoverProcesses}, temp entries left ${s.leftoverTempEntries}${s.escaped.length > 0 ? `; uncaught in the library: ${s.escaped.join('; ')}` : ''}${s.example ? `; e.g. ${s.example}` : ''}`,
        );
      }
    }
  }
  if (workloads.has('C')) {
    log(
      `Workload C: the research batch (${apiSettings.queries} queries, ${apiSettings.concurrency} at a time, ${apiSettings.latencyMs} ms on every route, both at ${apiSettings.rate.refillPerSecond} requests/s), cold start to last result; answers ${digests.size <= 1 ? 'agree' : 'DIFFER'}`,
    );
    const base = summaryC.find((s) => s.contender === 'playwright-request')?.wallSeconds;
    for (const s of summaryC) {
      const ratio = base ? `${(s.wallSeconds / base).toFixed(2)}× Playwright's time` : '';
      log(
        `    ${s.label.padEnd(62)} ${s.wallSeconds.toFixed(2)} s (${s.minWallSeconds.toFixed(2)}–${s.maxWallSeconds.toFixed(2)})  ${ratio}  API calls ${s.apiCalls}, auth checks ${s.authChecks}, sign-ins ${s.signIns}, page loads ${s.pageLoads}${s.failedRuns > 0 ? `, failed runs ${s.failedRuns}: ${s.error}` : ''}`,
      );
    }
  }
}

try {
  await main();
} finally {
  // A library may still be relaunching a browser after it was told to close (Crawlee under kills
  // does): kill what is left of ours, and end, whatever timers the libraries keep.
  for (const p of benchBrowsers()) killBrowser(p);
}
process.exit(0);
