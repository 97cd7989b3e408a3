import { describe, expect, it } from 'vitest';
import { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { ActorStoppedError, InvalidOptionError, NavigationError, RestartLimitError, SequenceCutError } from '../../src/errors.js';
import { ManualClock, flushMicrotasks } from '../../src/internal/manual-clock.js';
import { CurrentUrl, ExecuteJS, GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import {
  SessionSupervisor,
  type SessionSupervisorEvents,
  type SessionSupervisorOptions,
} from '../../src/runtime/supervisor/session-supervisor.js';
import { RestartPolicy } from '../../src/runtime/supervisor/restart-policy.js';
import { fixtureSite } from '../support/fixture-site.js';
import { watch } from '../support/watch.js';

const origin = 'http://127.0.0.1:18080';

/** A supervisor with lanes on Fake browsers (100 ms per operation) and a manual clock. */
function setup(
  options: Partial<SessionSupervisorOptions> & { latencyMs?: number; launchMs?: number; onLaunch?: (fake: FakeDriver) => void } = {},
) {
  const clock = new ManualClock();
  const fakes: FakeDriver[] = [];
  const { latencyMs = 100, launchMs = 0, onLaunch, ...rest } = options;
  const supervisor = new SessionSupervisor({
    driver: () => {
      const fake = new FakeDriver({ sites: { [origin]: fixtureSite }, clock, latencyMs, launchMs });
      fakes.push(fake);
      onLaunch?.(fake);
      return fake;
    },
    clock,
    random: () => 0.5,
    lanes: 3,
    ...rest,
  });
  const starts: SessionSupervisorEvents['task:start'][] = [];
  const ends: SessionSupervisorEvents['task:end'][] = [];
  const restarting: SessionSupervisorEvents['restarting'][] = [];
  supervisor.on('task:start', (e) => starts.push(e));
  supervisor.on('task:end', (e) => ends.push(e));
  supervisor.on('restarting', (e) => restarting.push(e));
  const current = (): FakeDriver => {
    const fake = fakes.at(-1);
    if (!fake) throw new Error('no browser yet');
    return fake;
  };
  return { clock, fakes, supervisor, starts, ends, restarting, current };
}

async function started(clock: ManualClock, supervisor: SessionSupervisor): Promise<void> {
  const ready = supervisor.startActor();
  await clock.advance(2000);
  await ready;
}

const slow = (id: number): ReturnType<typeof ExecuteJS> => ExecuteJS('return arguments[0]', [id], { idempotent: true });

describe('SessionSupervisor lanes (Fake driver, manual clock)', () => {
  it('refuses a lane count that is not an integer from 1 to 32', () => {
    for (const lanes of [0, -1, 1.5, 33, Number.NaN]) {
      expect(() => new SessionSupervisor({ driver: () => new FakeDriver(), lanes })).toThrow(InvalidOptionError);
    }
  });

  it('runs up to K tasks at once, one per tab, and opens a tab only when work waits for one', async () => {
    const { supervisor, clock, current, starts } = setup({ snapshot: { enabled: false } });
    await started(clock, supervisor);
    // One task at a time: the restore's tab (lane 0) serves it, no other tab opens.
    expect(await runAlone(clock, supervisor.submit(slow(1)))).toBe(1);
    expect(current().pageIds).toHaveLength(1);
    // Three at once: three tabs, all three running before any is answered.
    const all = [1, 2, 3].map((i) => watch(supervisor.submit(slow(i))));
    await flushMicrotasks();
    expect(supervisor.health().inFlight).toBe(3);
    expect(supervisor.health().lanes.map((l) => l.work)).toEqual(['task', 'task', 'task']);
    await clock.advance(300);
    expect(all.map((w) => w.value)).toEqual([1, 2, 3]);
    expect(new Set(starts.slice(1).map((s) => s.lane))).toEqual(new Set([0, 1, 2]));
    expect(current().pageIds).toHaveLength(3);
    expect(supervisor.health().lanes.every((l) => l.tabOpen)).toBe(true);
    await supervisor.stop();
  });

  it('hands free lanes the highest priority first, FIFO within a priority', async () => {
    const { supervisor, clock, starts } = setup({ lanes: 2, snapshot: { enabled: false } });
    await started(clock, supervisor);
    const tasks = [
      [1, 1],
      [2, 1],
      [3, 9],
      [4, 5],
      [5, 9],
      [6, 5],
    ].map(([id, priority]) => watch(supervisor.submit(slow(id as number), { priority: priority as number })));
    await clock.advance(2000);
    expect(tasks.every((t) => t.settled)).toBe(true);
    const order = starts.map((s) => s.taskId.split(':')[1]);
    // 1 and 2 took the two free lanes at once; then 9s, then 5s, in arrival order.
    expect(order).toEqual(['1', '2', '3', '5', '4', '6']);
    await supervisor.stop();
  });

  it('a lane handle keeps a sequence on one tab, in order, while other lanes serve other work; release frees the tab', async () => {
    const { supervisor, clock, starts } = setup({ lanes: 2 });
    await started(clock, supervisor);
    const handle = supervisor.lane();
    expect(handle.lane).toBeUndefined();
    // Submitted without awaiting: they still run in order on one tab.
    const nav = watch(handle.submit(Navigate(`${origin}/landed`)));
    const title = watch(handle.submit(ExecuteJS<string>('return document.title', [], { idempotent: true })));
    const other = watch(supervisor.submit(Navigate(`${origin}/`)));
    const otherTitle = watch(supervisor.submit(ExecuteJS<string>('return document.title', [], { idempotent: true })));
    await clock.advance(3000);
    expect(nav.value).toMatchObject({ url: `${origin}/landed` });
    expect(title.value).toBe('Landed');
    expect(other.value).toMatchObject({ url: `${origin}/` });
    const handleLane = handle.lane;
    expect(handleLane).toBe(starts.find((s) => s.taskId === starts[0]?.taskId)?.lane);
    // Unpinned work never ran on the held lane.
    const pinnedIds = new Set(starts.filter((s) => s.lane === handleLane).map((s) => s.taskId));
    expect(pinnedIds.size).toBe(2);
    expect(otherTitle.value).toBe('Home');
    expect(supervisor.health().lanes[handleLane ?? 0]?.reserved).toBe(true);
    handle.release();
    handle.release(); // idempotent
    await flushMicrotasks();
    expect(supervisor.health().lanes.every((l) => !l.reserved)).toBe(true);
    await expect(handle.submit(GetCookies())).rejects.toBeInstanceOf(ActorStoppedError);
    await supervisor.stop();
  });

  it('withLane releases the lane also when the callback throws', async () => {
    const { supervisor, clock } = setup({ lanes: 1 });
    await started(clock, supervisor);
    const failing = watch(
      supervisor.withLane(async (lane) => {
        await lane.submit(Navigate(`${origin}/landed`));
        throw new Error('caller bug');
      }),
    );
    await clock.advance(1000);
    expect((failing.error as Error).message).toBe('caller bug');
    // The one lane is free again for anyone.
    const after = watch(supervisor.submit(slow(7)));
    await clock.advance(500);
    expect(after.value).toBe(7);
    await supervisor.stop();
  });

  it('a renderer crash on one lane answers only that lane’s task; its neighbours finish normally', async () => {
    const { supervisor, clock, current } = setup({ lanes: 2, snapshot: { enabled: false } });
    await started(clock, supervisor);
    current().hang('evaluate');
    const victim = watch(supervisor.submit(ExecuteJS('return 1')));
    await flushMicrotasks();
    const neighbour = watch(supervisor.submit(Navigate(`${origin}/landed`)));
    await clock.advance(150); // the victim's script is hanging now
    const victimLane = supervisor.health().lanes.find((l) => l.taskType === 'ExecuteJS')?.lane ?? -1;
    expect(victimLane).toBeGreaterThanOrEqual(0);
    const pages = current().pageIds;
    current().crashPage(pages[victimLane]);
    await flushMicrotasks();
    expect(victim.error).toMatchObject({ code: 'ERR_ACTOR_CRASHED' }); // at once, not at its deadline
    expect(neighbour.settled).toBe(false); // still opening its tab and loading (200 ms)
    await clock.advance(1000);
    expect(neighbour.value).toMatchObject({ url: `${origin}/landed`, status: 200 });
    expect(supervisor.health()).toMatchObject({ restarts: 0, lastFault: { kind: 'page-crashed', lane: victimLane } });
    expect(await runAlone(clock, supervisor.submit(slow(5)))).toBe(5);
    await runAlone(clock, supervisor.stop());
  });

  it('a stuck task’s escalation closes its own lane’s tab, not its neighbours’', async () => {
    const { supervisor, clock, current } = setup({ lanes: 2, snapshot: { enabled: false }, actor: { cancelGraceMs: 500 } });
    await started(clock, supervisor);
    const faults: { kind: string; lane?: number }[] = [];
    supervisor.on('fault', (f) => faults.push(f));
    // Open both tabs, then park a navigation on lane 1 while lane 0's script wedges.
    await runAlone(clock, Promise.all([supervisor.submit(slow(1)), supervisor.submit(slow(2))]));
    const [tab0, tab1] = current().pageIds;
    current().stall('evaluate');
    const stuck = watch(supervisor.submit(ExecuteJS('return 1'), { timeoutMs: 1000 }));
    await flushMicrotasks();
    const stuckLane = supervisor.health().lanes.find((l) => l.taskType === 'ExecuteJS')?.lane;
    const neighbour = watch(supervisor.submit(Navigate(`${origin}/landed`)));
    await clock.advance(3000);
    expect(stuck.error).toMatchObject({ code: 'ERR_TASK_TIMEOUT' });
    expect(neighbour.value).toMatchObject({ url: `${origin}/landed` });
    expect(faults).toContainEqual(expect.objectContaining({ kind: 'stuck-page', lane: stuckLane }));
    const closed = stuckLane === 0 ? tab0 : tab1;
    const kept = stuckLane === 0 ? tab1 : tab0;
    expect(current().pageIds).not.toContain(closed);
    expect(current().pageIds).toContain(kept);
    expect(supervisor.health().restarts).toBe(0);
    await runAlone(clock, supervisor.stop());
  });

  it('a browser crash re-runs every lane’s idempotent task on the new browser; a lane handle survives with its URL restored', async () => {
    const { supervisor, clock, current, fakes } = setup({ lanes: 2, restoreUrl: true });
    await started(clock, supervisor);
    const handle = supervisor.lane();
    await runAlone(clock, handle.submit(Navigate(`${origin}/landed`)));
    const a = watch(handle.submit(ExecuteJS<string>('return document.title', [], { idempotent: true })));
    const b = watch(supervisor.submit(slow(2)));
    await flushMicrotasks();
    expect(supervisor.health().inFlight).toBe(2);
    current().crashBrowser();
    await clock.advance(5000);
    expect(fakes).toHaveLength(2);
    expect(a.value).toBe('Landed'); // re-run on the new tab after its lane went back to /landed
    expect(b.value).toBe(2);
    expect(await runAlone(clock, handle.submit(ExecuteJS<string>('return location.href', [], { idempotent: true })))).toBe(
      `${origin}/landed`,
    );
    handle.release();
    await supervisor.stop();
  });

  it('isolated lanes: each lane has its own cookies, restored into its own new tab after a browser crash', async () => {
    const { supervisor, clock, current, fakes } = setup({ lanes: 2, isolateLanes: true });
    await started(clock, supervisor);
    const a = supervisor.lane();
    const b = supervisor.lane();
    const names = async (lane: typeof a): Promise<string[]> => (await runAlone(clock, lane.submit(GetCookies()))).map((c) => c.name).sort();
    await runAlone(clock, a.submit(Navigate(`${origin}/set-cookies`)));
    await runAlone(clock, b.submit(Navigate(`${origin}/landed`)));
    expect(a.lane).not.toBe(b.lane);
    expect(await names(a)).toEqual(['plain', 'secret', 'strict']);
    expect(await names(b)).toEqual([]);
    current().crashBrowser();
    await clock.advance(5000);
    expect(fakes).toHaveLength(2);
    expect(await names(a)).toEqual(['plain', 'secret', 'strict']);
    expect(await names(b)).toEqual([]);
    a.release();
    b.release();
    await supervisor.stop();
  });

  it('standby: a second browser starts while the first serves, and takes over after a crash with only the session restored', async () => {
    const { supervisor, clock, current, fakes } = setup({ lanes: 1, standby: true });
    await started(clock, supervisor);
    await clock.advance(1000);
    expect(fakes).toHaveLength(2); // the serving browser and the standby
    const [first, standby] = fakes as [FakeDriver, FakeDriver];
    expect(standby.running).toBe(true);
    expect(supervisor.health().standby).toBe('ready');
    await runAlone(clock, supervisor.submit(Navigate(`${origin}/set-cookies`)));
    const readies: { launchMs: number }[] = [];
    supervisor.on('ready', (e) => readies.push(e));
    first.crashBrowser();
    await clock.advance(3000);
    expect(readies).toHaveLength(1);
    expect(standby.calls.launch).toBe(1); // not launched again: it was already running
    expect(standby.calls.addCookies).toBe(1); // the session went into it
    expect(current()).not.toBe(standby); // and a new standby is on its way
    expect(fakes).toHaveLength(3);
    expect((await runAlone(clock, supervisor.submit(GetCookies(['secret'])))).map((c) => c.value)).toEqual(['s3cr3t-value']);
    await runAlone(clock, supervisor.stop());
    expect(fakes.every((f) => !f.running)).toBe(true); // the standby is stopped too
  });

  it('standby: a crash while the standby is still starting waits for it instead of launching a third browser beside it', async () => {
    const { supervisor, clock, current, fakes } = setup({ lanes: 1, standby: true, launchMs: 2000 });
    await runAlone(clock, supervisor.startActor());
    await runAlone(clock, supervisor.submit(Navigate(`${origin}/set-cookies`)));
    expect(fakes).toHaveLength(2);
    const [first, standby] = fakes as [FakeDriver, FakeDriver];
    expect(standby.running).toBe(false); // its launch is under way
    expect(supervisor.health().standby).toBe('starting');
    const readies: { launchMs: number }[] = [];
    supervisor.on('ready', (e) => readies.push(e));
    await clock.advance(1000);
    first.crashBrowser();
    const crashedAt = clock.now();
    for (let i = 0; i < 50 && readies.length === 0; i++) await clock.advance(100);
    expect(readies).toHaveLength(1);
    expect(standby.calls.addCookies).toBe(1); // the session went into the standby
    expect(clock.now() - crashedAt).toBeLessThan(2000); // the rest of its launch, not a whole new one
    expect(fakes).toHaveLength(3); // the standby now serves, and one new standby starts behind it
    expect(current()).not.toBe(standby);
    expect((await runAlone(clock, supervisor.submit(GetCookies(['secret'])))).map((c) => c.value)).toEqual(['s3cr3t-value']);
    await runAlone(clock, supervisor.stop());
    expect(fakes.every((f) => !f.running)).toBe(true);
  });

  it('recycling waits for every lane to finish its current task', async () => {
    const { supervisor, clock, fakes } = setup({ lanes: 2, recycle: { maxTasks: 2 }, snapshot: { enabled: false } });
    await started(clock, supervisor);
    const tasks = [1, 2, 3, 4, 5, 6].map((i) => watch(supervisor.submit(slow(i))));
    await clock.advance(10_000);
    expect(tasks.map((t) => t.value)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(supervisor.health().recycles).toBeGreaterThanOrEqual(2);
    expect(fakes.length).toBe(supervisor.health().recycles + 1);
    await supervisor.stop();
  });

  it('recycles by navigations (default on, recycle: false turns it off); a lane handle between its tasks keeps its page across a recycle', async () => {
    const { supervisor, clock, fakes } = setup({ lanes: 2, recycle: { maxNavigations: 3 } });
    await started(clock, supervisor);
    // Each sequence: navigate, then read the page it is on. A recycle lands between the two when
    // the navigation is the 3rd of its browser; the read must still see that page.
    const reads = [1, 2, 3, 4, 5, 6, 7].map((i) =>
      watch(
        supervisor.withLane(async (lane) => {
          await lane.submit(Navigate(`${origin}/?page=${i}`));
          return lane.submit(CurrentUrl());
        }),
      ),
    );
    await clock.advance(20_000);
    expect(reads.map((r) => r.value)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `${origin}/?page=${i}`));
    expect(supervisor.health().recycles).toBeGreaterThanOrEqual(2);
    expect(supervisor.health().restarts).toBe(0);
    expect(fakes.length).toBe(supervisor.health().recycles + 1);
    await supervisor.stop();

    const off = setup({ lanes: 1, recycle: false });
    await started(off.clock, off.supervisor);
    for (let i = 0; i < 5; i++) await runAlone(off.clock, off.supervisor.submit(Navigate(`${origin}/?n=${i}`)));
    expect(off.supervisor.health().recycles).toBe(0);
    await off.supervisor.stop();
    expect(() => new SessionSupervisor({ driver: () => new FakeDriver(), recycle: 'never' as never })).toThrow(
      /recycle must be false or an object of limits/,
    );
    expect(() => new SessionSupervisor({ driver: () => new FakeDriver(), recycle: { maxNavigations: 0 } })).toThrow(InvalidOptionError);
  });

  it('a plain task sequence (no lane handle, default options) reads its own page across every planned recycle', async () => {
    const { supervisor, clock, fakes } = setup({ lanes: 1, recycle: { maxNavigations: 2 } });
    await started(clock, supervisor);
    const reads: string[] = [];
    for (let i = 1; i <= 7; i++) {
      await runAlone(clock, supervisor.submit(Navigate(`${origin}/?page=${i}`)));
      reads.push(await runAlone(clock, supervisor.submit(CurrentUrl())));
    }
    expect(reads).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `${origin}/?page=${i}`));
    // A recycle lands after every second navigation, between that Navigate and its read.
    expect(supervisor.health().recycles).toBe(3);
    expect(fakes.length).toBe(4);
    expect(supervisor.health().restarts).toBe(0);
    // A task that does not read the page needs no reopening (cookies come from the restored
    // session), and leaves the reopening to the next task that does.
    await runAlone(clock, supervisor.submit(Navigate(`${origin}/?page=8`)));
    await clock.advance(2000);
    expect(supervisor.health().recycles).toBe(4);
    const fresh = fakes.at(-1) as FakeDriver;
    const navigationsAtReady = fresh.calls.navigate;
    await runAlone(clock, supervisor.submit(GetCookies()));
    expect(fresh.calls.navigate).toBe(navigationsAtReady);
    expect(await runAlone(clock, supervisor.submit(CurrentUrl()))).toBe(`${origin}/?page=8`);
    expect(fresh.calls.navigate).toBe(navigationsAtReady + 1);
    await supervisor.stop();
  });

  it('a lane handle whose browser or tab died between its tasks reopens its page first, by default; restoreUrl: false and an unreachable page fail with ERR_SEQUENCE_CUT, never a blank read', async () => {
    const { supervisor, clock, current } = setup({ lanes: 2, recycle: false });
    await started(clock, supervisor);
    const lane = supervisor.lane();
    await runAlone(clock, lane.submit(Navigate(`${origin}/?page=1`)));
    // The browser dies between the Navigate and the read.
    current().crashBrowser();
    expect(await runAlone(clock, lane.submit(CurrentUrl()))).toBe(`${origin}/?page=1`);
    // The tab dies between the next Navigate and its read.
    await runAlone(clock, lane.submit(Navigate(`${origin}/?page=2`)));
    current().crashPage(current().pageIds.at(-1));
    await clock.advance(500);
    expect(await runAlone(clock, lane.submit(CurrentUrl()))).toBe(`${origin}/?page=2`);
    // Told not to reopen: the task fails typed, without running.
    current().crashBrowser();
    const refused = watch(lane.submit(CurrentUrl(), { restoreUrl: false }));
    for (let i = 0; i < 50 && !refused.settled; i++) await clock.advance(100);
    expect(refused.error).toMatchObject({ code: 'ERR_SEQUENCE_CUT', details: { lane: lane.lane } });
    // The page cannot be reloaded: typed failure, not a read of the blank tab.
    current().failNext(
      'navigate',
      new NavigationError('net::ERR_CONNECTION_REFUSED at the test', { details: { netError: 'net::ERR_CONNECTION_REFUSED' } }),
    );
    const cut = watch(lane.submit(CurrentUrl()));
    for (let i = 0; i < 50 && !cut.settled; i++) await clock.advance(100);
    expect(cut.error).toBeInstanceOf(SequenceCutError);
    expect((cut.error as SequenceCutError).message).toMatch(/reopening it failed \(ERR_NAVIGATION/);
    // A new Navigate carries the sequence on.
    await runAlone(clock, lane.submit(Navigate(`${origin}/?page=3`)));
    expect(await runAlone(clock, lane.submit(CurrentUrl()))).toBe(`${origin}/?page=3`);
    lane.release();
    // resumeUrl: a handle that continues a sequence begun elsewhere opens that page before its first read.
    const resumed = supervisor.lane({ resumeUrl: `${origin}/?page=9` });
    expect(await runAlone(clock, resumed.submit(CurrentUrl()))).toBe(`${origin}/?page=9`);
    resumed.release();
    expect(() => supervisor.lane({ resumeUrl: 'not a url' })).toThrow(InvalidOptionError);
    await supervisor.stop();
  });

  it('a task whose runs keep meeting crashes beside other work is isolated, not failed: it runs again alone, and answers', async () => {
    const { supervisor, clock, current, starts, ends } = setup({
      lanes: 2,
      restartLimit: { maxRestarts: 1000 },
      backoff: { baseMs: 10, factor: 1, maxMs: 10 },
    });
    await started(clock, supervisor);
    const timeoutMs = 600_000;
    const a = watch(supervisor.submit(slow(1), { timeoutMs }));
    const b = watch(supervisor.submit(slow(2), { timeoutMs }));
    // Kill the browser whenever both run in it, 3 × COLLATERAL_RUNS_FACTOR times (the bound at maxAttempts 3).
    for (let kill = 0; kill < 12; kill++) {
      while (starts.length < 2 * (kill + 1) && !a.settled) await clock.advance(10);
      current().crashBrowser();
    }
    // From now on each runs only alone: no task starts beside another.
    const company: number[] = [];
    supervisor.on('task:start', () => company.push(supervisor.health().inFlight));
    while (!a.settled || !b.settled) await clock.advance(10);
    expect(company).toEqual([1, 1]);
    expect(a.value).toBe(1);
    expect(b.value).toBe(2);
    expect(ends.map((e) => e.attempts)).toEqual([13, 13]);
    expect(starts).toHaveLength(26);
    await supervisor.stop();
  });

  it('two lane handles whose Navigates were answered just before a crash (their snapshot check cut short) go on with their reads on the new browser', async () => {
    const { supervisor, clock, current, fakes } = setup({ lanes: 2 });
    await started(clock, supervisor);
    current().hang('sessionVersion');
    const visit = (path: string) =>
      supervisor.withLane(async (lane) => {
        await lane.submit(Navigate(`${origin}${path}`));
        return lane.submit(ExecuteJS<string>('return location.href', [], { idempotent: true }));
      });
    const a = watch(visit('/landed'));
    const b = watch(visit('/person?id=3'));
    // Both Navigates answered by the browser; one answer waits on its session check.
    for (let i = 0; i < 50 && current().calls.navigate < 2; i++) await clock.advance(10);
    await clock.advance(150);
    current().crashBrowser();
    for (let i = 0; i < 300 && (!a.settled || !b.settled); i++) await clock.advance(100);
    expect(fakes.length).toBeGreaterThanOrEqual(2);
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    expect(a.value).toBe(`${origin}/landed`);
    expect(b.value).toBe(`${origin}/person?id=3`);
    await supervisor.stop();
  });

  it('keeps replacing a browser that dies after doing work, with the backoff starting over each time', async () => {
    let failLaunches = false;
    const { supervisor, clock, current, restarting } = setup({
      lanes: 1,
      random: () => 0.999,
      restartLimit: { maxRestarts: 3 },
      onLaunch: (fake) => {
        if (failLaunches) fake.failNext('launch', new Error('Chromium exited at start'));
      },
    });
    await started(clock, supervisor);
    for (let i = 0; i < 10; i++) {
      expect(await runAlone(clock, supervisor.submit(slow(i)))).toBe(i);
      current().crashBrowser();
      await clock.advance(2000);
    }
    expect(supervisor.state).toBe('healthy');
    expect(supervisor.health().restarts).toBe(10);
    expect(restarting.map((r) => r.attempt)).toEqual(new Array(10).fill(0));
    // Browsers that die before any work still end in ERR_RESTART_LIMIT.
    failLaunches = true;
    current().hang('evaluate');
    const pending = watch(supervisor.submit(slow(99), { timeoutMs: 120_000 }));
    await clock.advance(150);
    current().crashBrowser();
    await clock.advance(10_000);
    expect(supervisor.state).toBe('failed');
    await flushMicrotasks();
    expect(pending.error).toBeInstanceOf(RestartLimitError);
    await supervisor.stop();
  });
});

describe('RestartPolicy', () => {
  it('counts only unproductive restarts toward the limit and resets the backoff after productive ones', () => {
    const policy = new RestartPolicy(
      { restartLimit: { maxRestarts: 2, windowMs: 10_000 }, backoff: { baseMs: 100, factor: 2, maxMs: 1000 } },
      () => 0.999,
    );
    const unproductive = { servingSince: undefined, tasksServed: 0 };
    expect(policy.onFailure(0, unproductive)).toMatchObject({ kind: 'restart', attempt: 0, productive: false });
    expect(policy.onFailure(10, unproductive)).toMatchObject({ kind: 'restart', attempt: 1 });
    expect(policy.onFailure(20, unproductive)).toMatchObject({ kind: 'give-up', restartsInWindow: 2 });
    // A browser that served a task resets both the attempt counter and the window.
    expect(policy.onFailure(30, { servingSince: 25, tasksServed: 1 })).toMatchObject({ kind: 'restart', attempt: 0, productive: true });
    expect(policy.onFailure(40, unproductive)).toMatchObject({ kind: 'restart', attempt: 1 });
    // One that served a stable period without tasks counts as productive too.
    expect(policy.onFailure(200_000, { servingSince: 100_000, tasksServed: 0 })).toMatchObject({ attempt: 0, productive: true });
    // Old unproductive restarts leave the window.
    expect(policy.onFailure(300_000, unproductive)).toMatchObject({ kind: 'restart' });
    expect(policy.onFailure(300_001, unproductive)).toMatchObject({ kind: 'restart' });
    expect(policy.onFailure(300_002, unproductive)).toMatchObject({ kind: 'give-up' });
  });
});

/** Advance the clock until `promise` settles; return its value. */
async function runAlone<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  const w = watch(promise);
  for (let i = 0; i < 100 && !w.settled; i++) await clock.advance(100);
  if (!w.settled) throw new Error('did not settle within 10 s of clock time');
  return promise;
}
