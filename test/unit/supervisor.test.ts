import { describe, expect, it } from 'vitest';
import { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import {
  ActorCrashedError,
  BrowserLaunchError,
  BrowserNotFoundError,
  InvalidOptionError,
  InvalidTaskError,
  MailboxFullError,
  RestartLimitError,
  TaskTimeoutError,
} from '../../src/errors.js';
import { ManualClock, flushMicrotasks } from '../../src/internal/manual-clock.js';
import { ExecuteJS, GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import {
  SessionSupervisor,
  type SessionSupervisorEvents,
  type SessionSupervisorOptions,
} from '../../src/runtime/supervisor/session-supervisor.js';
import { fixtureSite } from '../support/fixture-site.js';
import { watch } from '../support/watch.js';

const origin = 'http://127.0.0.1:18080';

/** A supervisor on Fake browsers and a manual clock; `fakes` holds every browser it made, in order. */
function setup(options: Partial<SessionSupervisorOptions> & { onLaunch?: (fake: FakeDriver, n: number) => void } = {}) {
  const clock = new ManualClock();
  const fakes: FakeDriver[] = [];
  const { onLaunch, ...rest } = options;
  const supervisor = new SessionSupervisor({
    driver: () => {
      const fake = new FakeDriver({ sites: { [origin]: fixtureSite }, clock });
      fakes.push(fake);
      onLaunch?.(fake, fakes.length);
      return fake;
    },
    clock,
    random: () => 0.5,
    ...rest,
  });
  const events: { [K in keyof SessionSupervisorEvents]: SessionSupervisorEvents[K][] } = {
    state: [],
    fault: [],
    restarting: [],
    ready: [],
    failed: [],
    snapshot: [],
    'task:start': [],
    'task:end': [],
  };
  for (const name of Object.keys(events) as (keyof SessionSupervisorEvents)[])
    supervisor.on(name, (e) => (events[name] as unknown[]).push(e));
  const current = (): FakeDriver => {
    const fake = fakes.at(-1);
    if (!fake) throw new Error('no browser yet');
    return fake;
  };
  return { clock, fakes, supervisor, events, current };
}

describe('SessionSupervisor on the Fake with a manual clock', () => {
  it('starts a browser, serves tasks and reports health', async () => {
    const { supervisor, clock, events } = setup();
    await supervisor.startActor();
    expect(supervisor.state).toBe('healthy');
    expect(await supervisor.submit(Navigate(`${origin}/`))).toEqual({ url: `${origin}/`, status: 200 });
    expect(await supervisor.submit(ExecuteJS('return document.title'))).toBe('Home');
    await clock.advance(1000);
    const health = supervisor.health();
    expect(health).toMatchObject({ state: 'healthy', restarts: 0, lastFault: null, nextRestartAt: null, queueDepth: 0, inFlight: 0 });
    expect(health.uptimeMs).toBe(1000);
    expect(events.ready).toHaveLength(1);
    await supervisor.stop();
    expect(supervisor.state).toBe('stopped');
  });

  it('rejects bad options with a typed error', () => {
    expect(() => new SessionSupervisor({ driver: undefined as never })).toThrow(InvalidOptionError);
    expect(() => new SessionSupervisor({ driver: () => new FakeDriver(), backoff: { baseMs: -1 } })).toThrow(/backoff: baseMs/);
    expect(() => new SessionSupervisor({ driver: () => new FakeDriver(), restartLimit: { maxRestarts: 0 } })).toThrow(/maxRestarts/);
    expect(() => new SessionSupervisor({ driver: () => new FakeDriver(), restoreUrl: 'yes' as never })).toThrow(
      /restoreUrl must be true or false, got "yes"/,
    );
    expect(() => new SessionSupervisor({ driver: () => new FakeDriver(), standby: 1 as never })).toThrow(
      /standby must be true or false, got 1/,
    );
  });

  it('bad input and script errors never count as faults', async () => {
    const { supervisor, events } = setup();
    await supervisor.startActor();
    await expect(supervisor.submit({ type: 'Nope' } as never)).rejects.toBeInstanceOf(InvalidTaskError);
    await expect(supervisor.submit(Navigate('ftp://x/'))).rejects.toBeInstanceOf(InvalidTaskError);
    await expect(supervisor.submit(ExecuteJS('return 1'), { compensate: { type: 'ExecuteJS' } as never })).rejects.toThrow(
      /compensate is not a valid task/,
    );
    await expect(supervisor.submit(ExecuteJS('throw new Error("boom")'))).rejects.toMatchObject({ code: 'ERR_SCRIPT' });
    expect(events.fault).toEqual([]);
    expect(supervisor.health()).toMatchObject({ state: 'healthy', restarts: 0 });
    await supervisor.stop();
  });

  it('after a browser crash: queued tasks wait for the new browser, the idempotent running task is re-run, each answered once', async () => {
    const { supervisor, clock, fakes, current, events } = setup();
    await supervisor.startActor();
    current().hang('navigate');
    const running = watch(supervisor.submit(Navigate(`${origin}/landed`)));
    const queued = [1, 2, 3].map((i) => watch(supervisor.submit(ExecuteJS('return arguments[0] * 2', [i]))));
    await flushMicrotasks();
    current().crashBrowser();
    await flushMicrotasks();
    expect(supervisor.state).toBe('restarting');
    expect(events.restarting[0]).toMatchObject({ attempt: 0, delayMs: 50 }); // full jitter: 0.5 × 100 ms
    expect(supervisor.health().nextRestartAt).toBe(clock.now() + 50);
    await clock.advance(49);
    expect(fakes).toHaveLength(1); // still backing off
    expect(queued.every((q) => !q.settled)).toBe(true);
    await clock.advance(1);
    expect(fakes).toHaveLength(2);
    expect(supervisor.state).toBe('healthy');
    expect(running.value).toEqual({ url: `${origin}/landed`, status: 200 });
    expect(queued.map((q) => q.value)).toEqual([2, 4, 6]);
    expect([running, ...queued].every((q) => q.count === 1)).toBe(true);
    expect(supervisor.health()).toMatchObject({ restarts: 1, lastFault: { kind: 'browser-disconnected' } });
    expect(fakes[0]?.running).toBe(false);
    await supervisor.stop();
  });

  it('a non-idempotent task running at a crash fails with ERR_ACTOR_CRASHED and maybeExecuted; its compensation runs first', async () => {
    const { supervisor, clock, current } = setup();
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/`));
    current().hang('evaluate');
    const plain = watch(supervisor.submit(ExecuteJS('localStorage.setItem("a", "1")')));
    await flushMicrotasks();
    current().crashBrowser();
    await clock.advance(100);
    expect(plain.error).toBeInstanceOf(ActorCrashedError);
    expect((plain.error as ActorCrashedError).details).toMatchObject({ maybeExecuted: true, idempotent: false, attempts: 1 });

    current().hang('evaluate');
    const compensated = watch(
      supervisor.submit(ExecuteJS('localStorage.setItem("order", "placed")'), {
        compensate: ExecuteJS('localStorage.setItem("order", "cancelled")'),
      }),
    );
    await flushMicrotasks();
    current().crashBrowser();
    await clock.advance(1000);
    expect(compensated.error).toBeInstanceOf(ActorCrashedError);
    expect((compensated.error as ActorCrashedError).details).toMatchObject({ maybeExecuted: true, compensated: true });
    expect(await supervisor.submit(ExecuteJS('return localStorage.getItem("order")'))).toBe('cancelled');
    await supervisor.stop();
  });

  it('restores cookies and local storage into the new browser and verifies them', async () => {
    const { supervisor, clock, current, events } = setup();
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/set-cookies`));
    await supervisor.submit(ExecuteJS('localStorage.setItem("token-id", "42")'));
    current().crashBrowser();
    await clock.advance(100);
    expect(events.ready.at(-1)).toMatchObject({ generation: 1, restoredCookies: 3, restoredOrigins: 1 });
    const names = (await supervisor.submit(GetCookies())).map((c) => c.name).sort();
    expect(names).toEqual(['plain', 'secret', 'strict']);
    await supervisor.submit(Navigate(`${origin}/`));
    expect(await supervisor.submit(ExecuteJS('return localStorage.getItem("token-id")'))).toBe('42');
    await supervisor.stop();
  });

  it('restores the last URL before a task that asks for it', async () => {
    const { supervisor, clock, current } = setup();
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/landed`));
    current().crashBrowser();
    await clock.advance(100);
    expect(await supervisor.submit(ExecuteJS('return location.href', [], { idempotent: true }), { restoreUrl: true })).toBe(
      `${origin}/landed`,
    );
    await supervisor.stop();
  });

  it('backs off exponentially between restarts in a row, and starts over after a stable period', async () => {
    const { supervisor, clock, current, events } = setup({
      random: () => 0.999,
      stablePeriodMs: 10_000,
      restartLimit: { maxRestarts: 10 },
    });
    await supervisor.startActor();
    for (let i = 0; i < 3; i++) {
      current().crashBrowser();
      await clock.advance(1000);
    }
    expect(events.restarting.map((e) => e.delayMs)).toEqual([99, 199, 399]);
    await clock.advance(10_000); // healthy for a stable period
    current().crashBrowser();
    await clock.advance(1000);
    expect(events.restarting.at(-1)).toMatchObject({ attempt: 0, delayMs: 99 });
    await supervisor.stop();
  });

  it('gives up after N restarts in T (failed launches count): state failed, queued and new tasks get ERR_RESTART_LIMIT', async () => {
    const { supervisor, clock, current, events, fakes } = setup({
      restartLimit: { maxRestarts: 3, windowMs: 60_000 },
      onLaunch: (fake, n) => {
        if (n > 1) fake.failNext('launch', new BrowserLaunchError('Chromium exited at start'));
      },
    });
    await supervisor.startActor();
    current().hang('evaluate');
    const inFlight = watch(supervisor.submit(ExecuteJS('return 1', [], { idempotent: true })));
    const queued = watch(supervisor.submit(GetCookies(), { timeoutMs: 120_000 }));
    await flushMicrotasks();
    current().crashBrowser();
    await clock.advance(5000);
    expect(fakes).toHaveLength(4); // the first browser, then 3 failed launches
    expect(supervisor.state).toBe('failed');
    expect(events.failed).toHaveLength(1);
    expect(events.fault.filter((f) => f.kind === 'launch-failed')).toHaveLength(3);
    expect(inFlight.error).toBeInstanceOf(RestartLimitError);
    expect(queued.error).toBeInstanceOf(RestartLimitError);
    await expect(supervisor.submit(GetCookies())).rejects.toBeInstanceOf(RestartLimitError);
    await expect(supervisor.ensureActorLive()).rejects.toBeInstanceOf(RestartLimitError);
    expect(supervisor.health().restarts).toBe(3);
    await supervisor.stop();
  });

  it('a launch error no retry can fix fails at once', async () => {
    const { supervisor } = setup({ onLaunch: (fake) => fake.failNext('launch', new BrowserNotFoundError('no chromium')) });
    await expect(supervisor.startActor()).rejects.toBeInstanceOf(BrowserNotFoundError);
    expect(supervisor.state).toBe('failed');
  });

  it('while a restart is pending, new tasks wait in the bounded mailbox and the overflow is refused with a typed error', async () => {
    const { supervisor, clock, current } = setup({ mailbox: { capacity: 2 }, backoff: { baseMs: 1000 } });
    await supervisor.startActor();
    current().crashBrowser();
    await flushMicrotasks();
    const a = watch(supervisor.submit(GetCookies()));
    const b = watch(supervisor.submit(GetCookies()));
    await expect(supervisor.submit(GetCookies())).rejects.toBeInstanceOf(MailboxFullError);
    expect(supervisor.health()).toMatchObject({ state: 'restarting', queueDepth: 2 });
    await clock.advance(1000);
    expect(a.value).toEqual([]);
    expect(b.value).toEqual([]);
    await supervisor.stop();
  });

  it('timeouts keep counting while a task waits for a restart', async () => {
    const { supervisor, clock, current } = setup({ backoff: { baseMs: 10_000, maxMs: 10_000 } });
    await supervisor.startActor();
    current().crashBrowser();
    await flushMicrotasks();
    const task = watch(supervisor.submit(GetCookies(), { timeoutMs: 1000 }));
    await clock.advance(1000);
    expect(task.error).toBeInstanceOf(TaskTimeoutError);
    expect((task.error as Error).message).toMatch(/while waiting for a browser restart/);
    await clock.advance(10_000);
    expect(task.count).toBe(1);
    await supervisor.stop();
  });

  it('a tab found closed before its crash event comes: the check after the crash answer passes on a new tab, no restart', async () => {
    const { supervisor, current, fakes } = setup();
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/`));
    const crash = current().crashPageQuietly();
    const victim = supervisor.submit(ExecuteJS('return 1', [], { idempotent: false }));
    const next = supervisor.submit(ExecuteJS('return 2'));
    await expect(victim).rejects.toMatchObject({ code: 'ERR_ACTOR_CRASHED' });
    expect(await next).toBe(2);
    crash.announce();
    expect(fakes).toHaveLength(1);
    expect(supervisor.health()).toMatchObject({ restarts: 0, lastFault: { kind: 'page-crashed' } });
    await supervisor.stop();
  });

  it('a check after a crash answer that gets no answer in time is made once more before the browser is given up', async () => {
    const { supervisor, current, fakes, clock } = setup();
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/`));
    current().crashPageQuietly();
    // The check's tab (a new one) does not answer in time, once: as on a loaded machine.
    const off = supervisor.on('task:end', () => {
      off();
      current().hang('evaluate');
    });
    const victim = supervisor.submit(ExecuteJS('return 1', [], { idempotent: false }));
    const next = watch(supervisor.submit(ExecuteJS('return 2')));
    await expect(victim).rejects.toMatchObject({ code: 'ERR_ACTOR_CRASHED' });
    for (let waited = 0; !next.settled && waited < 30_000; waited += 500) await clock.advance(500);
    expect(next).toMatchObject({ settled: true, value: 2 });
    expect(fakes).toHaveLength(1);
    expect(supervisor.health().restarts).toBe(0);
    await supervisor.stop();
  });

  it('a renderer crash replaces the tab, not the browser, and the idempotent task is re-run', async () => {
    const { supervisor, current, fakes, events } = setup();
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/`));
    current().hang('navigate');
    const task = watch(supervisor.submit(Navigate(`${origin}/landed`)));
    await flushMicrotasks();
    current().crashPage();
    await flushMicrotasks();
    await flushMicrotasks();
    expect(task.value).toEqual({ url: `${origin}/landed`, status: 200 });
    expect(fakes).toHaveLength(1);
    expect(events.fault.map((f) => f.kind)).toEqual(['page-crashed']);
    expect(supervisor.health().restarts).toBe(0);
    await supervisor.stop();
  });

  it('probes an idle browser; N failures in a row restart it, a single failure only degrades', async () => {
    const { supervisor, clock, current, fakes } = setup({
      probe: { intervalMs: 1000, timeoutMs: 200, failuresBeforeRestart: 3 },
      actor: { cancelGraceMs: 100 },
    });
    await supervisor.startActor();
    current().hang('evaluate'); // a short stall: one probe fails
    await clock.advance(1000); // the first tick after start: the verified start counts as progress, no probe
    expect(current().calls.evaluate).toBe(1); // only the start's verification
    await clock.advance(1000);
    await clock.advance(400);
    expect(supervisor.state).toBe('degraded');
    await clock.advance(1000);
    expect(supervisor.state).toBe('healthy');
    expect(fakes).toHaveLength(1);

    for (let i = 0; i < 3; i++) {
      current().hang('evaluate');
      await clock.advance(1000);
    }
    await clock.advance(1000);
    expect(fakes).toHaveLength(2);
    expect(supervisor.health().lastFault).toMatchObject({ kind: 'probe-failed' });
    await supervisor.stop();
  });

  it('does not probe while real tasks are completing', async () => {
    const { supervisor, clock, current } = setup({ probe: { intervalMs: 1000 } });
    await supervisor.startActor();
    const before = current().calls.evaluate;
    for (let i = 0; i < 5; i++) {
      await supervisor.submit(GetCookies());
      await clock.advance(1000);
    }
    expect(current().calls.evaluate).toBe(before);
    await clock.advance(2000); // idle now: probes resume
    expect(current().calls.evaluate).toBeGreaterThan(before);
    await supervisor.stop();
  });

  it('the watchdog replaces a browser whose task outlives its deadline in a wedged driver', async () => {
    const { supervisor, clock, current, fakes, events } = setup({
      probe: { intervalMs: 500 },
      watchdogSlackMs: 1000,
      actor: { cancelGraceMs: 100 },
    });
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/`));
    current().stall('evaluate'); // ignores its deadline and abort
    current().stall('closePage'); // and the tab will not close
    const task = watch(supervisor.submit(ExecuteJS('return 1', [], { idempotent: true }), { timeoutMs: 1000 }));
    await clock.advance(1000);
    expect(task.error).toBeInstanceOf(TaskTimeoutError);
    await clock.advance(2000);
    expect(events.fault.some((f) => f.kind === 'watchdog')).toBe(true);
    expect(fakes).toHaveLength(2);
    expect(fakes[0]?.running).toBe(false);
    expect(await supervisor.submit(ExecuteJS('return 2'))).toBe(2);
    expect(task.count).toBe(1);
    await supervisor.stop();
  });

  it('escalates a script that will not stop: terminate, close the tab, close the browser politely, then kill', async () => {
    const { supervisor, clock, fakes, events } = setup({ actor: { cancelGraceMs: 100, closeTimeoutMs: 500 } });
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/`));
    fakes[0]?.stall('evaluate'); // ignores terminate (its deadline and abort)
    fakes[0]?.hang('closePage'); // the tab will not close within its deadline
    const task = watch(supervisor.submit(ExecuteJS('while (true) {}', [], { idempotent: true }), { timeoutMs: 1000 }));
    await clock.advance(1000);
    expect(task.error).toBeInstanceOf(TaskTimeoutError);
    expect(fakes).toHaveLength(1);
    await clock.advance(100 + 500); // grace, then the close-tab deadline (plus the driver's own cancel grace)
    await clock.advance(2000);
    expect(fakes[0]?.calls.closePage).toBe(1);
    expect(fakes[0]?.calls.close).toBe(1); // the polite browser close came before the kill
    expect(fakes[0]?.running).toBe(false);
    expect(events.fault.map((f) => f.kind)).toEqual(['stuck-page', 'browser-disconnected']);
    expect(fakes).toHaveLength(2);
    expect(task.count).toBe(1);
    await supervisor.stop();
  });

  it('recycles after N tasks and on a memory limit, carrying the session over without failing a task', async () => {
    const { supervisor, clock, fakes, current } = setup({
      recycle: { maxTasks: 3, maxRssBytes: 500_000_000 },
      probe: { intervalMs: 1000 },
    });
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/set-cookies`));
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => supervisor.submit(ExecuteJS('return arguments[0]', [i], { idempotent: true }))),
    );
    expect(results).toEqual([1, 2, 3, 4, 5]);
    expect(fakes.length).toBe(2);
    expect(fakes[0]?.running).toBe(false);
    expect((await supervisor.submit(GetCookies())).map((c) => c.name)).toContain('secret');
    current().fakeRssBytes = 600_000_000;
    await clock.advance(1000);
    expect(fakes.length).toBe(3);
    expect(supervisor.health()).toMatchObject({ recycles: 2, restarts: 0 });
    expect((await supervisor.submit(GetCookies())).map((c) => c.name)).toContain('secret');
    await supervisor.stop();
  });

  it('recycles a browser past its maximum age once it is idle, and no task fails', async () => {
    const { supervisor, clock, fakes, events } = setup({ recycle: { maxAgeMs: 10_000 }, probe: { intervalMs: 1000 } });
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/set-cookies`));
    await clock.advance(9000);
    expect(fakes).toHaveLength(1);
    await clock.advance(1000);
    expect(fakes).toHaveLength(2);
    expect(events.restarting.at(-1)).toMatchObject({ planned: true, delayMs: 0 });
    expect(events.restarting.at(-1)?.reason).toMatch(/recycling: browser age 10000ms/);
    expect(supervisor.health()).toMatchObject({ state: 'healthy', recycles: 1, restarts: 0 });
    expect((await supervisor.submit(GetCookies())).map((c) => c.name)).toContain('secret');
    await supervisor.stop();
  });

  it('stop() finishes accepted work; kill() fails it; afterwards submit is refused', async () => {
    const { supervisor, fakes } = setup();
    await supervisor.startActor();
    const work = [1, 2].map((i) => supervisor.submit(ExecuteJS('return arguments[0]', [i])));
    await supervisor.stop();
    expect(await Promise.all(work)).toEqual([1, 2]);
    await expect(supervisor.submit(GetCookies())).rejects.toMatchObject({ code: 'ERR_ACTOR_STOPPED' });
    expect(fakes[0]?.running).toBe(false);

    const second = setup();
    await second.supervisor.startActor();
    second.current().hang('evaluate');
    const pending = watch(second.supervisor.submit(ExecuteJS('return 1')));
    await flushMicrotasks();
    await second.supervisor.kill('shutting down');
    expect(pending.error).toMatchObject({ code: 'ERR_ACTOR_STOPPED' });
    expect(second.current().running).toBe(false);
  });

  it('submit before startActor starts the browser; ensureActorLive waits through a restart', async () => {
    const { supervisor, clock, current } = setup();
    expect(supervisor.state).toBe('idle');
    expect(await supervisor.submit(ExecuteJS('return 5'))).toBe(5);
    current().crashBrowser();
    await flushMicrotasks();
    const live = watch(supervisor.ensureActorLive());
    await flushMicrotasks();
    expect(live.settled).toBe(false);
    await clock.advance(100);
    expect(live.settled).toBe(true);
    await supervisor.stop();
  });
});

describe('SessionSupervisor snapshots', () => {
  it('snapshots after a task only when the browser reports a session change, and still before answering it', async () => {
    const { supervisor, clock, current, events } = setup();
    await supervisor.startActor();
    await supervisor.submit(Navigate(`${origin}/set-cookies`)); // the first snapshot of a browser is always taken
    expect(supervisor.health().snapshots).toEqual({ taken: 1, skipped: 0 });
    for (let i = 0; i < 5; i++) {
      await supervisor.submit(Navigate(`${origin}/person?id=${i}`));
      await supervisor.submit(ExecuteJS('return document.title'));
    }
    expect(supervisor.health().snapshots).toEqual({ taken: 1, skipped: 10 });
    const exports = current().calls.storageState;
    // Each kind of change is captured before its task is answered: a crash right after loses nothing.
    await supervisor.submit(Navigate(`${origin}/redirect-set-cookie`));
    await supervisor.submit(ExecuteJS('document.cookie = "pref=dark; path=/"'));
    await supervisor.submit(ExecuteJS('localStorage.setItem("theme", "dark")'));
    expect(current().calls.storageState).toBe(exports + 3);
    expect(events.snapshot).toHaveLength(4);
    current().crashBrowser();
    await clock.advance(1000);
    expect((await supervisor.submit(GetCookies(['hop', 'pref', 'plain']))).map((c) => c.name).sort()).toEqual(['hop', 'plain', 'pref']);
    expect(await supervisor.submit(ExecuteJS('return localStorage.getItem("theme")'))).toBe('dark');
    await supervisor.stop();
  });

  it("snapshot.when: 'always' snapshots after every such task; a bad value is a typed error", async () => {
    const { supervisor } = setup({ snapshot: { when: 'always' } });
    await supervisor.startActor();
    for (let i = 0; i < 3; i++) await supervisor.submit(Navigate(`${origin}/person?id=${i}`));
    expect(supervisor.health().snapshots).toEqual({ taken: 3, skipped: 0 });
    await supervisor.stop();
    expect(() => new SessionSupervisor({ driver: () => new FakeDriver(), snapshot: { when: 'sometimes' as never } })).toThrow(
      /snapshot.when must be 'changed' or 'always'/,
    );
  });

  it('with isolated lanes, each lane skips the snapshot of its own unchanged context', async () => {
    const { supervisor, clock, current } = setup({ lanes: 2, isolateLanes: true });
    await supervisor.startActor();
    await Promise.all(
      [0, 1].map((n) =>
        supervisor.withLane(async (lane) => {
          await lane.submit(Navigate(`${origin}/set-cookies`));
          await lane.submit(ExecuteJS(`localStorage.setItem("lane", "${n}")`));
          for (let i = 0; i < 3; i++) await lane.submit(Navigate(`${origin}/person?id=${i}`));
        }),
      ),
    );
    const { taken, skipped } = supervisor.health().snapshots;
    expect(taken).toBe(4);
    expect(skipped).toBe(6);
    current().crashBrowser();
    await clock.advance(1000);
    const seen = await Promise.all(
      [0, 1].map(() => supervisor.withLane(async (lane) => lane.submit(ExecuteJS('return localStorage.getItem("lane")')))),
    );
    expect(seen.sort()).toEqual(['0', '1']); // each lane's own storage came back into its own context
    await supervisor.stop();
  });

  it('with ExecuteJS left out of snapshot.after, a script-set cookie is still captured by the idle snapshot and survives a crash', async () => {
    const { supervisor, clock, current, events } = setup({
      snapshot: { after: ['Navigate'], intervalMs: 5000 },
      probe: { intervalMs: 1000 },
    });
    await supervisor.startActor();
    await supervisor.submit(ExecuteJS('return 1')); // no navigation yet: nothing to snapshot after
    await supervisor.submit(Navigate(`${origin}/`));
    const afterNavigate = events.snapshot.length;
    await supervisor.submit(ExecuteJS('document.cookie = "pref=dark; path=/"'));
    expect(events.snapshot.length).toBe(afterNavigate); // not after the script
    await clock.advance(5000);
    expect(events.snapshot.length).toBe(afterNavigate + 1); // the idle refresh
    current().crashBrowser();
    await clock.advance(1000);
    expect((await supervisor.submit(GetCookies(['pref']))).map((c) => c.value)).toEqual(['dark']);
    await supervisor.stop();
  });
});
