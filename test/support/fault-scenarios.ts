import { expect } from 'vitest';
import type { Driver } from '../../src/drivers/driver.js';
import { listProcesses, waitFor } from '../../src/drivers/process-tree.js';
import { SessionSupervisor, type SessionSupervisorOptions } from '../../src/runtime/supervisor/session-supervisor.js';
import { CurrentUrl, ExecuteJS, GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import type { Task } from '../../src/runtime/tasks/types.js';
import { browserMainsUnder } from './chromium-root.js';
import type { FixtureServer } from './fixture-server.js';

/**
 * Faults against real Chromium under a supervisor, on any real driver. In each scenario a
 * logged-in session (the HttpOnly `secret` cookie) serves 51 tasks: a slow "victim" that is
 * running when the fault hits, then 50 mixed tasks (idempotent and not, priorities 0–9) queued
 * behind it. Each task must be answered exactly once with its documented outcome, the session
 * cookie must survive, and the browser's processes must come back to one live browser with
 * nothing of the old one left.
 */

export const SESSION = 'secret';

interface Planned {
  readonly task: Task;
  readonly priority: number;
  /** What a correct answer is: the value, unless the documented outcome is an error. */
  readonly check: (value: unknown) => void;
  /** The request a non-idempotent task makes when it runs (counted at the server). */
  readonly sideEffect?: string;
}

/**
 * 50 mixed tasks: navigations and cookie reads (idempotent), scripts declared idempotent or not.
 * A non-idempotent script's side effect is a request to the test server (`/exec?task=<tag>`),
 * so the server counts how often it really ran.
 */
function mixedTasks(origin: string, sessionValue: string, tag: string): Planned[] {
  const out: Planned[] = [];
  for (let i = 0; i < 50; i++) {
    const priority = (i * 7) % 10;
    switch (i % 5) {
      case 0:
        out.push({
          task: Navigate(`${origin}/landed?i=${i}&t=${tag}`),
          priority,
          check: (v) => expect(v).toEqual({ url: `${origin}/landed?i=${i}&t=${tag}`, status: 200 }),
        });
        break;
      case 1:
        out.push({ task: ExecuteJS('return arguments[0] * 2', [i], { idempotent: true }), priority, check: (v) => expect(v).toBe(i * 2) });
        break;
      case 2:
        out.push({
          task: ExecuteJS("await fetch(arguments[1] + '/exec?task=' + arguments[2]); return arguments[0]", [i, origin, `${tag}-${i}`]),
          priority,
          check: (v) => expect(v).toBe(i),
          sideEffect: `/exec?task=${tag}-${i}`,
        });
        break;
      case 3:
        out.push({
          task: GetCookies([SESSION]),
          priority,
          check: (v) => expect((v as { value: string }[]).map((c) => c.value)).toEqual([sessionValue]),
        });
        break;
      default:
        out.push({ task: CurrentUrl(), priority, check: (v) => expect(String(v)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//) });
    }
  }
  return out;
}

export interface Tracked {
  count: number;
  /** performance.now() when answered. */
  at?: number;
  value?: unknown;
  error?: unknown;
}

function track(promise: Promise<unknown>): { state: Tracked; done: Promise<void> } {
  const state: Tracked = { count: 0 };
  const done = promise.then(
    (value) => {
      state.count++;
      state.at = performance.now();
      state.value = value;
    },
    (error: unknown) => {
      state.count++;
      state.at = performance.now();
      state.error = error;
    },
  );
  return { state, done };
}

export interface Scenario<D extends Driver = Driver> {
  /**
   * The task that is running when the fault hits, with its submit timeout. `announce`: the
   * request it makes once it runs in the page (the fault is injected only after the server saw
   * it); without one, the fault follows the victim's `task:start` event.
   */
  readonly victim: { readonly task: Task; readonly timeoutMs?: number; readonly announce?: string };
  /** Inject the fault while the victim runs. */
  inject(ctx: { pid: number; driver: D }): Promise<void> | void;
  /** The victim's documented outcome. */
  checkVictim(state: Tracked): void;
  readonly restarts: number;
  /** Extra supervisor options. */
  readonly options?: Partial<SessionSupervisorOptions>;
  /** More checks on the supervisor once everything is answered. */
  after?(supervisor: SessionSupervisor): void;
  /** Runs of the victim counted at the server (with `announce`). */
  readonly victimRuns?: number;
}

/** The scenario runner for one test file: its server, its browsers' root, and how it makes a driver. */
export function faultScenarios<D extends Driver>(env: {
  server(): FixtureServer;
  root(): string;
  makeDriver(root: string): D;
  tag: string;
}) {
  let scenarioCount = 0;

  async function runScenario(s: Scenario<D>): Promise<void> {
    const server = env.server();
    const browserMains = (): number[] => browserMainsUnder(env.root());
    const drivers: D[] = [];
    const supervisor = new SessionSupervisor({
      driver: () => {
        const d = env.makeDriver(env.root());
        drivers.push(d);
        return d;
      },
      restoreUrl: true,
      backoff: { baseMs: 50 },
      actor: { cancelGraceMs: 1000, closeTimeoutMs: 3000 },
      ...s.options,
    });
    const ended = new Map<string, number>();
    supervisor.on('task:end', ({ taskId }) => ended.set(taskId, (ended.get(taskId) ?? 0) + 1));
    try {
      await supervisor.startActor();
      await supervisor.submit(Navigate(`${server.origin}/set-cookies`));
      const sessionValue = (await supervisor.submit(GetCookies([SESSION])))[0]?.value ?? '';
      expect(sessionValue).not.toBe('');
      const firstPid = supervisor.browser?.pid ?? 0;
      expect(browserMains()).toEqual([firstPid]);

      const victimStarted = new Promise<string>((resolve) => {
        const off = supervisor.on('task:start', ({ taskId }) => {
          off();
          resolve(taskId);
        });
      });
      const endedBefore = ended.size;
      const victim = track(
        supervisor.submit(s.victim.task, { priority: 9, ...(s.victim.timeoutMs === undefined ? {} : { timeoutMs: s.victim.timeoutMs }) }),
      );
      const plan = mixedTasks(server.origin, sessionValue, `${env.tag}-mixed-${++scenarioCount}`);
      const others = plan.map((p) => track(supervisor.submit(p.task, { priority: p.priority, timeoutMs: 60_000 })));
      await victimStarted;
      const { announce } = s.victim;
      if (announce !== undefined) await server.waitForRequest((path) => path === announce); // it runs in the page now
      expect(supervisor.health().inFlight).toBe(1);
      await s.inject({ pid: firstPid, driver: drivers[0] as D });
      await Promise.all([victim.done, ...others.map((o) => o.done)]);

      // Answers: exactly one per accepted task, counted by task:end as well as by the promises.
      expect(ended.size - endedBefore).toBe(51);
      expect([...ended.values()].every((n) => n === 1)).toBe(true);
      expect([victim, ...others].map((t) => t.state.count)).toEqual(new Array(51).fill(1));
      // Executions, counted where they happen: a non-idempotent task ran exactly once when it
      // succeeded (never twice, whatever the fault); navigations reached the server at least once.
      plan.forEach((p, i) => {
        if (p.sideEffect !== undefined)
          expect(server.count(p.sideEffect), `runs of task ${i}`).toBe(others[i]?.state.error === undefined ? 1 : 0);
        if (p.task.type === 'Navigate')
          expect(server.count(new URL(p.task.url).pathname + new URL(p.task.url).search)).toBeGreaterThanOrEqual(1);
      });
      if (announce !== undefined && s.victimRuns !== undefined) expect(server.count(announce)).toBe(s.victimRuns);
      s.checkVictim(victim.state);
      others.forEach((o, i) => {
        expect(o.state.error, `task ${i} (${plan[i]?.task.type})`).toBeUndefined();
        plan[i]?.check(o.state.value);
      });
      expect(supervisor.health().restarts, `last fault: ${JSON.stringify(supervisor.health().lastFault)}`).toBe(s.restarts);
      s.after?.(supervisor);

      // The session survived, and one browser is left: the old one is gone entirely.
      expect((await supervisor.submit(GetCookies([SESSION])))[0]?.value).toBe(sessionValue);
      const pid = supervisor.browser?.pid ?? 0;
      if (s.restarts > 0 || supervisor.health().recycles > 0) {
        expect(pid).not.toBe(firstPid);
        expect(await waitFor(() => !listProcesses().some((p) => p.pid === firstPid && p.state !== 'Z'), 5000)).toBe(true);
      } else {
        expect(pid).toBe(firstPid);
      }
      expect(await waitFor(() => browserMains().length === 1, 5000)).toBe(true);
      expect(browserMains()).toEqual([pid]);
      expect(listProcesses().filter((p) => p.state === 'Z' && p.ppid === process.pid)).toEqual([]);
    } finally {
      await supervisor.stop({ timeoutMs: 10_000 });
    }
    expect(browserMains()).toEqual([]);
  }

  /** A 3 s script that first tells the server it runs (each run is counted there). */
  const slowScript =
    "await fetch(arguments[0] + '/exec?task=' + arguments[1]); await new Promise((r) => setTimeout(r, 3000)); return 'slow'";
  let victims = 0;
  const slowVictim = (idempotent: boolean, timeoutMs?: number): Scenario['victim'] => {
    const tag = `${env.tag}-victim-${++victims}`;
    return {
      task: ExecuteJS(slowScript, [env.server().origin, tag], { idempotent }),
      announce: `/exec?task=${tag}`,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
  };
  return { runScenario, slowVictim };
}
