import { fileURLToPath } from 'node:url';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowserActor } from '../../src/compose.js';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { isAlive, processesWithMarker, waitFor } from '../../src/drivers/process-tree.js';
import { ActorCrashedError, BrowserNotFoundError, TaskTimeoutError } from '../../src/errors.js';
import { pngSize } from '../../src/internal/png.js';
import type { BrowserActor } from '../../src/runtime/actor/browser-actor.js';
import {
  CurrentUrl,
  ExecuteJS,
  ExportCookies,
  GetCookies,
  ImportCookies,
  Navigate,
  Screenshot,
} from '../../src/runtime/tasks/constructors.js';
import type { Task } from '../../src/runtime/tasks/types.js';
import { type FixtureServer, refusedUrl, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite, holdImage } from '../support/fixture-site.js';
import { leftoversUnder } from '../support/leftovers.js';

// import.meta.dirname needs Node 20.11; the package supports Node 20.3 and later.
const here = dirname(fileURLToPath(import.meta.url));

let server: FixtureServer;
let refused: string;
let root: string;
const actors: BrowserActor[] = [];

function actor(options: Parameters<typeof createBrowserActor>[0] = {}): BrowserActor {
  const a = createBrowserActor({ ...options, browser: { tmpRoot: root, ...options.browser } });
  actors.push(a);
  return a;
}

beforeAll(async () => {
  server = await startFixtureServer(fixtureSite);
  refused = await refusedUrl();
  root = mkdtempSync(join(browserDirsRoot(), 'integration-'));
});

afterAll(async () => {
  await Promise.all(actors.map((a) => a.stop()));
  await server.close();
  expect(await leftoversUnder(root)).toEqual([]);
  rmdirSync(root);
});

/** A task's answer as comparable data: results as they are, errors by code and message without ids. */
async function outcome(a: BrowserActor, task: Task, timeoutMs?: number): Promise<unknown> {
  try {
    const result = await a.submit(task, timeoutMs === undefined ? {} : { timeoutMs });
    if (result instanceof Uint8Array) return { png: pngSize(result), sha256: createHash('sha256').update(result).digest('hex') };
    return { result };
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { code: e.code, message: e.message.replace(/actor-\d+(:\d+)?/g, '<id>') };
  }
}

describe('BrowserActor on real Chromium', () => {
  it('gives identical results in actor mode and direct mode for the same task script', async () => {
    const o = server.origin;
    const script: [Task, number?][] = [
      [Navigate(`${o}/set-cookies`)],
      [CurrentUrl()],
      [ExecuteJS('return document.title')],
      [ExecuteJS('return arguments[0].map((n) => n * 2)', [[1, 2, 3]])],
      [ExecuteJS('localStorage.setItem("k", "v")')],
      [GetCookies()],
      [GetCookies(['plain', 'no-such-cookie'])],
      [ExportCookies({ format: 'json' })],
      [ExportCookies({ format: 'netscape' })],
      [ExportCookies({ format: 'storage-state' })],
      [ImportCookies([{ name: 'imported', value: 'yes', url: `${o}/` }])],
      [Navigate(`${o}/echo-cookies`)],
      [ExecuteJS('return document.title.replace("cookies:", "").split("; ").sort()')],
      [Navigate(`${o}/tall`)],
      [Screenshot()],
      [Screenshot({ fullPage: true })],
      [ExecuteJS('throw new RangeError("out of range")')],
      [ExecuteJS('return a b')],
      [ExecuteJS('return window')],
      [ExecuteJS('return { when: new Date(0) }')],
      [ExecuteJS('return "x".repeat(100)')],
      [Navigate(refused)],
      [Navigate('http://no-such-host.invalid/')],
      [ExecuteJS('while (true) {}'), 300],
      [ExecuteJS('await new Promise(() => {})'), 300],
      [ExecuteJS('return 1 + 1')],
      [Navigate('javascript:void 0')],
      [{ type: 'Nope' } as unknown as Task],
    ];
    const runs: unknown[][] = [];
    for (const actorMode of [true, false]) {
      const a = actor({ actorMode });
      await a.start();
      const results: unknown[] = [];
      for (const [task, timeoutMs] of script) {
        // A timed-out script keeps the actor busy until the browser confirms it stopped; each task
        // starts on an idle actor, so that a loaded machine cannot turn "timed out while running"
        // into "timed out while queued" in one mode only.
        await a.idle();
        results.push(await outcome(a, task, timeoutMs));
      }
      runs.push(results);
      await a.stop();
    }
    const [actorRun, directRun] = runs as [unknown[], unknown[]];
    for (let i = 0; i < script.length; i++) {
      expect(directRun[i], `task ${i} (${script[i]![0].type})`).toEqual(actorRun[i]);
    }
    // And the answers are the right ones, not merely equal.
    expect(actorRun[2]).toEqual({ result: 'Cookies set' });
    expect(actorRun[3]).toEqual({ result: [2, 4, 6] });
    expect(actorRun[6]).toMatchObject({ result: [{ name: 'plain', value: 'one', httpOnly: false }] });
    expect(actorRun[12]).toEqual({ result: ['imported=yes', 'plain=one', 'secret=s3cr3t-value', 'strict=three'] });
    expect(actorRun[15]).toMatchObject({ png: { width: 1280, height: 3000 } });
    expect(actorRun[16]).toEqual({ code: 'ERR_SCRIPT', message: 'The script threw RangeError: out of range' });
    expect(actorRun[17]).toMatchObject({ code: 'ERR_SCRIPT' });
    expect(actorRun[19]).toMatchObject({
      code: 'ERR_RESULT_NOT_SERIALIZABLE',
      message: expect.stringContaining('result.when is a Date') as unknown,
    });
    expect(actorRun[21]).toMatchObject({
      code: 'ERR_NAVIGATION',
      message: expect.stringContaining('net::ERR_CONNECTION_REFUSED') as unknown,
    });
    expect(actorRun[22]).toMatchObject({
      code: 'ERR_NAVIGATION',
      message: expect.stringContaining('net::ERR_NAME_NOT_RESOLVED') as unknown,
    });
    expect(actorRun[23]).toMatchObject({ code: 'ERR_TASK_TIMEOUT' });
    expect(actorRun[24]).toMatchObject({ code: 'ERR_TASK_TIMEOUT' });
    expect(actorRun[25]).toEqual({ result: 2 });
    expect(actorRun[26]).toMatchObject({ code: 'ERR_INVALID_TASK' });
    expect(actorRun[27]).toMatchObject({ code: 'ERR_INVALID_TASK' });
  });

  it('terminates a runaway script at its deadline in the page, answers on time, and keeps serving', async () => {
    const a = actor({ actorMode: true });
    const faults: string[] = [];
    a.on('fault', (f) => faults.push(f.kind));
    await a.start();
    await a.submit(Navigate(`${server.origin}/`));
    await a.submit(ExecuteJS('window.marker = 41'));
    const started = performance.now();
    const error = await a.submit(ExecuteJS('while (true) {}'), { timeoutMs: 500 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(1500);
    // Same tab, same document: the page stayed usable, it was not replaced.
    expect(await a.submit(ExecuteJS('return window.marker + 1'))).toBe(42);
    expect(faults).toEqual([]);
    await a.stop();
  });

  it("keeps images out by limits.block; a Navigate's own block wins", async () => {
    const a = actor({ limits: { block: ['image'] } });
    await a.start();
    const key = `actor-${randomUUID()}`;
    const image = holdImage(key);
    let asked = false;
    void image.seen.then(() => (asked = true));
    // Answers at 'load' although the server holds the image: the tab never asked for it.
    expect(await a.submit(Navigate(`${server.origin}/held-image-page?key=${key}`))).toMatchObject({ status: 200 });
    expect(await a.submit(ExecuteJS('return document.images[0].complete && document.images[0].naturalWidth === 0'))).toBe(true);
    expect(asked).toBe(false);
    const loading = a.submit(Navigate(`${server.origin}/held-image-page?key=${key}`, { block: [] }));
    await image.seen;
    image.release();
    expect(await loading).toMatchObject({ status: 200 });
    await a.stop();
    expect(() => createBrowserActor({ limits: { block: ['image'] }, browser: { driver: 'webdriver' } })).toThrow(
      /limits.block needs the Playwright driver/,
    );
  });

  it('cancels a running script on abort; a task cancelled while queued never runs', async () => {
    const a = actor({ actorMode: true });
    await a.start();
    await a.submit(Navigate(`${server.origin}/`));
    const running = new AbortController();
    const queued = new AbortController();
    // A synchronous request tells the server the script is running before it enters its loop,
    // so the abort below lands on a running script, however slow the machine.
    const looping = server.waitForRequest((p) => p === '/landed?looping');
    const first = a.submit(
      ExecuteJS("window.ran1 = true; const x = new XMLHttpRequest(); x.open('GET', '/landed?looping', false); x.send(); while (true) {}"),
      { signal: running.signal },
    );
    const second = a.submit(ExecuteJS('window.ran2 = true'), { signal: queued.signal });
    const reason1 = new Error('stop the loop');
    const reason2 = new Error('not needed');
    queued.abort(reason2);
    void looping.then(() => running.abort(reason1));
    await expect(second).rejects.toBe(reason2);
    await expect(first).rejects.toBe(reason1);
    expect(await a.submit(ExecuteJS('return [window.ran1 === true, window.ran2 === true]'))).toEqual([true, false]);
    expect(a.stats()).toMatchObject({ cancelled: 2, inFlight: 0, queued: 0 });
    await a.stop();
  });

  it('answers a running task at once when the browser is killed, and leaves no process behind', async () => {
    const a = actor({ actorMode: true });
    await a.start();
    const pid = a.browser?.pid;
    expect(pid).toBeGreaterThan(1);
    await a.submit(Navigate(`${server.origin}/`));
    const pending = a.submit(ExecuteJS('await new Promise(() => {})'), { timeoutMs: 30_000 });
    const queued = a.submit(CurrentUrl(), { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    process.kill(-pid!, 'SIGKILL');
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorCrashedError);
    expect((error as ActorCrashedError).details['maybeExecuted']).toBe(true);
    expect(performance.now() - started).toBeLessThan(3000); // not its 30 s deadline
    await expect(queued).rejects.toMatchObject({ code: 'ERR_ACTOR_CRASHED', details: { maybeExecuted: false } });
    expect(a.state).toBe('crashed');
    await a.stop();
    expect(isAlive(pid!)).toBe(false);
  });

  it('answers a task at once when its tab crashes, and serves the next task in a new tab', async () => {
    const a = actor({ actorMode: true, limits: { allowedSchemes: ['http:', 'https:', 'about:', 'chrome:'] } });
    const faults: string[] = [];
    a.on('fault', (f) => faults.push(f.kind));
    await a.start();
    await a.submit(Navigate(`${server.origin}/`));
    const started = performance.now();
    const error = await a.submit(Navigate('chrome://crash'), { timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorCrashedError);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(faults).toContain('page-crashed');
    expect(await a.submit(Navigate(`${server.origin}/landed`))).toEqual({ url: `${server.origin}/landed`, status: 200 });
    expect(a.state).toBe('ready');
    await a.stop();
  });

  it('fails to start with a clear ERR_BROWSER_NOT_FOUND when Chromium is missing', async () => {
    const a = actor({ env: { CHROMIUM_PATH: '/nonexistent/chromium' } });
    const error = await a.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrowserNotFoundError);
    expect((error as Error).message).toMatch(
      /Chromium not found at \/nonexistent\/chromium \(CHROMIUM_PATH\).*sudo apt-get install chromium/,
    );
    expect(a.state).toBe('failed');
  });

  it('writes none of the session to disk: pages visited, cookies and local storage stay in memory', async () => {
    const token = `tok${Date.now().toString(36)}x${process.pid}`;
    const a = actor();
    await a.start();
    await a.submit(ImportCookies([{ name: 'imported', value: `${token}-cookie`, url: server.origin, httpOnly: true }]));
    await a.submit(Navigate(`${server.origin}/inline-cookie?v=${token}-page`));
    expect(await a.submit(ExecuteJS('return localStorage.inline'))).toBe(`${token}-page`);
    // An on-disk profile had the page's URL in its disk cache within 1 s and the local storage
    // within 5 s; this looks after 3 s, in every file of every browser directory under the root.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const holding = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((name) => {
      const stat = statSync(join(root, name), { throwIfNoEntry: false });
      return stat?.isFile() === true && stat.size < 64 * 1024 * 1024 && readFileSync(join(root, name)).includes(token);
    });
    expect(holding).toEqual([]);
    expect(await a.submit(GetCookies(['imported', 'inline']))).toHaveLength(2); // still there, in memory
    await a.stop();
  });

  it('removes directories a dead owner left behind when the next browser starts', async () => {
    const stale = join(root, 'b-999999999-stale');
    mkdirSync(join(stale, 'profile'), { recursive: true });
    expect(isAlive(999_999_999)).toBe(false);
    const a = actor();
    await a.start();
    expect(readdirSync(root)).not.toContain('b-999999999-stale');
    await a.stop();
  });
});

describe('a process that dies without cleaning up', () => {
  it('takes its browser with it (pipe transport), and the next start removes its files', async () => {
    const { spawn } = await import('node:child_process');
    const childRoot = mkdtempSync(join(root, 'child-'));
    const child = spawn(process.execPath, [join(here, '..', 'support', 'child-actor.mjs')], {
      env: { ...process.env, BROWSER_ACTOR_TMPDIR: childRoot },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /browser-pid (\d+)/.exec(text);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    expect(processesWithMarker(childRoot).length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const started = performance.now();
    while (isAlive(pid) && performance.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(pid)).toBe(false);
    // Every process of that browser goes (the crash handler about a second after the browser)…
    expect(await waitFor(() => processesWithMarker(childRoot).length === 0, 5000)).toBe(true);
    // …but the SIGKILLed owner could not remove its directory.
    expect(readdirSync(childRoot).filter((name) => name.startsWith('b-'))).toHaveLength(1);
    // The next browser started under the same root sweeps it.
    const a = actor({ browser: { tmpRoot: childRoot } });
    await a.start();
    await a.stop();
    expect(await leftoversUnder(childRoot)).toEqual([]);
    rmdirSync(childRoot);
  });
});
