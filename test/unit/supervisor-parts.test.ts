import { describe, expect, it } from 'vitest';
import { FakeDriver } from '../../src/drivers/fake/fake-driver.js';
import { ActorCrashedError, InvalidTaskError, MailboxFullError } from '../../src/errors.js';
import { ManualClock, flushMicrotasks } from '../../src/internal/manual-clock.js';
import { createDeferred } from '../../src/internal/deferred.js';
import { BrowserActor } from '../../src/runtime/actor/browser-actor.js';
import { AnswerLedger, type Answerable } from '../../src/runtime/answer-ledger.js';
import { type HealthView, checkHealth, probeVerdict } from '../../src/runtime/supervisor/health-monitor.js';
import { newLane, newTab } from '../../src/runtime/supervisor/lanes.js';
import { RestartPolicy } from '../../src/runtime/supervisor/restart-policy.js';
import { SessionSnapshots, restoreSession } from '../../src/runtime/supervisor/session-snapshot.js';
import { COLLATERAL_RUNS_FACTOR, type Entry, crashVerdict, newEntry, pageToReopen } from '../../src/runtime/supervisor/supervisor-entry.js';
import { resolveSupervisorOptions } from '../../src/runtime/supervisor/supervisor-options.js';
import { ExecuteJS, GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import { fixtureSite } from '../support/fixture-site.js';

/**
 * The supervisor's pure pieces on their own: the periodic health decision, the probe verdict, the
 * restart policy, the answer-once ledger, the crash and reopen rules of a task entry, and the
 * session snapshot's restore and coalescing (on the Fake).
 */

const origin = 'http://127.0.0.1:18080';
const settings = resolveSupervisorOptions({ driver: () => new FakeDriver() });

const view = (over: Partial<HealthView> = {}): HealthView => ({
  now: 100_000,
  readyAt: 90_000,
  lanes: [{ index: 0, work: 'free', dueAt: 0, what: 'a free' }],
  watchdogSlackMs: 5000,
  recycle: { maxAgeMs: 3_600_000, maxRssBytes: Number.MAX_SAFE_INTEGER, maxHeapGrowthBytes: Number.MAX_SAFE_INTEGER },
  rssBytes: null,
  heapGrowthBytes: null,
  busy: false,
  queued: 0,
  snapshotEnabled: true,
  snapshotIntervalMs: 30_000,
  snapshotAt: 95_000,
  tasksOnBrowser: 3,
  lastProgressAt: 99_000,
  previousCheckAt: 95_000,
  ...over,
});

describe('checkHealth', () => {
  it('a lane wedged past its deadline and the slack comes first, even with a recycle due', () => {
    const action = checkHealth(
      view({
        now: 100_000,
        readyAt: 0,
        recycle: { maxAgeMs: 1, maxRssBytes: 1, maxHeapGrowthBytes: 1 },
        lanes: [{ index: 1, work: 'task', dueAt: 90_000, what: 'task t1 (ExecuteJS)' }],
      }),
    );
    expect(action).toEqual({ kind: 'watchdog', reason: 'task t1 (ExecuteJS) kept lane 1 busy 10000ms past its deadline' });
    // Within the slack it is not wedged.
    expect(checkHealth(view({ lanes: [{ index: 1, work: 'task', dueAt: 96_000, what: 'x' }], busy: true })).kind).toBe('none');
  });

  it('recycles by age, then browser memory, then Node heap growth', () => {
    expect(
      checkHealth(view({ recycle: { maxAgeMs: 10_000, maxRssBytes: 1, maxHeapGrowthBytes: 1 }, rssBytes: 5, heapGrowthBytes: 5 })),
    ).toMatchObject({ kind: 'recycle', reason: 'browser age 10000ms' });
    expect(
      checkHealth(view({ recycle: { maxAgeMs: 1e9, maxRssBytes: 2e6, maxHeapGrowthBytes: 1 }, rssBytes: 3e6, heapGrowthBytes: 5 })),
    ).toMatchObject({ kind: 'recycle', reason: 'browser memory 3 MB over 2 MB' });
    expect(
      checkHealth(view({ recycle: { maxAgeMs: 1e9, maxRssBytes: 1e9, maxHeapGrowthBytes: 1e6 }, rssBytes: null, heapGrowthBytes: 2e6 }))
        .kind,
    ).toBe('recycle');
  });

  it('takes a periodic snapshot or probes only when idle; a probe only when nothing completed since the last check', () => {
    expect(checkHealth(view({ snapshotAt: 60_000 })).kind).toBe('snapshot');
    expect(checkHealth(view({ snapshotAt: 60_000, busy: true })).kind).toBe('none');
    expect(checkHealth(view({ snapshotAt: 60_000, queued: 1 })).kind).toBe('none');
    expect(checkHealth(view({ snapshotAt: 60_000, tasksOnBrowser: 0, lastProgressAt: 90_000 })).kind).toBe('probe');
    expect(checkHealth(view({ lastProgressAt: 90_000 })).kind).toBe('probe');
    expect(checkHealth(view()).kind).toBe('none');
  });
});

describe('probeVerdict', () => {
  const base = { ok: false, timedOut: false, verify: false, current: true, ready: true, verifyTimeouts: 0 };
  it.each([
    [{ ok: true }, 'answered'],
    [{ verify: true, timedOut: true }, 'check-again'],
    [{ verify: true, timedOut: true, verifyTimeouts: 1 }, 'failed-check'],
    [{ verify: true, timedOut: false }, 'failed-check'],
    [{ verify: false }, 'missed'],
    [{ verify: false, ready: false }, 'stale'],
    [{ verify: true, current: false }, 'stale'],
    [{ verify: false, current: false }, 'stale'],
  ] as const)('%o → %s', (over, verdict) => {
    expect(probeVerdict({ ...base, ...over })).toBe(verdict);
  });
});

describe('RestartPolicy', () => {
  it('backs off exponentially while browsers do no work, gives up at the limit within the window, and lets the window slide', () => {
    const policy = new RestartPolicy(
      { restartLimit: { maxRestarts: 2, windowMs: 10_000 }, backoff: { baseMs: 100, factor: 2, maxMs: 10_000 } },
      () => 0.999,
    );
    const idle = { servingSince: undefined, tasksServed: 0 };
    expect(policy.onFailure(0, idle)).toMatchObject({ kind: 'restart', attempt: 0, productive: false });
    const second = policy.onFailure(1000, idle);
    expect(second).toMatchObject({ kind: 'restart', attempt: 1 });
    expect((second as { delayMs: number }).delayMs).toBeGreaterThan(100); // the ceiling doubled
    expect(policy.onFailure(2000, idle)).toEqual({ kind: 'give-up', restartsInWindow: 2, maxRestarts: 2, windowMs: 10_000 });
    // Later, the first two failures have left the window.
    expect(policy.onFailure(20_000, idle)).toMatchObject({ kind: 'restart' });
  });

  it('a browser that answered a task, or served a stable period, was productive: the backoff and the count start over', () => {
    const policy = new RestartPolicy({ restartLimit: { maxRestarts: 1, windowMs: 60_000 }, stablePeriodMs: 5000 }, () => 0);
    expect(policy.onFailure(0, { servingSince: undefined, tasksServed: 0 })).toMatchObject({ kind: 'restart', attempt: 0 });
    expect(policy.onFailure(100, { servingSince: 50, tasksServed: 1 })).toMatchObject({ kind: 'restart', attempt: 0, productive: true });
    expect(policy.unproductiveRestarts).toBe(0);
    expect(policy.onFailure(10_000, { servingSince: 200, tasksServed: 0 })).toMatchObject({ kind: 'restart', productive: true });
  });

  it('refuses bad options with a typed error', () => {
    expect(() => new RestartPolicy({ backoff: { baseMs: -1 } })).toThrow(/backoff/);
    expect(() => new RestartPolicy({ restartLimit: { maxRestarts: 0 } })).toThrow(/maxRestarts/);
  });
});

describe('AnswerLedger', () => {
  interface Item extends Answerable {
    readonly task: string;
  }
  const item = (id: string, over: Partial<Item> = {}): Item => ({
    id,
    task: 't',
    deadlineAt: 1000,
    result: createDeferred<unknown>(),
    signal: undefined,
    idempotencyKey: undefined,
    phase: 'queued',
    deadline: undefined,
    onAbort: undefined,
    ...over,
  });

  it('answers once: a later answer is discarded, and the deadline is disarmed', async () => {
    const clock = new ManualClock();
    const ledger = new AnswerLedger<Item>(clock);
    const a = item('a');
    let timedOut = 0;
    const { answer, accepted } = ledger.admit(
      a,
      () => 't',
      () => undefined,
      () => timedOut++,
      () => undefined,
    );
    expect(accepted).toBe(true);
    expect(ledger.answer(a, 42, undefined)).toBe(true);
    expect(ledger.answer(a, undefined, new Error('late'))).toBe(false);
    expect(await answer).toBe(42);
    await clock.advance(5000);
    expect(timedOut).toBe(0);
    expect(ledger.bookkeeping()).toMatchObject({ idempotencyKeys: 0, deadlines: 0 });
  });

  it('arms the deadline and the abort listener of an accepted entry', async () => {
    const clock = new ManualClock();
    const ledger = new AnswerLedger<Item>(clock);
    const timeouts: string[] = [];
    const aborts: string[] = [];
    const controller = new AbortController();
    const a = item('a', { deadlineAt: 500 });
    const b = item('b', { deadlineAt: 10_000, signal: controller.signal });
    ledger.admit(
      a,
      () => 't',
      () => undefined,
      () => timeouts.push('a'),
      () => aborts.push('a'),
    );
    ledger.admit(
      b,
      () => 't',
      () => undefined,
      () => timeouts.push('b'),
      () => aborts.push('b'),
    );
    await clock.advance(600);
    controller.abort();
    expect([timeouts, aborts]).toEqual([['a'], ['b']]);
  });

  it('an idempotency key pending for the same task shares its answer; a different task under it is refused; a refusal frees it', async () => {
    const clock = new ManualClock();
    const ledger = new AnswerLedger<Item>(clock);
    const first = item('1', { idempotencyKey: 'k' });
    expect(
      ledger.admit(
        first,
        () => 'same',
        () => undefined,
        () => undefined,
        () => undefined,
      ).accepted,
    ).toBe(true);
    const second = ledger.admit(
      item('2', { idempotencyKey: 'k' }),
      () => 'same',
      () => undefined,
      () => undefined,
      () => undefined,
    );
    expect(second.accepted).toBe(false);
    await expect(
      ledger.admit(
        item('3', { idempotencyKey: 'k' }),
        () => 'other',
        () => undefined,
        () => undefined,
        () => undefined,
      ).answer,
    ).rejects.toBeInstanceOf(InvalidTaskError);
    ledger.answer(first, 'once', undefined);
    expect(await second.answer).toBe('once');
    const full = new MailboxFullError('full');
    await expect(
      ledger.admit(
        item('4', { idempotencyKey: 'j' }),
        () => 'x',
        () => full,
        () => undefined,
        () => undefined,
      ).answer,
    ).rejects.toBe(full);
    expect(
      ledger.admit(
        item('5', { idempotencyKey: 'j' }),
        () => 'x',
        () => undefined,
        () => undefined,
        () => undefined,
      ).accepted,
    ).toBe(true);
  });
});

describe('a task entry: crash and reopen rules', () => {
  const entry = (task = ExecuteJS('return 1', [], { idempotent: true })): Entry => newEntry('s:1', task, {}, undefined, settings, 0);
  const crash = (maybeExecuted: boolean) => new ActorCrashedError('gone', { details: { maybeExecuted } });

  it('a task that never started runs again, and its run does not count', () => {
    const e = entry(ExecuteJS('return 1'));
    e.attempts = 1;
    expect(crashVerdict(e, crash(false), 3, 'here')).toBe('run-again');
    expect(e.attempts).toBe(0);
  });

  it('a non-idempotent task that may have run is answered with the crash, maybe executed', () => {
    const e = entry(ExecuteJS('return 1'));
    e.attempts = 1;
    const verdict = crashVerdict(e, crash(true), 3, 'here');
    expect(verdict).toBeInstanceOf(ActorCrashedError);
    expect((verdict as ActorCrashedError).details).toMatchObject({ maybeExecuted: true, idempotent: false, attempts: 1 });
  });

  it('an idempotent task runs again until maxAttempts runs ended alone on a fresh browser; a bystander is isolated, then blamed', () => {
    const alone = entry();
    alone.alone = true;
    const verdicts = [1, 2, 3].map((n) => {
      alone.attempts = n;
      return crashVerdict(alone, crash(true), 3, 'here');
    });
    expect(verdicts.slice(0, 2)).toEqual(['run-again', 'run-again']);
    expect(verdicts[2]).toBeInstanceOf(ActorCrashedError);
    expect(alone.isolated).toBe(false);
    const bystander = entry();
    bystander.alone = false;
    for (let n = 1; n < 3 * COLLATERAL_RUNS_FACTOR; n++) {
      bystander.attempts = n;
      expect(crashVerdict(bystander, crash(true), 3, 'here')).toBe('run-again');
      expect(bystander.isolated).toBe(false);
    }
    // At the bound it is not failed: it runs again, alone, where a crash is its own.
    bystander.attempts = 3 * COLLATERAL_RUNS_FACTOR;
    expect(crashVerdict(bystander, crash(true), 3, 'here')).toBe('run-again');
    expect(bystander.isolated).toBe(true);
    bystander.alone = true;
    const isolatedVerdicts = [1, 2, 3].map((n) => {
      bystander.attempts = 3 * COLLATERAL_RUNS_FACTOR + n;
      return crashVerdict(bystander, crash(true), 3, 'here');
    });
    expect(isolatedVerdicts.slice(0, 2)).toEqual(['run-again', 'run-again']);
    expect(isolatedVerdicts[2]).toBeInstanceOf(ActorCrashedError);
    expect((isolatedVerdicts[2] as ActorCrashedError).message).toContain('3 of its runs ended alone (maxAttempts 3)');
  });

  it('reopens a page only for tasks that read it: after a recycle, when asked, or for a lane handle whose tab was lost', () => {
    const lane = newLane<Entry>(0);
    lane.lastUrl = `${origin}/landed`;
    lane.lastBlock = ['image'];
    lane.urlOn = lane.tabEpoch;
    const read = entry();
    expect(pageToReopen(read, lane)).toBeUndefined(); // its page is still on the tab
    lane.reopenAfterRecycle = true;
    expect(pageToReopen(read, lane)).toEqual({ url: `${origin}/landed`, block: ['image'] });
    expect(pageToReopen(newEntry('s:2', GetCookies(), {}, undefined, settings, 0), lane)).toBeUndefined(); // session-only task
    lane.reopenAfterRecycle = false;
    newTab(lane); // a crash replaced the tab
    expect(pageToReopen(read, lane)).toBeUndefined(); // a plain task did not ask for restoreUrl
    expect(pageToReopen(newEntry('s:3', ExecuteJS('return 1'), { restoreUrl: true }, undefined, settings, 0), lane)).toEqual({
      url: `${origin}/landed`,
      block: ['image'],
    });
    const handle = {
      id: 'h',
      priority: 5,
      lane,
      unbound: [],
      released: false,
      url: `${origin}/person?id=4`,
      block: ['font' as const],
      pageOn: lane.tabEpoch,
    };
    lane.owner = handle;
    const handled = newEntry('s:4', ExecuteJS('return 1'), {}, handle, settings, 0);
    expect(pageToReopen(handled, lane)).toBeUndefined();
    newTab(lane);
    expect(pageToReopen(handled, lane)).toEqual({ url: `${origin}/person?id=4`, block: ['font'] }); // the handle's own Navigate's list
  });

  it('bad submit options are typed errors', () => {
    expect(() => newEntry('s:5', ExecuteJS('return 1'), { restoreUrl: 'yes' as never }, undefined, settings, 0)).toThrow(InvalidTaskError);
    expect(() => newEntry('s:6', ExecuteJS('return 1'), { correlationId: 'x'.repeat(300) }, undefined, settings, 0)).toThrow(
      /correlationId/,
    );
    expect(() => newEntry('s:7', ExecuteJS('return 1'), { compensate: { type: 'Nope' } as never }, undefined, settings, 0)).toThrow(
      /compensate is not a valid task/,
    );
  });
});

describe('session snapshots', () => {
  async function actorOnFake(): Promise<{ actor: BrowserActor; fake: FakeDriver }> {
    const fake = new FakeDriver({ sites: { [origin]: fixtureSite } });
    const actor = new BrowserActor({ driver: () => fake, actorMode: false });
    await actor.start();
    return { actor, fake };
  }

  it('restoreSession loads unexpired cookies and local storage into a new browser and checks them', async () => {
    const { actor: old } = await actorOnFake();
    await old.submit(Navigate(`${origin}/set-cookies`), { lane: 0 });
    await old.submit(ExecuteJS('localStorage.setItem("token-id", "42")'), { lane: 0 });
    const state = await old.submit({ type: 'ExportCookies', format: 'storage-state' }, { lane: 0 });
    await old.stop();
    const expired = { ...state.cookies[0], name: 'old', expires: Date.now() / 1000 - 10 } as (typeof state.cookies)[number];
    const { actor } = await actorOnFake();
    const restored = await restoreSession(
      actor,
      { state: { ...state, cookies: [...state.cookies, expired] }, url: `${origin}/landed`, at: 0 },
      { lane: 0, timeoutMs: 5000 },
    );
    expect(restored).toEqual({ cookies: state.cookies.length, origins: 1 });
    const names = (await actor.submit(GetCookies(), { lane: 0 })).map((c) => c.name).sort();
    expect(names).toEqual(state.cookies.map((c) => c.name).sort());
    expect(await actor.submit(ExecuteJS('return localStorage.getItem("token-id")'), { lane: 0 })).toBe('42');
    // Nothing to restore: only the scripts check runs.
    expect(await restoreSession(actor, undefined, { lane: 0, timeoutMs: 5000 })).toEqual({ cookies: 0, origins: 0 });
    await actor.stop();
  });

  it('coalesces: callers that arrive while a snapshot runs share the single next one', async () => {
    const clock = new ManualClock();
    const fake = new FakeDriver({ sites: { [origin]: fixtureSite }, clock });
    const actor = new BrowserActor({ driver: () => fake, actorMode: false, clock });
    const started = actor.start();
    await clock.advance(0);
    await started;
    const taken: number[] = [];
    const snapshots = new SessionSnapshots({
      clock,
      settings,
      sessionLane: 1,
      generation: () => 0,
      lastUrl: () => undefined,
      taken: (e) => taken.push(e.cookies),
      settled: () => undefined,
    });
    const first = snapshots.take(actor, 0);
    const second = snapshots.take(actor, 0);
    const third = snapshots.take(actor, 0);
    expect(second).toBe(third); // one next snapshot for everyone who came while the first ran
    await clock.advance(0);
    await Promise.all([first, second, third]);
    await flushMicrotasks();
    expect(taken).toHaveLength(2);
    expect(snapshots.counts()).toEqual({ taken: 2, skipped: 0 });
    expect(snapshots.forRestore).toBeDefined();
    await actor.stop();
  });
});
