/**
 * What `npm run bench:peers`'s workloads share: how every contender's browsers are found, timed,
 * and cleaned up after, whatever library started them.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUIRED_CHROMIUM_FLAGS } from '../src/drivers/playwright/playwright-driver.js';
import { benchChromium } from './report.js';
import { mapConcurrent } from '../src/internal/map-concurrent.js';
import { listProcesses, signalGroup, signalProcess, waitFor } from '../src/drivers/process-tree.js';
import type { TreeSite } from '../src/site/server.js';
import type { PersonPage } from './person-pages.js';
import { READ_PERSON } from './person-pages.js';

/** What every page contender is given and must give back. */
export interface Work {
  /** The reference site the pages are on (only its origin: a contender may run in a process of its own). */
  readonly site: Pick<TreeSite, 'origin'>;
  readonly sid: string;
  readonly pages: readonly PersonPage[];
  readonly concurrency: number;
  readonly root: string;
  /**
   * Extra attempts per page after a failure (workload B: the same budget for everyone). Unset:
   * each library's defaults (workload A).
   */
  readonly retries?: number;
  /** Called in the user's code each time a page's content was read, with the page's path. */
  readonly onRead?: (path: string) => void;
  /** How long the contender may take before the pages not answered count as lost. */
  readonly deadlineMs: number;
  /** Called once the contender has started (launched, signed in) and its work begins. */
  readonly onStarted?: () => void;
  /** Called when the answers are in (or the deadline passed), before the contender closes. */
  readonly onAnswered?: () => void;
}
export type Answer = { name: unknown } | Error;

export interface Contender {
  readonly name: string;
  readonly label: string;
  /** Start cold, do every page, return one answer per page (in page order), and stop. */
  run(work: Work): Promise<{ answers: Answer[]; wallMs: number; leftover: number }>;
}

/** Every contender runs the same Chromium as ours (see {@link benchChromium}). */
export const executablePath = benchChromium();
/** On every browser's command line (Chromium ignores switches it does not know): how the benchmark finds its own browsers. */
/** A child run (./peers-child.ts) gets its parent's in `BROWSER_ACTOR_BENCH_MARK`. */
export const MARK = process.env['BROWSER_ACTOR_BENCH_MARK'] || `--browser-actor-bench=${randomBytes(6).toString('hex')}`;
export const flags = [...REQUIRED_CHROMIUM_FLAGS, MARK];
export const cookieFor = (work: Work) => ({
  name: 'sid',
  value: work.sid,
  url: work.site.origin,
  httpOnly: true,
  sameSite: 'Lax' as const,
});
export const readInPage = `(() => { ${READ_PERSON} })()`;

/**
 * Errors a contender's library threw where nobody could catch them (puppeteer-cluster's browser
 * mode rejects "Unable to get browser page" from inside its worker loop when launches keep
 * missing its 5 s limit): recorded against the running contender instead of ending the process.
 */
export const escaped: unknown[] = [];
let onEscape: (() => void) | undefined;
process.on('unhandledRejection', (reason) => {
  escaped.push(reason);
  onEscape?.();
});

/** A started contender: its answers once all are in, the ones it has given so far, and how to stop it. */
export interface Running {
  answers(): Promise<Answer[]>;
  /** The answers given so far, by page (`undefined`: none yet): what counts when the deadline passes. */
  partial(): readonly (Answer | undefined)[];
  close(): Promise<void>;
}

/** Answer `pages` with `fn`, `concurrency` at a time, keeping each answer as it comes. */
export function collecting<P>(
  pages: readonly P[],
  concurrency: number,
  fn: (page: P, slot: number) => Promise<{ name: unknown }>,
): Pick<Running, 'answers' | 'partial'> {
  const given: (Answer | undefined)[] = new Array<Answer | undefined>(pages.length).fill(undefined);
  return {
    answers: async () => {
      await mapConcurrent(pages, concurrency, async (page, i, slot) => {
        try {
          given[i] = await fn(page, slot);
        } catch (error) {
          given[i] = error instanceof Error ? error : new Error(String(error));
        }
      });
      return given.map((a) => a ?? new Error('no answer'));
    },
    partial: () => given,
  };
}

/**
 * Time a contender from its start to its answers; `close` runs after, untimed. A contender that
 * has not answered every page by the deadline gets the missing ones as errors, and whatever it
 * left running is killed.
 */
export async function timed(
  start: () => Promise<Running>,
  work: Pick<Work, 'pages' | 'deadlineMs' | 'onStarted' | 'onAnswered'>,
): Promise<{ answers: Answer[]; wallMs: number; leftover: number }> {
  const { deadlineMs } = work;
  const pages = work.pages.length;
  let leftover: number;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  // The deadline, or a library error nobody can catch (its pages would never be answered): the
  // pages not answered by then count as failed.
  let lost = `not finished within ${deadlineMs / 1000} s`;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), deadlineMs);
    onEscape = () => {
      lost = 'stopped by an error thrown inside the library';
      resolve(undefined);
    };
  });
  let answers: Answer[] | undefined;
  let wallMs = deadlineMs;
  let setup: Awaited<ReturnType<typeof start>> | undefined;
  try {
    // A start that never ends (a launch killed under it) counts against the same deadline.
    setup = await Promise.race([start(), late]);
    if (setup) {
      work.onStarted?.();
      answers = await Promise.race([setup.answers(), late]);
    }
    wallMs = performance.now() - started;
    if (answers === undefined && setup) answers = setup.partial().map((a) => a ?? new Error(lost));
  } catch (error) {
    // The library gave up on the whole run (Crawlee's run() rejects when a relaunch fails): the
    // pages it answered before that still count.
    lost = `the contender failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
    wallMs = performance.now() - started;
    if (setup) answers = setup.partial().map((a) => a ?? new Error(lost));
  } finally {
    clearTimeout(timer);
    onEscape = undefined;
    work.onAnswered?.();
    let closeTimer: NodeJS.Timeout | undefined;
    if (setup)
      await Promise.race([setup.close().catch(() => undefined), new Promise((resolve) => (closeTimer = setTimeout(resolve, 30_000)))]);
    clearTimeout(closeTimer);
    leftover = await killBrowsersLeft();
  }
  return { answers: answers ?? Array.from({ length: pages }, () => new Error(lost)), wallMs, leftover };
}

/**
 * The browser processes this benchmark's contenders started: every browser is launched with
 * {@link MARK} on its command line, and its helpers (renderers, the crash handler, which runs in
 * a process group of its own) name the browser's profile directory on theirs.
 */
export function benchBrowsers(): { pid: number; pgid: number; main: boolean }[] {
  const all = listProcesses().filter((p) => p.state !== 'Z' && p.pid !== process.pid);
  const mains = all.filter((p) => p.cmdline.includes(MARK));
  const profiles = mains.map((p) => /--user-data-dir=([^\0]+)/.exec(p.cmdline)?.[1]).filter((d): d is string => d !== undefined);
  return all
    .filter((p) => p.cmdline.includes(MARK) || profiles.some((d) => p.cmdline.includes(d)))
    .map((p) => ({ pid: p.pid, pgid: p.pgid, main: p.cmdline.includes(MARK) && !/--type=/.test(p.cmdline) }));
}

/** SIGKILL one browser: its whole process group when it leads one, else the process. */
export function killBrowser(p: { pid: number; pgid: number }): void {
  if (p.pgid === p.pid) signalGroup(p.pid, 'SIGKILL');
  else signalProcess(p.pid, 'SIGKILL');
}

/**
 * Kill the browser processes a contender left running after it closed (some libraries abandon a
 * browser whose launch missed their timeout; it then runs on, parented to init), after giving a
 * closed browser's helpers a moment to exit on their own. Returns how many there were.
 */
export async function killBrowsersLeft(): Promise<number> {
  await waitFor(() => benchBrowsers().length === 0, 3000, 100);
  const left = benchBrowsers();
  for (const p of left) {
    if (p.main) killBrowser(p);
    else signalProcess(p.pid, 'SIGKILL');
  }
  return left.length;
}

/**
 * The entries of the system temp directory and of `root` now, to compare after a run: libraries
 * put browser profiles (and Playwright its artifacts) in the temp directory; our browsers and
 * Crawlee's storage go under `root`.
 */
export function tempEntries(root: string): Set<string> {
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir).map((name) => join(dir, name));
    } catch {
      return [];
    }
  };
  return new Set([...list(tmpdir()), ...list(root)]);
}

/** Remove what a run left in the temp directories (entries not in `before`); returns how many. */
export function removeTempLeftovers(before: ReadonlySet<string>, root: string): number {
  let left = 0;
  for (const entry of tempEntries(root)) {
    if (before.has(entry)) continue;
    left++;
    rmSync(entry, { recursive: true, force: true });
  }
  return left;
}
