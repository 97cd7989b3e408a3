/**
 * `npm run bench:chaos` — the chaos target, run the way a user would write it: default options
 * (only the restart limit raised, since the killing is this benchmark's own), N reference-site
 * person pages, each a lane handle's Navigate then a read of the page, on 2 lanes of one
 * supervised browser and on 2 dispatcher workers, while the serving Chromium is SIGKILLed (its
 * whole process group) every K ms. Per side and interval: pages answered right, failed (by error
 * code), read from a page that was not theirs (a blank tab reads as no name), page loads at the
 * site beyond one per page, kills, wall time, and browser processes and directories left behind.
 * The Redis side has no lane handles (its capability says so): there each page is the nearest
 * thing a user can write, a Navigate then a read submitted under one `sessionKey` per page slot
 * (so both run on one host) with `restoreUrl: true` on the read, on 2 worker hosts of 1 worker
 * each, over a private redis-server.
 * Flags: `--json`, `--pages=N` (default 100), `--kill-every=1000,500` (ms), `--deadline=S` (whole
 * run per side, default 300), `--sides=lanes,dispatcher,redis` (default lanes,dispatcher).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { browserDirsRoot } from '../src/drivers/browser-dirs.js';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { processesWithMarker, signalGroup } from '../src/drivers/process-tree.js';
import { mapConcurrent } from '../src/internal/map-concurrent.js';
import { startRedisServer } from '../test/support/redis-launcher.js';
import { createRedisDispatcher } from '../src/runtime/dispatch/redis-dispatcher.js';
import { type WorkerHost, startWorkerHost } from '../src/runtime/dispatch/redis-host.js';
import { createWorkDispatcher } from '../src/runtime/dispatch/work-dispatcher.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { ExecuteJS, ImportCookies, Navigate } from '../src/runtime/tasks/constructors.js';
import { type PersonPage, READ_PERSON, laneVisitor, personPages, startPageSite } from './person-pages.js';
import { intFlag, signInOverHttp, stringFlag, textLog } from './report.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const pageCount = intFlag(args, 'pages', 100, 1);
const deadlineMs = intFlag(args, 'deadline', 300, 10) * 1000;
const killEveryMs = (stringFlag(args, 'kill-every') ?? '1000,500').split(',').map((v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100) throw new Error(`--kill-every takes milliseconds of at least 100, got ${v}`);
  return n;
});
const sides = (stringFlag(args, 'sides') ?? 'lanes,dispatcher').split(',').map((side): Side => {
  if (side !== 'lanes' && side !== 'dispatcher' && side !== 'redis')
    throw new Error(`--sides takes lanes, dispatcher and redis, got ${side}`);
  return side;
});
const log = textLog(asJson);

type Side = 'lanes' | 'dispatcher' | 'redis';
/** The restart limit a crash loop of the benchmark's own making needs; everything else is default. */
const restartLimit = { maxRestarts: 1000 };

interface ChaosRun {
  readonly side: Side;
  readonly killEveryMs: number;
  readonly pages: number;
  readonly right: number;
  readonly failed: Readonly<Record<string, number>>;
  /** One message per failure code, to see which step failed. */
  readonly examples: Readonly<Record<string, string>>;
  /** Answers that were not the page's own content (a blank tab reads as no name). */
  readonly wrongReads: number;
  /** Pages still unanswered when the deadline ended the run. */
  readonly unanswered: number;
  readonly extraLoads: number;
  readonly kills: number;
  readonly wallMs: number;
  readonly processesLeft: number;
  readonly entriesLeft: number;
}

interface Target {
  readonly visit: (page: PersonPage) => Promise<{ name: string | null }>;
  /** The pid of a browser that serves now, if any. */
  victim(): number | null;
  close(): Promise<void>;
}

async function lanesTarget(origin: string, sid: string, root: string): Promise<Target> {
  const supervisor = new SessionSupervisor({ driver: () => new PlaywrightDriver({ tmpRoot: root }), lanes: 2, restartLimit });
  await supervisor.startActor();
  await supervisor.submit(ImportCookies([{ name: 'sid', value: sid, url: origin, httpOnly: true, sameSite: 'Lax' }]));
  return {
    visit: laneVisitor((fn) => supervisor.withLane(fn), origin),
    victim: () => (supervisor.health().state === 'healthy' ? (supervisor.browser?.pid ?? null) : null),
    close: () => supervisor.stop(),
  };
}

async function dispatcherTarget(origin: string, sid: string, root: string): Promise<Target> {
  const d = createWorkDispatcher({ workers: 2, browser: { tmpRoot: root }, supervisor: { restartLimit } });
  await d.start();
  await d.broadcast(ImportCookies([{ name: 'sid', value: sid, url: origin, httpOnly: true, sameSite: 'Lax' }]));
  return {
    visit: laneVisitor((fn) => d.withLane(fn), origin),
    victim: servingInTurn(() => [d]),
    close: () => d.stop(),
  };
}

/** The serving browsers of some local dispatchers, in turn, as their workers' last heartbeats name them. */
function servingInTurn(
  dispatchers: () => readonly {
    stats(): { workers: readonly { state: string; health: { state: string; browserPid: number | null } | null }[] };
  }[],
): () => number | null {
  let next = 0;
  return () => {
    const serving = dispatchers()
      .flatMap((d) => d.stats().workers)
      .filter((w) => w.state === 'ready' && w.health?.state === 'healthy' && w.health.browserPid !== null);
    return serving[next++ % Math.max(1, serving.length)]?.health?.browserPid ?? null;
  };
}

async function redisTarget(origin: string, sid: string, root: string): Promise<Target> {
  const redis = await startRedisServer();
  const hosts: WorkerHost[] = [];
  const remote = createRedisDispatcher({ redis: redis.url, queue: 'chaos' });
  try {
    for (let i = 0; i < 2; i++)
      hosts.push(
        await startWorkerHost({ redis: redis.url, queue: 'chaos', workers: 1, browser: { tmpRoot: root }, supervisor: { restartLimit } }),
      );
    // One session key per page slot: each binds to a host of its own (fewest sessions first).
    const keys = ['slot-0', 'slot-1'];
    for (const sessionKey of keys)
      await remote.submit(ImportCookies([{ name: 'sid', value: sid, url: origin, httpOnly: true, sameSite: 'Lax' }]), { sessionKey });
    const free = [...keys];
    const read = ExecuteJS<{ name: string | null; lifespan: string }>(READ_PERSON, [], { idempotent: true });
    return {
      visit: async (page) => {
        const sessionKey = free.shift();
        if (sessionKey === undefined) throw new Error('chaos: more pages in flight than session slots');
        try {
          await remote.submit(Navigate(origin + page.path), { sessionKey });
          return await remote.submit(read, { sessionKey, restoreUrl: true });
        } finally {
          free.push(sessionKey);
        }
      },
      victim: servingInTurn(() => hosts.map((h) => h.dispatcher)),
      close: async () => {
        await remote.stop({ timeoutMs: 5000 });
        await Promise.all(hosts.map((h) => h.stop({ timeoutMs: 10_000 })));
        await redis.stop();
      },
    };
  } catch (error) {
    await remote.kill();
    await Promise.all(hosts.map((h) => h.kill()));
    await redis.stop();
    throw error;
  }
}

async function run(
  side: Side,
  killEvery: number,
  origin: string,
  sid: string,
  pages: readonly PersonPage[],
  served: Map<string, number>,
): Promise<ChaosRun> {
  mkdirSync(browserDirsRoot(), { recursive: true });
  const root = mkdtempSync(join(browserDirsRoot(), 'chaos-'));
  const target =
    side === 'lanes'
      ? await lanesTarget(origin, sid, root)
      : side === 'dispatcher'
        ? await dispatcherTarget(origin, sid, root)
        : await redisTarget(origin, sid, root);
  served.clear();
  let kills = 0;
  const killer = setInterval(() => {
    const pid = target.victim();
    if (pid !== null && signalGroup(pid, 'SIGKILL')) kills++;
  }, killEvery);
  const failed: Record<string, number> = {};
  const examples: Record<string, string> = {};
  let right = 0;
  let wrongReads = 0;
  let answered = 0;
  let over = false;
  const started = performance.now();
  const all = mapConcurrent(pages, 2, async (page) => {
    if (over) return; // the deadline passed: pages not started are not started
    let outcome: { ok: boolean } | { code: string; message: string };
    try {
      const read = await target.visit(page);
      outcome = { ok: read.name === page.name };
    } catch (error) {
      outcome = { code: (error as { code?: string }).code ?? 'other', message: error instanceof Error ? error.message : String(error) };
    }
    if (over) return; // answered by the stop after the deadline: counted as unanswered
    answered++;
    if ('ok' in outcome) {
      if (outcome.ok) right++;
      else wrongReads++;
    } else {
      failed[outcome.code] = (failed[outcome.code] ?? 0) + 1;
      examples[outcome.code] ??= outcome.message;
    }
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
  over = true;
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  clearInterval(killer);
  await target.close();
  const processesLeft = processesWithMarker(root).filter((p) => p.state !== 'Z').length;
  const entriesLeft = readdirSync(root).length;
  rmSync(root, { recursive: true, force: true });
  const tags = pages.map((p) => new URL(p.path, 'http://x').searchParams.get('task') ?? '');
  return {
    side,
    killEveryMs: killEvery,
    pages: pages.length,
    right,
    failed,
    examples,
    wrongReads,
    unanswered: pages.length - answered,
    extraLoads: tags.reduce((n, t) => n + Math.max(0, (served.get(t) ?? 0) - 1), 0),
    kills,
    wallMs,
    processesLeft,
    entriesLeft,
  };
}

async function main(): Promise<void> {
  const { site, tree, password, served } = await startPageSite({ people: 2000, sessionTtlMs: 24 * 3600_000 });
  const runs: ChaosRun[] = [];
  try {
    const sid = await signInOverHttp(site.origin, 'bench', password);
    const pages = personPages(tree, pageCount).map((p, i) => ({ ...p, path: `${p.path}?task=${i}` }));
    log(
      `chaos: ${pageCount} pages (lane handle: Navigate, then read), 2 lanes, 2 workers or 2 hosts, default options (restart limit raised), the serving Chromium SIGKILLed every ${killEveryMs.join(' / ')} ms`,
    );
    for (const killEvery of killEveryMs) {
      for (const side of sides) {
        const r = await run(side, killEvery, site.origin, sid, pages, served);
        runs.push(r);
        const failures =
          Object.entries(r.failed)
            .map(([code, n]) => `${n} ${code}`)
            .join(', ') || 'none';
        log(
          `  ${side.padEnd(10)} kill every ${String(killEvery).padStart(4)} ms: ${r.right} of ${r.pages} right, failed: ${failures}, wrong reads ${r.wrongReads}, unanswered ${r.unanswered}; ` +
            `${r.kills} kills, ${(r.wallMs / 1000).toFixed(1)} s, ${r.extraLoads} extra page loads; left behind: ${r.processesLeft} processes, ${r.entriesLeft} entries`,
        );
        for (const [code, message] of Object.entries(r.examples)) log(`    ${code}, for example: ${message}`);
      }
    }
  } finally {
    await site.close();
  }
  if (asJson) process.stdout.write(`${JSON.stringify({ runs }, null, 2)}\n`);
}

await main();
