/**
 * The page workload the lanes and dispatch benchmarks share: reference-site person pages, each a
 * navigation plus a script that reads the name and the lifespan.
 */
import { randomBytes } from 'node:crypto';
import { type Browser, type Page, chromium } from 'playwright-core';
import { REQUIRED_CHROMIUM_FLAGS } from '../src/drivers/playwright/playwright-driver.js';
import { benchChromium } from './report.js';
import { mapConcurrent } from '../src/internal/map-concurrent.js';
import { generateTree } from '../src/genealogy/synthetic.js';
import type { FamilyTree } from '../src/genealogy/tree.js';
import { type TreeSite, startTreeSite } from '../src/site/server.js';
import { ExecuteJS, Navigate } from '../src/runtime/tasks/constructors.js';
import type { ResultOf, Task } from '../src/runtime/tasks/types.js';

/** A person page and the name it must show. */
export interface PersonPage {
  readonly path: string;
  readonly name: string;
}

/** The script body that reads a person page (run as is by the runtime, wrapped by plain Playwright). */
export const READ_PERSON = `const name = document.querySelector('#person-name')?.textContent ?? null;
const born = document.querySelector('#born')?.textContent ?? '';
const died = document.querySelector('#died')?.textContent ?? '';
return { name, lifespan: born + ' – ' + died };`;

/** `count` person pages of `tree`, spread over it (every 37th person). */
export function personPages(tree: FamilyTree, count: number): PersonPage[] {
  const pages: PersonPage[] = [];
  for (let i = 0; pages.length < count; i = (i + 37) % tree.size) {
    const p = tree.person(i);
    pages.push({ path: `/person/${encodeURIComponent(p.id)}`, name: [p.given, p.surname].filter(Boolean).join(' ') });
  }
  return pages;
}

/** Visit a page the plain Playwright way: `goto`, then the same read in the page. */
export async function readWithPlaywright(tab: Page, origin: string, page: PersonPage): Promise<{ name: unknown }> {
  await tab.goto(origin + page.path, { timeout: 30_000 });
  return tab.evaluate<{ name: unknown }>(`(() => { ${READ_PERSON} })()`);
}

/**
 * Plain Playwright's side of a page benchmark: one browser (default: the same Chromium as ours,
 * {@link benchChromium}) with the runtime's Chromium flags, a
 * 1280×720 context signed in with the session cookie `sid`, and `tabs` tabs; `visit(page, tab)`
 * reads a page in that tab.
 */
export async function openPlainPlaywright(
  origin: string,
  sid: string,
  tabs: number,
  executablePath: string = benchChromium(),
): Promise<{ readonly visit: (page: PersonPage, tab: number) => Promise<{ name: unknown }>; readonly close: () => Promise<void> }> {
  const browser: Browser = await chromium.launch({
    executablePath,
    args: [...REQUIRED_CHROMIUM_FLAGS],
    headless: true,
    timeout: 30_000,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.addCookies([{ name: 'sid', value: sid, url: origin, httpOnly: true, sameSite: 'Lax' }]);
    const opened: Page[] = [];
    for (let i = 0; i < tabs; i++) opened.push(await context.newPage());
    return { visit: (page, tab) => readWithPlaywright(opened[tab] as Page, origin, page), close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Run `pages` through `workers` loops that each take the next page; count failures and names that are not the page's own. */
export async function visitPages(
  pages: readonly PersonPage[],
  workers: number,
  visit: (page: PersonPage, worker: number) => Promise<{ name: unknown }>,
): Promise<{ errors: number; wrong: number; wallMs: number }> {
  const started = performance.now();
  const settled = await mapConcurrent(pages, workers, (page, _i, worker) => visit(page, worker));
  const wallMs = performance.now() - started;
  return {
    errors: settled.filter((s) => s.status === 'rejected').length,
    wrong: settled.filter((s, i) => s.status === 'fulfilled' && s.value.name !== pages[i]?.name).length,
    wallMs,
  };
}

/** A supervisor's or a dispatcher's `withLane`. */
type WithLane = <R>(fn: (lane: { submit<T extends Task>(task: T): Promise<ResultOf<T>> }) => Promise<R>) => Promise<R>;

/** Visit a page as our side does: navigate, then read, on one lane (tab). */
export function laneVisitor(withLane: WithLane, origin: string): (page: PersonPage) => Promise<{ name: string | null; lifespan: string }> {
  const read = ExecuteJS<{ name: string | null; lifespan: string }>(READ_PERSON, [], { idempotent: true });
  return (page) =>
    withLane(async (lane) => {
      await lane.submit(Navigate(origin + page.path));
      return lane.submit(read);
    });
}

/** Visit a page the plainest way: a Navigate, then a read, each submitted on its own (no lane handle). */
export function plainVisitor(
  executor: { submit<T extends Task>(task: T): Promise<ResultOf<T>> },
  origin: string,
): (page: PersonPage) => Promise<{ name: string | null; lifespan: string }> {
  const read = ExecuteJS<{ name: string | null; lifespan: string }>(READ_PERSON, [], { idempotent: true });
  return async (page) => {
    await executor.submit(Navigate(origin + page.path));
    return executor.submit(read);
  };
}

/**
 * The reference site for a page benchmark, on loopback, with a synthetic tree of `people`, one
 * account (`bench`, a fresh password), no rate limit, and loads of task pages counted per tag:
 * pages tagged `?task=k` are counted when the site serves them, so re-runs show as extra loads.
 */
export async function startPageSite(options: {
  readonly people: number;
  readonly latencyMs?: number;
  readonly sessionTtlMs?: number;
}): Promise<{ readonly site: TreeSite; readonly tree: FamilyTree; readonly password: string; readonly served: Map<string, number> }> {
  const password = randomBytes(12).toString('base64url');
  const { tree, referencePerson } = generateTree({ people: options.people, seed: 1 });
  const served = new Map<string, number>();
  const site = await startTreeSite({
    tree,
    referencePerson,
    users: [{ username: 'bench', password }],
    rateLimit: false,
    ...(options.latencyMs === undefined ? {} : { knobs: { latencyMs: { 'GET /person/:id': options.latencyMs } } }),
    ...(options.sessionTtlMs === undefined ? {} : { sessionTtlMs: options.sessionTtlMs }),
    onServe: (method, url) => {
      const task = url.searchParams.get('task');
      if (task !== null && method === 'GET') served.set(task, (served.get(task) ?? 0) + 1);
    },
  });
  return { site, tree, password, served };
}
