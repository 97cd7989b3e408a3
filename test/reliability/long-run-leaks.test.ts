import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { descendantsOf } from '../../src/drivers/process-tree.js';
import type { SessionSupervisor } from '../../src/runtime/supervisor/session-supervisor.js';
import { ExecuteJS, GetCookies, Navigate } from '../../src/runtime/tasks/constructors.js';
import { useChromiumFile } from '../support/chromium-root.js';

/**
 * A long run in miniature on real Chromium: 600 tasks through a supervisor with 2 lanes,
 * recycling its browser every 40 navigations (as the default does every 1 000), with
 * idempotency keys, abort signals and event listeners in play. At two late checkpoints, taken
 * with the supervisor idle, nothing may have grown: open descriptors, child processes, live
 * timers and other handles, process listeners, temporary files, and the supervisor's and the
 * actor's own bookkeeping. (Node's heap is the soak benchmark's: `npm run bench:soak`.)
 */

const file = useChromiumFile('leaks-');
// Playwright writes its artifacts under os.tmpdir(), which reads TMPDIR at each call: a
// directory of this file's own makes every temporary entry of this run countable.
let tmp: string;
let oldTmp: string | undefined;
beforeAll(() => {
  tmp = mkdtempSync(join(browserDirsRoot(), 'leaks-tmp-'));
  oldTmp = process.env['TMPDIR'];
  process.env['TMPDIR'] = tmp;
});
afterAll(() => {
  if (oldTmp === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = oldTmp;
  rmSync(tmp, { recursive: true, force: true });
});

interface Checkpoint {
  readonly fds: number;
  readonly children: number;
  readonly handles: Record<string, number>;
  readonly processListeners: number;
  readonly tmpEntries: number;
  readonly rootEntries: number;
  readonly bookkeeping: ReturnType<SessionSupervisor['bookkeeping']>;
}

function countBy(names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

describe('a long run leaks nothing', () => {
  it('600 tasks with browser recycles: descriptors, processes, timers, listeners, temp files and bookkeeping stay flat between two late checkpoints', async () => {
    const { supervisor } = file.supervised({ lanes: 2, recycle: { maxNavigations: 40 } });
    const origin = file.server.origin;
    const checkpoint = (): Checkpoint => ({
      fds: readdirSync('/proc/self/fd').length,
      children: descendantsOf(process.pid).filter((p) => p.state !== 'Z').length,
      handles: countBy(process.getActiveResourcesInfo()),
      processListeners: process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0),
      tmpEntries: readdirSync(tmp).length,
      rootEntries: readdirSync(file.root).length,
      bookkeeping: supervisor.bookkeeping(),
    });
    let ended = 0;
    const off = supervisor.on('task:end', () => ended++);
    let key = 0;
    /** One batch of `n` tasks: a third navigations, the rest scripts and cookie reads, some with keys or signals. */
    const batch = async (n: number): Promise<void> => {
      await Promise.all(
        Array.from({ length: n }, (_, i) => {
          const signal = i % 7 === 0 ? new AbortController().signal : undefined;
          const opts = { ...(i % 5 === 0 ? { idempotencyKey: `k${key++}` } : {}), ...(signal ? { signal } : {}) };
          const task =
            i % 3 === 0
              ? Navigate(`${origin}/?i=${i}`)
              : i % 3 === 1
                ? ExecuteJS('return document.title', [], { idempotent: true })
                : GetCookies();
          return supervisor.submit(task, opts);
        }),
      );
    };
    /** Idle: every lane free, no recycle or snapshot in progress, the browser serving. */
    const settle = async (): Promise<void> => {
      await supervisor.ensureActorLive();
      for (let i = 0; i < 200; i++) {
        const h = supervisor.health();
        if (h.state === 'healthy' && h.inFlight === 0 && h.queueDepth === 0 && h.lanes.every((l) => l.taskId === null)) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      // Let closing browsers finish going (their processes and directories).
      await new Promise((r) => setTimeout(r, 500));
    };

    let first: Checkpoint;
    let second: Checkpoint;
    let third: Checkpoint;
    let recyclesAtFirst: number;
    try {
      await supervisor.startActor();
      for (let i = 0; i < 2; i++) await batch(100); // warm-up: 200 tasks, a few recycles
      await settle();
      first = checkpoint();
      recyclesAtFirst = supervisor.health().recycles;
      for (let i = 0; i < 2; i++) await batch(100);
      await settle();
      second = checkpoint();
      for (let i = 0; i < 2; i++) await batch(100);
      await settle();
      third = checkpoint();
    } finally {
      off();
      await supervisor.stop();
    }

    expect(ended).toBe(600);
    // Recycling really happened between the checkpoints (about 134 navigations / 40).
    expect(supervisor.health().recycles - recyclesAtFirst).toBeGreaterThanOrEqual(3);
    expect(supervisor.health().restarts).toBe(0);
    console.log(`leak checkpoints: ${JSON.stringify({ first, second, third })}`);
    for (const later of [second, third]) {
      expect(later.fds).toBeLessThanOrEqual(first.fds + 2);
      expect(later.children).toBeLessThanOrEqual(first.children + 1);
      expect(later.processListeners).toBe(first.processListeners);
      expect(later.tmpEntries).toBe(first.tmpEntries);
      expect(later.rootEntries).toBe(first.rootEntries);
      // Cancelled deadlines are dropped in bulk (at most 64 wait while none is live): compare the rest exactly.
      // The actor's tabs and its pool of reusable abort controllers belong to the current browser: a recycle just before a
      // checkpoint leaves a new actor whose lanes open their tabs at their next task. Both are bounded (the lanes; 16
      // controllers at most): checked against their bounds, the rest exactly.
      const exact = ({ deadlineEntries, actor, ...rest }: ReturnType<typeof supervisor.bookkeeping>) => {
        if (actor) {
          expect(actor.pages).toBeLessThanOrEqual(2);
          expect(actor.controllers).toBeLessThanOrEqual(16);
        }
        const { pages: _pages, controllers: _controllers, ...ownBookkeeping } = actor ?? { pages: 0, controllers: 0 };
        return {
          ...rest,
          deadlineEntries: deadlineEntries <= 64,
          actor: actor && { ...ownBookkeeping, deadlineEntries: actor.deadlineEntries <= 64 },
        };
      };
      expect(exact(later.bookkeeping)).toEqual(exact(first.bookkeeping));
      expect(exact(later.bookkeeping)).toMatchObject({
        idempotencyKeys: 0,
        deadlines: 0,
        deadlineEntries: true,
        retry: 0,
        compensations: 0,
      });
      for (const [kind, n] of Object.entries(later.handles))
        expect(n, `${kind} handles`).toBeLessThanOrEqual((first.handles[kind] ?? 0) + 2);
    }
    // About 60 s alone (30 browser launches among them); on two busy cores the run of twice
    // this size has needed 220 s. The deadline ends a hung run; it does not judge speed.
  }, 300_000);
});
