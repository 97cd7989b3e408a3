/**
 * `npm run bench:peers` — us beside the tools users would otherwise pick, on the same workload in
 * the same run (issue 14, item 2, workload A): N reference-site person pages, each a navigation
 * and a read of the name and lifespan, at concurrency 1, 2 and 4.
 *
 * Contenders, all driving the system Chromium with the same required flags, all signed in with
 * the same session cookie, each timed from a cold start (launch included) to the last answer:
 *  - us: one supervised browser with N lanes; and the WorkDispatcher with N worker processes
 *    (1 lane each);
 *  - puppeteer-cluster (on puppeteer-core) in its three modes: page, context (its default) and
 *    browser;
 *  - Crawlee's PlaywrightCrawler (its defaults, with min and max concurrency set to N);
 *  - plain Playwright with a hand-written pool: one browser, N tabs (the no-framework limit).
 * Contenders run interleaved within each round (the order rotates), `--rounds` rounds per
 * concurrency; each figure is the median with its spread (min–max). Peak RSS is summed over every
 * process the contender started, sampled every 250 ms.
 * Flags: `--json`, `--pages=N` (default 60), `--rounds=N` (default 2), `--latency=MS` (the person
 * route's latency, default 20), `--concurrency=1,2,4`, `--only=name,name` (contender names).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Configuration, PlaywrightCrawler, log as crawleeLog } from '@crawlee/playwright';
import { chromium as playwrightChromium } from 'playwright';
import { chromium } from 'playwright-core';
import puppeteer, { type Page as PuppeteerPage } from 'puppeteer-core';
import { Cluster } from 'puppeteer-cluster';
import { browserDirsRoot } from '../drivers/browser-dirs.js';
import { PlaywrightDriver, REQUIRED_CHROMIUM_FLAGS } from '../drivers/playwright/playwright-driver.js';
import { findChromium } from '../drivers/playwright/find-chromium.js';
import { listProcesses, signalGroup, signalProcess, waitFor } from '../drivers/process-tree.js';
import { generateTree } from '../genealogy/synthetic.js';
import { mapConcurrent } from '../internal/map-concurrent.js';
import { createWorkDispatcher } from '../runtime/dispatch/work-dispatcher.js';
import { SessionSupervisor } from '../runtime/supervisor/session-supervisor.js';
import { ImportCookies } from '../runtime/tasks/constructors.js';
import { type TreeSite, startTreeSite } from '../site/server.js';
import { type PersonPage, READ_PERSON, laneVisitor, personPages } from './person-pages.js';
import { descendantsRss, intFlag, machineInfo, machineLine, median, signInOverHttp, textLog } from './report.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const pagesPerRun = intFlag(args, 'pages', 60, 1);
const rounds = intFlag(args, 'rounds', 2, 1);
const latencyMs = intFlag(args, 'latency', 20, 0);
const concurrencies = listFlag('concurrency', ['1', '2', '4']).map((c) => {
  const n = Number(c);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`--concurrency takes integers from 1 to 16, got ${c}`);
  return n;
});
const log = textLog(asJson);

function listFlag(name: string, fallback: string[]): string[] {
  const raw = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return raw === undefined ? fallback : raw.split(',').filter(Boolean);
}

/** What every contender is given and must give back. */
interface Work {
  readonly site: TreeSite;
  readonly sid: string;
  readonly pages: readonly PersonPage[];
  readonly concurrency: number;
  readonly root: string;
}
type Answer = { name: unknown } | Error;

interface Contender {
  readonly name: string;
  readonly label: string;
  /** Start cold, do every page, return one answer per page (in page order), and stop. */
  run(work: Work): Promise<{ answers: Answer[]; wallMs: number; leftover: number }>;
}

const executablePath = findChromium();
/** On every browser's command line (Chromium ignores switches it does not know): how the benchmark finds its own browsers. */
const MARK = `--browser-actor-bench=${randomBytes(6).toString('hex')}`;
const flags = [...REQUIRED_CHROMIUM_FLAGS, MARK];
const cookieFor = (work: Work) => ({ name: 'sid', value: work.sid, url: work.site.origin, httpOnly: true, sameSite: 'Lax' as const });
const readInPage = `(() => { ${READ_PERSON} })()`;

/**
 * Errors a contender's library threw where nobody could catch them (puppeteer-cluster's browser
 * mode rejects "Unable to get browser page" from inside its worker loop when launches keep
 * missing its 5 s limit): recorded against the running contender instead of ending the process.
 */
const escaped: unknown[] = [];
let onEscape: (() => void) | undefined;
process.on('unhandledRejection', (reason) => {
  escaped.push(reason);
  onEscape?.();
});

/** How long one contender may take for its pages before the rest count as failed. */
const deadlineMs = (pages: number): number => 60_000 + pages * 5_000;

/**
 * Time a contender from its start to its answers; `close` runs after, untimed. A contender that
 * has not answered every page by the deadline gets the missing ones as errors, and whatever it
 * left running is killed.
 */
async function timed(start: () => Promise<{ answers: () => Promise<Answer[]>; close: () => Promise<void> }>, pages: number): Promise<{ answers: Answer[]; wallMs: number; leftover: number }> {
  let leftover: number;
  const started = performance.now();
  const setup = await start();
  let timer: NodeJS.Timeout | undefined;
  // The deadline, or a library error nobody can catch (its pages would never be answered): the
  // pages not answered by then count as failed.
  let lost = `not finished within ${deadlineMs(pages) / 1000} s`;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), deadlineMs(pages));
    onEscape = () => {
      lost = 'stopped by an error thrown inside the library';
      resolve(undefined);
    };
  });
  let answers: Answer[] | undefined;
  let wallMs: number;
  try {
    answers = await Promise.race([setup.answers(), late]);
    wallMs = performance.now() - started;
  } finally {
    clearTimeout(timer);
    onEscape = undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    await Promise.race([setup.close().catch(() => undefined), new Promise((resolve) => (closeTimer = setTimeout(resolve, 30_000)))]);
    clearTimeout(closeTimer);
    // Give a closed browser's helpers a moment to exit on their own before counting them.
    await waitFor(() => benchBrowsers().length === 0, 3000, 100);
    leftover = killBrowsersLeft();
  }
  return { answers: answers ?? Array.from({ length: pages }, () => new Error(lost)), wallMs, leftover };
}

/**
 * The browser processes this benchmark's contenders started: every browser is launched with
 * {@link MARK} on its command line, and its helpers (renderers, the crash handler, which runs in
 * a process group of its own) name the browser's profile directory on theirs.
 */
function benchBrowsers(): { pid: number; pgid: number; main: boolean }[] {
  const all = listProcesses().filter((p) => p.state !== 'Z' && p.pid !== process.pid);
  const mains = all.filter((p) => p.cmdline.includes(MARK));
  const profiles = mains.map((p) => /--user-data-dir=([^\0]+)/.exec(p.cmdline)?.[1]).filter((d): d is string => d !== undefined);
  return all
    .filter((p) => p.cmdline.includes(MARK) || profiles.some((d) => p.cmdline.includes(d)))
    .map((p) => ({ pid: p.pid, pgid: p.pgid, main: p.cmdline.includes(MARK) }));
}

/**
 * Kill the browser processes a contender left running after it closed (some libraries abandon a
 * browser whose launch missed their timeout; it then runs on, parented to init). Returns how
 * many there were.
 */
function killBrowsersLeft(): number {
  const left = benchBrowsers();
  for (const p of left) {
    if (p.main && p.pgid === p.pid) signalGroup(p.pid, 'SIGKILL');
    else signalProcess(p.pid, 'SIGKILL');
  }
  return left.length;
}

const settle = (s: PromiseSettledResult<{ name: unknown }>): Answer => (s.status === 'fulfilled' ? s.value : s.reason instanceof Error ? s.reason : new Error(String(s.reason)));

/** Our side, from a supervisor's or a dispatcher's `withLane`: each page navigated and read on a lane. */
function onLanes(work: Work, withLane: Parameters<typeof laneVisitor>[0], close: () => Promise<void>): { answers: () => Promise<Answer[]>; close: () => Promise<void> } {
  const visit = laneVisitor(withLane, work.site.origin);
  return { answers: async () => (await mapConcurrent(work.pages, work.concurrency, (page) => visit(page))).map(settle), close };
}

const CONTENDERS: readonly Contender[] = [
  {
    name: 'lanes',
    label: 'browser-actor: 1 browser, N lanes',
    run: (work) =>
      timed(async () => {
        const supervisor = new SessionSupervisor({ driver: () => new PlaywrightDriver({ tmpRoot: work.root, args: [MARK] }), lanes: work.concurrency });
        await supervisor.startActor();
        await supervisor.submit(ImportCookies([cookieFor(work)]));
        return onLanes(work, (fn) => supervisor.withLane(fn), () => supervisor.stop());
      }, work.pages.length),
  },
  {
    name: 'dispatcher',
    label: 'browser-actor: N worker processes',
    run: (work) =>
      timed(async () => {
        const d = createWorkDispatcher({ workers: work.concurrency, lanes: 1, browser: { tmpRoot: work.root, args: [MARK] } });
        await d.start();
        await d.broadcast(ImportCookies([cookieFor(work)]));
        return onLanes(work, (fn) => d.withLane(fn), () => d.stop());
      }, work.pages.length),
  },
  ...(['page', 'context', 'browser'] as const).map(
    (mode): Contender => ({
      name: `puppeteer-cluster-${mode}`,
      label: `puppeteer-cluster, ${mode} mode${mode === 'context' ? ' (default)' : ''}`,
      run: (work) =>
        timed(async () => {
          const cluster = await Cluster.launch({
            concurrency: mode === 'page' ? Cluster.CONCURRENCY_PAGE : mode === 'context' ? Cluster.CONCURRENCY_CONTEXT : Cluster.CONCURRENCY_BROWSER,
            maxConcurrency: work.concurrency,
            puppeteer,
            puppeteerOptions: { executablePath, args: flags, headless: true },
            timeout: 60_000,
          });
          const cookie = cookieFor(work);
          await cluster.task(async ({ page, data }: { page: PuppeteerPage; data: PersonPage }) => {
            // Each task may get a fresh context (context and browser modes): sign it in.
            await page.setCookie({ name: cookie.name, value: cookie.value, url: cookie.url, httpOnly: true, sameSite: 'Lax' });
            await page.goto(work.site.origin + data.path, { timeout: 30_000 });
            const answer: unknown = await page.evaluate(readInPage);
            return answer as { name: unknown };
          });
          return {
            answers: async () => (await Promise.allSettled(work.pages.map((p) => cluster.execute(p) as Promise<{ name: unknown }>))).map(settle),
            close: async () => {
              await cluster.idle();
              await cluster.close();
            },
          };
        }, work.pages.length),
    }),
  ),
  {
    name: 'crawlee',
    label: "Crawlee's PlaywrightCrawler (defaults)",
    run: (work) =>
      timed(async () => {
        const storage = mkdtempSync(join(work.root, 'crawlee-'));
        const config = new Configuration({ persistStorage: false, storageClientOptions: { localDataDirectory: storage }, purgeOnStart: true });
        const byUrl = new Map<string, Answer>();
        const cookie = cookieFor(work);
        const crawler = new PlaywrightCrawler(
          {
            launchContext: { launcher: playwrightChromium, launchOptions: { executablePath, args: flags, headless: true } },
            minConcurrency: work.concurrency,
            maxConcurrency: work.concurrency,
            preNavigationHooks: [
              async ({ page }) => {
                await page.context().addCookies([cookie]);
              },
            ],
            requestHandler: async ({ page, request }) => {
              byUrl.set(request.url, await page.evaluate<{ name: unknown }>(readInPage));
            },
            failedRequestHandler: ({ request }, error) => {
              byUrl.set(request.url, error);
            },
          },
          config,
        );
        return {
          answers: async () => {
            await crawler.run(work.pages.map((p) => work.site.origin + p.path));
            return work.pages.map((p) => byUrl.get(work.site.origin + p.path) ?? new Error('no answer'));
          },
          close: async () => {
            await crawler.teardown();
            rmSync(storage, { recursive: true, force: true });
          },
        };
      }, work.pages.length),
  },
  {
    name: 'playwright',
    label: 'plain Playwright: 1 browser, N tabs (no framework)',
    run: (work) =>
      timed(async () => {
        const browser = await chromium.launch({ executablePath, args: flags, headless: true, timeout: 30_000 });
        const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
        await context.addCookies([cookieFor(work)]);
        const tabs = await Promise.all(Array.from({ length: work.concurrency }, () => context.newPage()));
        return {
          answers: async () =>
            (
              await mapConcurrent(work.pages, work.concurrency, async (page, _i, slot) => {
                const tab = tabs[slot] as (typeof tabs)[number];
                await tab.goto(work.site.origin + page.path, { timeout: 30_000 });
                return tab.evaluate<{ name: unknown }>(readInPage);
              })
            ).map(settle),
          close: () => browser.close(),
        };
      }, work.pages.length),
  },
];

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
}

async function measure(contender: Contender, work: Work): Promise<PeerRun> {
  let peak = descendantsRss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, descendantsRss());
  }, 250);
  const escapedBefore = escaped.length;
  try {
    const ran = await contender.run(work);
    const { answers, wallMs } = ran;
    const bad = answers.findIndex((a, i) => a instanceof Error || a.name !== work.pages[i]?.name);
    const badAnswer = answers[bad];
    return {
      ...(badAnswer === undefined ? {} : { example: `${work.pages[bad]?.path}: ${badAnswer instanceof Error ? badAnswer.message : JSON.stringify(badAnswer)}`.slice(0, 300) }),
      leftoverProcesses: ran.leftover,
      escaped: escaped.slice(escapedBefore).map((e) => (e instanceof Error ? e.message : String(e)).slice(0, 200)),
      contender: contender.name,
      concurrency: work.concurrency,
      pagesPerSecond: (work.pages.length * 1000) / wallMs,
      errors: answers.filter((a) => a instanceof Error).length,
      wrong: answers.filter((a, i) => !(a instanceof Error) && a.name !== work.pages[i]?.name).length,
      peakRssBytes: peak,
    };
  } finally {
    clearInterval(sampler);
  }
}

async function main(): Promise<void> {
  const only = listFlag('only', []);
  const contenders = only.length === 0 ? CONTENDERS : CONTENDERS.filter((c) => only.includes(c.name));
  if (contenders.length === 0) throw new Error(`--only names none of: ${CONTENDERS.map((c) => c.name).join(', ')}`);
  crawleeLog.setLevel(crawleeLog.LEVELS.OFF);
  const password = randomBytes(12).toString('base64url');
  const { tree, referencePerson } = generateTree({ people: 10_000, seed: 1 });
  const site = await startTreeSite({ tree, referencePerson, users: [{ username: 'bench', password }], rateLimit: false, knobs: { latencyMs: { 'GET /person/:id': latencyMs } } });
  const root = mkdtempSync(join(browserDirsRoot(), 'peers-'));
  const runs: PeerRun[] = [];
  try {
    const sid = await signInOverHttp(site.origin, 'bench', password);
    const pages = personPages(tree, pagesPerRun);
    for (const concurrency of concurrencies) {
      for (let r = 0; r < rounds; r++) {
        // Rotate the order each round, so no contender always runs first (cold machine) or last.
        const order = contenders.map((_, k) => contenders[(k + r) % contenders.length] as Contender);
        for (const c of order) {
          log(`  concurrency ${concurrency}, round ${r + 1} of ${rounds}: ${c.name} …`);
          runs.push(await measure(c, { site, sid, pages, concurrency, root }));
        }
      }
    }
  } finally {
    await site.close();
    rmSync(root, { recursive: true, force: true });
  }
  const summary = concurrencies.flatMap((concurrency) =>
    contenders.map((c) => {
      const mine = runs.filter((r) => r.contender === c.name && r.concurrency === concurrency);
      const rates = mine.map((r) => r.pagesPerSecond);
      return {
        contender: c.name,
        label: c.label,
        concurrency,
        pagesPerSecond: Number(median(rates).toFixed(2)),
        min: Number(Math.min(...rates).toFixed(2)),
        max: Number(Math.max(...rates).toFixed(2)),
        peakRssMb: Math.round(median(mine.map((r) => r.peakRssBytes)) / 2 ** 20),
        errors: mine.reduce((n, r) => n + r.errors, 0),
        wrong: mine.reduce((n, r) => n + r.wrong, 0),
        escaped: [...new Set(mine.flatMap((r) => r.escaped))],
        leftoverProcesses: mine.reduce((n, r) => n + r.leftoverProcesses, 0),
        ...(mine.find((r) => r.example)?.example ? { example: mine.find((r) => r.example)?.example } : {}),
      };
    }),
  );
  const machine = machineInfo();
  const result = { machine, workload: 'A', pages: pagesPerRun, rounds, latencyMs, concurrencies, summary, runs };
  if (asJson) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  log();
  log(machineLine(machine));
  log(`Workload A: ${pagesPerRun} person pages (navigate + read name and lifespan), ${latencyMs} ms latency, cold start to last answer, ${rounds} interleaved round(s) (median, min–max)`);
  for (const concurrency of concurrencies) {
    const rows = summary.filter((s) => s.concurrency === concurrency);
    const base = rows.find((s) => s.contender === 'playwright')?.pagesPerSecond;
    log(`  concurrency ${concurrency}:`);
    for (const s of rows) {
      const ratio = base ? `${(s.pagesPerSecond / base).toFixed(2)}× Playwright` : '';
      log(`    ${s.label.padEnd(52)} ${s.pagesPerSecond.toFixed(2).padStart(6)} p/s (${s.min.toFixed(2)}–${s.max.toFixed(2)})  ${String(s.peakRssMb).padStart(5)} MB  ${ratio.padStart(16)}  errors ${s.errors}, wrong ${s.wrong}, left running ${s.leftoverProcesses}${s.escaped.length > 0 ? `; uncaught in the library: ${s.escaped.join('; ')}` : ''}${s.example ? `; e.g. ${s.example}` : ''}`);
    }
  }
}

await main();
