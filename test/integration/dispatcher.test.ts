import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../../src/drivers/process-tree.js';
import {
  ActorCrashedError,
  ActorStoppedError,
  InvalidOptionError,
  InvalidTaskError,
  MailboxFullError,
  ShedError,
} from '../../src/errors.js';
import { type WorkDispatcher, type WorkDispatcherOptions, createWorkDispatcher } from '../../src/runtime/dispatch/work-dispatcher.js';
import { ExecuteJS, GetCookies, ImportCookies, Navigate } from '../../src/runtime/tasks/constructors.js';

/**
 * The WorkDispatcher's own logic with real worker processes (child_process.fork of the built
 * worker) hosting supervisors on the Fake browser, so that placement, affinity, overflow, lost
 * workers and shutdown are tested quickly. The same on real Chromium, with executions counted at
 * a real server: test/reliability/dispatcher-chromium.test.ts.
 */

const driverModule = fileURLToPath(new URL('../support/fake-worker-driver.mjs', import.meta.url));
const ORIGIN = 'http://127.0.0.1:18090';
const dispatchers: WorkDispatcher[] = [];

function dispatcher(options: Partial<WorkDispatcherOptions> = {}): WorkDispatcher {
  const d = createWorkDispatcher({
    workers: 2,
    driverModule,
    backoff: { baseMs: 20 },
    heartbeat: { intervalMs: 200, timeoutMs: 2000 },
    ...options,
  });
  dispatchers.push(d);
  return d;
}

const markerDirs: string[] = [];
/** A directory of this file's own for the one-shot markers of the malformed-message driver (removed after the file). */
function markers(): string {
  const dir = mkdtempSync(join(tmpdir(), 'malformed-'));
  markerDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of markerDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  const all = dispatchers.splice(0);
  const pids = all.flatMap((d) => d.stats().workers.map((w) => w.pid)).filter((p): p is number => p !== null);
  await Promise.all(all.map((d) => d.kill()));
  // No worker outlives its dispatcher.
  expect(await waitFor(() => pids.every((pid) => !isAlive(pid)), 5000, 50)).toBe(true);
});

describe('WorkDispatcher (worker processes on the Fake browser)', () => {
  it('spreads tasks over the least-loaded workers and answers each once', async () => {
    const d = dispatcher();
    await d.start();
    const workers = d.stats().workers;
    expect(workers.map((w) => w.state)).toEqual(['ready', 'ready']);
    expect(new Set(workers.map((w) => w.pid)).size).toBe(2);
    const ran = new Map<string, number | null>();
    d.on('task:end', (e) => ran.set(e.taskId, e.worker));
    let maxInFlight = 0;
    d.on('task:start', () => {
      maxInFlight = Math.max(maxInFlight, ...d.stats().workers.map((w) => w.inFlight));
    });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => d.submit(Navigate(`${ORIGIN}/slow?ms=50&i=${i}`))));
    expect(answers.map((a) => a.url)).toEqual(Array.from({ length: 12 }, (_, i) => `${ORIGIN}/slow?ms=50&i=${i}`));
    expect(ran.size).toBe(12);
    const perWorker = [0, 1].map((w) => [...ran.values()].filter((x) => x === w).length);
    expect(perWorker[0]).toBeGreaterThan(0);
    expect(perWorker[1]).toBeGreaterThan(0);
    expect(maxInFlight).toBe(1); // each worker holds at most its capacity (1 lane)
    expect(d.stats().workers.reduce((n, w) => n + w.tasksServed, 0)).toBe(12);
  });

  it("a worker's heartbeat reports its browser's planned recycles apart from its restarts", async () => {
    const d = dispatcher({ workers: 1, supervisor: { recycle: { maxNavigations: 2 } } });
    await d.start();
    for (let i = 0; i < 5; i++) await d.submit(Navigate(`${ORIGIN}/?n=${i}`));
    // A new browser after every 2 navigations; the next heartbeat (every 200 ms) says so.
    expect(await waitFor(() => (d.stats().workers[0]?.health?.recycles ?? 0) >= 2, 5000, 50)).toBe(true);
    expect(d.stats().workers[0]).toMatchObject({ restarts: 0, health: expect.objectContaining({ restarts: 0 }) as unknown });
  });

  it('session affinity: tasks with one session key stay on the worker that holds that session; new sessions spread over workers', async () => {
    const d = dispatcher();
    await d.start();
    const ran = new Map<string, number | null>();
    d.on('task:end', (e) => ran.set(e.taskId, e.worker));
    const user = (name: string): Promise<unknown>[] => [
      d.submit(Navigate(`${ORIGIN}/sign-in?user=${name}`), { sessionKey: name }),
      ...Array.from({ length: 5 }, () => d.submit(GetCookies(['sid']), { sessionKey: name })),
    ];
    const [ann, bob] = [user('ann'), user('bob')];
    const annCookies = (await Promise.all(ann)).slice(1) as { value: string }[][];
    const bobCookies = (await Promise.all(bob)).slice(1) as { value: string }[][];
    // Each user's reads ran where that user signed in: they see their own session, never the other's.
    expect(annCookies.map((c) => c.map((x) => x.value))).toEqual(Array(5).fill(['ann']));
    expect(bobCookies.map((c) => c.map((x) => x.value))).toEqual(Array(5).fill(['bob']));
    const workersOf = (from: number, to: number): Set<number | null> =>
      new Set(
        [...ran.entries()]
          .filter(([id]) => {
            const n = Number(id.split(':').at(-1));
            return n >= from && n <= to;
          })
          .map(([, w]) => w),
      );
    expect(workersOf(1, 6).size).toBe(1);
    expect(workersOf(7, 12).size).toBe(1);
    // A new session goes to the worker with the fewest sessions: two sessions, two browsers.
    expect([...workersOf(1, 6), ...workersOf(7, 12)].sort()).toEqual([0, 1]);
  });

  it('broadcast runs a task once on every worker: one sign-in cookie for all browsers', async () => {
    const d = dispatcher();
    const imported = await d.broadcast(ImportCookies([{ name: 'sid', value: 'shared', url: ORIGIN }]));
    expect(imported).toHaveLength(2);
    const seen = await d.broadcast(GetCookies(['sid']));
    expect(seen.map((cookies) => cookies.map((c) => c.value))).toEqual([['shared'], ['shared']]);
    expect(d.stats().workers.map((w) => w.tasksServed)).toEqual([2, 2]);
  });

  it('a lane handle keeps its tasks in order on one tab of one worker', async () => {
    const d = dispatcher({ lanes: 2, workerCapacity: 2 });
    const titles = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        d.withLane(async (lane) => {
          await lane.submit(Navigate(`${ORIGIN}/person?id=${n}`));
          await lane.submit(Navigate(`${ORIGIN}/slow?ms=20`));
          await lane.submit(Navigate(`${ORIGIN}/person?id=${n * 10}`));
          return [lane.worker, await lane.submit(ExecuteJS<string>('return document.title', [], { idempotent: true }))];
        }),
      ),
    );
    expect(titles.map(([, t]) => t)).toEqual(['Person 10', 'Person 20', 'Person 30', 'Person 40']);
    expect(titles.every(([w]) => w === 0 || w === 1)).toBe(true);
  });

  it('a full queue refuses with ERR_MAILBOX_FULL, or sheds the lowest priority, as configured', async () => {
    const d = dispatcher({ workers: 1, mailbox: { capacity: 2 } });
    await d.start();
    const busy = d.submit(Navigate(`${ORIGIN}/slow?ms=300`));
    const queued = [d.submit(Navigate(`${ORIGIN}/?a`)), d.submit(Navigate(`${ORIGIN}/?b`))];
    await expect(d.submit(Navigate(`${ORIGIN}/?c`))).rejects.toBeInstanceOf(MailboxFullError);
    expect(d.stats().queuedByPriority[5]).toBe(2);
    await Promise.all([busy, ...queued]);

    const s = dispatcher({ workers: 1, mailbox: { capacity: 2, overflow: 'shed-lowest' } });
    await s.start();
    const running = s.submit(Navigate(`${ORIGIN}/slow?ms=300`));
    const low = s.submit(Navigate(`${ORIGIN}/?low`), { priority: 1 });
    const mid = s.submit(Navigate(`${ORIGIN}/?mid`), { priority: 5 });
    const high = s.submit(Navigate(`${ORIGIN}/?high`), { priority: 9 });
    await expect(low).rejects.toBeInstanceOf(ShedError);
    await Promise.all([running, mid, high]);
  });

  it('a lost worker: its idempotent running task runs again on the other worker; a non-idempotent one fails as maybe executed; the worker is replaced', async () => {
    const d = dispatcher();
    await d.start();
    const started = new Map<string, number>();
    const startedEvent = new Promise<void>((resolve) => {
      d.on('task:start', (e) => {
        started.set(e.taskId, e.worker);
        if (started.size === 2) resolve();
      });
    });
    // Both run on a worker at once (one each): a script that never ends (not idempotent) and a slow page (idempotent).
    const script = d.submit(ExecuteJS('while (true) {}'), { timeoutMs: 20_000 });
    const page = d.submit(Navigate(`${ORIGIN}/slow?ms=1500`), { timeoutMs: 20_000 });
    script.catch(() => undefined);
    await startedEvent;
    const scriptWorker = started.get(`${d.id}:1`) as number; // submitted first
    const pageWorker = started.get(`${d.id}:2`) as number;
    expect(scriptWorker).not.toBe(pageWorker);
    const exits: number[] = [];
    d.on('worker:exit', (e) => exits.push(e.worker));
    // Kill the page's worker: the page runs again on the other worker once that one is free…
    process.kill(d.stats().workers[pageWorker]?.pid as number, 'SIGKILL');
    // …and the script's worker: the script is not run again.
    process.kill(d.stats().workers[scriptWorker]?.pid as number, 'SIGKILL');
    const error = await script.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorCrashedError);
    expect((error as ActorCrashedError).details).toMatchObject({ maybeExecuted: true, worker: scriptWorker, attempts: 1 });
    expect(await page).toEqual({ url: `${ORIGIN}/slow?ms=1500`, status: 200 });
    expect(exits.sort()).toEqual([0, 1]);
    expect(await waitFor(() => d.stats().workers.every((w) => w.state === 'ready'), 10_000, 50)).toBe(true);
    expect(d.stats().workers.map((w) => w.restarts)).toEqual([1, 1]);
    expect(await d.submit(ExecuteJS('return 6 * 7'))).toBe(42);
  });

  it.each(['pong-null-health', 'failed-null-error', 'fatal-null-error', 'deep-cause', 'unframed', 'garbled-frame'])(
    'a worker that sends a malformed message (%s) is replaced; the parent stays up and the task is answered once',
    async (kind) => {
      const d = dispatcher({ workers: 1, id: 'mal' });
      const exits: string[] = [];
      d.on('worker:exit', (e) => exits.push(e.reason));
      const ends: string[] = [];
      d.on('task:end', (e) => ends.push(e.taskId));
      await d.start();
      const marker = join(markers(), 'sent');
      // The Navigate is idempotent: it runs again on the replacement worker, which sends nothing odd.
      const answer = await d.submit(Navigate(`${ORIGIN}/malformed?kind=${kind}&id=mal:1&marker=${encodeURIComponent(marker)}`), {
        timeoutMs: 20_000,
      });
      expect(answer.url).toContain('/malformed?');
      expect(ends).toEqual(['mal:1']);
      expect(exits).toHaveLength(1);
      expect(exits[0]).toMatch(/^sent a malformed message \((pong: |failed: |fatal: |not a frame|a frame that does not decode)/);
      expect(d.stats().workers[0]?.restarts).toBe(1);
      // The replacement serves as usual.
      expect(await d.submit(Navigate(`${ORIGIN}/person?id=3`)).then(() => d.submit(ExecuteJS('return document.title')))).toBe('Person 3');
    },
  );

  it('an error code that is not ours (even "__proto__") comes back as a plain error with that code; the worker stays', async () => {
    const d = dispatcher({ workers: 1, id: 'odd' });
    const exits: string[] = [];
    d.on('worker:exit', (e) => exits.push(e.reason));
    await d.start();
    const marker = join(markers(), 'sent');
    const error = await d
      .submit(Navigate(`${ORIGIN}/malformed?kind=proto-code&id=odd:1&marker=${encodeURIComponent(marker)}`))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '__proto__', message: 'from a broken worker' });
    expect(exits).toEqual([]);
    expect(d.stats().workers[0]?.restarts).toBe(0);
  });

  it('a lane handle whose worker process was lost between its tasks continues on the replacement, its page reloaded first', async () => {
    const d = dispatcher({ workers: 1 });
    await d.start();
    const lane = d.lane();
    await lane.submit(Navigate(`${ORIGIN}/person?id=5`));
    const pid = d.stats().workers[0]?.pid as number;
    const back = new Promise<void>((resolve) => d.on('worker:ready', () => resolve()));
    process.kill(pid, 'SIGKILL');
    await back;
    expect(await lane.submit(ExecuteJS('return document.title'))).toBe('Person 5');
    // Told not to reopen, a cut sequence fails typed instead of reading the new blank tab.
    const again = new Promise<void>((resolve) => d.on('worker:ready', () => resolve()));
    process.kill(d.stats().workers[0]?.pid as number, 'SIGKILL');
    await again;
    await expect(lane.submit(ExecuteJS('return document.title'), { restoreUrl: false })).rejects.toMatchObject({
      code: 'ERR_SEQUENCE_CUT',
    });
    lane.release();
  });

  it('a worker that stops answering heartbeats (SIGSTOP) is killed and replaced; its idempotent task runs again', async () => {
    const d = dispatcher({ workers: 1, heartbeat: { intervalMs: 100, timeoutMs: 1000 } });
    await d.start();
    const frozen = d.stats().workers[0]?.pid as number;
    const started = new Promise<void>((resolve) => d.on('task:start', () => resolve()));
    const page = d.submit(Navigate(`${ORIGIN}/slow?ms=300`), { timeoutMs: 20_000 });
    await started;
    const exits: string[] = [];
    d.on('worker:exit', (e) => exits.push(e.reason));
    process.kill(frozen, 'SIGSTOP');
    expect(await page).toEqual({ url: `${ORIGIN}/slow?ms=300`, status: 200 });
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatch(/^missed heartbeats for \d+ms$/);
    expect(await waitFor(() => !isAlive(frozen), 5000, 50)).toBe(true); // SIGKILL ends a stopped process too
    expect(d.stats().workers[0]).toMatchObject({ state: 'ready', restarts: 1 });
    expect(d.stats().workers[0]?.pid).not.toBe(frozen);
  });

  it('stop() answers every accepted task first, then ends the workers; kill() fails what is pending', async () => {
    const d = dispatcher();
    const pending = Array.from({ length: 6 }, (_, i) => d.submit(Navigate(`${ORIGIN}/slow?ms=100&i=${i}`)));
    await d.start();
    const pids = d.stats().workers.map((w) => w.pid as number);
    await d.stop();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(await waitFor(() => pids.every((pid) => !isAlive(pid)), 5000, 50)).toBe(true);
    await expect(d.submit(Navigate(`${ORIGIN}/`))).rejects.toBeInstanceOf(ActorStoppedError);

    const k = dispatcher();
    await k.start();
    const doomed = Array.from({ length: 4 }, () => k.submit(Navigate(`${ORIGIN}/slow?ms=2000`)).catch((e: unknown) => e));
    await k.kill();
    for (const e of await Promise.all(doomed)) expect(e).toBeInstanceOf(ActorStoppedError);
  });

  it('bad options and bad tasks get typed errors that say what to do', async () => {
    expect(() => createWorkDispatcher({ workers: 0 })).toThrow(InvalidOptionError);
    expect(() => createWorkDispatcher({ workers: 2, lanes: 99 })).toThrow(/lanes must be an integer from 1 to 32/);
    expect(() => createWorkDispatcher({ workers: 1, supervisor: { driver: () => null } })).toThrow(/cannot cross a process boundary/);
    expect(() => createWorkDispatcher({ workers: 1, heartbeat: { intervalMs: 1000, timeoutMs: 500 } })).toThrow(/heartbeat.timeoutMs/);
    const d = dispatcher({ workers: 1 });
    await expect(d.submit({ type: 'Nope' } as never)).rejects.toBeInstanceOf(InvalidTaskError);
    await expect(d.submit(Navigate(`${ORIGIN}/`), { sessionKey: '' })).rejects.toThrow(/sessionKey must be a non-empty string/);
  });
});
