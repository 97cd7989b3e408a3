import { existsSync, mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { PlaywrightDriver } from '../../src/drivers/playwright/playwright-driver.js';
import { listProcesses, processesWithMarker, readProcess, signalGroup, signalProcess, waitFor } from '../../src/drivers/process-tree.js';
import type { ActorCrashedError } from '../../src/errors.js';
import { SessionSupervisor } from '../../src/runtime/supervisor/session-supervisor.js';
import { ExecuteJS, Navigate } from '../../src/runtime/tasks/constructors.js';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite } from '../support/fixture-site.js';
import { leftoversUnder } from '../support/leftovers.js';
import { faultScenarios } from '../support/fault-scenarios.js';

/**
 * Faults against real Chromium under a supervisor. In each scenario a logged-in session (the
 * HttpOnly `secret` cookie) serves 51 tasks: a slow "victim" that is running when the fault
 * hits, then 50 mixed tasks (idempotent and not, priorities 0–9) queued behind it. Each task
 * must be answered exactly once with its documented outcome, the session cookie must survive,
 * and the browser's processes must come back to one live browser with nothing of the old one
 * left.
 */

let server: FixtureServer;
let root: string;

beforeAll(async () => {
  server = await startFixtureServer(fixtureSite);
  root = mkdtempSync(join(browserDirsRoot(), 'reliability-'));
});

afterAll(async () => {
  await server.close();
  expect(await leftoversUnder(root)).toEqual([]);
  rmdirSync(root);
});

const { runScenario, slowVictim } = faultScenarios({
  server: () => server,
  root: () => root,
  makeDriver: (r) => new PlaywrightDriver({ tmpRoot: r }),
  tag: 'pw',
});
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
    // Three browser launches and 51 tasks: about 20 s alone, near 30 s beside a Redis chaos run on
    // two cores. The deadline ends a hung run; it does not judge speed.
  }, 90_000);
});

describe('no orphans when the supervising process dies', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'after %s of the process, no Chromium of ours survives and no directory is left (SIGKILL: swept at the next start)',
    async (signal) => {
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
    },
  );
});
