/**
 * `npm run bench:recovery` — how fast a supervised session comes back after its browser is
 * SIGKILLed, next to the cold start of a bare browser, measured in the same run:
 *  - cold start: a fresh BrowserActor on real Chromium, from `start()` to the answer of its first
 *    task (ExecuteJS `1 + 1`);
 *  - recovery: a SessionSupervisor with a signed-in session (an HttpOnly session cookie set by a
 *    local server, plus a local-storage item); the browser's main process is SIGKILLed and a task
 *    is submitted at once; measured from the kill to that task's answer, which comes from the new
 *    browser after the backoff delay, the launch, the session restore and its verification;
 *  - recovery with a standby browser (`standby: true`): the same, where the next browser was
 *    launched while the killed one served, so only the restore and its verification remain.
 * Rounds alternate the three, and the figures are medians. Flags: `--quick`, `--json`.
 */
import { type Server, createServer } from 'node:http';
import { listenOnLoopback } from '../src/internal/loopback-server.js';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { signalProcess } from '../src/drivers/process-tree.js';
import { BrowserActor } from '../src/runtime/actor/browser-actor.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { ExecuteJS, GetCookies, Navigate } from '../src/runtime/tasks/constructors.js';
import { median, textLog } from './report.js';

const quick = process.argv.includes('--quick');
const asJson = process.argv.includes('--json');
const ROUNDS = quick ? 3 : 7;

const log = textLog(asJson);

/** A site with a sign-in that sets an HttpOnly session cookie, on 127.0.0.1. */
async function startSite(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/sign-in') res.setHeader('set-cookie', 'session=bench-session-id; HttpOnly; Path=/; Max-Age=3600');
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>Bench</title><p>ok</p>');
  });
  server.keepAliveTimeout = 1000;
  return listenOnLoopback(server);
}

async function coldStart(): Promise<number> {
  const actor = new BrowserActor({ driver: () => new PlaywrightDriver() });
  const start = performance.now();
  await actor.start();
  await actor.submit(ExecuteJS('return 1 + 1'));
  const ms = performance.now() - start;
  await actor.stop();
  return ms;
}

interface Recovery {
  readonly totalMs: number;
  readonly backoffMs: number;
  readonly launchAndRestoreMs: number;
}

async function recovery(supervisor: SessionSupervisor): Promise<Recovery> {
  const pid = supervisor.browser?.pid;
  if (!pid) throw new Error('no browser pid');
  let backoffMs = 0;
  let launchAndRestoreMs = 0;
  const offRestarting = supervisor.on('restarting', (e) => (backoffMs = e.delayMs));
  const offReady = supervisor.on('ready', (e) => (launchAndRestoreMs = e.launchMs));
  const start = performance.now();
  signalProcess(pid, 'SIGKILL');
  const cookies = await supervisor.submit(GetCookies(['session']));
  const totalMs = performance.now() - start;
  offRestarting();
  offReady();
  if (cookies[0]?.value !== 'bench-session-id') throw new Error('the session cookie was not restored');
  if (supervisor.browser?.pid === pid) throw new Error('the task was answered by the killed browser');
  return { totalMs, backoffMs, launchAndRestoreMs };
}

/** A supervisor with a signed-in session (session cookie + local storage), ready to be killed. */
async function signedInSupervisor(origin: string, standby = false): Promise<SessionSupervisor> {
  // Rounds are seconds apart; a 1 s stable period makes each kill an isolated fault (first
  // backoff window, 0–100 ms), as crashes minutes apart would be with the default 60 s.
  const supervisor = new SessionSupervisor({ driver: () => new PlaywrightDriver(), stablePeriodMs: 1000, standby });
  await supervisor.startActor();
  await supervisor.submit(Navigate(`${origin}/sign-in`));
  await supervisor.submit(ExecuteJS('localStorage.setItem("prefs", "dark")'));
  return supervisor;
}

async function main(): Promise<void> {
  const site = await startSite();
  try {
    await coldStart(); // warm the disk cache for both contenders alike
    const cold: number[] = [];
    const rec: Recovery[] = [];
    const standby: number[] = [];
    // Each measurement runs with no other browser of ours alive: the cold start after the
    // previous supervisor has stopped, the recovery in a supervisor started for the round.
    for (let round = 0; round < ROUNDS; round++) {
      cold.push(await coldStart());
      const supervisor = await signedInSupervisor(site.origin);
      try {
        rec.push(await recovery(supervisor));
        // The restored session must still hold the local-storage item on its origin.
        await supervisor.submit(Navigate(`${site.origin}/`));
        if ((await supervisor.submit(ExecuteJS('return localStorage.getItem("prefs")'))) !== 'dark')
          throw new Error('local storage was not restored');
      } finally {
        await supervisor.stop({ timeoutMs: 10_000 });
      }
      const withStandby = await signedInSupervisor(site.origin, true);
      try {
        // The standby launches once the first browser serves; the kill waits until it is up.
        while (withStandby.health().standby !== 'ready') await new Promise((resolve) => setTimeout(resolve, 20));
        standby.push((await recovery(withStandby)).totalMs);
      } finally {
        await withStandby.stop({ timeoutMs: 10_000 });
      }
    }
    const coldMs = median(cold);
    const recMs = median(rec.map((r) => r.totalMs));
    const result = {
      rounds: ROUNDS,
      coldStartMs: Math.round(coldMs),
      recoveryMs: Math.round(recMs),
      ratio: Number((recMs / coldMs).toFixed(3)),
      recoveryBackoffMs: Math.round(median(rec.map((r) => r.backoffMs))),
      recoveryLaunchAndRestoreMs: Math.round(median(rec.map((r) => r.launchAndRestoreMs))),
      coldStartRoundsMs: cold.map(Math.round),
      recoveryRoundsMs: rec.map((r) => Math.round(r.totalMs)),
      standbyRecoveryMs: Math.round(median(standby)),
      standbyRatio: Number((median(standby) / coldMs).toFixed(3)),
      standbyRoundsMs: standby.map(Math.round),
      goal: 'recovery ≤ 1.2 × cold start',
    };
    if (asJson) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      log(`Recovery after SIGKILL vs bare cold start (real Chromium, ${ROUNDS} alternating rounds, medians)`);
      log(
        `  bare cold start (launch → first task answered):            ${result.coldStartMs} ms   rounds ${result.coldStartRoundsMs.join(', ')}`,
      );
      log(
        `  recovery (SIGKILL → first task answered, session restored): ${result.recoveryMs} ms   rounds ${result.recoveryRoundsMs.join(', ')}`,
      );
      log(`    of which backoff delay (full jitter, base 100 ms):         ${result.recoveryBackoffMs} ms`);
      log(`    of which launch + restore + verification:                 ${result.recoveryLaunchAndRestoreMs} ms`);
      log(`  ratio recovery / cold start: ${result.ratio.toFixed(2)}×   (goal ≤ 1.2×: ${result.ratio <= 1.2 ? 'met' : 'NOT met'})`);
      log(
        `  recovery with a standby browser (standby: true):           ${result.standbyRecoveryMs} ms   rounds ${result.standbyRoundsMs.join(', ')}   (${result.standbyRatio.toFixed(2)}× cold start)`,
      );
    }
  } finally {
    await site.close();
  }
}

await main();
