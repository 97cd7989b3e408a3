import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, waitFor } from '../../src/drivers/process-tree.js';
import { PlaywrightDriver } from '../../src/drivers/playwright/playwright-driver.js';
import { createRedisDispatcher } from '../../src/runtime/dispatch/redis-dispatcher.js';
import { type WorkDispatcher, createWorkDispatcher } from '../../src/runtime/dispatch/work-dispatcher.js';
import type { TaskExecutor } from '../../src/runtime/executor.js';
import { SessionSupervisor } from '../../src/runtime/supervisor/session-supervisor.js';
import { Navigate } from '../../src/runtime/tasks/constructors.js';
import { type ContractMailbox, type ExecutorHarness, type LiveExecutor, RECYCLE_EVERY } from '../contract/executor-contract.js';
import { type ChromiumFile, browserMainsUnder } from './chromium-root.js';
import { leftoversUnder } from './leftovers.js';
import type { RedisServer } from './redis-server.js';
import { type HostProcess, spawnWorkerHost } from './worker-hosts.js';

/** A directory of its own under the file's browser root, so that each executor's browsers can be told apart. */
function subRoot(root: string): { readonly path: string; remove(): Promise<void> } {
  const path = mkdtempSync(join(root, 'x-'));
  return {
    path,
    async remove() {
      const left = await leftoversUnder(path, 10_000);
      if (left.length > 0) throw new Error(`left behind under ${path}: ${left.join('; ')}`);
      rmdirSync(path);
    },
  };
}

async function killOneBrowser(root: string): Promise<void> {
  let pid: number | undefined;
  if (!(await waitFor(() => (pid = browserMainsUnder(root)[0]) !== undefined, 30_000, 20)))
    throw new Error(`no browser to kill under ${root}`);
  process.kill(pid as number, 'SIGKILL');
  await waitFor(() => !isAlive(pid as number), 10_000, 20);
}

async function warm(executor: TaskExecutor, origin: string): Promise<void> {
  await executor.submit(Navigate(`${origin}/`), { timeoutMs: 60_000 });
}

/** The executor, with its browsers found under `root` (the executor's own, or its host's). */
function liveUnder(executor: TaskExecutor, root: string, recycles: () => number, close: () => Promise<void>): LiveExecutor {
  return { executor, killBrowser: () => killOneBrowser(root), browsers: () => browserMainsUnder(root), recycles, close };
}

const mailboxOf = (options: { readonly mailbox?: ContractMailbox }) => (options.mailbox ? { mailbox: options.mailbox } : {});

/** The supervisor: one browser, one lane; its unit of failure is the browser itself. */
export function supervisorHarness(file: ChromiumFile): ExecutorHarness {
  const supervisor = (tmpRoot: string, extra: Record<string, unknown>): SessionSupervisor =>
    new SessionSupervisor({
      driver: () => new PlaywrightDriver({ tmpRoot }),
      backoff: { baseMs: 50 },
      actor: { cancelGraceMs: 1000, closeTimeoutMs: 3000 },
      recycle: { maxNavigations: RECYCLE_EVERY },
      ...extra,
    });
  return {
    get server() {
      return file.server;
    },
    async make(options = {}) {
      const sub = subRoot(file.root);
      const s = supervisor(sub.path, mailboxOf(options));
      await warm(s, file.server.origin);
      return liveUnder(
        s,
        sub.path,
        () => s.health().recycles,
        async () => {
          await s.kill();
          await sub.remove();
        },
      );
    },
    construct: (overflow) => supervisor(file.root, { mailbox: { capacity: 1, overflow } }),
  };
}

/** The work dispatcher: one worker process of one browser; a worker process is its unit of failure. */
export function dispatcherHarness(file: ChromiumFile): ExecutorHarness {
  const dispatcher = (tmpRoot: string, extra: Record<string, unknown>): WorkDispatcher =>
    createWorkDispatcher({
      workers: 1,
      browser: { tmpRoot },
      backoff: { baseMs: 50 },
      supervisor: { recycle: { maxNavigations: RECYCLE_EVERY } },
      ...extra,
    });
  const live = (d: WorkDispatcher, sub: ReturnType<typeof subRoot>): LiveExecutor =>
    liveUnder(
      d,
      sub.path,
      () => d.executorHealth().recycles,
      async () => {
        await d.kill();
        await sub.remove();
      },
    );
  return {
    get server() {
      return file.server;
    },
    async make(options = {}) {
      const sub = subRoot(file.root);
      const d = dispatcher(sub.path, mailboxOf(options));
      await warm(d, file.server.origin);
      return live(d, sub);
    },
    construct: (overflow) => dispatcher(file.root, { mailbox: { capacity: 1, overflow } }),
    unitKill: {
      unit: 'worker process',
      async open() {
        const sub = subRoot(file.root);
        // One worker, two tabs: both tasks of the scenario run in it at once.
        const d = dispatcher(sub.path, { lanes: 2 });
        await warm(d, file.server.origin);
        return {
          live: live(d, sub),
          async kill() {
            const pid = d.stats().workers[0]?.pid as number;
            process.kill(pid, 'SIGKILL');
            await waitFor(() => !isAlive(pid), 10_000, 20);
          },
        };
      },
    },
  };
}

/**
 * The Redis dispatcher: dispatchers on a real redis-server, served by worker hosts (their own
 * processes, one worker of one browser each) started for the file; a worker host is its unit of
 * failure. `hosts` starts with the file (beforeAll) and is stopped after it.
 */
export function redisHarness(
  file: ChromiumFile,
  redis: () => RedisServer,
): ExecutorHarness & { start(): Promise<void>; stop(): Promise<void> } {
  const queue = 'contract';
  let host: { proc: HostProcess; sub: ReturnType<typeof subRoot> } | undefined;
  let queues = 0;
  const recyclesOf = (proc: HostProcess): number => {
    const all = [...proc.output().matchAll(/^recycles (\d+)$/gm)];
    return Number(all.at(-1)?.[1] ?? 0);
  };
  const spawnHost = async (id: string, q: string, lanes = 1): Promise<{ proc: HostProcess; sub: ReturnType<typeof subRoot> }> => {
    const sub = subRoot(file.root);
    const proc = await spawnWorkerHost(redis().url, id, {
      queue: q,
      lanes,
      tmpRoot: sub.path,
      supervisor: { recycle: { maxNavigations: RECYCLE_EVERY } },
    });
    return { proc, sub };
  };
  const dispatcher = (q: string, extra: Record<string, unknown>) =>
    createRedisDispatcher({ redis: redis().url, queue: q, pollMs: 250, ...extra });
  return {
    get server() {
      return file.server;
    },
    async start() {
      host = await spawnHost('contract-host', queue);
    },
    async stop() {
      if (!host) return;
      await host.proc.stop();
      await host.sub.remove();
    },
    async make(options = {}) {
      const h = host as { proc: HostProcess; sub: ReturnType<typeof subRoot> };
      const d = dispatcher(queue, mailboxOf(options));
      await warm(d, file.server.origin);
      return liveUnder(
        d,
        h.sub.path,
        () => recyclesOf(h.proc),
        () => d.kill(),
      );
    },
    construct: (overflow) => dispatcher(queue, { mailbox: { capacity: 1, overflow } }),
    unitKill: {
      unit: 'worker host',
      async open() {
        const q = `contract-unit-${++queues}`;
        // One host of one browser with two tabs: both tasks of the scenario run on it at once.
        const victim = await spawnHost('victim', q, 2);
        let survivor: { proc: HostProcess; sub: ReturnType<typeof subRoot> } | undefined;
        const d = dispatcher(q, {});
        await warm(d, file.server.origin);
        return {
          live: liveUnder(
            d,
            victim.sub.path,
            () => recyclesOf(victim.proc),
            async () => {
              await d.kill();
              await victim.proc.kill();
              await survivor?.proc.stop();
              await victim.sub.remove();
              await survivor?.sub.remove();
            },
          ),
          async kill() {
            await victim.proc.kill();
            // Its workers notice the host is gone and take their browsers with them.
            await waitFor(() => victim.proc.workerPids.every((p) => !isAlive(p)), 10_000, 50);
            // Another host takes over the queue: BullMQ finds the victim's jobs stalled once their locks expire.
            survivor = await spawnHost('survivor', q);
          },
        };
      },
    },
  };
}
