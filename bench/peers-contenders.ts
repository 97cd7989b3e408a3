/**
 * The page contenders of `npm run bench:peers` (workloads A and B): us, the peers and plain
 * Playwright, each started cold on the same {@link Work}. A module of their own so that a child
 * process (./peers-child.ts) can run one of them alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Configuration, PlaywrightCrawler } from '@crawlee/playwright';
import { chromium as playwrightChromium } from 'playwright';
import { chromium } from 'playwright-core';
import puppeteer, { type Page as PuppeteerPage } from 'puppeteer-core';
import { Cluster } from 'puppeteer-cluster';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { createWorkDispatcher } from '../src/runtime/dispatch/work-dispatcher.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { ImportCookies } from '../src/runtime/tasks/constructors.js';
import {
  type Answer,
  type Contender,
  type Running,
  MARK,
  type Work,
  collecting,
  cookieFor,
  executablePath,
  flags,
  readInPage,
  timed,
} from './peers-common.js';
import { type PersonPage, laneVisitor } from './person-pages.js';
import { findChromium } from '../src/drivers/find-chromium.js';

/** The system Chromium (no headless-shell preference): what plain Playwright gets on this machine when a user names it. */
const systemChromium = findChromium();

/** Our side, from a supervisor's or a dispatcher's `withLane`: each page navigated and read on a lane. */
function onLanes(work: Work, withLane: Parameters<typeof laneVisitor>[0], close: () => Promise<void>): Running {
  const visit = laneVisitor(withLane, work.site.origin);
  const read = async (page: PersonPage) => {
    const answer = await visit(page);
    work.onRead?.(page.path);
    return answer;
  };
  return { ...collecting(work.pages, work.concurrency, read), close };
}

/**
 * Our recovery settings for workload B: the same attempt budget as the peers get (1 + retries),
 * a standby browser, and room for the restarts a kill every few seconds causes.
 */
function ourRecovery(work: Work): Record<string, unknown> {
  if (work.retries === undefined) return {};
  // restoreUrl: a lane's read after a restart runs on its page again, not on a blank tab.
  // defaultTimeoutMs: each task may wait as long as puppeteer-cluster's task timeout (60 s) here.
  return { maxAttempts: work.retries + 1, standby: true, restartLimit: { maxRestarts: 20 }, restoreUrl: true, defaultTimeoutMs: 60_000 };
}

export const CONTENDERS: readonly Contender[] = [
  {
    name: 'lanes',
    label: 'browser-actor: 1 browser, N lanes',
    run: (work) =>
      timed(async () => {
        const supervisor = new SessionSupervisor({
          driver: () => new PlaywrightDriver({ tmpRoot: work.root, args: [MARK] }),
          lanes: work.concurrency,
          ...ourRecovery(work),
        });
        await supervisor.startActor();
        await supervisor.submit(ImportCookies([cookieFor(work)]));
        return onLanes(
          work,
          (fn) => supervisor.withLane(fn),
          () => supervisor.stop(),
        );
      }, work),
  },
  {
    name: 'dispatcher',
    label: 'browser-actor: N worker processes',
    run: (work) =>
      timed(async () => {
        const recovery = ourRecovery(work);
        const d = createWorkDispatcher({
          workers: work.concurrency,
          lanes: 1,
          browser: { tmpRoot: work.root, args: [MARK] },
          ...(work.retries === undefined ? {} : { maxAttempts: work.retries + 1, defaultTimeoutMs: 60_000, supervisor: recovery }),
        });
        await d.start();
        await d.broadcast(ImportCookies([cookieFor(work)]));
        return onLanes(
          work,
          (fn) => d.withLane(fn),
          () => d.stop(),
        );
      }, work),
  },
  ...(['page', 'context', 'browser'] as const).map((mode): Contender => ({
    name: `puppeteer-cluster-${mode}`,
    label: `puppeteer-cluster, ${mode} mode${mode === 'context' ? ' (default)' : ''}`,
    run: (work) =>
      timed(async () => {
        const cluster = await Cluster.launch({
          concurrency:
            mode === 'page' ? Cluster.CONCURRENCY_PAGE : mode === 'context' ? Cluster.CONCURRENCY_CONTEXT : Cluster.CONCURRENCY_BROWSER,
          maxConcurrency: work.concurrency,
          puppeteer,
          puppeteerOptions: { executablePath, args: flags, headless: true },
          timeout: 60_000,
          ...(work.retries === undefined ? {} : { retryLimit: work.retries }),
        });
        const cookie = cookieFor(work);
        await cluster.task(async ({ page, data }: { page: PuppeteerPage; data: PersonPage }) => {
          // Each task may get a fresh context (context and browser modes): sign it in.
          await page.setCookie({ name: cookie.name, value: cookie.value, url: cookie.url, httpOnly: true, sameSite: 'Lax' });
          await page.goto(work.site.origin + data.path, { timeout: 30_000 });
          const answer: unknown = await page.evaluate(readInPage);
          work.onRead?.(data.path);
          return answer as { name: unknown };
        });
        return {
          ...collecting(work.pages, work.pages.length, (p) => cluster.execute(p) as Promise<{ name: unknown }>),
          close: async () => {
            await cluster.idle();
            await cluster.close();
          },
        };
      }, work),
  })),
  {
    name: 'crawlee',
    label: "Crawlee's PlaywrightCrawler (defaults)",
    run: (work) =>
      timed(async () => {
        const storage = mkdtempSync(join(work.root, 'crawlee-'));
        const config = new Configuration({
          persistStorage: false,
          storageClientOptions: { localDataDirectory: storage },
          purgeOnStart: true,
        });
        const byUrl = new Map<string, Answer>();
        const cookie = cookieFor(work);
        const crawler = new PlaywrightCrawler(
          {
            launchContext: { launcher: playwrightChromium, launchOptions: { executablePath, args: flags, headless: true } },
            minConcurrency: work.concurrency,
            maxConcurrency: work.concurrency,
            ...(work.retries === undefined ? {} : { maxRequestRetries: work.retries }),
            preNavigationHooks: [
              async ({ page }) => {
                await page.context().addCookies([cookie]);
              },
            ],
            requestHandler: async ({ page, request }) => {
              byUrl.set(request.url, await page.evaluate<{ name: unknown }>(readInPage));
              const url = new URL(request.url);
              work.onRead?.(url.pathname + url.search);
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
          partial: () => work.pages.map((p) => byUrl.get(work.site.origin + p.path)),
          close: async () => {
            await crawler.teardown();
            rmSync(storage, { recursive: true, force: true });
          },
        };
      }, work),
  },
  {
    name: 'playwright',
    label: 'plain Playwright: 1 browser, N tabs, our executable',
    run: (work) => plainPlaywright(work, executablePath),
  },
  // When ours runs Chromium's headless shell, plain Playwright also on the system Chromium: what a
  // user of Playwright alone on this machine would give it (npm run bench:cpu splits the difference).
  ...(systemChromium === executablePath
    ? []
    : [
        {
          name: 'playwright-system',
          label: 'plain Playwright on the system Chromium',
          run: (work: Work) => plainPlaywright(work, systemChromium),
        },
      ]),
];

/** Plain Playwright, no framework: one browser of `executable`, one tab per page in flight. */
function plainPlaywright(work: Work, executable: string): ReturnType<Contender['run']> {
  return timed(async () => {
    const browser = await chromium.launch({ executablePath: executable, args: flags, headless: true, timeout: 30_000 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.addCookies([cookieFor(work)]);
    const tabs = await Promise.all(Array.from({ length: work.concurrency }, () => context.newPage()));
    return {
      ...collecting(work.pages, work.concurrency, async (page, slot) => {
        const tab = tabs[slot] as (typeof tabs)[number];
        await tab.goto(work.site.origin + page.path, { timeout: 30_000 });
        return tab.evaluate<{ name: unknown }>(readInPage);
      }),
      close: () => browser.close(),
    };
  }, work);
}
