import { existsSync, mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { PlaywrightDriver } from '../../src/drivers/playwright/playwright-driver.js';
import { listProcesses, processesWithMarker, readProcess, signalGroup, signalProcess, waitFor } from '../../src/drivers/process-tree.js';
import type { ActorCrashedError } from '../../src/errors.js';
import { SessionSupervisor, type SessionSupervisorOptions } from '../../src/runtime/supervisor/session-supervisor.js';
import { CurrentUrl, ExecuteJS, GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import type { Task } from '../../src/runtime/tasks/types.js';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite } from '../support/fixture-site.js';
import { browserMainsUnder, chromiumTmpDirs } from '../support/chromium-root.js';
import { leftoversUnder } from '../support/leftovers.js';

/**
 * Faults against real Chromium under a supervisor. In each scenario a logged-in session (the
 * HttpOnly `secret` cookie) serves 51 tasks: a slow "victim" that is running when the fault
 * hits, then 50 mixed tasks (idempotent and not, priorities 0–9) queued behind it. Each task
 * must be answered exactly once with its documented outcome, the session cookie must survive,
 * and the browser's processes must come back to one live browser with nothing of the old one
 * left.
 */

const SESSION = 'secret';
let server: FixtureServer;
let root: string;
const tmpChromiumBefore = new Set(chromiumTmpDirs());


beforeAll(async () => {
  server = await startFixtureServer(fixtureSite);
  root = mkdtempSync(join(browserDirsRoot(), 'reliability-'));
});

afterAll(async () => {
  await server.close();
  expect(await leftoversUnder(root)).toEqual([]);
  rmdirSync(root);
  // Every Chromium of ours keeps its temporary files inside its own directory, never in /tmp.
  expect(chromiumTmpDirs().filter((d) => !tmpChromiumBefore.has(d))).toEqual([]);
});

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
        out.push({ task: Navigate(`${origin}/landed?i=${i}&t=${tag}`), priority, check: (v) => expect(v).toEqual({ url: `${origin}/landed?i=${i}&t=${tag}`, status: 200 }) });
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
        out.push({ task: GetCookies([SESSION]), priority, check: (v) => expect((v as { value: string }[]).map((c) => c.value)).toEqual([sessionValue]) });
        break;
      default:
        out.push({ task: CurrentUrl(), priority, check: (v) => expect(String(v)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//) });
    }
  }
  return out;
}

interface Tracked {
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

const browserMains = (): number[] => browserMainsUnder(root);

interface Scenario {
  /**
   * The task that is running when the fault hits, with its submit timeout. `announce`: the
   * request it makes once it runs in the page (the fault is injected only after the server saw
   * it); without one, the fault follows the victim's `task:start` event.
   */
  readonly victim: { readonly task: Task; readonly timeoutMs?: number; readonly announce?: string };
  /** Inject the fault while the victim runs. */
  inject(ctx: { pid: number; driver: PlaywrightDriver }): Promise<void> | void;
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

let scenarioCount = 0;

async function runScenario(s: Scenario): Promise<void> {
  const drivers: PlaywrightDriver[] = [];
  const supervisor = new SessionSupervisor({
    driver: () => {
      const d = new PlaywrightDriver({ tmpRoot: root });
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
    const victim = track(supervisor.submit(s.victim.task, { priority: 9, ...(s.victim.timeoutMs === undefined ? {} : { timeoutMs: s.victim.timeoutMs }) }));
    const plan = mixedTasks(server.origin, sessionValue, `mixed-${++scenarioCount}`);
    const others = plan.map((p) => track(supervisor.submit(p.task, { priority: p.priority, timeoutMs: 60_000 })));
    await victimStarted;
    const { announce } = s.victim;
    if (announce !== undefined) await server.waitForRequest((path) => path === announce); // it runs in the page now
    expect(supervisor.health().inFlight).toBe(1);
    await s.inject({ pid: firstPid, driver: drivers[0] as PlaywrightDriver });
    await Promise.all([victim.done, ...others.map((o) => o.done)]);

    // Answers: exactly one per accepted task, counted by task:end as well as by the promises.
    expect(ended.size - endedBefore).toBe(51);
    expect([...ended.values()].every((n) => n === 1)).toBe(true);
    expect([victim, ...others].map((t) => t.state.count)).toEqual(new Array(51).fill(1));
    // Executions, counted where they happen: a non-idempotent task ran exactly once when it
    // succeeded (never twice, whatever the fault); navigations reached the server at least once.
    plan.forEach((p, i) => {
      if (p.sideEffect !== undefined) expect(server.count(p.sideEffect), `runs of task ${i}`).toBe(others[i]?.state.error === undefined ? 1 : 0);
      if (p.task.type === 'Navigate') expect(server.count(new URL(p.task.url).pathname + new URL(p.task.url).search)).toBeGreaterThanOrEqual(1);
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
      expect(await waitFor(() => !listProcesses().some((p) => p.pgid === firstPid && p.state !== 'Z'), 5000)).toBe(true);
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
const slowScript = "await fetch(arguments[0] + '/exec?task=' + arguments[1]); await new Promise((r) => setTimeout(r, 3000)); return 'slow'";
let victims = 0;
function slowVictim(idempotent: boolean, timeoutMs?: number): Scenario['victim'] {
  const tag = `victim-${++victims}`;
  return { task: ExecuteJS(slowScript, [server.origin, tag], { idempotent }), announce: `/exec?task=${tag}`, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}

describe('SessionSupervisor on real Chromium: faults under load', () => {
  it('SIGKILL of the browser mid-task: the idempotent running task is re-run on the new browser, the queue is served after the restart', async () => {
    await runScenario({
      victim: slowVictim(true),
      inject: ({ pid }) => {
        expect(signalProcess(pid, 'SIGKILL')).toBe(true);
      },
      checkVictim: (state) => expect(state.value).toBe('slow'),
      restarts: 1,
      victimRuns: 2, // killed once while running, then run again to its end
    });
  });

  it('the CDP connection closes under a non-idempotent task: it fails with ERR_ACTOR_CRASHED (maybeExecuted), the rest are served', async () => {
    await runScenario({
      victim: slowVictim(false),
      inject: ({ driver }) => driver.injectConnectionClose(),
      checkVictim: (state) => {
        expect(state.error).toMatchObject({ code: 'ERR_ACTOR_CRASHED' });
        expect((state.error as ActorCrashedError).details).toMatchObject({ maybeExecuted: true, idempotent: false });
      },
      restarts: 1,
      victimRuns: 1, // not idempotent: never run again
    });
  });

  it('a killed renderer replaces the tab, not the browser; its non-idempotent task fails at once, not at its deadline', async () => {
    let killedAt = 0;
    await runScenario({
      victim: slowVictim(false, 30_000),
      inject: ({ pid }) => {
        const renderers = listProcesses().filter((p) => p.pgid === pid && p.cmdline.includes('--type=renderer') && p.state !== 'Z');
        expect(renderers.length).toBeGreaterThan(0);
        killedAt = performance.now();
        for (const r of renderers) signalProcess(r.pid, 'SIGKILL');
      },
      checkVictim: (state) => {
        expect(state.error).toMatchObject({ code: 'ERR_ACTOR_CRASHED' });
        expect((state.error as ActorCrashedError).details).toMatchObject({ maybeExecuted: true });
        // Answered when the renderer died, not at its 30 s deadline (nor when its 3 s script would have ended).
        expect((state.at ?? Number.POSITIVE_INFINITY) - killedAt).toBeLessThan(2000);
      },
      restarts: 0,
      victimRuns: 1,
    });
  });

  it('a page hung in while(true) times out; the script is stopped and the same browser serves the rest', async () => {
    await runScenario({
      victim: { task: ExecuteJS('while (true) {}'), timeoutMs: 1500 },
      inject: () => undefined,
      checkVictim: (state) => expect(state.error).toMatchObject({ code: 'ERR_TASK_TIMEOUT' }),
      restarts: 0,
    });
  });

  it('a navigation the server never answers times out; the same browser serves the rest', async () => {
    await runScenario({
      victim: { task: Navigate(`${'http://127.0.0.1'}:${new URL(server.origin).port}/never`), timeoutMs: 1500 },
      inject: () => undefined,
      checkVictim: (state) => expect(state.error).toMatchObject({ code: 'ERR_TASK_TIMEOUT' }),
      restarts: 0,
    });
  });
});

describe('SessionSupervisor on real Chromium: stalls and recycling', () => {
  it('a SIGSTOP of the whole browser for 3 s causes no restart: probes pause behind the stalled task, all work finishes after SIGCONT', async () => {
    let probeFailures = 0;
    await runScenario({
      victim: slowVictim(false),
      options: { probe: { intervalMs: 500 } },
      inject: async ({ pid }) => {
        expect(signalGroup(pid, 'SIGSTOP')).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 3000));
        expect(signalGroup(pid, 'SIGCONT')).toBe(true);
      },
      checkVictim: (state) => expect(state.value).toBe('slow'),
      restarts: 0,
      after: (supervisor) => {
        probeFailures = supervisor.health().probeFailures;
        expect(supervisor.health().lastFault).toBeNull();
      },
    });
    expect(probeFailures).toBe(0);
  });

  it('recycles the browser every 20 tasks without failing a task, carrying the session over', async () => {
    let recycles = 0;
    await runScenario({
      victim: slowVictim(true),
      options: { recycle: { maxTasks: 20 } },
      inject: () => undefined,
      checkVictim: (state) => expect(state.value).toBe('slow'),
      restarts: 0,
      after: (supervisor) => {
        recycles = supervisor.health().recycles;
      },
    });
    expect(recycles).toBeGreaterThanOrEqual(2);
  });
});

describe('no orphans when the supervising process dies', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)('after %s of the process, no Chromium of ours survives and no directory is left (SIGKILL: swept at the next start)', async (signal) => {
    const { spawn } = await import('node:child_process');
    const sub = mkdtempSync(join(root, `child-${signal}-`));
    const child = spawn(process.execPath, [fileURLToPath(new URL('../support/child-supervisor.mjs', import.meta.url)), server.origin], {
      env: { ...process.env, BROWSER_ACTOR_TMPDIR: sub },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /browser-pid (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    expect(readProcess(pid)).toBeDefined();
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill(signal);
    await exited;
    expect(await waitFor(() => processesWithMarker(sub).filter((p) => p.state !== 'Z').length === 0, 5000)).toBe(true);
    const dirsLeft = (): string[] => readdirSync(sub).filter((n) => n.startsWith('b-'));
    if (signal === 'SIGTERM') {
      expect(dirsLeft()).toEqual([]);
    } else {
      expect(dirsLeft()).toHaveLength(1); // SIGKILL cannot be caught: the directory stays until the next start
      const next = new SessionSupervisor({ driver: () => new PlaywrightDriver({ tmpRoot: sub }) });
      await next.startActor();
      expect(dirsLeft()).toHaveLength(1); // only the new browser's own
      await next.stop();
      expect(dirsLeft()).toEqual([]);
    }
    expect(existsSync(sub)).toBe(true);
    rmdirSync(sub);
  });
});
