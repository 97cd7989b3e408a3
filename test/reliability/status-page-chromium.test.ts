import { execFile } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { PlaywrightDriver } from '../../src/drivers/playwright/playwright-driver.js';
import { isAlive, signalProcess, waitFor } from '../../src/drivers/process-tree.js';
import { type Metrics, createMetrics } from '../../src/observability/metrics.js';
import { type MetricsServer, startMetricsServer } from '../../src/observability/metrics-server.js';
import { type WorkDispatcher, createWorkDispatcher } from '../../src/runtime/dispatch/work-dispatcher.js';
import { SessionSupervisor } from '../../src/runtime/supervisor/session-supervisor.js';
import { ExecuteJS, Navigate } from '../../src/runtime/tasks/constructors.js';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite } from '../support/fixture-site.js';
import { leftoversUnder } from '../support/leftovers.js';
import { launchViewer } from '../support/viewer.js';

/**
 * The live status page, loaded in real Chromium while a job runs: a supervisor on real Chromium
 * and a dispatcher with two worker processes (on the Fake browser, to keep the file quick). A
 * task in flight, a SIGKILLed browser and a SIGKILLed worker must each show on the page without
 * reloading it, and `browser-actor status` must print the same.
 */

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '..', '..', 'dist', 'cli', 'main.js');
const driverModule = fileURLToPath(new URL('../support/fake-worker-driver.mjs', import.meta.url));

/** The little of the page's DOM the checks use (the tests are compiled without DOM types). */
interface InPage {
  readonly document: { querySelector(selector: string): { readonly textContent: string | null } | null };
}

let site: FixtureServer;
let root: string;
let supervisor: SessionSupervisor;
let dispatcher: WorkDispatcher;
let metrics: Metrics;
let endpoint: MetricsServer;
let viewer: Browser;
let closeViewer: (() => Promise<void>) | undefined;

beforeAll(async () => {
  site = await startFixtureServer(fixtureSite);
  root = mkdtempSync(join(browserDirsRoot(), 'status-'));
  supervisor = new SessionSupervisor({
    id: 'research',
    lanes: 2,
    driver: () => new PlaywrightDriver({ tmpRoot: root }),
    backoff: { baseMs: 50 },
  });
  dispatcher = createWorkDispatcher({
    id: 'pool',
    workers: 2,
    driverModule,
    backoff: { baseMs: 50 },
    heartbeat: { intervalMs: 200, timeoutMs: 3000 },
  });
  metrics = createMetrics();
  metrics.watch({ executors: [supervisor, dispatcher] });
  endpoint = await startMetricsServer(metrics, { port: 0 });
  await Promise.all([supervisor.startActor(), dispatcher.start()]);
  ({ browser: viewer, close: closeViewer } = await launchViewer());
}, 60_000);

afterAll(async () => {
  await closeViewer?.();
  metrics?.close();
  await endpoint?.close();
  await Promise.all([supervisor?.kill(), dispatcher?.kill()]);
  await site?.close();
  expect(await leftoversUnder(root)).toEqual([]);
  rmdirSync(root);
});

describe('the status page in real Chromium', () => {
  it('shows each actor and worker live: a task in flight, then a killed browser and a killed worker as restarts with their faults; `browser-actor status` prints the same', async () => {
    const page = await viewer.newPage();
    await page.goto(endpoint.statusUrl);
    const cell = (row: string, field: string) => page.locator(`${row} [data-field="${field}"]`);
    const actor = '[data-actor="research"]';
    const worker = (i: number) => `[data-dispatcher="pool"] [data-worker="${i}"]`;
    const shows = async (row: string, field: string, text: RegExp): Promise<void> => {
      // Checked in the page on every animation frame until true (a function, as the page's CSP forbids eval).
      await page.waitForFunction(
        ({ selector, source }) =>
          new RegExp(source).test((globalThis as unknown as InPage).document.querySelector(selector)?.textContent ?? ''),
        { selector: `${row} [data-field="${field}"]`, source: text.source },
        { timeout: 15_000 },
      );
    };

    await shows(actor, 'state', /^healthy$/);
    expect(await cell(actor, 'restarts').textContent()).toBe('0');
    expect(await cell(actor, 'lanes').textContent()).toBe('0/2');
    expect(await cell(actor, 'lastFault').textContent()).toBe('none');
    await shows(worker(0), 'state', /^ready$/);
    await shows(worker(1), 'state', /^ready$/);
    expect(await page.locator('[data-dispatcher="pool"] [data-worker]').count()).toBe(2);

    // A task in flight shows with its type and lane; the answered ones as throughput.
    await supervisor.submit(Navigate(`${site.origin}/`));
    const slow = supervisor.submit(Navigate(`${site.origin}/slow?ms=4000`));
    slow.catch(() => undefined); // awaited below; a failed check before then must not leave it unhandled
    await shows(actor, 'running', /^Navigate on lane \d for \d+ s/);
    expect(await cell(actor, 'lanes').textContent()).toBe('1/2');
    await shows(actor, 'lastMinute', /^1$/);
    await slow;

    // The browser is SIGKILLed: the page shows the restart and why, without being reloaded.
    const browserPid = supervisor.health().browserPid;
    expect(browserPid).not.toBeNull();
    expect(signalProcess(browserPid as number, 'SIGKILL')).toBe(true);
    await supervisor.submit(ExecuteJS('return 1', [], { idempotent: true }));
    await shows(actor, 'restarts', /^1$/);
    await shows(actor, 'lastFault', /^browser-disconnected, \d+ s ago: /);
    await shows(actor, 'state', /^healthy$/);

    // A worker process is SIGKILLed: its row shows the restart and the exit.
    const workerPid = dispatcher.stats().workers[0]?.pid;
    expect(workerPid).toBeTypeOf('number');
    expect(signalProcess(workerPid as number, 'SIGKILL')).toBe(true);
    await shows(worker(0), 'restarts', /^1$/);
    await shows(worker(0), 'lastFault', /^worker-exit, \d+ s ago: exited \(SIGKILL\)/);
    await shows(worker(0), 'state', /^ready$/);
    await shows(worker(0), 'pid', new RegExp(`^(?!${String(workerPid)}$)\\d+$`));
    expect(await cell(worker(1), 'restarts').textContent()).toBe('0');
    await dispatcher.submit(Navigate('http://127.0.0.1:18090/person?id=1'));
    await page.waitForFunction(
      () =>
        (globalThis as unknown as InPage).document
          .querySelector('[data-dispatcher="pool"] p')
          ?.textContent?.includes('1 tasks in the last minute') ?? false,
      undefined,
      { timeout: 15_000 },
    );

    // The terminal view of the same job (the built CLI, run while this process serves the endpoint).
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'status', '--port', String(endpoint.port)], { timeout: 30_000 });
    expect(stdout).toMatch(new RegExp(`^browser-actor status at http://127\\.0\\.0\\.1:${endpoint.port} — process ${process.pid}, `));
    expect(stdout).toMatch(/^research +healthy +\d+ s +1 +0 +0\/2 +0 +\d+ +idle +browser-disconnected, \d+ s ago: /m);
    expect(stdout).toMatch(/^dispatcher pool: queued 0 \(by priority [\d, ]+\), deferred 0, in flight 0, 1 tasks in the last minute$/m);
    expect(stdout).toMatch(
      /^0 +\d+ +ready +\d+ s +1 +healthy, 0 restart\(s\) +0\/1 +0 +\d +idle +worker-exit, \d+ s ago: exited \(SIGKILL\)$/m,
    );
    expect(stdout).toMatch(/^1 +\d+ +ready +\d+ s +0 +healthy, 0 restart\(s\) +0\/1 +0 +\d +idle +none$/m);

    // The job ends: the page says so instead of showing stale numbers as live.
    await endpoint.close();
    await page.waitForSelector('#problem:not([hidden])', { timeout: 15_000 });
    expect(await page.locator('#problem').textContent()).toMatch(/^The job does not answer \(.+\): it may have ended\./);
    await page.close();
    expect(await waitFor(() => !isAlive(workerPid as number), 5000, 50)).toBe(true);
    expect(await waitFor(() => !isAlive(browserPid as number), 5000, 50)).toBe(true);
  });

  it('`browser-actor status` against nothing says what to check and exits 3', async () => {
    const r = await promisify(execFile)(process.execPath, [cli, 'status', '--port', '1'], { timeout: 30_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /ERR_INVALID_CONFIG: http:\/\/127\.0\.0\.1:1\/status\.json: nothing answers there\. Is a job running with --metrics-port on that port\?/,
    );
  });
});
