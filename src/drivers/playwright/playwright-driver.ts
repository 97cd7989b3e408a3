import { type Browser, type BrowserContext, type CDPSession, type Frame, type Page, chromium } from 'playwright-core';
import { BrowserActorError, BrowserLaunchError, DriverError, NavigationError, targetClosedError } from '../../errors.js';
import { systemClock, within } from '../../internal/clock.js';
import { createDeferred } from '../../internal/deferred.js';
import { redactUrl } from '../../internal/redact.js';
import type { BlockedResource, ChromiumOptions, Cookie, CookieInput, NavigateResult, StorageState, WaitUntil } from '../browser-types.js';
import { type BrowserDirs, createBrowserDirs, sweepStaleBrowserDirs } from '../browser-dirs.js';
import { type OwnBrowser, killOwnBrowser, liveProcessesUnder, reapOwnBrowser } from '../browser-reaper.js';
import { withDeadline } from '../deadline.js';
import { forgetBrowser, rememberBrowser } from '../exit-cleanup.js';
import { TypedEmitter } from '../../internal/typed-emitter.js';
import type {
  BrowserInfo,
  Driver,
  DriverEvent,
  DriverOpOptions,
  EvaluateOutcome,
  EvaluateRequest,
  NewPageOptions,
  PageId,
} from '../driver.js';
import {
  PRIMITIVES_INIT,
  type RuntimeEvaluateReply,
  buildEvaluateExpression,
  contextGone,
  outcomeOfRuntimeEvaluate,
} from '../page-script.js';
import { processesWithMarker, rssBytesOf } from '../process-tree.js';
import { REQUIRED_CHROMIUM_FLAGS, findChromium } from '../find-chromium.js';

export { REQUIRED_CHROMIUM_FLAGS };

/** Options of the Playwright driver: how Chromium is started. */
export type PlaywrightDriverOptions = ChromiumOptions;

/** How long one tab may take to report its local storage for a snapshot. */
const STORAGE_READ_MS = 1000;
const READ_LOCAL_STORAGE = `(() => { try { return JSON.stringify([location.origin, Object.entries(localStorage)]); } catch { return null; } })()`;

/**
 * What may have changed one context's session (cookies, local storage) since launch. Script
 * writes are reported by {@link SESSION_HOOK} on the CDP session that runs our scripts, so a
 * write is counted before the script that made it answers. Cookies that responses set are found
 * by comparing the cookie jar with the one seen at the last read (`jar`): the network service
 * stores a response's cookies before it hands the response on, so the jar holds them by the time
 * the navigation or script that fetched it answers. (Watching `Set-Cookie` headers instead needs
 * the Network domain on a second CDP session, whose events cost every page CPU in the browser.)
 */
interface SessionWatch {
  version: number;
  jar?: string;
}

const SESSION_BINDING = '__browserActorSessionWrite';
/**
 * Runs in every document of our contexts before the page's own scripts (a Playwright init
 * script): reports writes by script to cookies (`document.cookie`, the Cookie Store API) and
 * local storage (its methods, and property writes through a forwarding proxy) through a binding
 * that each tab's CDP session adds, before the write. (CDP's DOMStorage events see every storage
 * write too, but arrive after the script has answered, so they cannot keep that promise.)
 */
const SESSION_HOOK = `(() => {
  const notify = globalThis.${SESSION_BINDING};
  if (typeof notify !== 'function') return;
  try { delete globalThis.${SESSION_BINDING}; } catch {}
  const report = () => { try { notify(''); } catch {} };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  if (cookie && cookie.set) {
    const set = cookie.set;
    Object.defineProperty(Document.prototype, 'cookie', { ...cookie, set(v) { report(); return set.call(this, v); } });
  }
  if (typeof CookieStore === 'function') {
    for (const m of ['set', 'delete']) {
      const f = CookieStore.prototype[m];
      if (typeof f === 'function') CookieStore.prototype[m] = function (...a) { report(); return f.apply(this, a); };
    }
  }
  for (const m of ['setItem', 'removeItem', 'clear']) {
    const f = Storage.prototype[m];
    Storage.prototype[m] = function (...a) { report(); return f.apply(this, a); };
  }
  // Writes by property (localStorage.k = v, delete localStorage.k) bypass the methods: serve
  // localStorage through a proxy that reports them and forwards everything to the real object.
  const ls = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
  if (ls && ls.get && ls.configurable) {
    const proxies = new WeakMap();
    const get = ls.get;
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      enumerable: ls.enumerable,
      get() {
        const real = get.call(this);
        if (real === null || typeof real !== 'object') return real;
        let proxy = proxies.get(real);
        if (!proxy) {
          const bound = new Map();
          proxy = new Proxy(real, {
            get(target, key) {
              const v = Reflect.get(target, key, target);
              if (typeof v !== 'function') return v;
              let b = bound.get(v);
              if (!b) { b = v.bind(target); bound.set(v, b); }
              return b;
            },
            set(target, key, value) { report(); return Reflect.set(target, key, value, target); },
            defineProperty(target, key, d) { report(); return Reflect.defineProperty(target, key, d); },
            deleteProperty(target, key) { report(); return Reflect.deleteProperty(target, key); },
          });
          proxies.set(real, proxy);
        }
        return proxy;
      },
    });
  }
})();`;

const newWatch = (): SessionWatch => ({ version: 0 });

interface PageEntry {
  readonly page: Page;
  readonly cdp: CDPSession;
  /** The session watch of the tab's context. */
  readonly watch: SessionWatch;
  /** Its own context when it was opened isolated; closed with it. */
  readonly isolated: BrowserContext | undefined;
  /** Navigations, scripts and screenshots running in the tab now. */
  busy: number;
  /** The resource kinds the tab does not load now, sorted and joined (`''`: none). */
  blocked: string;
}

/** CDP's resource type for each kind a tab can block. */
const CDP_RESOURCE_TYPE: Readonly<Record<BlockedResource, 'Image' | 'Font' | 'Media'>> = { image: 'Image', font: 'Font', media: 'Media' };

/**
 * Real Chromium through Playwright, over the pipe transport (`--remote-debugging-pipe`), so the
 * browser exits when our process dies. Scripts run through a CDP session of our own so that a
 * script past its deadline can be stopped with `Runtime.terminateExecution`.
 */
export class PlaywrightDriver implements Driver {
  readonly name = 'playwright';
  readonly #options: PlaywrightDriverOptions;
  #dirs: BrowserDirs | undefined;
  /**
   * The context Playwright launched the browser with, on the on-disk profile in our directory
   * (whose path marks the browser's processes as ours). Closing it closes the browser. It holds no
   * tab: every navigation in an on-disk profile is written down (disk cache, session file,
   * history), which cost Chromium about a tenth more CPU per page than a context in memory.
   */
  #launched: BrowserContext | undefined;
  /** The shared context the tabs use: in memory, like an isolated one. */
  #context: BrowserContext | undefined;
  #spare: Page | undefined;
  #pages = new Map<PageId, PageEntry>();
  /** Last known local storage per origin of the shared context (tabs report theirs at each snapshot). */
  #storage = new Map<string, { name: string; value: string }[]>();
  /** The same for each isolated tab's own context. */
  #storageByPage = new Map<PageId, Map<string, { name: string; value: string }[]>>();
  /** Possible session changes of the shared context. */
  readonly #sharedWatch = newWatch();
  #nextPage = 1;
  #pid: number | null = null;
  #closing = false;
  #closePromise: Promise<void> | undefined;
  readonly #events = new TypedEmitter<{ event: DriverEvent }>();

  constructor(options: PlaywrightDriverOptions = {}) {
    this.#options = options;
  }

  async launch(op: DriverOpOptions): Promise<BrowserInfo> {
    if (this.#launched || this.#closing) throw new DriverError('This driver was already launched; make a new one');
    const headless = this.#options.headless ?? true;
    const executablePath = findChromium(this.#options.executablePath, this.#options.env, { headlessShell: headless });
    sweepStaleBrowserDirs(this.#options.tmpRoot);
    const dirs = createBrowserDirs(this.#options.tmpRoot);
    this.#dirs = dirs;
    rememberBrowser(this, { pid: () => this.#pid, root: dirs.root }, this.#options.handleSignals ?? true);
    const started = performance.now();
    try {
      const { launched, context, spare } = await withDeadline(
        'Chromium launch',
        op,
        async () => {
          const launched = await chromium.launchPersistentContext(dirs.profile, {
            executablePath,
            headless,
            args: [...REQUIRED_CHROMIUM_FLAGS, ...(this.#options.args ?? [])],
            // TMPDIR and HOME inside our directory: Chromium's temp files and the crash handler's
            // database land there, and the path in their command lines marks them as ours.
            env: { ...process.env, TMPDIR: dirs.tmp, HOME: dirs.home },
            viewport: this.#viewport(),
            timeout: op.timeoutMs + 1000,
            handleSIGINT: false,
            handleSIGTERM: false,
            handleSIGHUP: false,
          });
          this.#launched = launched;
          const browser = launched.browser();
          if (!browser) throw new DriverError('Playwright gave no browser for the launched Chromium');
          const context = await this.#newContext(browser);
          // The spare tab opens before the launch's blank tab closes: a headed browser whose last
          // window closes quits.
          const spare = await context.newPage();
          await Promise.all(launched.pages().map((blank) => blank.close()));
          return { launched, context, spare };
        },
        { cancel: () => this.#killProcesses() },
      );
      this.#context = context;
      // Either context closes when the browser does; the launched one only then.
      launched.on('close', () => {
        if (!this.#closing) this.#emit({ type: 'disconnected', reason: 'the browser closed or crashed' });
      });
      this.#spare = spare;
      this.#pid = this.#findBrowserPid(dirs.profile);
      return { name: 'chromium', version: context.browser()?.version() ?? 'unknown', pid: this.#pid };
    } catch (error) {
      this.#closing = true;
      await this.#reap();
      if (op.signal?.aborted) throw op.signal.reason;
      if (error instanceof BrowserActorError && error.code !== 'ERR_DRIVER') throw error;
      throw new BrowserLaunchError(
        `Chromium (${executablePath}) failed to start after ${Math.round(performance.now() - started)}ms: ${firstLine(error)}`,
        { cause: error },
      );
    }
  }

  async newPage(op: DriverOpOptions, options: NewPageOptions = {}): Promise<PageId> {
    const context = this.#requireContext();
    return guarded('newPage', op, async () => {
      let isolated: BrowserContext | undefined;
      let page: Page;
      let watch = this.#sharedWatch;
      if (options.isolated) {
        const browser = context.browser();
        if (!browser) throw new DriverError('This browser cannot open isolated contexts');
        isolated = await this.#newContext(browser);
        watch = newWatch();
        page = await openTab(isolated);
      } else {
        page = this.#spare ?? (await openTab(context));
        this.#spare = undefined;
      }
      const cdp = await (isolated ?? context).newCDPSession(page);
      await watchSession(cdp, watch);
      // Only requests of a blocked kind pause here (Fetch.enable's patterns): fail them as the
      // browser fails what a content blocker refuses.
      cdp.on('Fetch.requestPaused', (event) => {
        cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'BlockedByClient' }).catch(() => undefined);
      });
      const id = `page-${this.#nextPage++}`;
      page.on('crash', () => this.#emit({ type: 'page-crashed', pageId: id }));
      this.#pages.set(id, { page, cdp, watch, isolated, busy: 0, blocked: '' });
      return id;
    });
  }

  async closePage(pageId: PageId, op: DriverOpOptions): Promise<void> {
    const entry = this.#pages.get(pageId);
    if (!entry) return;
    this.#pages.delete(pageId);
    this.#storageByPage.delete(pageId);
    await guarded('closePage', op, async () => {
      await entry.cdp.detach().catch(() => undefined);
      await entry.page.close();
      await entry.isolated?.close();
    });
  }

  async navigate(
    pageId: PageId,
    url: string,
    waitUntil: WaitUntil,
    op: DriverOpOptions,
    block: readonly BlockedResource[] = [],
  ): Promise<NavigateResult> {
    const entry = this.#requirePage(pageId);
    const { page, cdp } = entry;
    return this.#busy(entry, () =>
      guarded(
        'navigate',
        op,
        async () => {
          await blockResources(entry, block);
          // Chromium commits its error page tens of milliseconds after goto has already failed; a
          // navigation started before that commit is interrupted by it. Watch for the commit from
          // the start so a failed navigation returns only once the tab has settled.
          const errorPage = createDeferred<void>();
          const onNavigated = (frame: Frame): void => {
            if (frame === page.mainFrame() && frame.url().startsWith('chrome-error:')) errorPage.resolve();
          };
          page.on('framenavigated', onNavigated);
          try {
            const response = await page.goto(url, { waitUntil, timeout: op.timeoutMs + 1000 });
            return { url: page.url(), status: response ? response.status() : null };
          } catch (error) {
            const mapped = this.#navigationError(error, url);
            if (mapped.details['netError'] !== undefined) {
              await within(systemClock, 1000, errorPage.promise);
            }
            throw mapped;
          } finally {
            page.off('framenavigated', onNavigated);
          }
        },
        { cancel: () => cdp.send('Page.stopLoading') },
      ),
    );
  }

  async currentUrl(pageId: PageId): Promise<string> {
    return this.#requirePage(pageId).page.url();
  }

  async evaluate(pageId: PageId, request: EvaluateRequest, op: DriverOpOptions): Promise<EvaluateOutcome> {
    const entry = this.#requirePage(pageId);
    const { cdp } = entry;
    const expression = buildEvaluateExpression(request);
    return this.#busy(entry, () =>
      guarded(
        'evaluate',
        op,
        async () => {
          let reply: RuntimeEvaluateReply;
          try {
            reply = await cdp.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
          } catch (error) {
            const message = firstLine(error);
            if (contextGone(message)) {
              return { kind: 'script-error', name: 'Error', message: 'The page navigated or closed while the script was running' };
            }
            if (closedMessage(message)) throw targetClosedError(`Running a script failed: the tab or browser closed (${message})`, error);
            throw new DriverError(`Running a script failed: ${message}`, { cause: error });
          }
          return outcomeOfRuntimeEvaluate(reply);
        },
        { cancel: () => cdp.send('Runtime.terminateExecution') },
      ),
    );
  }

  async #busy<T>(entry: PageEntry, work: () => Promise<T>): Promise<T> {
    entry.busy++;
    try {
      return await work();
    } finally {
      entry.busy--;
    }
  }

  async screenshot(pageId: PageId, options: { readonly fullPage: boolean }, op: DriverOpOptions): Promise<Uint8Array> {
    const { page } = this.#requirePage(pageId);
    return guarded('screenshot', op, async () => {
      const png = await page.screenshot({ fullPage: options.fullPage, type: 'png', timeout: op.timeoutMs + 1000 });
      return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
    });
  }

  async cookies(op: DriverOpOptions, scope?: PageId): Promise<Cookie[]> {
    const context = this.#contextOf(scope);
    return guarded('cookies', op, async () => (await context.cookies()).map(toCookie));
  }

  async addCookies(cookies: readonly CookieInput[], op: DriverOpOptions, scope?: PageId): Promise<void> {
    const context = this.#contextOf(scope);
    const watch = this.#watchOf(scope);
    watch.version++;
    await guarded('addCookies', op, () => context.addCookies(cookies.map((c) => ({ ...c }))));
  }

  async sessionVersion(op: DriverOpOptions, scope?: PageId): Promise<number | null> {
    const context = this.#contextOf(scope);
    const watch = this.#watchOf(scope);
    const jar = jarPrint(await guarded('sessionVersion', op, () => context.cookies()));
    if (jar !== watch.jar) {
      watch.jar = jar;
      watch.version++;
    }
    return watch.version;
  }

  /**
   * Cookies plus the local storage of every origin seen. Not Playwright's `storageState()`: that
   * one opens a new tab to read an origin whose page is mid-navigation, which made every session
   * snapshot wait for the other tabs' page loads. Here each idle tab reads its own origin's
   * storage over our CDP session. A tab that is navigating or running a script keeps its origin's
   * last known storage: reading it would wait for that work, and the snapshot its own task takes
   * when it ends reads it then. A short deadline bounds the read of a tab busy on its own.
   */
  async storageState(op: DriverOpOptions, scope?: PageId): Promise<StorageState> {
    const context = this.#contextOf(scope);
    const isolated = context === this.#context ? undefined : context;
    const known = isolated ? this.#isolatedStorage(scope as PageId) : this.#storage;
    return guarded('storageState', op, async () => {
      const [cookies, fresh] = await Promise.all([
        context.cookies(),
        this.#readLocalStorage(Math.min(op.timeoutMs, STORAGE_READ_MS), isolated),
      ]);
      for (const [origin, items] of fresh) known.set(origin, items);
      const origins = [...known]
        .filter(([, items]) => items.length > 0)
        .map(([origin, items]) => ({ origin, localStorage: items.map((i) => ({ ...i })) }));
      return { cookies: cookies.map(toCookie), origins };
    });
  }

  /** The session watch of the context an operation addresses (as `#contextOf` picks it). */
  #watchOf(scope: PageId | undefined): SessionWatch {
    return scope === undefined ? this.#sharedWatch : this.#requirePage(scope).watch;
  }

  /** The context an operation addresses: the shared one, or the isolated context of page `scope`. */
  #contextOf(scope: PageId | undefined): BrowserContext {
    const shared = this.#requireContext();
    if (scope === undefined) return shared;
    const entry = this.#requirePage(scope);
    return entry.isolated ?? shared;
  }

  #isolatedStorage(pageId: PageId): Map<string, { name: string; value: string }[]> {
    let known = this.#storageByPage.get(pageId);
    if (!known) {
      known = new Map();
      this.#storageByPage.set(pageId, known);
    }
    return known;
  }

  /** Local storage as the idle tabs of `context` (default: the shared one) report it. */
  async #readLocalStorage(timeoutMs: number, context?: BrowserContext): Promise<Map<string, { name: string; value: string }[]>> {
    const found = new Map<string, { name: string; value: string }[]>();
    await Promise.all(
      [...this.#pages.values()].map(async ({ page, cdp, busy, isolated }) => {
        if (page.isClosed() || busy > 0 || isolated !== context) return;
        const reply = await within(
          systemClock,
          timeoutMs,
          cdp.send('Runtime.evaluate', { expression: READ_LOCAL_STORAGE, returnByValue: true }).catch(() => undefined),
        );
        const text: unknown = reply?.result.value;
        if (typeof text !== 'string') return;
        const [origin, entries] = JSON.parse(text) as [string, [string, string][]];
        if (/^https?:\/\//.test(origin))
          found.set(
            origin,
            entries.map(([name, value]) => ({ name, value })),
          );
      }),
    );
    return found;
  }

  close(op: DriverOpOptions): Promise<void> {
    this.#closePromise ??= (async () => {
      this.#closing = true;
      const launched = this.#launched;
      if (launched) {
        try {
          await guarded('close', op, () => launched.close());
        } catch {
          // Past the polite deadline: #reap kills the process group.
        }
      }
      await this.#reap();
    })();
    return this.#closePromise;
  }

  kill(): Promise<void> {
    this.#closing = true;
    this.#killProcesses();
    this.#launched?.close().catch(() => undefined);
    this.#closePromise ??= this.#reap();
    return this.#closePromise;
  }

  /**
   * Fault injection for reliability tests: the browser is asked, over a CDP session of its own,
   * to close, so the driver's connection ends from the browser's side without a crash signal.
   */
  async injectConnectionClose(): Promise<void> {
    const browser = this.#requireContext().browser();
    if (!browser) throw new DriverError('No browser-level connection to close');
    const session = await browser.newBrowserCDPSession();
    await session.send('Browser.close').catch(() => undefined);
  }

  /**
   * Fault injection for reliability tests: crash the renderer of the open tab whose URL contains
   * `urlPart` (CDP `Page.crash`), as a renderer killed by the system would. Returns whether one was found.
   */
  async injectPageCrash(urlPart: string): Promise<boolean> {
    for (const { page, cdp } of this.#pages.values()) {
      if (page.isClosed() || !page.url().includes(urlPart)) continue;
      // A crashing tab never answers this command: do not wait for it.
      void cdp.send('Page.crash').catch(() => undefined);
      return true;
    }
    return false;
  }

  /** Summed RSS of every live process of this browser (main, renderers, GPU/utility, crash handler). */
  rssBytes(): number | null {
    if (!this.#context || this.#closing) return null;
    let total = 0;
    for (const p of liveProcessesUnder(this.#dirs?.root)) total += rssBytesOf(p.pid);
    return total;
  }

  onEvent(listener: (event: DriverEvent) => void): () => void {
    return this.#events.on('event', listener);
  }

  #emit(event: DriverEvent): void {
    this.#events.emit('event', event);
  }

  #viewport(): { width: number; height: number } {
    return this.#options.viewport ?? { width: 1280, height: 720 };
  }

  /** A context in memory with our init scripts: the shared one at launch, and each isolated tab's. */
  async #newContext(browser: Browser): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: this.#viewport() });
    await context.addInitScript(PRIMITIVES_INIT);
    await context.addInitScript(SESSION_HOOK);
    return context;
  }

  #requireContext(): BrowserContext {
    if (!this.#context || this.#closing) throw targetClosedError('The browser is not running (never launched, closed, or crashed)');
    return this.#context;
  }

  #requirePage(pageId: PageId): PageEntry {
    this.#requireContext();
    const entry = this.#pages.get(pageId);
    if (!entry || entry.page.isClosed()) throw targetClosedError(`Page ${pageId} is closed or unknown`);
    return entry;
  }

  #navigationError(error: unknown, url: string): BrowserActorError {
    const message = firstLine(error);
    const net = /net::ERR_[A-Z_]+/.exec(message)?.[0];
    if (net) {
      return new NavigationError(`Navigation to ${redactUrl(url)} failed: ${net}`, { cause: error, details: { netError: net } });
    }
    if (closedMessage(message)) return targetClosedError(`Navigation to ${redactUrl(url)} failed: the tab or browser closed`, error);
    if (/interrupted by another navigation|frame was detached/i.test(message)) {
      return new NavigationError(`Navigation to ${redactUrl(url)} was interrupted: ${message.replace(/^page\.goto: /, '')}`, {
        cause: error,
      });
    }
    return new DriverError(`Navigation to ${redactUrl(url)} failed: ${message.replace(/^page\.goto: /, '')}`, { cause: error });
  }

  /** The browser process: our child, whose command line names our profile. */
  #findBrowserPid(profile: string): number | null {
    const mine = processesWithMarker(profile).filter((p) => p.ppid === process.pid && p.pid === p.pgid);
    return mine[0]?.pid ?? null;
  }

  #own(): OwnBrowser {
    return { group: this.#pid, root: this.#dirs?.root };
  }

  /** SIGKILL the browser's process group and any process of ours outside it (the crash handler). */
  #killProcesses(): void {
    killOwnBrowser(this.#own());
  }

  /** After close: see {@link reapOwnBrowser}. */
  async #reap(): Promise<void> {
    await reapOwnBrowser(this.#own());
    this.#context = undefined;
    this.#launched = undefined;
    this.#pages.clear();
    forgetBrowser(this);
  }
}

/**
 * Report a tab's script writes to cookies and local storage to `watch`, through
 * {@link SESSION_HOOK} and its binding. Only the Runtime domain is enabled here (binding calls are
 * reported only to a session with Runtime enabled); cookies set by responses are found by
 * {@link PlaywrightDriver.sessionVersion} in the jar.
 */
async function watchSession(cdp: CDPSession, watch: SessionWatch): Promise<void> {
  cdp.on('Runtime.bindingCalled', (event) => {
    if (event.name === SESSION_BINDING) watch.version++;
  });
  await Promise.all([cdp.send('Runtime.enable'), cdp.send('Runtime.addBinding', { name: SESSION_BINDING })]);
}

/** Make the tab refuse `block`'s kinds of resource from now on (and load every other kind), when that is not so already. */
async function blockResources(entry: PageEntry, block: readonly BlockedResource[]): Promise<void> {
  const kinds = [...new Set(block)].sort();
  const key = kinds.join(',');
  if (key === entry.blocked) return;
  if (kinds.length === 0) await entry.cdp.send('Fetch.disable');
  else
    await entry.cdp.send('Fetch.enable', {
      patterns: kinds.map((kind) => ({ urlPattern: '*', resourceType: CDP_RESOURCE_TYPE[kind], requestStage: 'Request' as const })),
    });
  entry.blocked = key;
}

/** A cookie jar as one string that changes whenever a cookie is set, changed or removed. */
function jarPrint(cookies: readonly Cookie[]): string {
  return cookies
    .map((c) => JSON.stringify([c.name, c.domain, c.path, c.value, c.expires, c.httpOnly, c.secure, c.sameSite]))
    .sort()
    .join('\n');
}

function toCookie(c: Cookie): Cookie {
  return {
    name: c.name,
    value: c.value,
    domain: c.domain,
    path: c.path,
    expires: c.expires,
    httpOnly: c.httpOnly,
    secure: c.secure,
    sameSite: c.sameSite,
  };
}

/**
 * Playwright reports a closed page, context or browser as `TargetClosedError` ("Target page,
 * context or browser has been closed"), older paths with "Target closed" or "Browser has been
 * closed". This adapter turns all of them into the contract's typed signal.
 */
function closedMessage(message: string): boolean {
  return /Target page, context or browser has been closed|Target closed|Browser has been closed|browser has disconnected|Session closed|Page crashed/i.test(
    message,
  );
}

function asTargetClosed(error: unknown): unknown {
  if (error instanceof BrowserActorError) return error;
  if (error instanceof Error && (error.name === 'TargetClosedError' || closedMessage(error.message)))
    return targetClosedError(firstLine(error), error);
  return error;
}

/** {@link withDeadline}, with Playwright's closed-target errors mapped to the contract's signal. */
function guarded<T>(label: string, op: DriverOpOptions, run: () => Promise<T>, options?: Parameters<typeof withDeadline>[3]): Promise<T> {
  return withDeadline(label, op, run, options).catch((error: unknown) => {
    throw asTargetClosed(error);
  });
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 500);
}

/**
 * A new tab of `context`. Chromium may place a new tab in the renderer process of a tab that was
 * just killed, while that process is still going away; the tab then fails to open with "Target
 * crashed", and a second try gets a live renderer. Any other failure is the browser's answer.
 */
async function openTab(context: BrowserContext): Promise<Page> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await context.newPage();
    } catch (error) {
      if (attempt >= 3 || !/Target crashed/i.test(error instanceof Error ? error.message : String(error))) throw error;
    }
  }
}
