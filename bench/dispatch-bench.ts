/**
 * `npm run bench:dispatch` — the note's Gate 3 ("if multiple browsers are required, can we
 * isolate them via process boundaries?") answered by measurement, in one interleaved run:
 *  - N reference-site person pages (navigate, then read the name and lifespan) through the
 *    WorkDispatcher with 1, 2 and 4 worker processes (1 lane each), against plain Playwright
 *    with the same number of browsers (one page each, a hand-written pool) and against one
 *    supervised browser with the same number of lanes (tabs of one process vs processes).
 *  - Peak RSS of everything each setup started (worker processes and browsers), sampled, summed
 *    over processes (pages shared between processes count once per process, on every side).
 *  Each run is timed after an untimed warm-up of 3 pages per slot.
 *  - Blast radius: the same run at the widest setting (4-way) while one browser is SIGKILLed once a
 *    third of the pages are done: pages that failed, and pages loaded again (counted at the site).
 *  - The Redis mode with as many worker host processes (1 worker each, on one private
 *    redis-server) as the dispatcher has workers: pages/s and the ratio to the local dispatcher.
 *  - Over BullMQ: the per-task cost of the Redis dispatcher (a private redis-server on 127.0.0.1,
 *    one worker host with one worker) against the local dispatcher with one worker, the same
 *    pages one at a time, interleaved rounds: ms per task on each side and the difference.
 * Flags: `--json`, `--pages=N` (default 200), `--rounds=N` (pairs per setting, default 2),
 * `--latency=MS` (the person route's latency, default 20), `--widths=1,2,4` (the numbers of
 * browsers, workers and lanes to run; the blast radius runs at the widest).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type Browser, type Page, chromium } from 'playwright-core';
import { browserDirsRoot } from '../src/drivers/browser-dirs.js';
import { PlaywrightDriver, REQUIRED_CHROMIUM_FLAGS } from '../src/drivers/playwright/playwright-driver.js';
import { signalGroup } from '../src/drivers/process-tree.js';
import { generateTree } from '../src/genealogy/synthetic.js';
import { mapConcurrent } from '../src/internal/map-concurrent.js';
import { startRedisServer } from '../test/support/redis-launcher.js';
import { createRedisDispatcher } from '../src/runtime/dispatch/redis-dispatcher.js';
import { startWorkerHost } from '../src/runtime/dispatch/redis-host.js';
import { createWorkDispatcher } from '../src/runtime/dispatch/work-dispatcher.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { ExecuteJS, ImportCookies, Navigate } from '../src/runtime/tasks/constructors.js';
import { type TreeSite, startTreeSite } from '../src/site/server.js';
import { benchChromium, intFlag, integersFlag, median, samplePeakRss, signInOverHttp, textLog } from './report.js';
import { type PersonPage, READ_PERSON, laneVisitor, personPages, readWithPlaywright, visitPages } from './person-pages.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const pagesPerRun = intFlag(args, 'pages', 200, 1);
const rounds = intFlag(args, 'rounds', 2, 1);
const latencyMs = intFlag(args, 'latency', 20, 0);
const widths = integersFlag(args, 'widths', [1, 2, 4]);
const widest = Math.max(...widths);
const log = textLog(asJson);

type Side = 'dispatcher' | 'playwright' | 'lanes' | 'redis';
interface Run {
  readonly side: Side;
  readonly concurrency: number;
  readonly pagesPerSecond: number;
  readonly errors: number;
  readonly wrong: number;
  readonly peakRssBytes: number;
  /** Worker processes (dispatcher) or browsers (the others) the setup ran. */
  readonly processes: number;
}
/** What a side does with a page; `worker` is the pool slot. */
type Visit = (page: PersonPage, worker: number) => Promise<{ name: unknown }>;
interface Setup {
  readonly visit: Visit;
  /** A browser of this setup to kill (blast radius). */
  victim(): number | null;
  close(): Promise<void>;
}

async function dispatcherSetup(site: TreeSite, sid: string, workers: number, root: string): Promise<Setup> {
  const d = createWorkDispatcher({ workers, lanes: 1, browser: { tmpRoot: root } });
  await d.start();
  await d.broadcast(ImportCookies([{ name: 'sid', value: sid, url: site.origin, httpOnly: true, sameSite: 'Lax' }]));
  return {
    visit: laneVisitor((fn) => d.withLane(fn), site.origin),
    victim: () => d.stats().workers.find((w) => w.health?.browserPid)?.health?.browserPid ?? null,
    close: () => d.stop(),
  };
}

/**
 * The Redis mode: `hosts` worker host processes (`browser-actor worker`, one worker each) on a
 * private redis-server, and a Redis dispatcher here. Each pool slot is a session key, so its two
 * tasks per page (navigate, then read) reach one browser; new sessions go to the host with the
 * fewest, so the slots spread over the hosts.
 */
async function redisSetup(site: TreeSite, sid: string, hosts: number, root: string, redisUrl: string, queue: string): Promise<Setup> {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const children: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  };
  try {
    await Promise.all(
      Array.from({ length: hosts }, async (_, i) => {
        const child = spawn(
          process.execPath,
          [
            main,
            'worker',
            '--redis',
            redisUrl,
            '--queue',
            queue,
            '--workers',
            '1',
            '--host-id',
            `${queue}-h${i + 1}`,
            '--log-level',
            'warn',
          ],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, BROWSER_ACTOR_TMPDIR: root },
          },
        );
        children.push(child);
        let out = '';
        child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
        child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
        const ready = await Promise.race([
          new Promise<boolean>((resolve) => {
            const check = (): void => {
              if (/serving queue/.test(out)) resolve(true);
              else if (child.exitCode !== null) resolve(false);
              else setTimeout(check, 20);
            };
            check();
          }),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 60_000)),
        ]);
        if (!ready) throw new Error(`worker host ${queue}-h${i + 1} did not start: ${out.slice(0, 500)}`);
      }),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  const d = createRedisDispatcher({ redis: redisUrl, queue });
  await d.start();
  const cookie = ImportCookies([{ name: 'sid', value: sid, url: site.origin, httpOnly: true, sameSite: 'Lax' }]);
  const read = ExecuteJS(READ_PERSON, [], { idempotent: true });
  const seeded = new Set<number>();
  return {
    visit: async (page, w) => {
      const opts = { sessionKey: `slot-${w}` };
      if (!seeded.has(w)) {
        seeded.add(w);
        await d.submit(cookie, opts);
      }
      await d.submit(Navigate(site.origin + page.path), opts);
      return (await d.submit(read, opts)) as { name: unknown };
    },
    victim: () => null,
    close: async () => {
      await d.stop();
      await stopAll();
    },
  };
}

async function lanesSetup(site: TreeSite, sid: string, lanes: number, root: string): Promise<Setup> {
  const supervisor = new SessionSupervisor({ driver: () => new PlaywrightDriver({ tmpRoot: root }), lanes });
  await supervisor.startActor();
  await supervisor.submit(ImportCookies([{ name: 'sid', value: sid, url: site.origin, httpOnly: true, sameSite: 'Lax' }]));
  return {
    visit: laneVisitor((fn) => supervisor.withLane(fn), site.origin),
    victim: () => supervisor.browser?.pid ?? null,
    close: () => supervisor.stop(),
  };
}

async function playwrightSetup(site: TreeSite, sid: string, browsers: number): Promise<Setup> {
  const opened: Browser[] = [];
  const tabs: Page[] = [];
  for (let i = 0; i < browsers; i++) {
    const browser = await chromium.launch({
      executablePath: benchChromium(),
      args: [...REQUIRED_CHROMIUM_FLAGS],
      headless: true,
      timeout: 30_000,
    });
    opened.push(browser);
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.addCookies([{ name: 'sid', value: sid, url: site.origin, httpOnly: true, sameSite: 'Lax' }]);
    tabs.push(await context.newPage());
  }
  return {
    visit: (page, w) => readWithPlaywright(tabs[w] as Page, site.origin, page),
    victim: () => null, // plain Playwright has no recovery to measure
    close: async () => {
      await Promise.all(opened.map((b) => b.close()));
    },
  };
}

async function measure(side: Side, concurrency: number, setup: Setup, pages: readonly PersonPage[]): Promise<Run> {
  // Untimed warm-up (3 pages per slot): a fresh worker process runs its first pages on cold
  // JIT-compiled code, where the other sides run in this already warm process.
  await mapConcurrent(pages.slice(-3 * concurrency), concurrency, (page, _i, worker) => setup.visit(page, worker));
  const rss = samplePeakRss();
  const { errors, wrong, wallMs } = await visitPages(pages, concurrency, setup.visit);
  const peak = rss.stop();
  return {
    side,
    concurrency,
    pagesPerSecond: (pages.length * 1000) / wallMs,
    errors,
    wrong,
    peakRssBytes: peak,
    processes: concurrency,
  };
}

/** One browser SIGKILLed once a third of the pages are answered: failures, and page loads beyond one per page (at the site). */
async function blastRadius(
  site: TreeSite,
  setup: Setup,
  pages: readonly PersonPage[],
  concurrency: number,
): Promise<{ failed: number; reloaded: number; killed: boolean }> {
  site.resetCounts();
  let done = 0;
  let killed = false;
  const settled = await mapConcurrent(pages, concurrency, async (page, _i, worker) => {
    try {
      return await setup.visit(page, worker);
    } finally {
      done++;
      if (!killed && done >= Math.floor(pages.length / 3)) {
        const pid = setup.victim();
        if (pid !== null) killed = signalGroup(pid, 'SIGKILL');
      }
    }
  });
  const loads = Object.entries(site.counts())
    .filter(([route]) => route.startsWith('GET /person/'))
    .reduce((n, [, count]) => n + count, 0);
  return { failed: settled.filter((s) => s.status === 'rejected').length, reloaded: Math.max(0, loads - pages.length), killed };
}

interface QueueOverhead {
  readonly tasks: number;
  readonly localMsPerTask: number;
  readonly redisMsPerTask: number;
  readonly overheadMs: number;
  /** Commands Redis processed per task over the timed Redis rounds (the submitter's, the host's, BullMQ's; background calls included). */
  readonly redisCommandsPerTask: number;
}

/**
 * The Redis dispatcher's cost per task against the local one: the same pages, one at a time
 * (navigate, then read), each side with one worker and one browser, interleaved rounds.
 */
async function queueOverhead(site: TreeSite, sid: string, root: string, pages: readonly PersonPage[]): Promise<QueueOverhead | string> {
  let redis;
  try {
    redis = await startRedisServer();
  } catch (error) {
    return (error as Error).message;
  }
  const cookie = ImportCookies([{ name: 'sid', value: sid, url: site.origin, httpOnly: true, sameSite: 'Lax' }]);
  const read = ExecuteJS(READ_PERSON, [], { idempotent: true });
  const local = createWorkDispatcher({ workers: 1, browser: { tmpRoot: root } });
  const host = await startWorkerHost({ redis: redis.url, queue: 'bench', workers: 1, browser: { tmpRoot: root } });
  const remote = createRedisDispatcher({ redis: redis.url, queue: 'bench' });
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    await local.start();
    const opts = { sessionKey: 'bench' };
    await Promise.all([local.submit(cookie, opts), remote.submit(cookie, opts)]);
    const sample = pages.slice(0, Math.min(pages.length, 100));
    const run = async (d: typeof local | typeof remote): Promise<number> => {
      const started = performance.now();
      for (const page of sample) {
        await d.submit(Navigate(site.origin + page.path), opts);
        await d.submit(read, opts);
      }
      return (performance.now() - started) / (2 * sample.length);
    };
    await run(local); // warm-up, both sides
    await run(remote);
    const l: number[] = [];
    const r: number[] = [];
    let commands = 0;
    const runRemote = async (): Promise<number> => {
      const before = await commandsProcessed(admin);
      const ms = await run(remote);
      commands += (await commandsProcessed(admin)) - before - 1; // less this INFO
      return ms;
    };
    for (let round = 0; round < Math.max(3, rounds); round++) {
      if (round % 2 === 0) {
        l.push(await run(local));
        r.push(await runRemote());
      } else {
        r.push(await runRemote());
        l.push(await run(local));
      }
    }
    const localMs = median(l);
    const redisMs = median(r);
    return {
      tasks: 2 * sample.length,
      localMsPerTask: localMs,
      redisMsPerTask: redisMs,
      overheadMs: median(r.map((x, i) => x - (l[i] as number))),
      redisCommandsPerTask: commands / (r.length * 2 * sample.length),
    };
  } finally {
    admin.disconnect();
    await remote.stop();
    await host.stop();
    await local.stop();
    await redis.stop();
  }
}

/** Redis's count of commands processed so far (INFO stats). */
async function commandsProcessed(admin: Redis): Promise<number> {
  const info = await admin.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
}

async function main(): Promise<void> {
  const password = randomBytes(12).toString('base64url');
  const { tree, referencePerson } = generateTree({ people: 10_000, seed: 1 });
  const site = await startTreeSite({ tree, referencePerson, users: [{ username: 'bench', password }], rateLimit: false });
  const root = mkdtempSync(join(browserDirsRoot(), 'bench-dispatch-'));
  const runs: (Run & { round: number })[] = [];
  const blast: Record<'dispatcher' | 'lanes', { failed: number; reloaded: number; killed: boolean }> = {
    dispatcher: { failed: 0, reloaded: 0, killed: false },
    lanes: { failed: 0, reloaded: 0, killed: false },
  };
  let overBullmq: QueueOverhead | string = 'not measured';
  // The Redis mode's side: worker host processes on one private redis-server (skipped without one).
  let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
  let redisSkipped: string | undefined;
  try {
    redis = await startRedisServer();
  } catch (error) {
    redisSkipped = (error as Error).message;
  }
  try {
    site.setKnobs({ latencyMs: { 'GET /person/:id': latencyMs } });
    const sid = await signInOverHttp(site.origin, 'bench', password);
    const pages = personPages(tree, pagesPerRun);
    let flip = 0;
    for (const concurrency of widths) {
      for (let round = 1; round <= rounds; round++) {
        log(`  ${concurrency} browser(s) / worker(s) / lane(s), round ${round} of ${rounds} …`);
        const sides: Side[] = redis ? ['dispatcher', 'playwright', 'lanes', 'redis'] : ['dispatcher', 'playwright', 'lanes'];
        const order = [...sides.slice(flip % sides.length), ...sides.slice(0, flip % sides.length)];
        flip++;
        for (const side of order) {
          const setup =
            side === 'dispatcher'
              ? await dispatcherSetup(site, sid, concurrency, root)
              : side === 'lanes'
                ? await lanesSetup(site, sid, concurrency, root)
                : side === 'redis' && redis
                  ? await redisSetup(site, sid, concurrency, root, redis.url, `bench-${concurrency}-${round}`)
                  : await playwrightSetup(site, sid, concurrency);
          try {
            runs.push({ ...(await measure(side, concurrency, setup, pages)), round });
          } finally {
            await setup.close();
          }
        }
      }
    }
    log(`  blast radius: ${widest}-way, one browser SIGKILLed after a third of the pages …`);
    for (const side of ['dispatcher', 'lanes'] as const) {
      const setup = side === 'dispatcher' ? await dispatcherSetup(site, sid, widest, root) : await lanesSetup(site, sid, widest, root);
      try {
        blast[side] = await blastRadius(site, setup, pages, widest);
      } finally {
        await setup.close();
      }
    }
    log('  over BullMQ: the Redis dispatcher vs the local one, one page at a time …');
    overBullmq = await queueOverhead(site, sid, root, pages);
  } finally {
    await site.close();
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  }
  const bullmqLine =
    typeof overBullmq === 'string'
      ? `over BullMQ: not measured (${overBullmq})`
      : `over BullMQ: ${overBullmq.redisMsPerTask.toFixed(2)} ms per task vs ${overBullmq.localMsPerTask.toFixed(2)} ms on the local dispatcher (${overBullmq.tasks} tasks one at a time, 1 worker each, medians): +${overBullmq.overheadMs.toFixed(2)} ms per task (median of paired rounds); ${overBullmq.redisCommandsPerTask.toFixed(1)} Redis commands per task`;

  const rows = widths.map((concurrency) => {
    const of = (side: Side) => runs.filter((r) => r.side === side && r.concurrency === concurrency).sort((a, b) => a.round - b.round);
    const summary = (list: Run[]) => ({
      pagesPerSecond: median(list.map((r) => r.pagesPerSecond)),
      peakRssMB: median(list.map((r) => r.peakRssBytes)) / 2 ** 20,
      errors: list.reduce((n, r) => n + r.errors + r.wrong, 0),
    });
    const [d, p, l, rd] = [of('dispatcher'), of('playwright'), of('lanes'), of('redis')];
    const ratio = (a: Run[], b: Run[]) => median(a.map((r, i) => r.pagesPerSecond / (b[i] as Run).pagesPerSecond));
    return {
      concurrency,
      dispatcher: summary(d),
      playwright: summary(p),
      lanes: summary(l),
      vsPlaywright: ratio(d, p),
      vsLanes: ratio(d, l),
      ...(rd.length > 0 ? { redis: summary(rd), redisVsDispatcher: ratio(rd, d) } : {}),
    };
  });
  const goal = rows.every((r) => r.vsPlaywright >= 0.9);
  const four = rows.find((r) => r.concurrency === widest) as (typeof rows)[number];
  const verdict =
    `Gate 3: processes ${four.vsLanes >= 1 ? 'beat' : 'trail'} tabs of one browser at ${widest}-way (${four.vsLanes.toFixed(2)}× the lanes' pages/s, ${four.dispatcher.peakRssMB.toFixed(0)} vs ${four.lanes.peakRssMB.toFixed(0)} MB peak RSS), ` +
    `dispatcher at ${Math.min(...rows.map((r) => r.vsPlaywright)).toFixed(2)}–${Math.max(...rows.map((r) => r.vsPlaywright)).toFixed(2)}× plain Playwright with as many browsers; ` +
    `one browser killed: dispatcher ${blast.dispatcher.failed} failed / ${blast.dispatcher.reloaded} reloaded, lanes ${blast.lanes.failed} failed / ${blast.lanes.reloaded} reloaded`;
  if (asJson) {
    console.log(
      JSON.stringify(
        {
          pages: pagesPerRun,
          rounds,
          latencyMs,
          rows,
          blast,
          overBullmq,
          ...(redisSkipped ? { redisSkipped } : {}),
          goals: { dispatcherAtLeast0_9: goal },
          verdict,
        },
        null,
        2,
      ),
    );
    return;
  }
  log();
  log(
    `Pages: ${pagesPerRun} person pages (navigate + read name and lifespan), ${latencyMs} ms latency, ${rounds} interleaved round(s) per setting (medians)`,
  );
  log(
    `  ${'N'.padStart(2)} ${'dispatcher p/s'.padStart(15)} ${'MB'.padStart(6)} ${'Playwright p/s'.padStart(15)} ${'MB'.padStart(6)} ${'lanes p/s'.padStart(10)} ${'MB'.padStart(6)} ${'vs PW'.padStart(6)} ${'vs lanes'.padStart(9)} ${'errors'.padStart(7)}`,
  );
  for (const r of rows) {
    log(
      `  ${String(r.concurrency).padStart(2)} ${r.dispatcher.pagesPerSecond.toFixed(2).padStart(15)} ${r.dispatcher.peakRssMB.toFixed(0).padStart(6)} ${r.playwright.pagesPerSecond.toFixed(2).padStart(15)} ${r.playwright.peakRssMB.toFixed(0).padStart(6)} ${r.lanes.pagesPerSecond.toFixed(2).padStart(10)} ${r.lanes.peakRssMB.toFixed(0).padStart(6)} ${`${r.vsPlaywright.toFixed(2)}×`.padStart(6)} ${`${r.vsLanes.toFixed(2)}×`.padStart(9)} ${`${r.dispatcher.errors}/${r.playwright.errors}/${r.lanes.errors}`.padStart(7)}`,
    );
  }
  log(`  goal: dispatcher ≥ 0.9× plain Playwright with the same number of browsers: ${goal ? 'met' : 'NOT met'}`);
  if (redisSkipped) log(`  Redis mode: not measured (${redisSkipped})`);
  else {
    log(
      `  Redis mode (N worker host processes of 1 worker on one redis-server, a session key per slot) against the local dispatcher with N workers:`,
    );
    for (const r of rows)
      if (r.redis)
        log(
          `    ${r.concurrency} host(s): ${r.redis.pagesPerSecond.toFixed(2)} p/s vs ${r.dispatcher.pagesPerSecond.toFixed(2)} (${(r.redisVsDispatcher ?? 0).toFixed(2)}×), ${r.redis.peakRssMB.toFixed(0)} MB peak RSS, ${r.redis.errors} errors`,
        );
  }
  log(
    `  blast radius (${widest}-way, one browser SIGKILLed): dispatcher ${blast.dispatcher.failed} failed, ${blast.dispatcher.reloaded} pages loaded again; lanes ${blast.lanes.failed} failed, ${blast.lanes.reloaded} loaded again`,
  );
  log(`  ${bullmqLine}`);
  log();
  log(verdict);
}

await main();
