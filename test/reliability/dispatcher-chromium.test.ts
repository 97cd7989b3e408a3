import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../../src/drivers/process-tree.js';
import { ActorCrashedError } from '../../src/errors.js';
import { createWorkDispatcher } from '../../src/runtime/dispatch/work-dispatcher.js';
import { ExecuteJS, Navigate } from '../../src/runtime/tasks/constructors.js';
import { useChromiumFile } from '../support/chromium-root.js';
import { readPersonName } from '../support/fixture-site.js';

/**
 * The WorkDispatcher on real Chromium: worker processes with their own browsers, a worker
 * SIGKILLed in the middle of a task, executions counted where they happen (at the test server),
 * and a SIGKILLed dispatcher whose workers and browsers must all go.
 */

const file = useChromiumFile('dispatcher-');

describe('WorkDispatcher on real Chromium', () => {
  it('SIGKILL of a worker mid-task: every task answered once; idempotent ones re-run elsewhere, non-idempotent ones ran at most once (counted at the server)', async () => {
    const origin = file.server.origin;
    const d = createWorkDispatcher({ workers: 2, browser: { tmpRoot: file.root }, backoff: { baseMs: 50 } });
    try {
      await d.start();
      const pids = d.stats().workers.map((w) => w.pid);
      expect(pids.every((p) => p !== null)).toBe(true);
      const victimStarted = new Promise<number>((resolve) => d.on('task:start', (e) => e.taskId === `${d.id}:1` && resolve(e.worker)));
      // The victim (not idempotent) posts its side effect, then runs on until its worker dies.
      const victim = d
        .submit(ExecuteJS(`await fetch(${JSON.stringify(`${origin}/exec?task=victim`)}); await new Promise(() => {});`), {
          timeoutMs: 60_000,
        })
        .catch((e: unknown) => e);
      const tasks = Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? {
              kind: 'page' as const,
              i,
              answer: d.submit(Navigate(`${origin}/person?id=${i}`), { timeoutMs: 60_000 }).then(() => undefined),
            }
          : {
              kind: 'effect' as const,
              i,
              answer: d.submit(ExecuteJS(`await fetch(arguments[0] + '/exec?task=t' + arguments[1]); return arguments[1];`, [origin, i]), {
                timeoutMs: 60_000,
              }),
            },
      );
      const settled = Promise.allSettled(tasks.map((t) => t.answer));
      const worker = await victimStarted;
      await file.server.waitForRequest((p) => p === '/exec?task=victim');
      process.kill(d.stats().workers[worker]?.pid as number, 'SIGKILL');
      const error = await victim;
      expect(error).toBeInstanceOf(ActorCrashedError);
      expect((error as ActorCrashedError).details).toMatchObject({ maybeExecuted: true, worker });
      expect(file.server.count('/exec?task=victim')).toBe(1);
      const outcomes = await settled;
      for (const [n, t] of tasks.entries()) {
        const o = outcomes[n] as PromiseSettledResult<unknown>;
        if (t.kind === 'page') {
          expect(o.status).toBe('fulfilled'); // idempotent: re-run if it was hit
          expect(file.server.count(`/person?id=${t.i}`)).toBeGreaterThanOrEqual(1);
        } else {
          const runs = file.server.count(`/exec?task=t${t.i}`);
          expect(runs).toBeLessThanOrEqual(1); // never run twice
          if (o.status === 'fulfilled') expect([o.value, runs]).toEqual([t.i, 1]);
          else expect((o.reason as ActorCrashedError).details['maybeExecuted']).toBe(true);
        }
      }
      expect(await waitFor(() => d.stats().workers.every((w) => w.state === 'ready'), 20_000, 50)).toBe(true);
      expect(d.stats().workers[worker]?.restarts).toBe(1);
      // The replacement serves with its own browser.
      expect(await d.submit(Navigate(`${origin}/person?id=7`)).then(() => d.submit(readPersonName, { timeoutMs: 30_000 }))).toMatch(
        /^Person \d+$/,
      );
    } finally {
      await d.stop();
    }
    // About 10 s alone; two worker browsers and a restart beside another test file's browsers
    // on two busy cores have needed more than the default 30 s. The deadline only ends a hung run.
  }, 90_000);

  it.each(['SIGKILL', 'SIGTERM', 'SIGINT'] as const)(
    'a dispatcher ended by %s takes its workers and their browsers with it',
    async (signal) => {
      expect(file.browserMains()).toEqual([]); // nothing of the previous test's workers is left
      const script = fileURLToPath(new URL('../support/child-dispatcher.mjs', import.meta.url));
      // The browser root goes in the environment, not the command line: only browsers may carry it there.
      const child = spawn(process.execPath, [script, file.server.origin], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, BROWSER_ACTOR_TMPDIR: file.root },
      });
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /workers ([\d,]+)\n/.exec(out);
          if (m) resolve(m[1] as string);
        });
        child.on('exit', (code) => reject(new Error(`the dispatcher process exited early (${String(code)})`)));
      });
      try {
        const workers = line.split(',').map(Number);
        expect(workers).toHaveLength(2);
        expect(file.browserMains().length).toBe(2);
        child.kill(signal);
        expect(await waitFor(() => workers.every((pid) => !isAlive(pid)), 15_000, 50)).toBe(true);
        expect(await waitFor(() => file.browserMains().length === 0, 15_000, 50)).toBe(true);
      } finally {
        child.kill('SIGKILL');
      }
    },
  );
});
