/**
 * `npm run bench:actor` — what the actor costs, measured in one run so the ratios are fair on a
 * shared, noisy machine:
 *  1. per-task overhead of actor mode over direct mode, on the Fake driver;
 *  2. the priority mailbox against p-queue doing the same work (N jobs, random priorities,
 *     concurrency 1), both as a bare queue and as the full actor;
 *  3. the same ExecuteJS loop on real Chromium in both modes.
 * Each figure is the median of several interleaved rounds. Flags: `--quick` (shorter run),
 * `--json` (machine-readable output), `--only=fake|mailbox|chromium` (one section).
 */
import PQueue from 'p-queue';
import { FakeDriver } from '../src/drivers/fake/fake-driver.js';
import type { BrowserInfo, Driver, DriverOpOptions, PageId } from '../src/drivers/driver.js';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { BrowserActor } from '../src/runtime/actor/browser-actor.js';
import { type Deferred, createDeferred } from '../src/internal/deferred.js';
import { PriorityMailbox } from '../src/runtime/mailbox/mailbox.js';
import { CurrentUrl, ExecuteJS } from '../src/runtime/tasks/constructors.js';
import { median, textLog } from './report.js';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const ROUNDS = quick ? 3 : 7;
const results: Record<string, unknown> = {};

const log = textLog(asJson);

/** Pseudo-random but repeatable priorities, the same sequence for every contender. */
function priorities(n: number): number[] {
  let seed = 12345;
  return Array.from({ length: n }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % 10;
  });
}

async function fakeActor(actorMode: boolean): Promise<BrowserActor> {
  const actor = new BrowserActor({ driver: () => new FakeDriver(), actorMode, mailbox: { capacity: 1_000_000 } });
  await actor.start();
  await actor.submit(CurrentUrl()); // creates the tab: not part of the measurement
  return actor;
}

async function timeSequential(actor: BrowserActor, n: number): Promise<number> {
  const task = CurrentUrl();
  const start = performance.now();
  for (let i = 0; i < n; i++) await actor.submit(task);
  return ((performance.now() - start) * 1000) / n;
}

async function timePipelined(actor: BrowserActor, n: number): Promise<number> {
  const task = CurrentUrl();
  const start = performance.now();
  const all: Promise<string>[] = new Array<Promise<string>>(n);
  for (let i = 0; i < n; i++) all[i] = actor.submit(task);
  await Promise.all(all);
  return ((performance.now() - start) * 1000) / n;
}

async function overheadOnFake(): Promise<void> {
  const n = quick ? 20_000 : 100_000;
  log(`1. Per-task cost on the Fake driver (CurrentUrl, ${n} tasks per round, median of ${ROUNDS} rounds)`);
  const actor = await fakeActor(true);
  const direct = await fakeActor(false);
  await timeSequential(actor, n / 10); // warm-up
  await timeSequential(direct, n / 10);
  const rows: Record<string, { actor: number; direct: number }> = {};
  for (const [name, fn] of [
    ['sequential (await each)', timeSequential],
    ['pipelined (submit all, then await)', timePipelined],
  ] as const) {
    const a: number[] = [];
    const d: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      d.push(await fn(direct, n));
      a.push(await fn(actor, n));
    }
    rows[name] = { actor: median(a), direct: median(d) };
  }
  await actor.stop();
  await direct.stop();
  log('   pattern                              direct µs/task  actor µs/task  overhead µs/task  ratio');
  for (const [name, r] of Object.entries(rows)) {
    log(
      `   ${name.padEnd(36)} ${r.direct.toFixed(2).padStart(14)} ${r.actor.toFixed(2).padStart(14)} ${(r.actor - r.direct).toFixed(2).padStart(17)}  ${(r.actor / r.direct).toFixed(2)}×`,
    );
  }
  log('   goal: actor-mode overhead ≤ 5 µs per task');
  results['fakeOverhead'] = rows;
}

/**
 * The same contract as p-queue's `add()`: each job is queued with its priority and its caller
 * gets a promise of the job's result; one worker loop runs the jobs one at a time.
 */
async function mailboxRunner(n: number, prios: number[], job: () => Promise<unknown>): Promise<number> {
  interface Queued {
    readonly run: () => Promise<unknown>;
    readonly answer: Deferred<unknown>;
  }
  const mailbox = new PriorityMailbox<Queued>({ capacity: n });
  let running = false;
  const worker = async (): Promise<void> => {
    running = true;
    for (let next = mailbox.take(); next; next = mailbox.take()) {
      try {
        next.answer.resolve(await next.run());
      } catch (error) {
        next.answer.reject(error);
      }
    }
    running = false;
  };
  const add = (run: () => Promise<unknown>, priority: number): Promise<unknown> => {
    const answer = createDeferred<unknown>();
    mailbox.offer({ run, answer }, priority);
    return answer.promise;
  };
  const start = performance.now();
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) all.push(add(job, prios[i] as number));
  if (!running) void worker();
  await Promise.all(all);
  return performance.now() - start;
}

async function pQueueRunner(n: number, prios: number[], job: () => Promise<unknown>): Promise<number> {
  const queue = new PQueue({ concurrency: 1, autoStart: false });
  const start = performance.now();
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) all.push(queue.add(job, { priority: prios[i] as number }));
  queue.start();
  await Promise.all(all);
  return performance.now() - start;
}

async function actorRunner(n: number, prios: number[]): Promise<number> {
  const actor = await fakeActor(true);
  const task = CurrentUrl();
  const start = performance.now();
  const all: Promise<string>[] = [];
  for (let i = 0; i < n; i++) all.push(actor.submit(task, { priority: prios[i] as number }));
  await Promise.all(all);
  const elapsed = performance.now() - start;
  await actor.stop();
  return elapsed;
}

async function mailboxVsPQueue(): Promise<void> {
  const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 50_000];
  log(`\n2. Mailbox vs p-queue: N jobs queued with random priorities 0–9, run one at a time (median of ${ROUNDS} rounds)`);
  log('   Every contender runs the same job; small N are repeated so each sample covers ≥ 20 000 jobs.');
  const fake = new FakeDriver();
  await fake.launch({ timeoutMs: 1000 });
  const page = await fake.newPage({ timeoutMs: 1000 });
  const op: DriverOpOptions = { timeoutMs: 1000 };
  const jobs = {
    'trivial job (queue cost alone)': (): Promise<number> => Promise.resolve(1),
    'Fake-driver call': (): Promise<string> => fake.currentUrl(page, op),
  };
  const rows: Record<string, { mailbox: number; pQueue: number; actor?: number }> = {};
  log(
    '   job                                    N   p-queue jobs/s   mailbox jobs/s   mailbox/p-queue   BrowserActor tasks/s   actor/p-queue',
  );
  for (const [jobName, job] of Object.entries(jobs)) {
    for (const n of sizes) {
      const prios = priorities(n);
      await mailboxRunner(n, prios, job);
      await pQueueRunner(n, prios, job);
      const withActor = jobName === 'Fake-driver call';
      const m: number[] = [];
      const p: number[] = [];
      const a: number[] = [];
      const repeat = Math.max(1, Math.ceil(20_000 / n));
      const sample = async (runOnce: () => Promise<number>): Promise<number> => {
        let total = 0;
        for (let k = 0; k < repeat; k++) total += await runOnce();
        return total / repeat;
      };
      for (let r = 0; r < ROUNDS; r++) {
        p.push(await sample(() => pQueueRunner(n, prios, job)));
        m.push(await sample(() => mailboxRunner(n, prios, job)));
        if (withActor) a.push(await sample(() => actorRunner(n, prios)));
      }
      const perSec = (ms: number): number => (n * 1000) / ms;
      const row = { mailbox: perSec(median(m)), pQueue: perSec(median(p)), ...(withActor ? { actor: perSec(median(a)) } : {}) };
      rows[`${jobName}, N=${n}`] = row;
      const actorCols =
        row.actor === undefined ? '' : `${row.actor.toFixed(0).padStart(22)} ${`${(row.actor / row.pQueue).toFixed(2)}×`.padStart(15)}`;
      log(
        `   ${jobName.padEnd(32)} ${String(n).padStart(7)} ${row.pQueue.toFixed(0).padStart(16)} ${row.mailbox.toFixed(0).padStart(16)} ${`${(row.mailbox / row.pQueue).toFixed(2)}×`.padStart(17)} ${actorCols}`,
      );
    }
  }
  log('   (BrowserActor = the whole runtime per task: validation, deadline, cancellation, events, stats.)');
  await fake.close({ timeoutMs: 1000 });
  log('   goal: mailbox throughput ≥ 2× p-queue on the same work');
  results['mailboxVsPQueue'] = rows;
}

/**
 * Bench-only: lets two actors take turns on ONE launched browser and ONE tab, so a comparison of
 * the two modes measures the modes, not the difference between two browser instances (which
 * alone varies by ±10% per task here). The actors alternate strictly; they never overlap.
 */
function sharedDriverFactory(underlying: Driver): () => Driver {
  let launched: Promise<BrowserInfo> | undefined;
  let page: Promise<PageId> | undefined;
  let users = 0;
  return () => {
    users++;
    return {
      name: underlying.name,
      launch: (op) => (launched ??= underlying.launch(op)),
      newPage: (op) => (page ??= underlying.newPage(op)),
      closePage: async () => undefined,
      navigate: (...args) => underlying.navigate(...args),
      currentUrl: (...args) => underlying.currentUrl(...args),
      evaluate: (...args) => underlying.evaluate(...args),
      screenshot: (...args) => underlying.screenshot(...args),
      cookies: (...args) => underlying.cookies(...args),
      addCookies: (...args) => underlying.addCookies(...args),
      storageState: (...args) => underlying.storageState(...args),
      sessionVersion: (...args) => underlying.sessionVersion(...args),
      close: async (op) => {
        if (--users === 0) await underlying.close(op);
      },
      kill: () => underlying.kill(),
      onEvent: (listener) => underlying.onEvent(listener),
    };
  };
}

async function realChromium(): Promise<void> {
  const chunk = 25;
  const chunksPerActor = quick ? 8 : 16;
  const rounds = quick ? 3 : 6;
  const n = chunk * chunksPerActor;
  log(`\n3. Real Chromium: ExecuteJS("return 1 + 1"), sequential, ${n} tasks per actor per round, ${rounds} rounds.`);
  log('   Three actors share one browser and tab (a fresh browser each round): one in actor mode and two in');
  log(`   direct mode, taking turns in chunks of ${chunk} in rotating order. direct-2/direct-1 is an A/A control:`);
  log('   it shows how far two identical setups differ here, i.e. the smallest difference this run can resolve.');
  const task = ExecuteJS('return 1 + 1');
  const loop = async (a: BrowserActor, count: number): Promise<number> => {
    const start = performance.now();
    for (let i = 0; i < count; i++) await a.submit(task);
    return performance.now() - start;
  };
  const abRatios: number[] = [];
  const aaRatios: number[] = [];
  const perTask: { actor: number[]; direct: number[] } = { actor: [], direct: [] };
  for (let r = 0; r < rounds; r++) {
    const shared = sharedDriverFactory(new PlaywrightDriver());
    const actors = [
      new BrowserActor({ driver: shared, actorMode: true }),
      new BrowserActor({ driver: shared, actorMode: false }),
      new BrowserActor({ driver: shared, actorMode: false }),
    ] as const;
    for (const a of actors) await a.start();
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let start-up work finish
    for (const a of actors) await loop(a, 60);
    const ms = [0, 0, 0];
    for (let c = 0; c < chunksPerActor; c++) {
      for (let k = 0; k < 3; k++) {
        const i = (c + k) % 3;
        ms[i] = (ms[i] as number) + (await loop(actors[i] as BrowserActor, chunk));
      }
    }
    for (const a of actors) await a.stop();
    const [actorMs, direct1Ms, direct2Ms] = ms as [number, number, number];
    abRatios.push(actorMs / direct1Ms);
    aaRatios.push(direct2Ms / direct1Ms);
    perTask.actor.push((actorMs * 1000) / n);
    perTask.direct.push((direct1Ms * 1000) / n);
  }
  const row = {
    direct: median(perTask.direct),
    actor: median(perTask.actor),
    ratio: median(abRatios),
    aaControl: median(aaRatios),
    aaSpread: [Math.min(...aaRatios), Math.max(...aaRatios)],
  };
  log(`   direct ${(row.direct / 1000).toFixed(3)} ms/task, actor ${(row.actor / 1000).toFixed(3)} ms/task`);
  log(`   actor/direct-1    median ${row.ratio.toFixed(3)}×   rounds: ${abRatios.map((x) => x.toFixed(3)).join(' ')}`);
  log(`   direct-2/direct-1 median ${row.aaControl.toFixed(3)}×   rounds: ${aaRatios.map((x) => x.toFixed(3)).join(' ')}   (A/A control)`);
  log('   goal: actor mode within 3% of direct mode (≤ 1.03×)');
  results['realChromium'] = { ...row, abRatios, aaRatios };
}

const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
log(`browser-actor bench:actor — node ${process.version}, ${new Date().toISOString()}${quick ? ' (quick)' : ''}\n`);
if (!only || only === 'fake') await overheadOnFake();
if (!only || only === 'mailbox') await mailboxVsPQueue();
if (!only || only === 'chromium') await realChromium();
if (asJson) console.log(JSON.stringify(results, null, 2));
