import { describe, expect, it } from 'vitest';
import { FakeDriver, type FakeDriverOptions } from '../../src/drivers/fake/fake-driver.js';
import {
  ActorCrashedError,
  ActorStoppedError,
  BrowserActorError,
  InvalidOptionError,
  InvalidTaskError,
  MailboxFullError,
  ResultTooLargeError,
  ShedError,
  TaskTimeoutError,
} from '../../src/errors.js';
import { ManualClock, flushMicrotasks } from '../../src/internal/manual-clock.js';
import { BrowserActor, type BrowserActorEvents, type BrowserActorOptions } from '../../src/runtime/actor/browser-actor.js';
import {
  CurrentUrl,
  ExecuteJS,
  ExportCookies,
  GetCookies,
  ImportCookies,
  Navigate,
  Screenshot,
} from '../../src/runtime/tasks/constructors.js';
import type { Task } from '../../src/runtime/tasks/types.js';
import { fixtureSite } from '../support/fixture-site.js';
import { watch } from '../support/watch.js';

const origin = 'http://127.0.0.1:18080';

function setup(options: Partial<BrowserActorOptions> & { fake?: FakeDriverOptions; manual?: boolean } = {}) {
  const clock = new ManualClock();
  const { fake: fakeOptions, manual = true, ...actorOptions } = options;
  const fake = new FakeDriver({ sites: { [origin]: fixtureSite }, ...(manual ? { clock } : {}), ...fakeOptions });
  const actor = new BrowserActor({ driver: () => fake, actorMode: true, ...(manual ? { clock } : {}), ...actorOptions });
  const events: { [K in keyof BrowserActorEvents]: BrowserActorEvents[K][] } = { state: [], 'task:start': [], 'task:end': [], fault: [] };
  for (const name of Object.keys(events) as (keyof BrowserActorEvents)[]) actor.on(name, (e) => (events[name] as unknown[]).push(e));
  return { clock, fake, actor, events };
}

describe.each([true, false])('BrowserActor (actorMode %s) on the Fake', (actorMode) => {
  it('runs each kind of task and returns plain results', async () => {
    const { actor, fake } = setup({ actorMode, manual: false });
    await actor.start();
    expect(await actor.submit(GetCookies())).toEqual([]);
    expect(fake.calls.newPage).toBe(0); // cookie tasks need no tab: tabs are made lazily
    expect(await actor.submit(Navigate(`${origin}/set-cookies`))).toEqual({ url: `${origin}/set-cookies`, status: 200 });
    expect(await actor.submit(CurrentUrl())).toBe(`${origin}/set-cookies`);
    expect(await actor.submit(ExecuteJS<string>('return document.title + arguments[0]', ['!']))).toBe('Cookies set!');
    expect((await actor.submit(GetCookies(['plain', 'nope']))).map((c) => c.name)).toEqual(['plain']);
    expect(await actor.submit(ExportCookies({ format: 'netscape' }))).toContain(
      '#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsecret\ts3cr3t-value',
    );
    expect(await actor.submit(ImportCookies([{ name: 'x', value: 'y', url: `${origin}/` }]))).toEqual({ imported: 1 });
    expect((await actor.submit(ExportCookies({ format: 'storage-state' }))).cookies.map((c) => c.name)).toContain('x');
    expect((await actor.submit(Screenshot())).byteLength).toBeGreaterThan(50);
    expect(fake.calls.newPage).toBe(1); // one tab, reused
    await actor.stop();
    expect(fake.running).toBe(false);
  });

  it('a screenshot over limits.maxScreenshotBytes fails with ERR_RESULT_TOO_LARGE saying what to do; the actor serves on', async () => {
    const measure = setup({ actorMode, manual: false });
    await measure.actor.start();
    await measure.actor.submit(Navigate(`${origin}/set-cookies`));
    const size = (await measure.actor.submit(Screenshot({ fullPage: true }))).byteLength;
    await measure.actor.stop();
    const { actor } = setup({ actorMode, manual: false, limits: { maxScreenshotBytes: size - 1 } });
    await actor.start();
    await actor.submit(Navigate(`${origin}/set-cookies`));
    const error = await actor.submit(Screenshot({ fullPage: true })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultTooLargeError);
    expect((error as ResultTooLargeError).details).toEqual({ bytes: size, limit: size - 1, fullPage: true });
    expect((error as Error).message).toMatch(
      /full-page screenshot is \d+ bytes, over the \d+-byte limit \(limits\.maxScreenshotBytes\); take the viewport only/,
    );
    expect(await actor.submit(CurrentUrl())).toBe(`${origin}/set-cookies`); // the same tab serves on
    expect(actor.state).toBe('ready');
    await actor.stop();
    expect(
      () => new BrowserActor({ driver: () => new FakeDriver({ sites: { [origin]: fixtureSite } }), limits: { maxScreenshotBytes: 0 } }),
    ).toThrow(/limits\.maxScreenshotBytes/);
  });

  it('a script that closes the wrapper around it to return a forged answer is refused before the browser as a SyntaxError (ERR_SCRIPT)', async () => {
    const { actor, fake } = setup({ actorMode, manual: false });
    await actor.start();
    await actor.submit(Navigate(`${origin}/set-cookies`));
    const evaluations = fake.calls.evaluate;
    // Ends the function it is placed in, returns a tagged answer of its own that skips the result
    // checks (size, plain data), and opens a function for the rest of the wrapper to close.
    const breakout = `return 1; }).apply(undefined, []); return 'v' + JSON.stringify({ forged: 'x'.repeat(10) }); (async function () {`;
    const error = await actor.submit(ExecuteJS(breakout)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_SCRIPT', details: { errorName: 'SyntaxError', maybeExecuted: false } });
    expect((error as Error).message).toMatch(/must be a function body on its own/);
    expect(fake.calls.evaluate).toBe(evaluations); // it never reached the page
    expect(await actor.submit(ExecuteJS('return 1 + 1 // a trailing comment is fine'))).toBe(2);
    await actor.stop();
  });

  it('rejects bad input at submit, before the browser is touched, without counting a fault', async () => {
    const { actor, fake, events } = setup({ actorMode, manual: false });
    await actor.start();
    const bad: [Task, object][] = [
      [{ type: 'Nope' } as unknown as Task, {}],
      [Navigate('foo/bar'), {}],
      [Navigate('javascript:alert(1)'), {}],
      [CurrentUrl(), { priority: 10 }],
      [CurrentUrl(), { priority: -1 }],
      [CurrentUrl(), { priority: 2.5 }],
      [CurrentUrl(), { timeoutMs: 0 }],
      [CurrentUrl(), { timeoutMs: -5 }],
      [CurrentUrl(), { timeoutMs: Number.NaN }],
      [CurrentUrl(), { timeoutMs: 600_001 }],
      [CurrentUrl(), { idempotencyKey: '' }],
    ];
    for (const [task, options] of bad) {
      await expect(actor.submit(task, options)).rejects.toBeInstanceOf(InvalidTaskError);
    }
    await expect(actor.submit(CurrentUrl(), { timeoutMs: 600_001 })).rejects.toThrow(
      /timeoutMs must be a number above 0 and at most 600000/,
    );
    await expect(actor.submit(CurrentUrl(), { priority: 10 })).rejects.toThrow(
      /priority must be an integer from 0 \(lowest\) to 9 \(highest\), got 10/,
    );
    expect(Object.entries(fake.calls).filter(([op, n]) => op !== 'launch' && n > 0)).toEqual([]);
    expect(actor.state).toBe('ready');
    expect(events.fault).toEqual([]);
    expect(actor.stats()).toMatchObject({ rejected: bad.length + 2, submitted: 0, failed: 0 });
    // A script error is a typed answer, not a fault either.
    await expect(actor.submit(ExecuteJS('throw new Error("nope")'))).rejects.toMatchObject({ code: 'ERR_SCRIPT' });
    expect(actor.state).toBe('ready');
    expect(events.fault).toEqual([]);
    await actor.stop();
  });

  it('times out a running task at its deadline, cancels the work, and keeps serving', async () => {
    const { actor, fake, clock, events } = setup({ actorMode });
    await actor.start();
    await actor.submit(Navigate(`${origin}/`));
    fake.hang('evaluate');
    const slow = watch(actor.submit(ExecuteJS('return 1'), { timeoutMs: 1000 }));
    await clock.advance(999);
    expect(slow.settled).toBe(false);
    await clock.advance(1);
    expect(slow.error).toBeInstanceOf(TaskTimeoutError);
    expect((slow.error as Error).message).toMatch(
      /Task actor-\d+:2 \(ExecuteJS\) timed out after 1000ms while running \(actor actor-\d+, 0 queued, attempt 1\)/,
    );
    await clock.advance(2000);
    expect(await actor.submit(ExecuteJS('return 2'))).toBe(2);
    expect(events['task:end'].map((e) => e.outcome)).toEqual(['ok', 'timeout', 'ok']);
    expect(actor.stats()).toMatchObject({ timedOut: 1, completed: 2, inFlight: 0 });
    // Idle, the actor (and its driver) hold no timer that would keep the process alive.
    expect(clock.keepAliveTimers).toBe(0);
    await actor.stop();
  });

  it('cancels a running task on abort: rejects with the reason, counts it cancelled, stays usable', async () => {
    const { actor, fake, clock, events } = setup({ actorMode });
    await actor.start();
    fake.hang('evaluate');
    const controller = new AbortController();
    const task = watch(actor.submit(ExecuteJS('return 1'), { signal: controller.signal }));
    await clock.advance(10);
    const reason = new Error('user pressed stop');
    controller.abort(reason);
    await flushMicrotasks();
    expect(task.error).toBe(reason);
    await clock.advance(3000);
    expect(await actor.submit(ExecuteJS('return 5'))).toBe(5);
    expect(events['task:end'][0]).toMatchObject({ outcome: 'cancelled', errorCode: 'ERR_UNKNOWN' });
    expect(actor.stats().cancelled).toBe(1);
    await actor.stop();
  });

  it('rejects at once with the reason when the signal is already aborted', async () => {
    const { actor, fake } = setup({ actorMode });
    await actor.start();
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(actor.submit(CurrentUrl(), { signal: controller.signal })).rejects.toThrow('too late');
    expect(fake.calls.currentUrl).toBe(0);
    await actor.stop();
  });

  it('answers the running task at once when the browser dies, and fails everything else with ERR_ACTOR_CRASHED', async () => {
    const { actor, fake, clock, events } = setup({ actorMode });
    await actor.start();
    fake.hang('evaluate');
    const running = watch(actor.submit(ExecuteJS('return 1'), { timeoutMs: 60_000 }));
    const queued = watch(actor.submit(CurrentUrl(), { timeoutMs: 60_000 }));
    await clock.advance(5);
    fake.crashBrowser();
    await flushMicrotasks();
    expect(running.error).toBeInstanceOf(ActorCrashedError);
    expect((running.error as ActorCrashedError).details).toMatchObject({ maybeExecuted: true, idempotent: false });
    if (actorMode) {
      // Queued behind the running task: it never ran.
      expect(queued.error).toBeInstanceOf(ActorCrashedError);
      expect((queued.error as ActorCrashedError).details).toMatchObject({ maybeExecuted: false });
    } else {
      // Direct mode has no queue: the second task ran beside the first and finished before the crash.
      expect(queued.value).toBe('about:blank');
    }
    expect(actor.state).toBe('crashed');
    expect(events.fault.map((f) => f.kind)).toEqual(['browser-disconnected']);
    await expect(actor.submit(CurrentUrl())).rejects.toBeInstanceOf(ActorCrashedError);
    expect(running.count + queued.count).toBe(2);
    await actor.stop();
    expect(actor.state).toBe('stopped');
  });

  it('answers a task at once when its tab crashes, then opens a new tab for the next task', async () => {
    const { actor, fake, clock, events } = setup({ actorMode });
    await actor.start();
    await actor.submit(Navigate(`${origin}/`));
    fake.hang('evaluate');
    const running = watch(actor.submit(ExecuteJS('return 1'), { timeoutMs: 60_000 }));
    await clock.advance(5);
    fake.crashPage();
    await flushMicrotasks();
    expect(running.error).toBeInstanceOf(ActorCrashedError);
    expect((running.error as Error).message).toMatch(/its tab crashed/);
    await clock.advance(3000);
    expect(await actor.submit(Navigate(`${origin}/landed`))).toMatchObject({ status: 200 });
    expect(fake.calls.newPage).toBe(2);
    expect(actor.state).toBe('ready');
    expect(events.fault.map((f) => f.kind)).toEqual(['page-crashed']);
    await actor.stop();
  });

  it('a task that finds its tab closed before the crash event comes leaves the tab: the next task on the lane opens a new one', async () => {
    const { actor, fake, events } = setup({ actorMode, manual: false });
    await actor.start();
    await actor.submit(Navigate(`${origin}/`));
    const crash = fake.crashPageQuietly();
    await expect(actor.submit(ExecuteJS('return 1'))).rejects.toMatchObject({ code: 'ERR_ACTOR_CRASHED' });
    expect(await actor.submit(ExecuteJS('return 2'))).toBe(2);
    expect(fake.calls.newPage).toBe(2);
    expect(fake.pageIds).not.toContain(crash.pageId); // the dead tab was closed
    // The crash event comes late: it is reported for its lane, and touches neither the new tab nor its tasks.
    crash.announce();
    expect(events.fault).toMatchObject([{ kind: 'page-crashed', lane: 0 }]);
    expect(events.fault[0]?.taskId).toBeUndefined();
    expect(await actor.submit(ExecuteJS('return 3'))).toBe(3);
    expect(fake.calls.newPage).toBe(2);
    expect(actor.state).toBe('ready');
    await actor.stop();
  });

  it('replaces a tab that does not stop after a timeout (wedged renderer)', async () => {
    const { actor, fake, clock, events } = setup({ actorMode, cancelGraceMs: 500 });
    await actor.start();
    await actor.submit(Navigate(`${origin}/`));
    fake.stall('evaluate');
    const stuck = watch(actor.submit(ExecuteJS('return 1'), { timeoutMs: 100 }));
    await clock.advance(100);
    expect(stuck.error).toBeInstanceOf(TaskTimeoutError);
    await clock.advance(500);
    expect(events.fault.map((f) => f.kind)).toEqual(['stuck-page']);
    expect(await actor.submit(CurrentUrl())).toBe('about:blank'); // a fresh tab
    expect(fake.calls.newPage).toBe(2);
    await actor.stop();
  });

  it('queues submits made before start and runs them once the browser is up', async () => {
    const { actor } = setup({ actorMode, manual: false });
    const early = actor.submit(ExecuteJS('return 40 + 2'));
    expect(actor.stats().queued).toBe(1);
    await actor.start();
    expect(await early).toBe(42);
    await actor.stop();
  });

  it('fails queued work with the launch error when the browser cannot start', async () => {
    const { actor, fake } = setup({ actorMode, manual: false });
    const launchError = new BrowserActorError('ERR_BROWSER_LAUNCH', 'no display');
    fake.failNext('launch', launchError);
    const early = actor.submit(CurrentUrl());
    await expect(actor.start()).rejects.toBe(launchError);
    await expect(early).rejects.toBe(launchError);
    expect(actor.state).toBe('failed');
    await expect(actor.submit(CurrentUrl())).rejects.toBeInstanceOf(ActorStoppedError);
  });

  it('stop() drains queued and running tasks, then closes; later submits get ERR_ACTOR_STOPPED', async () => {
    const { actor, fake, events } = setup({ actorMode, manual: false, fake: { latencyMs: 5 } });
    await actor.start();
    const results = [1, 2, 3].map((n) => actor.submit(ExecuteJS<number>(`return ${n}`)));
    const stopping = actor.stop();
    await expect(actor.submit(CurrentUrl())).rejects.toBeInstanceOf(ActorStoppedError);
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
    await Promise.all([stopping, actor.stop()]);
    expect(fake.running).toBe(false);
    expect(events.state.map((e) => e.to)).toEqual(['starting', 'ready', 'stopping', 'stopped']);
    await expect(actor.submit(CurrentUrl())).rejects.toThrow(/Actor actor-\d+ is stopped: stop\(\); it takes no new tasks/);
  });

  it('kill(reason) fails pending work with the reason and kills the browser; idempotent', async () => {
    const { actor, fake, clock } = setup({ actorMode });
    await actor.start();
    fake.hang('evaluate');
    const a = watch(actor.submit(ExecuteJS('return 1')));
    const b = watch(actor.submit(ExecuteJS('return 2')));
    await clock.advance(1);
    await Promise.all([actor.kill('shutting down'), actor.kill()]);
    expect(a.error).toBeInstanceOf(ActorStoppedError);
    expect((a.error as Error).message).toMatch(/was killed: shutting down/);
    // Actor mode: b was queued behind a, so it is failed too. Direct mode: b ran beside a and finished.
    if (actorMode) expect(b.error).toBeInstanceOf(ActorStoppedError);
    else expect(b.value).toBe(2);
    expect(fake.running).toBe(false);
    await expect(actor.submit(CurrentUrl())).rejects.toBeInstanceOf(ActorStoppedError);
    await actor.stop();
  });

  it('a listener that throws never breaks the actor', async () => {
    const { actor } = setup({ actorMode, manual: false });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    actor.on('task:end', () => {
      throw new Error('listener bug');
    });
    actor.on('task:start', () => {
      throw new Error('listener bug');
    });
    await actor.start();
    expect(await actor.submit(ExecuteJS('return 9'))).toBe(9);
    await actor.stop();
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings.filter((w) => w.includes('listener bug')).length).toBeGreaterThanOrEqual(2);
  });

  it('shares one answer between submits with the same idempotencyKey while the first is pending', async () => {
    const { actor, fake } = setup({ actorMode, manual: false, fake: { latencyMs: 5 } });
    await actor.start();
    const task = ExecuteJS<number>('return 6 * 7');
    const [a, b] = await Promise.all([actor.submit(task, { idempotencyKey: 'k1' }), actor.submit(task, { idempotencyKey: 'k1' })]);
    expect([a, b]).toEqual([42, 42]);
    expect(fake.calls.evaluate).toBe(1);
    const first = actor.submit(task, { idempotencyKey: 'k2' });
    await expect(actor.submit(ExecuteJS('return 0'), { idempotencyKey: 'k2' })).rejects.toThrow(
      /idempotencyKey "k2" is already in use by a different task/,
    );
    await first;
    expect(await actor.submit(task, { idempotencyKey: 'k1' })).toBe(42); // finished keys run again
    expect(fake.calls.evaluate).toBe(3);
    await actor.stop();
  });
});

describe('BrowserActor mailbox behaviour (actor mode)', () => {
  it('runs queued tasks by priority, FIFO within a priority', async () => {
    const { actor, clock, events } = setup({ fake: { latencyMs: 10 } });
    await actor.start();
    const all = [
      actor.submit(ExecuteJS('return "first"')),
      actor.submit(ExecuteJS('return "low"'), { priority: 1 }),
      actor.submit(ExecuteJS('return "high-a"'), { priority: 9 }),
      actor.submit(ExecuteJS('return "normal"')),
      actor.submit(ExecuteJS('return "high-b"'), { priority: 9 }),
    ];
    expect(actor.stats().queuedByPriority).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
    for (let i = 0; i < 10; i++) await clock.advance(10);
    const results = await Promise.all(all);
    expect(results).toEqual(['first', 'low', 'high-a', 'normal', 'high-b']);
    expect(events['task:start'].map((e) => e.taskId.split(':')[1])).toEqual(['1', '3', '5', '4', '2']);
    await actor.stop();
  });

  it('times out a queued task without ever running it', async () => {
    const { actor, fake, clock } = setup();
    await actor.start();
    fake.hang('evaluate');
    watch(actor.submit(ExecuteJS('return 1'), { timeoutMs: 10_000 }));
    const queued = watch(actor.submit(ExecuteJS('return 2'), { timeoutMs: 100 }));
    await clock.advance(100);
    expect(queued.error).toBeInstanceOf(TaskTimeoutError);
    expect((queued.error as Error).message).toMatch(/timed out after 100ms while queued/);
    await clock.advance(15_000);
    expect(fake.calls.evaluate).toBe(1);
    await actor.stop();
  });

  it('a task cancelled while queued never runs', async () => {
    const { actor, fake, clock } = setup();
    await actor.start();
    fake.hang('evaluate');
    watch(actor.submit(ExecuteJS('return 1'), { timeoutMs: 1000 }));
    const controller = new AbortController();
    const queued = watch(actor.submit(ExecuteJS('return 2'), { signal: controller.signal }));
    controller.abort(new Error('never mind'));
    await flushMicrotasks();
    expect(queued.error).toMatchObject({ message: 'never mind' });
    expect(actor.stats().queued).toBe(0);
    await clock.advance(5000);
    expect(fake.calls.evaluate).toBe(1);
    await actor.stop();
  });

  it('reject policy: refuses with ERR_MAILBOX_FULL naming the capacity, and loses nothing accepted', async () => {
    const { actor, fake, clock } = setup({ mailbox: { capacity: 2 } });
    await actor.start();
    fake.hang('evaluate');
    const running = watch(actor.submit(ExecuteJS('return 0'), { timeoutMs: 100 }));
    const q = [watch(actor.submit(ExecuteJS('return 1'))), watch(actor.submit(ExecuteJS('return 2')))];
    const refused = await actor.submit(ExecuteJS('return 3'), { priority: 9 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MailboxFullError);
    expect((refused as Error).message).toMatch(/Mailbox full: 2 of 2 queued \(actor actor-\d+, overflow reject\); task refused/);
    await clock.advance(3000);
    expect(running.error).toBeInstanceOf(TaskTimeoutError);
    expect(q.map((t) => t.value)).toEqual([1, 2]);
    expect(actor.stats()).toMatchObject({ rejected: 1, completed: 2, timedOut: 1 });
    await actor.stop();
  });

  it('shed-lowest policy: the lowest queued task fails with ERR_SHED and never runs', async () => {
    const { actor, fake, clock, events } = setup({ mailbox: { capacity: 2, overflow: 'shed-lowest' } });
    await actor.start();
    fake.hang('evaluate');
    watch(actor.submit(ExecuteJS('return 0'), { timeoutMs: 100 }));
    const low = watch(actor.submit(ExecuteJS('return "low"'), { priority: 1 }));
    const mid = watch(actor.submit(ExecuteJS('return "mid"'), { priority: 5 }));
    const high = watch(actor.submit(ExecuteJS('return "high"'), { priority: 9 }));
    await flushMicrotasks();
    expect(low.error).toBeInstanceOf(ShedError);
    expect((low.error as Error).message).toMatch(
      /priority 1\) was dropped from the full mailbox for a higher-priority task .* it never ran/,
    );
    await clock.advance(3000);
    expect([mid.value, high.value]).toEqual(['mid', 'high']);
    expect(events['task:end'].filter((e) => e.outcome === 'shed')).toHaveLength(1);
    expect(fake.calls.evaluate).toBe(3);
    await actor.stop();
  });

  it('defer policy: overflowing tasks wait outside the mailbox and all run; onCapacity signals room', async () => {
    const { actor, clock } = setup({
      mailbox: { capacity: 2, overflow: 'defer', lowWaterMark: 1, maxDeferred: 5 },
      fake: { latencyMs: 10 },
    });
    await actor.start();
    const all = [0, 1, 2, 3, 4, 5].map((n) => actor.submit(ExecuteJS<number>(`return ${n}`), { priority: n % 3 }));
    // One is running; two are queued; the rest wait outside.
    expect(actor.stats()).toMatchObject({ queued: 2, deferred: 3, inFlight: 1 });
    let room = false;
    void actor.onCapacity().then(() => (room = true));
    for (let i = 0; i < 10 && !room; i++) await clock.advance(10);
    expect(room).toBe(true);
    for (let i = 0; i < 10; i++) await clock.advance(10);
    expect((await Promise.all(all)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    await actor.stop();
  });

  it('every accepted task is answered exactly once under a mixed load of faults (ledger)', async () => {
    const { actor, fake, clock } = setup({ mailbox: { capacity: 20, overflow: 'shed-lowest' }, fake: { latencyMs: 3 }, cancelGraceMs: 50 });
    await actor.start();
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ledger: { accepted: boolean; answer: ReturnType<typeof watch> }[] = [];
    for (let i = 0; i < 300; i++) {
      const controller = new AbortController();
      const roll = rand(10);
      if (roll === 0) fake.hang('evaluate');
      if (roll === 1 && i % 50 === 1) fake.crashPage();
      const promise = actor.submit(ExecuteJS(`return ${i}`), { priority: rand(10), timeoutMs: 20 + rand(200), signal: controller.signal });
      const answer = watch(promise);
      if (roll === 2) setTimeout(() => controller.abort(new Error('cancel')), 0);
      ledger.push({ accepted: true, answer });
      if (rand(4) === 0) await clock.advance(rand(30));
    }
    for (let i = 0; i < 200; i++) await clock.advance(20);
    await new Promise((r) => setTimeout(r, 20));
    await clock.advance(1000);
    const stats = actor.stats();
    const answered = ledger.filter((l) => l.answer.settled);
    expect(answered).toHaveLength(ledger.length); // lost = 0
    expect(ledger.every((l) => l.answer.count === 1)).toBe(true); // answered twice = 0
    expect(stats.completed + stats.failed + stats.timedOut + stats.cancelled + stats.shed + stats.rejected).toBe(ledger.length);
    expect(stats.completed).toBeGreaterThan(0);
    expect(stats.inFlight + stats.queued).toBe(0);
    await actor.stop();
  });
});

describe('BrowserActor direct mode', () => {
  it('runs concurrent submits concurrently (no queue), with the same results as actor mode', async () => {
    const script = [Navigate(`${origin}/set-cookies`), ExecuteJS('return document.title'), GetCookies(['plain']), CurrentUrl()] as const;
    const results: unknown[][] = [];
    for (const actorMode of [false, true]) {
      const { actor } = setup({ actorMode, manual: false });
      await actor.start();
      const out: unknown[] = [];
      for (const task of script) out.push(await actor.submit(task));
      results.push(out);
      await actor.stop();
    }
    expect(results[0]).toEqual(results[1]);

    const { actor, clock } = setup({ actorMode: false, fake: { latencyMs: 10 } });
    await actor.start();
    const both = [actor.submit(ExecuteJS('return 1')), actor.submit(ExecuteJS('return 2'))];
    await flushMicrotasks();
    expect(actor.stats().inFlight).toBe(2);
    await clock.advance(10); // the shared tab is created (once)…
    await clock.advance(10); // …then both scripts run at the same time
    expect(await Promise.all(both)).toEqual([1, 2]);
    await actor.stop();
  });
});

describe('BrowserActor options', () => {
  it.each([
    [{ driver: undefined }, /needs a driver factory/],
    [{ defaultTimeoutMs: 0 }, /defaultTimeoutMs must be a positive number, got 0/],
    [{ defaultTimeoutMs: 20, maxTimeoutMs: 10 }, /defaultTimeoutMs \(20\) is above maxTimeoutMs \(10\)/],
    [{ defaultPriority: 12 }, /defaultPriority must be an integer 0–9, got 12/],
    [{ mailbox: { capacity: -1 } }, /capacity must be an integer ≥ 1, got -1/],
    [{ limits: { maxScriptBytes: -1 } }, /limits.maxScriptBytes must be a positive number/],
    [{ actorMode: 'false' }, /actorMode must be true or false, got "false"/],
    [{ actorMode: 1 }, /actorMode must be true or false, got 1/],
    [{ isolatedLanes: 'yes' }, /isolatedLanes must be true or false/],
  ])('rejects %j', (options, message) => {
    expect(() => new BrowserActor({ driver: () => new FakeDriver(), ...options } as BrowserActorOptions)).toThrow(InvalidOptionError);
    expect(() => new BrowserActor({ driver: () => new FakeDriver(), ...options } as BrowserActorOptions)).toThrow(message);
  });

  it('start() is idempotent and the browser is launched once', async () => {
    const { actor, fake } = setup({ manual: false });
    await Promise.all([actor.start(), actor.start()]);
    expect(fake.calls.launch).toBe(1);
    await actor.stop();
    await expect(actor.start()).resolves.toBeUndefined(); // same settled promise
  });
});
