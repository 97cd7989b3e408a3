import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/drivers/process-tree.js';
import {
  ActorCrashedError,
  ActorStoppedError,
  InvalidOptionError,
  MailboxFullError,
  SequenceCutError,
  ShedError,
  TaskTimeoutError,
  isBrowserActorError,
} from '../../src/errors.js';
import type { ExecutorEvent, TaskExecutor } from '../../src/runtime/executor.js';
import type { OverflowPolicy } from '../../src/runtime/mailbox/mailbox.js';
import { ExecuteJS, Navigate } from '../../src/runtime/tasks/constructors.js';
import type { FixtureServer } from '../support/fixture-server.js';
import { readPersonName } from '../support/fixture-site.js';

/** Every executor of the contract recycles its browser after this many navigations, so that planned recycles fall between the tasks of every scenario. */
export const RECYCLE_EVERY = 3;

const ALL_POLICIES: readonly OverflowPolicy[] = ['reject', 'shed-lowest', 'defer'];

/** The bounded queue of an executor made for the overflow scenario. */
export interface ContractMailbox {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  /** Deferred submits held beyond the capacity (`defer` only). */
  readonly maxDeferred?: number;
}

/** An executor the contract drives, with what the test needs to reach under it. */
export interface LiveExecutor {
  readonly executor: TaskExecutor;
  /** SIGKILL the Chromium main process that serves it now; resolves once it is gone. */
  killBrowser(): Promise<void>;
  /** Chromium main processes serving it now. */
  browsers(): number[];
  /** Planned recycles so far (read where the recycling happens: the supervisor, the worker processes' heartbeats, the hosts). */
  recycles(): number;
  /** End it (kill) and whatever the harness started for it. */
  close(): Promise<void>;
}

/** An executor whose browsers live in processes of their own (worker processes, worker hosts) that the test may SIGKILL. */
export interface UnitKill {
  /** What is killed, for the test's name: `worker process`, `worker host`. */
  readonly unit: string;
  /** An executor with one unit that runs two tasks at once (two lanes of one browser). */
  open(): Promise<{ live: LiveExecutor; kill(): Promise<void> }>;
}

export interface ExecutorHarness {
  /** The fixture site every scenario loads and counts its side effects at. */
  readonly server: FixtureServer;
  /**
   * A fresh executor of one lane (one worker process, one host) whose browser recycles every
   * {@link RECYCLE_EVERY} navigations, serving and warmed up (its browser answered once). With
   * `mailbox`, its own bounded queue takes that capacity and overflow policy.
   */
  make(options?: { readonly mailbox?: ContractMailbox }): Promise<LiveExecutor>;
  /** Construct (and so check the options of) an executor whose mailbox uses `overflow`; throws what the constructor throws. */
  construct(overflow: OverflowPolicy): TaskExecutor;
  /** Where the browser's process is not the executor's own. */
  readonly unitKill?: UnitKill;
}

/** A side effect counted at the server: a page script that requests `/exec?task=<tag>` and returns the tag. */
function effect(origin: string, tag: string, options: { idempotent?: boolean; thenWaitMs?: number | 'forever' } = {}) {
  const wait =
    options.thenWaitMs === 'forever'
      ? 'await new Promise(() => {});'
      : options.thenWaitMs
        ? `await new Promise((r) => setTimeout(r, ${options.thenWaitMs}));`
        : '';
  return ExecuteJS<string>(
    `await fetch(arguments[0] + '/exec?task=' + arguments[1]); ${wait} return arguments[1];`,
    [origin, tag],
    options.idempotent ? { idempotent: true } : {},
  );
}

/** Every task:end by task id, to check that each accepted task is answered exactly once. */
function endsOf(executor: TaskExecutor): { ends: Map<string, number>; starts: number; all: ExecutorEvent[] } {
  const seen = { ends: new Map<string, number>(), starts: 0, all: [] as ExecutorEvent[] };
  executor.onEvent((e) => {
    seen.all.push(e);
    if (e.type === 'task:end') seen.ends.set(e.taskId, (seen.ends.get(e.taskId) ?? 0) + 1);
    if (e.type === 'task:start') seen.starts++;
  });
  return seen;
}

const code = (e: unknown): string | undefined => (isBrowserActorError(e) ? e.code : undefined);

/**
 * The executor contract: the promises every executor ({@link TaskExecutor}) makes, checked by the
 * same scenarios against each, on real Chromium (and real worker processes, real Redis and worker
 * hosts where the executor uses them). What an executor cannot do it declares in
 * `capabilities`; the contract checks the declaration instead of the behaviour.
 */
export function defineExecutorContract(name: string, h: ExecutorHarness): void {
  describe(`executor contract: ${name}`, () => {
    let live: LiveExecutor;
    let seen: ReturnType<typeof endsOf>;
    let tag = 0;
    const next = (what: string): string => `${what}-${++tag}`;

    beforeAll(async () => {
      live = await h.make();
      seen = endsOf(live.executor);
    });

    afterAll(async () => {
      await live?.close();
    });

    it('declares what it cannot do, and refuses it with a typed error', async () => {
      const { capabilities } = live.executor;
      for (const policy of ALL_POLICIES) {
        if (capabilities.overflow.includes(policy)) {
          const e = h.construct(policy);
          await e.kill();
        } else {
          expect(() => h.construct(policy)).toThrow(InvalidOptionError);
        }
      }
      if (!capabilities.laneHandles) {
        expect(() => live.executor.lane()).toThrow(InvalidOptionError);
        await expect(live.executor.withLane(async () => 'never')).rejects.toBeInstanceOf(InvalidOptionError);
      }
      const starts = seen.starts;
      expect(await live.executor.submit(Navigate(`${h.server.origin}/person?id=1`)).then((r) => r.status)).toBe(200);
      // task:start is reported before the answer, or never.
      expect(seen.starts > starts).toBe(capabilities.taskStart);
    });

    it(`a plain task sequence reads its own page across planned recycles (every ${RECYCLE_EVERY} navigations), and each side effect happens once`, async () => {
      const origin = h.server.origin;
      const recyclesBefore = live.recycles();
      const run = next('plain');
      for (let i = 0; i < 2 * RECYCLE_EVERY + 2; i++) {
        await live.executor.submit(Navigate(`${origin}/person?id=${100 + i}`));
        expect(await live.executor.submit(readPersonName)).toBe(`Person ${100 + i}`);
        expect(await live.executor.submit(effect(origin, `${run}-${i}`))).toBe(`${run}-${i}`);
      }
      for (let i = 0; i < 2 * RECYCLE_EVERY + 2; i++) expect(h.server.count(`/exec?task=${run}-${i}`)).toBe(1);
      // The recycles really happened (heartbeats may report them a moment later).
      expect(await waitFor(() => live.recycles() >= recyclesBefore + 2, 15_000, 50)).toBe(true);
    }, 120_000);

    it('a lane handle runs its tasks in order, on its own page', async (ctx) => {
      if (!live.executor.capabilities.laneHandles) return ctx.skip(); // declared and checked above
      const origin = h.server.origin;
      const run = next('order');
      const result = await live.executor.withLane(async (lane) => {
        const nav = lane.submit(Navigate(`${origin}/person?id=7`));
        // Submitted together, answered in order.
        const effects = Array.from({ length: 5 }, (_, i) => lane.submit(effect(origin, `${run}-${i}`)));
        const read = lane.submit(readPersonName);
        await nav;
        return [await Promise.all(effects), await read] as const;
      });
      expect(result).toEqual([Array.from({ length: 5 }, (_, i) => `${run}-${i}`), 'Person 7']);
      const order = h.server.requests.filter((p) => p.startsWith(`/exec?task=${run}-`));
      expect(order).toEqual(Array.from({ length: 5 }, (_, i) => `/exec?task=${run}-${i}`));
    }, 60_000);

    it('deadlines and cancellation answer at once; the executor serves on', async () => {
      const origin = h.server.origin;
      const hang = next('hang');
      const timedOut = await live.executor
        .submit(effect(origin, hang, { thenWaitMs: 'forever' }), { timeoutMs: 1500 })
        .catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(TaskTimeoutError);
      const cancel = next('cancel');
      const controller = new AbortController();
      const reason = new Error('the caller gave up');
      const cancelled = live.executor
        .submit(effect(origin, cancel, { thenWaitMs: 'forever' }), { signal: controller.signal, timeoutMs: 60_000 })
        .catch((e: unknown) => e);
      await h.server.waitForRequest((p) => p === `/exec?task=${cancel}`);
      controller.abort(reason);
      expect(await cancelled).toBe(reason);
      // An already aborted signal is refused before anything runs.
      const never = next('never');
      await expect(live.executor.submit(effect(origin, never), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      await live.executor.submit(Navigate(`${origin}/person?id=8`));
      expect(await live.executor.submit(readPersonName, { timeoutMs: 30_000 })).toBe('Person 8');
      expect(h.server.count(`/exec?task=${never}`)).toBe(0);
    }, 90_000);

    it('a browser SIGKILLed mid-task: the running non-idempotent task fails as maybe executed (ran once), queued work runs exactly once, idempotent work is answered', async () => {
      const origin = h.server.origin;
      const victim = next('victim');
      const answer = live.executor
        .submit(effect(origin, victim, { thenWaitMs: 'forever' }), { timeoutMs: 90_000 })
        .catch((e: unknown) => e);
      const run = next('after-kill');
      // Queued behind the victim (one lane): none of these has started when the browser dies.
      const queued = Array.from({ length: 4 }, (_, i) => live.executor.submit(effect(origin, `${run}-${i}`), { timeoutMs: 90_000 }));
      const idempotent = live.executor.submit(effect(origin, `${run}-idem`, { idempotent: true }), { timeoutMs: 90_000 });
      await h.server.waitForRequest((p) => p === `/exec?task=${victim}`);
      await live.killBrowser();
      const error = await answer;
      expect(error).toBeInstanceOf(ActorCrashedError);
      expect((error as ActorCrashedError).details['maybeExecuted']).toBe(true);
      expect(await Promise.all(queued)).toEqual(Array.from({ length: 4 }, (_, i) => `${run}-${i}`));
      expect(await idempotent).toBe(`${run}-idem`);
      expect(h.server.count(`/exec?task=${victim}`)).toBe(1);
      for (let i = 0; i < 4; i++) expect(h.server.count(`/exec?task=${run}-${i}`)).toBe(1);
      expect(h.server.count(`/exec?task=${run}-idem`)).toBeGreaterThanOrEqual(1);
    }, 120_000);

    it('a lane handle whose browser dies between its Navigate and its read reads its own page again, or is told the sequence was cut; never a blank page', async (ctx) => {
      if (!live.executor.capabilities.laneHandles) return ctx.skip(); // declared and checked above
      const origin = h.server.origin;
      const read = await live.executor.withLane(async (lane) => {
        await lane.submit(Navigate(`${origin}/person?id=42`));
        await live.killBrowser();
        return lane.submit(readPersonName, { timeoutMs: 60_000 }).catch((e: unknown) => e);
      });
      if (read instanceof SequenceCutError) return;
      expect(read).toBe('Person 42');
    }, 120_000);

    it('each declared overflow policy answers every submit exactly once', async () => {
      const origin = h.server.origin;
      for (const overflow of live.executor.capabilities.overflow) {
        const small = await h.make({ mailbox: { capacity: 1, overflow, ...(overflow === 'defer' ? { maxDeferred: 8 } : {}) } });
        try {
          const own = endsOf(small.executor);
          const run = next(overflow);
          // The blocker holds the only lane until the others were submitted.
          const blocker = small.executor.submit(effect(origin, `${run}-blocker`, { thenWaitMs: 1500 }), { timeoutMs: 60_000, priority: 5 });
          await h.server.waitForRequest((p) => p === `/exec?task=${run}-blocker`);
          const submits = [1, 9, 9, 9].map((priority, i) =>
            small.executor.submit(effect(origin, `${run}-${i}`), { priority, timeoutMs: 60_000 }).then(
              (value) => ({ ok: true as const, value, i }),
              (error: unknown) => ({ ok: false as const, error, i }),
            ),
          );
          const outcomes = await Promise.all(submits);
          expect(await blocker).toBe(`${run}-blocker`);
          for (const o of outcomes) {
            const runs = h.server.count(`/exec?task=${run}-${o.i}`);
            if (o.ok) expect([o.value, runs]).toEqual([`${run}-${o.i}`, 1]);
            else expect(runs).toBe(0); // refused or shed: it never ran
          }
          const refused = outcomes.filter((o) => !o.ok).map((o) => code((o as { error: unknown }).error));
          if (overflow === 'reject') {
            expect(refused.length).toBeGreaterThan(0);
            for (const c of refused) expect(c).toBe(new MailboxFullError('x').code);
          } else if (overflow === 'shed-lowest') {
            // The low-priority task waited in the full queue; the first high-priority one pushed it out.
            expect(outcomes[0]?.ok).toBe(false);
            expect(code((outcomes[0] as { error: unknown }).error)).toBe(new ShedError('x').code);
            expect(refused.every((c) => c === new ShedError('x').code || c === new MailboxFullError('x').code)).toBe(true);
          } else {
            expect(refused).toEqual([]); // deferred, not refused: every one ran
          }
          // Every accepted task got exactly one task:end (refusals at submit are never accepted).
          for (const n of own.ends.values()) expect(n).toBe(1);
          expect(own.ends.size).toBe(
            1 + outcomes.filter((o) => o.ok || code((o as { error: unknown }).error) === new ShedError('x').code).length,
          );
        } finally {
          await small.close();
        }
      }
    }, 240_000);

    if (h.unitKill) {
      it(`a ${h.unitKill.unit} (the process that owns the browser) SIGKILLed mid-task: its idempotent task completes elsewhere, its non-idempotent one fails as maybe executed and never runs twice`, async () => {
        const origin = h.server.origin;
        const { live: unit, kill } = await (h.unitKill as UnitKill).open();
        try {
          const run = next('unit');
          const idem = unit.executor.submit(effect(origin, `${run}-idem`, { idempotent: true, thenWaitMs: 2000 }), { timeoutMs: 90_000 });
          const once = unit.executor
            .submit(effect(origin, `${run}-once`, { thenWaitMs: 'forever' }), { timeoutMs: 90_000 })
            .catch((e: unknown) => e);
          await h.server.waitForRequest((p) => p === `/exec?task=${run}-idem`);
          await h.server.waitForRequest((p) => p === `/exec?task=${run}-once`);
          await kill();
          expect(await idem).toBe(`${run}-idem`);
          const error = await once;
          expect(error).toBeInstanceOf(ActorCrashedError);
          expect((error as ActorCrashedError).details['maybeExecuted']).toBe(true);
          expect(h.server.count(`/exec?task=${run}-once`)).toBe(1);
          expect(h.server.count(`/exec?task=${run}-idem`)).toBe(2); // ran again, on the replacement
        } finally {
          await unit.close();
        }
      }, 150_000);
    }

    it('kill() fails what is pending at once; it ends the browsers when it says it does', async () => {
      const origin = h.server.origin;
      const victim = await h.make();
      const run = next('killed');
      const running = victim.executor
        .submit(effect(origin, `${run}-running`, { thenWaitMs: 3000 }), { timeoutMs: 10_000 })
        .catch((e: unknown) => e);
      await h.server.waitForRequest((p) => p === `/exec?task=${run}-running`);
      const pending = Array.from({ length: 3 }, (_, i) =>
        victim.executor.submit(effect(origin, `${run}-${i}`), { timeoutMs: 10_000 }).catch((e: unknown) => e),
      );
      const browsers = victim.browsers();
      expect(browsers.length).toBeGreaterThan(0);
      await victim.executor.kill();
      for (const e of [await running, ...(await Promise.all(pending))]) expect(e).toBeInstanceOf(Error);
      await expect(victim.executor.submit(Navigate(`${origin}/`))).rejects.toBeInstanceOf(ActorStoppedError);
      if (victim.executor.capabilities.killsBrowsers) {
        expect(victim.browsers()).toEqual([]);
      } else {
        // Its browsers belong to hosts that serve others: they live on.
        expect(victim.browsers()).toEqual(browsers);
      }
      await victim.close();
    }, 120_000);

    it('stop() answers every accepted task, then refuses new ones; every accepted task got exactly one task:end', async () => {
      const origin = h.server.origin;
      const run = next('drain');
      const answers = Array.from({ length: 5 }, (_, i) => live.executor.submit(effect(origin, `${run}-${i}`), { timeoutMs: 90_000 }));
      await live.executor.stop();
      expect(await Promise.all(answers)).toEqual(Array.from({ length: 5 }, (_, i) => `${run}-${i}`));
      for (let i = 0; i < 5; i++) expect(h.server.count(`/exec?task=${run}-${i}`)).toBe(1);
      await expect(live.executor.submit(Navigate(`${origin}/`))).rejects.toBeInstanceOf(ActorStoppedError);
      expect(seen.ends.size).toBeGreaterThan(0);
      for (const [taskId, n] of seen.ends) expect([taskId, n]).toEqual([taskId, 1]);
    }, 120_000);
  });
}
