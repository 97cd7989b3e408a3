import { describe, expect, it } from 'vitest';
import { listProcesses, signalGroup } from '../../src/drivers/process-tree.js';
import { Navigate } from '../../src/runtime/tasks/constructors.js';
import { useChromiumFile } from '../support/chromium-root.js';
import { readPersonName } from '../support/fixture-site.js';

/**
 * The chaos target of the lanes issue: Chromium SIGKILLed every 2 s while 150 pages run through
 * lane handles at 2 lanes (enough pages that several kills land during the run: on Chromium's
 * headless shell, 50 pages took under 5 s, one kill). Its own vitest project runs it after every other test file, alone:
 * with another file's browsers starting beside it on two cores, a launch can take longer than
 * the 2 s between kills, and then no browser ever gets to work (a real crash loop, which the
 * supervisor rightly gives up on).
 */

const file = useChromiumFile('chaos-');

describe('SessionSupervisor lanes on real Chromium under a crash loop', () => {
  it('chaos: Chromium SIGKILLed every 2 s while 150 pages run through lane handles at 2 lanes; every page answered once, right, nothing left behind', async () => {
    // At a kill every 2 s a page's chance of being hit on one attempt is about a third (its run
    // time over the browser's useful window): the default of 3 runs would lose about 1 page in 30.
    // A user in such a crash loop raises maxAttempts; the re-runs are idempotent navigations and reads.
    // A browser that becomes ready 1.2–1.5 s after the kill has half a second before the next one:
    // about half of them are killed before they answer a task, which is what the restart limit
    // counts (5 such in a row end in ERR_RESTART_LIMIT by default). Here the killing is the test's
    // own, so the limit is raised; the default stays strict for browsers that die on their own.
    // `standby` keeps the next browser started, so a replacement needs only the session restored.
    const { supervisor } = file.supervised({
      lanes: 2,
      restoreUrl: true,
      standby: true,
      maxAttempts: 8,
      restartLimit: { maxRestarts: 20 },
    });
    const ends = new Map<string, number>();
    supervisor.on('task:end', ({ taskId }) => ends.set(taskId, (ends.get(taskId) ?? 0) + 1));
    const readies: { launchMs: number; downtimeMs: number }[] = [];
    supervisor.on('ready', ({ launchMs, downtimeMs }) => readies.push({ launchMs, downtimeMs }));
    const started = performance.now();
    let kills = 0;
    let done = false;
    await supervisor.startActor();
    // The killer: every 2 s, SIGKILL the browser that serves (its whole process group). Chromium
    // takes about 1.3–1.5 s to start on this machine, so a kill that also hit a browser still
    // starting would leave it no time at all to work, and the supervisor would rightly call that a
    // crash loop; a round that finds no serving browser kills nothing.
    const killer = (async () => {
      while (!done) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        if (done) break;
        const pid = supervisor.health().state === 'healthy' ? supervisor.browser?.pid : undefined;
        if (pid !== undefined && pid !== null && signalGroup(pid, 'SIGKILL')) kills++;
      }
    })();
    const pages = Array.from({ length: 150 }, (_, i) => i);
    const answers = new Map<number, { name?: unknown; error?: unknown; count: number }>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < pages.length) {
        const id = next++;
        const answer = { count: 0 } as { name?: unknown; error?: unknown; count: number };
        answers.set(id, answer);
        try {
          answer.name = await supervisor.withLane(async (lane) => {
            await lane.submit(Navigate(`${file.server.origin}/person?id=${id}&chaos=1`), { timeoutMs: 60_000 });
            return lane.submit(readPersonName, { timeoutMs: 60_000 });
          });
        } catch (error) {
          answer.error = error;
        }
        answer.count++;
      }
    };
    try {
      await Promise.all([worker(), worker()]);
    } finally {
      done = true;
      await killer;
    }
    const wallMs = performance.now() - started;
    const health = supervisor.health();
    await supervisor.stop();
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    console.log(
      `chaos: ${pages.length} pages at 2 lanes in ${Math.round(wallMs)} ms with ${kills} kills, ${health.restarts} restarts; ` +
        `median launch+restore ${Math.round(median(readies.map((r) => r.launchMs)))} ms, median downtime ${Math.round(median(readies.map((r) => r.downtimeMs)))} ms`,
    );

    // Every page answered exactly once, with its own content.
    expect([...answers.values()].filter((a) => a.error !== undefined).map((a) => String(a.error))).toEqual([]);
    expect(pages.map((id) => answers.get(id)?.name)).toEqual(pages.map((id) => `Person ${id}`));
    expect(pages.map((id) => answers.get(id)?.count)).toEqual(pages.map(() => 1));
    expect(ends.size).toBe(2 * pages.length);
    expect([...ends.values()].every((n) => n === 1)).toBe(true);
    // Executed at the server at least once each (navigations are idempotent: a re-run after a kill is allowed).
    expect(pages.filter((id) => file.server.count(`/person?id=${id}&chaos=1`) < 1)).toEqual([]);
    // The kills really happened during the run, and the supervisor kept going.
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(health.restarts).toBeGreaterThanOrEqual(1);
    // No orphan: no browser main process left, no zombie of ours.
    expect(file.browserMains()).toEqual([]);
    expect(listProcesses().filter((p) => p.state === 'Z' && p.ppid === process.pid)).toEqual([]);
  }, 300_000);
});
