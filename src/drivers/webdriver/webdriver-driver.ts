import { type ChildProcess, spawn } from 'node:child_process';
import chrome from 'selenium-webdriver/chrome.js';
import http from 'selenium-webdriver/http/index.js';
import {
  BrowserActorError,
  BrowserLaunchError,
  DriverError,
  DriverTimeoutError,
  InvalidTaskError,
  NavigationError,
  targetClosedError,
} from '../../errors.js';
import { systemClock, within } from '../../internal/clock.js';
import { freePort } from '../../internal/free-port.js';
import { webdriverReady } from '../../internal/webdriver-status.js';
import { redactUrl } from '../../internal/redact.js';
import { TypedEmitter } from '../../internal/typed-emitter.js';
import type { BlockedResource, ChromiumOptions, Cookie, CookieInput, NavigateResult, StorageState, WaitUntil } from '../browser-types.js';
import { type BrowserDirs, createBrowserDirs, sweepStaleBrowserDirs } from '../browser-dirs.js';
import { type OwnBrowser, killOwnBrowser, liveProcessesUnder, reapOwnBrowser } from '../browser-reaper.js';
import { withDeadline } from '../deadline.js';
import type {
  BrowserInfo,
  Driver,
  DriverCapabilities,
  DriverEvent,
  DriverOpOptions,
  EvaluateOutcome,
  EvaluateRequest,
  NewPageOptions,
  PageId,
} from '../driver.js';
import { forgetBrowser, rememberBrowser } from '../exit-cleanup.js';
import { BoundedHttpClient } from './bounded-http.js';
import {
  PRIMITIVES_INIT,
  type RuntimeEvaluateReply,
  buildEvaluateExpression,
  contextGone,
  outcomeOfRuntimeEvaluate,
} from '../page-script.js';
import { REQUIRED_CHROMIUM_FLAGS, findChromedriver, findChromium } from '../find-chromium.js';
import { isAlive, processesWithMarker, rssBytesOf } from '../process-tree.js';

/** The largest answer read from a WebDriver endpoint. */
const MAX_WEBDRIVER_ANSWER_BYTES = 128 * 1024 * 1024;

/** Options of the WebDriver driver: Chromium's (`executablePath` and `tmpRoot` apply in local mode only), and where WebDriver runs. */
export interface WebDriverDriverOptions extends ChromiumOptions {
  /**
   * A W3C WebDriver endpoint to create the session at, for example a Selenium Grid
   * (`http://grid:4444`). Unset: start `chromedriver` here, on a free loopback port.
   */
  readonly url?: string;
  /** Local mode: chromedriver executable. Default `$CHROMEDRIVER_PATH`, else `chromedriver` on `PATH`. */
  readonly chromedriverPath?: string;
  /** The largest answer read from the endpoint; a larger one fails with ERR_DRIVER. Default 128 MiB. */
  readonly maxAnswerBytes?: number;
}

/** What WebDriver cannot do that CDP can (see {@link DriverCapabilities}). */
export const WEBDRIVER_CAPABILITIES: DriverCapabilities = {
  isolatedPages: false,
  stopsOnAbort: false,
  sessionVersion: false,
  replacesLastCrashedTab: false,
  blocksResources: false,
};

/** How long a command may still run after its operation's deadline before the session counts as wedged. */
const WEDGED_AFTER_MS = 1000;
/** Deadline of the commands that end a session (DELETE session) and of chromedriver's start. */
const END_SESSION_MS = 5000;
const SERVICE_START_MS = 10_000;
/** How often local mode checks that chromedriver and the browser are still alive. */
const LIVENESS_MS = 250;
// Read through CDP by value: WebDriver's execute_script would pass them through the page's own JSON.
const READ_LOCAL_STORAGE = `(() => { try { return [location.origin, Object.entries(localStorage)]; } catch (e) { return null; } })()`;
const READ_LOCATION = `(() => { const e = performance.getEntriesByType('navigation')[0]; return [location.href, e && e.responseStatus > 0 ? e.responseStatus : null]; })()`;

type Session = chrome.Driver;

interface PageEntry {
  readonly handle: string;
  crashed: boolean;
  /** Navigations and scripts queued or running in the tab now. */
  busy: number;
}

interface CdpCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  expires: number;
  httpOnly: boolean;
  secure: boolean;
  session?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
}

/**
 * Chromium through W3C WebDriver, on `selenium-webdriver`: locally through a chromedriver this
 * driver starts (and kills, with the browser, by process group), or remotely through any
 * WebDriver endpoint such as Selenium Grid 4.
 *
 * Tabs are window handles. A WebDriver session runs one command at a time on its current window,
 * so every operation here is queued on the session and switches to its tab first: lanes on this
 * driver take turns instead of running side by side. Cookies, the init script that captures the
 * page's built-ins, full-page screenshots and the viewport go through chromedriver's CDP command
 * endpoint (`goog/cdp/execute`), which Selenium Grid passes through to its node.
 *
 * Scripts run through CDP's `Runtime.evaluate`, whose timeout stops a script still running
 * synchronously at its deadline. A script that blocks the page after its first `await` cannot be
 * stopped that way, and a blocked page blocks every command of the session (DELETE session
 * included): a command still running a second after its deadline ends the browser, which is then
 * reported `disconnected` for the supervisor to replace.
 *
 * What differs from Playwright ({@link WEBDRIVER_CAPABILITIES}): no isolated tabs; an aborted
 * navigation or script is not stopped at once; no session-change counter; a crashed last tab
 * cannot be replaced.
 */
export class WebDriverDriver implements Driver {
  readonly name = 'webdriver';
  readonly capabilities = WEBDRIVER_CAPABILITIES;
  readonly #options: WebDriverDriverOptions;
  #session: Session | undefined;
  #dirs: BrowserDirs | undefined;
  #service: ChildProcess | undefined;
  /** Process group of the local chromedriver (and the browser it started). */
  #group: number | null = null;
  #browserPid: number | null = null;
  #pages = new Map<PageId, PageEntry>();
  /** Window handles not yet handed out as pages (the one the browser starts with). */
  #spare: string[] = [];
  #current: string | undefined;
  #nextPage = 1;
  /** The session's command queue: each operation runs after the one before it has settled. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Operations queued and not yet sent: each rejects its caller when the session is lost first. */
  readonly #queued = new Set<(error: Error) => void>();
  #pageLoadMs = -1;
  /** Set once the session is unusable (gone, or ended by us because a command wedged it). */
  #dead: string | undefined;
  #closing = false;
  #closePromise: Promise<void> | undefined;
  #liveness: NodeJS.Timeout | undefined;
  /** Last known local storage per origin. */
  #storage = new Map<string, { name: string; value: string }[]>();
  readonly #events = new TypedEmitter<{ event: DriverEvent }>();

  constructor(options: WebDriverDriverOptions = {}) {
    if (options.url !== undefined) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(options.url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !/^https?:$/.test(parsed.protocol)) {
        throw new DriverError(`The WebDriver URL must be an http(s) URL such as http://127.0.0.1:4444, got ${redactUrl(options.url)}`);
      }
    }
    this.#options = options;
  }

  get #remote(): boolean {
    return this.#options.url !== undefined;
  }

  get #viewport(): { readonly width: number; readonly height: number } {
    return this.#options.viewport ?? { width: 1280, height: 720 };
  }

  async launch(op: DriverOpOptions): Promise<BrowserInfo> {
    if (this.#session || this.#closing || this.#dirs) throw new DriverError('This driver was already launched; make a new one');
    const started = performance.now();
    const where = this.#remote ? `the WebDriver endpoint ${redactUrl(this.#options.url as string)}` : 'chromedriver';
    try {
      return await withDeadline('WebDriver session start', op, () => this.#start(op), { cancel: () => this.#killProcesses() });
    } catch (error) {
      this.#closing = true;
      await this.#reap();
      if (op.signal?.aborted) throw op.signal.reason;
      if (error instanceof BrowserActorError && error.code !== 'ERR_DRIVER') throw error;
      throw new BrowserLaunchError(
        `Chromium through ${where} failed to start after ${Math.round(performance.now() - started)}ms: ${firstLine(error)}`,
        { cause: error },
      );
    }
  }

  async #start(op: DriverOpOptions): Promise<BrowserInfo> {
    const env = this.#options.env ?? process.env;
    const viewport = this.#viewport;
    const options = new chrome.Options();
    const args = [...REQUIRED_CHROMIUM_FLAGS, `--window-size=${viewport.width},${viewport.height}`, ...(this.#options.args ?? [])];
    if (this.#options.headless ?? true) args.push('--headless=new');
    let serverUrl: string;
    if (this.#remote) {
      serverUrl = this.#options.url as string;
    } else {
      const chromium = findChromium(this.#options.executablePath, env);
      const chromedriver = findChromedriver(this.#options.chromedriverPath, env);
      sweepStaleBrowserDirs(this.#options.tmpRoot);
      const dirs = createBrowserDirs(this.#options.tmpRoot);
      this.#dirs = dirs;
      rememberBrowser(this, { pid: () => this.#group, root: dirs.root }, this.#options.handleSignals ?? true);
      args.push(`--user-data-dir=${dirs.profile}`);
      options.setChromeBinaryPath(chromium);
      serverUrl = await this.#startService(chromedriver, dirs, Math.min(op.timeoutMs, SERVICE_START_MS));
    }
    options.addArguments(...args);
    // "eager": a navigation answers at DOMContentLoaded; navigate() then waits for what its
    // `waitUntil` asks (see waitForLoad), so that pages whose images are slow need not wait for them.
    options.setPageLoadStrategy('eager');
    // Answers are read up to a bound: a full-page screenshot (16 MiB at most, base64 in JSON) fits many times over.
    const session = chrome.Driver.createSession(
      options,
      new http.Executor(new BoundedHttpClient(serverUrl, this.#options.maxAnswerBytes ?? MAX_WEBDRIVER_ANSWER_BYTES)),
    );
    // createSession returns at once; the session exists when its id does.
    await session.getSession();
    this.#session = session;
    const capabilities = await session.getCapabilities();
    const handle = await session.getWindowHandle();
    this.#current = handle;
    await this.#prepareTab();
    this.#spare.push(handle);
    if (this.#dirs) {
      this.#browserPid = this.#findBrowserPid(this.#dirs.profile);
      this.#watchLiveness();
    }
    return { name: 'chromium', version: String(capabilities.get('browserVersion') ?? 'unknown'), pid: this.#browserPid };
  }

  /**
   * Start chromedriver on a free loopback port, in a process group of its own led by a small
   * shell that also ends the group once our process is gone (even SIGKILLed): chromedriver and
   * the browser it starts never outlive us. TMPDIR and HOME point into the browser's directory.
   */
  async #startService(chromedriver: string, dirs: BrowserDirs, timeoutMs: number): Promise<string> {
    const port = await freePort();
    const script = `"$0" --port=${port} --allowed-ips=127.0.0.1 & while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -KILL 0`;
    const service = spawn('/bin/sh', ['-c', script, chromedriver], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, TMPDIR: dirs.tmp, HOME: dirs.home },
    });
    this.#service = service;
    this.#group = service.pid ?? null;
    const url = `http://127.0.0.1:${port}`;
    const until = performance.now() + timeoutMs;
    let ready = false;
    while (!ready && performance.now() < until) {
      if (service.exitCode !== null || service.signalCode !== null) throw new DriverError(`chromedriver (${chromedriver}) exited at once`);
      ready = await webdriverReady(url, 1000);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!ready) throw new DriverError(`chromedriver (${chromedriver}) did not answer on ${url} within ${timeoutMs}ms`);
    return url;
  }

  /** Each new tab: the init script that captures the page's built-ins, and the viewport. */
  async #prepareTab(): Promise<void> {
    const session = this.#requireSession();
    const viewport = this.#viewport;
    await session.sendAndGetDevToolsCommand('Page.addScriptToEvaluateOnNewDocument', { source: PRIMITIVES_INIT });
    await session.sendAndGetDevToolsCommand('Emulation.setDeviceMetricsOverride', {
      width: viewport.width,
      height: viewport.height,
      deviceScaleFactor: 1,
      mobile: false,
    });
  }

  /** Local mode: report a browser or chromedriver that died as `disconnected` within {@link LIVENESS_MS}. */
  #watchLiveness(): void {
    this.#liveness = setInterval(() => {
      const gone =
        (this.#browserPid !== null && !isAlive(this.#browserPid)) ||
        (this.#service !== undefined && (this.#service.exitCode !== null || this.#service.signalCode !== null));
      if (gone) this.#lost('the browser or chromedriver exited');
    }, LIVENESS_MS);
    this.#liveness.unref();
  }

  async newPage(op: DriverOpOptions, options: NewPageOptions = {}): Promise<PageId> {
    if (options.isolated) {
      throw new DriverError(
        'The WebDriver driver cannot open isolated tabs (one WebDriver session has one cookie jar): use the Playwright driver for isolateLanes',
      );
    }
    return this.#run('newPage', op, undefined, async (session) => {
      let handle = this.#spare.shift();
      if (handle === undefined) {
        // A new tab opens from the current window: make sure that one is alive.
        const current = [...this.#pages.values()].find((p) => p.handle === this.#current);
        if (current?.crashed || this.#current === undefined) {
          const live = [...this.#pages.values()].find((p) => !p.crashed);
          if (!live) throw targetClosedError('Every tab of this browser crashed: WebDriver cannot open a new tab without a live one');
          await session.switchTo().window(live.handle);
          this.#current = live.handle;
        }
        await session.switchTo().newWindow('tab');
        handle = await session.getWindowHandle();
        this.#current = handle;
        await this.#prepareTab();
      }
      const id = `page-${this.#nextPage++}`;
      this.#pages.set(id, { handle, crashed: false, busy: 0 });
      return id;
    });
  }

  async closePage(pageId: PageId, op: DriverOpOptions): Promise<void> {
    const entry = this.#pages.get(pageId);
    if (!entry || this.#dead || this.#closing) {
      this.#pages.delete(pageId);
      return;
    }
    await this.#run('closePage', op, undefined, async (session) => {
      this.#pages.delete(pageId);
      const others = [...this.#pages.values()].filter((p) => !p.crashed).length + this.#spare.length;
      if (others === 0 && !entry.crashed) {
        // Closing the last window ends a WebDriver session: keep it, blank, for the next tab.
        await this.#switch(session, entry.handle);
        await session.get('about:blank');
        this.#spare.push(entry.handle);
        return;
      }
      await this.#switch(session, entry.handle);
      await session.close();
      this.#current = undefined;
    });
  }

  async navigate(
    pageId: PageId,
    url: string,
    waitUntil: WaitUntil,
    op: DriverOpOptions,
    block: readonly BlockedResource[] = [],
  ): Promise<NavigateResult> {
    if (block.length > 0) {
      throw new InvalidTaskError(
        `Navigate.block (${block.join(', ')}) needs a driver that can keep a tab from loading resources, and the WebDriver driver cannot (WebDriver shows a client no request before it is sent); use the Playwright driver, or leave block out`,
      );
    }
    const entry = this.#requirePage(pageId);
    return this.#busy(entry, () =>
      this.#run('navigate', op, pageId, async (session) => {
        if (this.#pageLoadMs !== op.timeoutMs) {
          await session.manage().setTimeouts({ pageLoad: op.timeoutMs });
          this.#pageLoadMs = op.timeoutMs;
        }
        try {
          await session.get(url);
        } catch (error) {
          throw this.#navigationError(error, url);
        }
        await waitForLoad(session, waitUntil, op.timeoutMs);
        const [finalUrl, status] = await pageValue<[string, number | null]>(session, READ_LOCATION);
        return { url: finalUrl, status: finalUrl === 'about:blank' ? null : status };
      }),
    );
  }

  async currentUrl(pageId: PageId, op: DriverOpOptions): Promise<string> {
    this.#requirePage(pageId);
    return this.#run('currentUrl', op, pageId, (session) => session.getCurrentUrl());
  }

  async evaluate(pageId: PageId, request: EvaluateRequest, op: DriverOpOptions): Promise<EvaluateOutcome> {
    const entry = this.#requirePage(pageId);
    const expression = buildEvaluateExpression(request);
    return this.#busy(entry, () =>
      this.#run(
        'evaluate',
        op,
        pageId,
        async (session) => {
          // Through CDP (chromedriver's goog/cdp/execute), not WebDriver's execute_script: its
          // result comes back by value, not through the page's own (replaceable) JSON, and CDP's
          // timeout terminates a script still running synchronously at the deadline. A promise
          // that never settles loses the race against the page timer ('x').
          let reply: RuntimeEvaluateReply;
          try {
            reply = (await session.sendAndGetDevToolsCommand('Runtime.evaluate', {
              expression: `Promise.race([${expression}, new Promise((r) => setTimeout(r, ${op.timeoutMs}, 'x'))])`,
              returnByValue: true,
              awaitPromise: true,
              timeout: op.timeoutMs,
            })) as unknown as RuntimeEvaluateReply;
          } catch (error) {
            const message = firstLine(error);
            if (/Internal error/.test(message)) throw scriptTimeout(op.timeoutMs);
            if (contextGone(message)) {
              return { kind: 'script-error', name: 'Error', message: 'The page navigated or closed while the script was running' };
            }
            throw error;
          }
          if (reply.result.value === 'x') throw scriptTimeout(op.timeoutMs);
          return outcomeOfRuntimeEvaluate(reply);
        },
        true,
      ),
    );
  }

  async screenshot(pageId: PageId, options: { readonly fullPage: boolean }, op: DriverOpOptions): Promise<Uint8Array> {
    this.#requirePage(pageId);
    return this.#run('screenshot', op, pageId, async (session) => {
      let base64: string;
      if (options.fullPage) {
        const viewport = this.#viewport;
        const metrics = (await session.sendAndGetDevToolsCommand('Page.getLayoutMetrics', {})) as unknown as {
          cssContentSize: { height: number };
        };
        const height = Math.max(viewport.height, Math.ceil(metrics.cssContentSize.height));
        const shot = (await session.sendAndGetDevToolsCommand('Page.captureScreenshot', {
          format: 'png',
          captureBeyondViewport: true,
          clip: { x: 0, y: 0, width: viewport.width, height, scale: 1 },
        })) as unknown as { data: string };
        base64 = shot.data;
      } else {
        base64 = await session.takeScreenshot();
      }
      const bytes = Buffer.from(base64, 'base64');
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  async cookies(op: DriverOpOptions, scope?: PageId): Promise<Cookie[]> {
    if (scope !== undefined) this.#requirePage(scope);
    return this.#run('cookies', op, undefined, async (session) => this.#allCookies(session));
  }

  async #allCookies(session: Session): Promise<Cookie[]> {
    const reply = (await session.sendAndGetDevToolsCommand('Network.getAllCookies', {})) as unknown as { cookies: CdpCookie[] };
    return reply.cookies.map(toCookie);
  }

  async addCookies(cookies: readonly CookieInput[], op: DriverOpOptions, scope?: PageId): Promise<void> {
    if (scope !== undefined) this.#requirePage(scope);
    await this.#run('addCookies', op, undefined, async (session) => {
      await session.sendAndGetDevToolsCommand('Network.setCookies', { cookies: cookies.map((c) => ({ ...c })) });
    });
  }

  async storageState(op: DriverOpOptions, scope?: PageId): Promise<StorageState> {
    if (scope !== undefined) this.#requirePage(scope);
    return this.#run('storageState', op, undefined, async (session) => {
      const cookies = await this.#allCookies(session);
      // Each idle tab reports its origin's local storage; a busy one keeps the last known.
      for (const entry of this.#pages.values()) {
        if (entry.crashed || entry.busy > 0) continue;
        await this.#switch(session, entry.handle);
        const read = await pageValue<[string, [string, string][]] | null>(session, READ_LOCAL_STORAGE);
        if (!read) continue;
        const [origin, items] = read;
        if (/^https?:\/\//.test(origin))
          this.#storage.set(
            origin,
            items.map(([name, value]) => ({ name, value })),
          );
      }
      const origins = [...this.#storage]
        .filter(([, items]) => items.length > 0)
        .map(([origin, items]) => ({ origin, localStorage: items.map((i) => ({ ...i })) }));
      return { cookies, origins };
    });
  }

  async sessionVersion(_op: DriverOpOptions, scope?: PageId): Promise<number | null> {
    this.#requireSession();
    if (scope !== undefined) this.#requirePage(scope);
    return null;
  }

  close(op: DriverOpOptions): Promise<void> {
    this.#closePromise ??= (async () => {
      this.#closing = true;
      const session = this.#session;
      if (session && !this.#dead) {
        // Politely: DELETE session closes the browser; chromedriver then goes with the group.
        await within(
          systemClock,
          Math.min(op.timeoutMs, END_SESSION_MS),
          session.quit().catch(() => undefined),
        );
      }
      await this.#reap();
    })();
    return this.#closePromise;
  }

  kill(): Promise<void> {
    this.#closing = true;
    this.#killProcesses();
    this.#closePromise ??= (async () => {
      if (this.#remote && this.#session && !this.#dead) {
        await within(
          systemClock,
          END_SESSION_MS,
          this.#session.quit().catch(() => undefined),
        );
      }
      await this.#reap();
    })();
    return this.#closePromise;
  }

  rssBytes(): number | null {
    if (!this.#session || this.#closing || this.#dead || !this.#dirs) return null;
    let total = 0;
    for (const p of liveProcessesUnder(this.#dirs.root)) total += rssBytesOf(p.pid);
    if (this.#service?.pid !== undefined) total += rssBytesOf(this.#service.pid);
    return total;
  }

  onEvent(listener: (event: DriverEvent) => void): () => void {
    return this.#events.on('event', listener);
  }

  /**
   * Fault injection for reliability tests: crash the renderer of the open tab whose URL contains
   * `urlPart` (CDP `Page.crash`). Returns whether one was found.
   */
  async injectPageCrash(urlPart: string): Promise<boolean> {
    const session = this.#requireSession();
    for (const entry of this.#pages.values()) {
      if (entry.crashed) continue;
      const found = await this.#serial(async () => {
        await this.#switch(session, entry.handle);
        if (!(await session.getCurrentUrl()).includes(urlPart)) return false;
        // A crashing tab answers this command with "tab crashed": do not wait for more.
        await session.sendDevToolsCommand('Page.crash', {}).catch(() => undefined);
        return true;
      });
      if (found) return true;
    }
    return false;
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  /**
   * One operation: queued behind the session's other commands, switched to `pageId`'s tab, under
   * `op`'s deadline. A command still running {@link WEDGED_AFTER_MS} after its deadline (a page
   * in a synchronous loop blocks every command, and a timed-out or aborted command cannot be
   * stopped) means the session is wedged: the browser is ended and reported `disconnected`.
   */
  #run<T>(
    label: string,
    op: DriverOpOptions,
    pageId: PageId | undefined,
    work: (session: Session) => Promise<T>,
    isScript = false,
  ): Promise<T> {
    const session0 = this.#requireSession();
    const deadlineAt = performance.now() + op.timeoutMs;
    let cancelled = false;
    let running: Promise<unknown> | undefined;
    return withDeadline(
      label,
      op,
      () =>
        this.#serial(async () => {
          if (cancelled)
            throw new DriverTimeoutError(`${label} did not start within ${op.timeoutMs}ms (the browser was busy)`, {
              details: { timeoutMs: op.timeoutMs },
            });
          const session = this.#requireSession();
          const run = (async () => {
            if (pageId !== undefined) {
              const entry = this.#requirePage(pageId);
              await this.#switch(session, entry.handle);
            }
            return work(session);
          })();
          running = run;
          try {
            return await run;
          } catch (error) {
            throw this.#mapError(error, label, pageId);
          } finally {
            running = undefined;
          }
        }),
      {
        // Nothing here can stop the command (see cancel): reject at once, do not wait for it.
        settleGraceMs: 0,
        cancel: () => {
          cancelled = true;
          const inFlight = running;
          if (!inFlight) return;
          // WebDriver cannot stop a command: give it until its deadline (an abort comes earlier)
          // and a little more to end by itself; still running then, it has wedged the session.
          const waitMs = Math.max(0, deadlineAt - performance.now()) + WEDGED_AFTER_MS;
          void within(
            systemClock,
            waitMs,
            inFlight.then(
              () => true,
              () => true,
            ),
          ).then((ended) => {
            if (ended === undefined && this.#session === session0) {
              this.#wedged(
                `${label} was still running ${WEDGED_AFTER_MS}ms after its deadline${isScript ? ' (WebDriver cannot stop a running script)' : ''}`,
              );
            }
          });
        },
      },
    );
  }

  /**
   * Run `work` after every command queued before it has settled. Work still waiting when the
   * session is lost is rejected as never sent (see {@link #lost}).
   */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const abandon = (error: Error): void => {
        if (this.#queued.delete(abandon)) reject(error);
      };
      this.#queued.add(abandon);
      const run = async (): Promise<void> => {
        if (!this.#queued.delete(abandon)) return; // abandoned while it waited
        try {
          resolve(await work());
        } catch (error) {
          reject(error);
        }
      };
      this.#tail = this.#tail.then(run, run);
    });
  }

  async #busy<T>(entry: PageEntry, work: () => Promise<T>): Promise<T> {
    entry.busy++;
    try {
      return await work();
    } finally {
      entry.busy--;
    }
  }

  async #switch(session: Session, handle: string): Promise<void> {
    if (this.#current === handle) return;
    await session.switchTo().window(handle);
    this.#current = handle;
  }

  /** The session is wedged by a command that will not end: end the browser, and say so. */
  #wedged(reason: string): void {
    this.#killProcesses();
    if (this.#remote && this.#session)
      void within(
        systemClock,
        END_SESSION_MS,
        this.#session.quit().catch(() => undefined),
      );
    this.#lost(reason);
  }

  /**
   * The session is gone: later operations fail at once as target-closed, and `disconnected` is
   * reported once. Operations still queued behind a wedged command never reached the browser:
   * they fail first, marked `notSent` (the runtime then knows they did not run), and the event
   * follows.
   */
  #lost(reason: string): void {
    if (this.#dead) return;
    this.#dead = reason;
    clearInterval(this.#liveness);
    // Commands queued behind a wedged one would wait for ever: start a new queue.
    this.#tail = Promise.resolve();
    const waiting = [...this.#queued];
    for (const abandon of waiting) {
      abandon(
        new DriverError(`The browser was lost before this operation was sent to it: ${reason}`, {
          details: { targetClosed: true, notSent: true },
        }),
      );
    }
    if (this.#closing) return;
    const emit = (): void => this.#events.emit('event', { type: 'disconnected', reason });
    if (waiting.length === 0) emit();
    else setImmediate(emit);
  }

  #mapError(error: unknown, label: string, pageId: PageId | undefined): unknown {
    if (error instanceof BrowserActorError) return error;
    const message = firstLine(error);
    const name = errorName(error);
    if (/tab crashed/i.test(message)) {
      const entry = pageId === undefined ? undefined : this.#pages.get(pageId);
      if (entry && !entry.crashed) {
        entry.crashed = true;
        this.#events.emit('event', { type: 'page-crashed', pageId: pageId as PageId });
      }
      return targetClosedError(`${label} failed: the tab crashed (${message})`, error);
    }
    if (
      name === 'NoSuchSessionError' ||
      /invalid session id|not connected to DevTools|chrome not reachable|session deleted|ECONNREFUSED|ECONNRESET|socket hang up/i.test(
        message,
      )
    ) {
      this.#lost(`the WebDriver session ended: ${message}`);
      return targetClosedError(`${label} failed: the browser is gone (${message})`, error);
    }
    if (name === 'NoSuchWindowError') return targetClosedError(`${label} failed: the tab is closed (${message})`, error);
    if (this.#dead) return targetClosedError(`${label} failed: the browser is gone (${this.#dead})`, error);
    if (name === 'TimeoutError' || name === 'ScriptTimeoutError')
      return new DriverTimeoutError(`${label} timed out in the browser: ${message}`, { cause: error });
    return new DriverError(`${label} failed: ${message}`, { cause: error });
  }

  #navigationError(error: unknown, url: string): unknown {
    const message = firstLine(error);
    const net = /net::ERR_[A-Z_]+/.exec(message)?.[0];
    if (net) return new NavigationError(`Navigation to ${redactUrl(url)} failed: ${net}`, { cause: error, details: { netError: net } });
    return error;
  }

  #requireSession(): Session {
    if (!this.#session || this.#closing) throw targetClosedError('The browser is not running (never launched, closed, or crashed)');
    if (this.#dead) throw targetClosedError(`The browser is gone: ${this.#dead}`);
    return this.#session;
  }

  #requirePage(pageId: PageId): PageEntry {
    this.#requireSession();
    const entry = this.#pages.get(pageId);
    if (!entry) throw targetClosedError(`Page ${pageId} is closed or unknown`);
    if (entry.crashed) throw targetClosedError(`Page ${pageId} crashed`);
    return entry;
  }

  /** The browser: the process chromedriver started whose command line names our profile. */
  #findBrowserPid(profile: string): number | null {
    const mine = processesWithMarker(profile).filter((p) => !/--type=/.test(p.cmdline) && p.pgid === this.#group);
    return mine[0]?.pid ?? null;
  }

  #own(): OwnBrowser {
    return { group: this.#group, root: this.#dirs?.root };
  }

  /** SIGKILL the group (the watchdog shell, chromedriver, the browser) and our processes outside it (the crash handlers). */
  #killProcesses(): void {
    killOwnBrowser(this.#own());
  }

  async #reap(): Promise<void> {
    clearInterval(this.#liveness);
    await reapOwnBrowser(this.#own());
    this.#pages.clear();
    this.#spare = [];
    forgetBrowser(this);
  }
}

/** Resolves once the document has fired its load event. */
const LOADED = `new Promise((resolve) => { if (document.readyState === 'complete') resolve(true); else addEventListener('load', () => resolve(true), { once: true }); })`;
/** Resolves once no resource of the document has finished loading for 500 ms (checked every 100 ms). */
const QUIET = `new Promise((resolve) => { let seen = -1, quiet = 0; const tick = () => { const n = performance.getEntriesByType('resource').length; if (n === seen) quiet += 100; else { seen = n; quiet = 0; } if (quiet >= 500) resolve(true); else setTimeout(tick, 100); }; tick(); })`;

/**
 * After `session.get` answered (the page-load strategy is "eager": the new document has reached
 * DOMContentLoaded), wait for what `waitUntil` asks. `commit` and `domcontentloaded` are already
 * met. `load` waits for the load event. `networkidle` waits for the load event and then for 500 ms
 * in which no resource finished loading: WebDriver shows no requests in flight, so this is an
 * approximation of Playwright's "no connections for 500 ms" that cannot see a request still open.
 * A document replaced meanwhile (a script or a redirect navigated again) is waited for in turn;
 * the caller's deadline bounds all of it.
 */
async function waitForLoad(session: Session, waitUntil: WaitUntil, timeoutMs: number): Promise<void> {
  if (waitUntil === 'commit' || waitUntil === 'domcontentloaded') return;
  const expression = waitUntil === 'networkidle' ? `${LOADED}.then(() => ${QUIET})` : LOADED;
  for (let attempt = 1; ; attempt++) {
    try {
      await session.sendAndGetDevToolsCommand('Runtime.evaluate', {
        expression: `Promise.race([${expression}, new Promise((r) => setTimeout(r, ${timeoutMs}, 'x'))])`,
        returnByValue: true,
        awaitPromise: true,
      });
      return;
    } catch (error) {
      if (attempt >= 3 || !contextGone(firstLine(error))) throw error;
    }
  }
}

/** The value of a short expression of ours in the current tab, by value through CDP. */
async function pageValue<T>(session: Session, expression: string): Promise<T> {
  const reply = (await session.sendAndGetDevToolsCommand('Runtime.evaluate', {
    expression,
    returnByValue: true,
  })) as unknown as RuntimeEvaluateReply;
  return reply.result.value as T;
}

function toCookie(c: CdpCookie): Cookie {
  return {
    name: c.name,
    value: c.value,
    domain: c.domain,
    path: c.path,
    expires: c.session ? -1 : c.expires,
    httpOnly: c.httpOnly,
    secure: c.secure,
    sameSite: c.sameSite ?? 'Lax',
  };
}

function scriptTimeout(timeoutMs: number): DriverTimeoutError {
  return new DriverTimeoutError(`evaluate did not finish within ${timeoutMs}ms`, { details: { timeoutMs } });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 500);
}
