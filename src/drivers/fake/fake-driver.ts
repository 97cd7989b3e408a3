import * as vm from 'node:vm';
import { DriverError, InvalidOptionError, NavigationError, targetClosedError } from '../../errors.js';
import { type Clock, sleep, systemClock } from '../../internal/clock.js';
import { redactUrl } from '../../internal/redact.js';
import type { BlockedResource, Cookie, CookieInput, NavigateResult, StorageState, WaitUntil } from '../browser-types.js';
import { withDeadline } from '../deadline.js';
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
import { PRIMITIVES_INIT, buildEvaluateExpression, parseEvaluateOutcome } from '../page-script.js';
import { FAKE_PAGE_HEIGHT_HEADER, type FakeSiteHandler } from './fake-site.js';
import { BrowserCookieJar } from '../cookie-jar.js';
import { solidPng } from '../../internal/png.js';

/** Operations of the Fake, for counting calls and injecting faults. */
export type FakeOperation =
  | 'launch'
  | 'newPage'
  | 'closePage'
  | 'navigate'
  | 'currentUrl'
  | 'evaluate'
  | 'screenshot'
  | 'cookies'
  | 'addCookies'
  | 'storageState'
  | 'sessionVersion'
  | 'close';

export interface FakeDriverOptions {
  /** Sites by origin (`http://127.0.0.1:8080`). Requests to other origins are refused. */
  readonly sites?: Readonly<Record<string, FakeSiteHandler>>;
  /** Time source for deadlines and latency. Default: the system clock. */
  readonly clock?: Clock;
  /** Added to every operation except launch and close (on `clock`). Default 0: operations settle in the same turn. */
  readonly latencyMs?: number;
  /** How long a launch takes (on `clock`). Default 0. */
  readonly launchMs?: number;
  /** Default 1280×720. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** What {@link FakeDriver.rssBytes} reports while running; change it with `fakeRssBytes`. Default 100 MB. */
  readonly rssBytes?: number;
}

/** A browser context: its cookie jar and per-origin local storage. */
interface FakeContext {
  readonly jar: BrowserCookieJar;
  readonly storage: Map<string, Map<string, string>>;
  /** Moves on every write of cookies or local storage (see {@link Driver.sessionVersion}). */
  version: number;
}

interface FakePage {
  readonly id: PageId;
  readonly context: FakeContext;
  url: string;
  html: string;
  height: number;
  realm: vm.Context | undefined;
  crashed: boolean;
  /** Crashed, with the event still to come: every operation fails as closed. */
  closedUnderneath: boolean;
}

class FakeElement {}
/** What `document.body` is in the Fake: a DOM node, which is not plain data. */
class HTMLBodyElement extends FakeElement {}

const NEVER = new Promise<never>(() => undefined);

/** Longest a Fake script runs synchronously before it counts as "still running". */
export const FAKE_SCRIPT_SLICE_MS = 500;

/**
 * An in-memory, deterministic browser for unit tests of the runtime. It models what the
 * contract suite pins down: navigation with redirects, status and title; a cookie jar fed by
 * Set-Cookie and `document.cookie`; per-origin localStorage; scripts run in a fresh `vm` realm
 * per document (a synchronous infinite loop is stopped at the deadline, like CDP's
 * terminateExecution); screenshots as real PNGs of the viewport or page size. Faults can be
 * injected: {@link crashBrowser}, {@link crashPage}, {@link hang}, {@link stall}, {@link failNext}.
 */
export class FakeDriver implements Driver {
  readonly name = 'fake';
  /** How many times each operation was called. */
  readonly calls: Record<FakeOperation, number> = {
    launch: 0,
    newPage: 0,
    closePage: 0,
    navigate: 0,
    currentUrl: 0,
    evaluate: 0,
    screenshot: 0,
    cookies: 0,
    addCookies: 0,
    storageState: 0,
    sessionVersion: 0,
    close: 0,
  };
  readonly #sites: Readonly<Record<string, FakeSiteHandler>>;
  readonly #clock: Clock;
  readonly #latencyMs: number;
  readonly #launchMs: number;
  readonly #viewport: { readonly width: number; readonly height: number };
  #state: 'new' | 'running' | 'closed' = 'new';
  #pages = new Map<PageId, FakePage>();
  #nextPage = 1;
  /** The shared context; isolated pages have their own. */
  #shared: FakeContext = { jar: new BrowserCookieJar(), storage: new Map(), version: 0 };
  readonly #events = new TypedEmitter<{ event: DriverEvent }>();
  #hangs = new Set<FakeOperation>();
  #stalls = new Set<FakeOperation>();
  #failures = new Map<FakeOperation, Error>();
  #disconnect = new Set<(error: Error) => void>();
  /** The memory this fake browser claims to use while running (settable, for recycling tests). */
  fakeRssBytes: number;

  constructor(options: FakeDriverOptions = {}) {
    this.#sites = options.sites ?? {};
    this.#clock = options.clock ?? systemClock;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#launchMs = options.launchMs ?? 0;
    this.#viewport = options.viewport ?? { width: 1280, height: 720 };
    this.fakeRssBytes = options.rssBytes ?? 100_000_000;
  }

  rssBytes(): number | null {
    return this.#state === 'running' ? this.fakeRssBytes : null;
  }

  /** True between a successful launch and close/kill/crash: the "process" exists. */
  get running(): boolean {
    return this.#state === 'running';
  }

  /** Ids of open pages. */
  get pageIds(): PageId[] {
    return [...this.#pages.keys()];
  }

  /** The next call of `operation` never settles on its own (only its deadline or abort ends it). */
  hang(operation: FakeOperation): void {
    this.#hangs.add(operation);
  }

  /**
   * The next call of `operation` never settles at all, not even on abort or deadline: a wedged
   * renderer that ignores cancellation. (Real drivers still honour their deadline; this lets the
   * runtime's own last line of defence be tested.)
   */
  stall(operation: FakeOperation): void {
    this.#stalls.add(operation);
  }

  /** The next call of `operation` rejects with `error`. */
  failNext(operation: FakeOperation, error: Error): void {
    this.#failures.set(operation, error);
  }

  /** Simulate the browser process dying: pending operations fail, `disconnected` is emitted. */
  crashBrowser(): void {
    if (this.#state !== 'running') return;
    this.#state = 'closed';
    this.#failPending();
    this.#emit({ type: 'disconnected', reason: 'the browser closed or crashed' });
  }

  /**
   * Simulate a renderer crash whose event comes late: every operation on the tab fails at once as
   * closed (as a real tab's own CDP session reports it), and `page-crashed` is emitted only when
   * `announce()` is called (even after the tab was closed), as the browser's crash event may arrive
   * after a task on the tab has already failed.
   */
  crashPageQuietly(pageId?: PageId): {
    pageId: PageId;
    /** Deliver the crash event now. */
    announce(): void;
  } {
    const page = pageId === undefined ? [...this.#pages.values()].at(-1) : this.#pages.get(pageId);
    if (!page)
      throw new InvalidOptionError(
        `crashPageQuietly needs an open tab; ${pageId === undefined ? 'none is open' : `no tab ${pageId} is open`}`,
      );
    page.closedUnderneath = true;
    return { pageId: page.id, announce: () => this.#emit({ type: 'page-crashed', pageId: page.id }) };
  }

  /** Simulate a renderer crash: the tab stops answering (like a real crashed tab) and `page-crashed` is emitted. */
  crashPage(pageId?: PageId): void {
    const page = pageId === undefined ? [...this.#pages.values()].at(-1) : this.#pages.get(pageId);
    if (!page || page.crashed) return;
    page.crashed = true;
    this.#emit({ type: 'page-crashed', pageId: page.id });
  }

  async launch(op: DriverOpOptions): Promise<BrowserInfo> {
    if (this.#state !== 'new') throw new DriverError('This driver was already launched; make a new one');
    await this.#op('launch', op, async () => {
      if (this.#launchMs > 0) await sleep(this.#clock, this.#launchMs);
    });
    this.#state = 'running';
    return { name: 'fake', version: '1.0', pid: null };
  }

  async newPage(op: DriverOpOptions, options: NewPageOptions = {}): Promise<PageId> {
    return this.#op('newPage', op, async () => {
      const id = `page-${this.#nextPage++}`;
      const context = options.isolated ? { jar: new BrowserCookieJar(), storage: new Map(), version: 0 } : this.#shared;
      this.#pages.set(id, {
        id,
        context,
        url: 'about:blank',
        html: '',
        height: this.#viewport.height,
        realm: undefined,
        crashed: false,
        closedUnderneath: false,
      });
      return id;
    });
  }

  async closePage(pageId: PageId, op: DriverOpOptions): Promise<void> {
    await this.#op('closePage', op, async () => {
      this.#pages.delete(pageId);
    });
  }

  /** The Fake loads documents only, so `block` has nothing to keep out; it is accepted, as the contract asks. */
  async navigate(
    pageId: PageId,
    url: string,
    _waitUntil: WaitUntil,
    op: DriverOpOptions,
    _block: readonly BlockedResource[] = [],
  ): Promise<NavigateResult> {
    return this.#op('navigate', op, async () => {
      const page = await this.#page(pageId);
      if (url === 'about:blank') {
        this.#load(page, 'about:blank', '', this.#viewport.height);
        return { url: 'about:blank', status: null };
      }
      let current = new URL(url);
      for (let redirects = 0; ; redirects++) {
        const handler = this.#handlerFor(current, page);
        const response = await handler({
          method: 'GET',
          url: current.href,
          headers: { cookie: this.#cookieHeader(page.context, current) },
        });
        const headers = response.headers ?? {};
        const setCookies = headers['set-cookie'];
        for (const header of typeof setCookies === 'string' ? [setCookies] : (setCookies ?? []))
          this.#setCookie(page.context, header, current);
        const location = headers['location'];
        if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
          if (redirects >= 20) this.#failNavigation(page, url, 'net::ERR_TOO_MANY_REDIRECTS');
          current = new URL(location, current);
          continue;
        }
        const heightHeader = headers[FAKE_PAGE_HEIGHT_HEADER];
        const height = typeof heightHeader === 'string' ? Math.max(this.#viewport.height, Number(heightHeader)) : this.#viewport.height;
        this.#load(page, current.href, response.body ?? '', height);
        return { url: current.href, status: response.status };
      }
    });
  }

  async currentUrl(pageId: PageId, op: DriverOpOptions): Promise<string> {
    return this.#op('currentUrl', op, async () => (await this.#page(pageId)).url);
  }

  async evaluate(pageId: PageId, request: EvaluateRequest, op: DriverOpOptions): Promise<EvaluateOutcome> {
    return this.#op('evaluate', op, async () => {
      const page = await this.#page(pageId);
      const realm = (page.realm ??= this.#createRealm(page));
      const expression = `globalThis.__baOut = undefined; (${buildEvaluateExpression(request)}).then((v) => { globalThis.__baOut = v; });`;
      try {
        // microtaskMode 'afterEvaluate' runs the script's promise jobs inside this call, under the
        // same timeout, so an infinite loop after an `await` is stopped as well. The script runs
        // in our own thread, so it gets only a short slice: a script still busy after it is
        // treated as running on (a real renderer would be), which leaves the event loop free for
        // the deadline and for aborts to end the operation.
        vm.runInContext(expression, realm, { timeout: Math.max(1, Math.min(FAKE_SCRIPT_SLICE_MS, Math.ceil(op.timeoutMs))) });
      } catch (error) {
        const e = error as { code?: unknown; name?: unknown; message?: unknown };
        if (e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return NEVER;
        return { kind: 'script-error', name: typeof e.name === 'string' ? e.name : 'Error', message: String(e.message) };
      }
      const out = (realm as { __baOut?: unknown }).__baOut;
      // Nothing outside the realm can settle its promises later: still pending means never.
      return out === undefined ? NEVER : parseEvaluateOutcome(out);
    });
  }

  async screenshot(pageId: PageId, options: { readonly fullPage: boolean }, op: DriverOpOptions): Promise<Uint8Array> {
    return this.#op('screenshot', op, async () => {
      const page = await this.#page(pageId);
      return solidPng(this.#viewport.width, options.fullPage ? page.height : this.#viewport.height);
    });
  }

  async cookies(op: DriverOpOptions, scope?: PageId): Promise<Cookie[]> {
    return this.#op('cookies', op, async () => {
      const context = await this.#contextOf(scope);
      return context.jar.list();
    });
  }

  async addCookies(cookies: readonly CookieInput[], op: DriverOpOptions, scope?: PageId): Promise<void> {
    await this.#op('addCookies', op, async () => {
      const context = await this.#contextOf(scope);
      context.version++;
      for (const input of cookies) {
        let domain = input.domain ?? '';
        let path = input.path ?? '/';
        let secure = input.secure ?? false;
        if (input.url) {
          const u = new URL(input.url);
          domain = u.hostname;
          path = u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1) || '/';
          secure = input.secure ?? u.protocol === 'https:';
        }
        context.jar.add({
          name: input.name,
          value: input.value,
          domain,
          path,
          expires: input.expires ?? -1,
          httpOnly: input.httpOnly ?? false,
          secure,
          sameSite: input.sameSite ?? 'Lax',
        });
      }
    });
  }

  async storageState(op: DriverOpOptions, scope?: PageId): Promise<StorageState> {
    return this.#op('storageState', op, async () => {
      const context = await this.#contextOf(scope);
      const origins = [...context.storage]
        .filter(([, items]) => items.size > 0)
        .map(([origin, items]) => ({ origin, localStorage: [...items].map(([name, value]) => ({ name, value })) }));
      return { cookies: context.jar.list(), origins };
    });
  }

  async sessionVersion(op: DriverOpOptions, scope?: PageId): Promise<number | null> {
    return this.#op('sessionVersion', op, async () => (await this.#contextOf(scope)).version);
  }

  async #contextOf(scope: PageId | undefined): Promise<FakeContext> {
    return scope === undefined ? this.#shared : (await this.#page(scope)).context;
  }

  async close(op: DriverOpOptions): Promise<void> {
    this.calls.close++;
    if (this.#state === 'closed') return;
    await withDeadline('close', op, async () => undefined, { clock: this.#clock });
    this.#shutdown();
  }

  async kill(): Promise<void> {
    this.#shutdown();
  }

  onEvent(listener: (event: DriverEvent) => void): () => void {
    return this.#events.on('event', listener);
  }

  #shutdown(): void {
    this.#state = 'closed';
    this.#pages.clear();
    this.#failPending();
  }

  #failPending(): void {
    const pending = [...this.#disconnect];
    this.#disconnect.clear();
    for (const fail of pending) fail(targetClosedError('Target page, context or browser has been closed'));
  }

  #emit(event: DriverEvent): void {
    this.#events.emit('event', event);
  }

  /** Common shape of every operation: count, check state, latency, injected faults, deadline. */
  async #op<T>(name: FakeOperation, op: DriverOpOptions, body: () => Promise<T>): Promise<T> {
    this.calls[name]++;
    if (name !== 'launch' && this.#state !== 'running') {
      throw targetClosedError('The browser is not running (never launched, closed, or crashed)');
    }
    if (this.#stalls.delete(name)) return NEVER;
    const latency = this.#latencyMs > 0 && name !== 'launch' ? new AbortController() : undefined;
    return withDeadline(
      name,
      op,
      async () => {
        // Every pending operation fails at once when the browser goes away.
        let fail!: (error: Error) => void;
        const closed = new Promise<never>((_, reject) => {
          fail = reject;
        });
        closed.catch(() => undefined);
        this.#disconnect.add(fail);
        try {
          if (latency) await Promise.race([sleep(this.#clock, this.#latencyMs, latency.signal), closed]);
          const failure = this.#failures.get(name);
          if (failure) {
            this.#failures.delete(name);
            throw failure;
          }
          if (this.#hangs.delete(name)) return await Promise.race([NEVER, closed]);
          return await Promise.race([body(), closed]);
        } finally {
          this.#disconnect.delete(fail);
        }
      },
      { clock: this.#clock, ...(latency ? { cancel: () => latency.abort() } : {}) },
    );
  }

  async #page(pageId: PageId): Promise<FakePage> {
    const page = this.#pages.get(pageId);
    if (!page) throw targetClosedError(`Page ${pageId} is closed or unknown`);
    if (page.closedUnderneath) throw targetClosedError(`Page ${pageId} crashed: Session closed`);
    // A crashed tab never answers: only the caller's deadline ends the wait.
    if (page.crashed) return NEVER;
    return page;
  }

  #handlerFor(url: URL, page: FakePage): FakeSiteHandler {
    const handler = this.#sites[url.origin];
    if (handler) return handler;
    const net =
      url.hostname.endsWith('.invalid') || url.hostname.endsWith('.test') ? 'net::ERR_NAME_NOT_RESOLVED' : 'net::ERR_CONNECTION_REFUSED';
    return this.#failNavigation(page, url.href, net);
  }

  #failNavigation(page: FakePage, url: string, net: string): never {
    this.#load(page, 'chrome-error://chromewebdata/', '', this.#viewport.height);
    throw new NavigationError(`Navigation to ${redactUrl(url)} failed: ${net}`, { details: { netError: net } });
  }

  #load(page: FakePage, url: string, html: string, height: number): void {
    page.url = url;
    page.html = html;
    page.height = height;
    page.realm = undefined; // a new document gets a new JavaScript realm
  }

  #cookieHeader(context: FakeContext, url: URL): string {
    return context.jar.header(url);
  }

  #setCookie(context: FakeContext, header: string, url: URL, fromScript = false): void {
    context.version++;
    context.jar.setFromHeader(header, url, { fromScript });
  }

  #createRealm(page: FakePage): vm.Context {
    const url = page.url.startsWith('http') ? new URL(page.url) : undefined;
    const origin = url?.origin ?? 'null';
    const storage = (): Map<string, string> => {
      let items = page.context.storage.get(origin);
      if (!items) {
        items = new Map();
        page.context.storage.set(origin, items);
      }
      return items;
    };
    const title = /<title>([^<]*)<\/title>/i.exec(page.html)?.[1]?.trim() ?? '';
    const host = {
      title,
      url: page.url,
      getCookie: (): string => (url ? page.context.jar.header(url, { fromScript: true }) : ''),
      setCookie: (header: string): void => {
        if (url) this.#setCookie(page.context, String(header), url, true);
      },
      storage: {
        getItem: (k: string): string | null => storage().get(String(k)) ?? null,
        setItem: (k: string, v: string): void => {
          page.context.version++;
          storage().set(String(k), String(v));
        },
        removeItem: (k: string): void => {
          page.context.version++;
          storage().delete(String(k));
        },
        clear: (): void => {
          page.context.version++;
          storage().clear();
        },
        key: (i: number): string | null => [...storage().keys()][i] ?? null,
        length: (): number => storage().size,
      },
      body: new HTMLBodyElement(),
    };
    const realm = vm.createContext(
      { __baHost: host, TextEncoder },
      { microtaskMode: 'afterEvaluate', codeGeneration: { strings: false, wasm: false } },
    );
    vm.runInContext(
      `(() => {
        const host = globalThis.__baHost;
        delete globalThis.__baHost;
        class Window {}
        Object.defineProperty(Window.prototype, Symbol.toStringTag, { value: 'Window' });
        Object.setPrototypeOf(globalThis, Window.prototype);
        globalThis.window = globalThis;
        globalThis.self = globalThis;
        globalThis.document = {
          get title() { return host.title; },
          set title(v) { host.title = String(v); },
          get cookie() { return host.getCookie(); },
          set cookie(v) { host.setCookie(v); },
          get body() { return host.body; },
          get URL() { return host.url; },
        };
        globalThis.location = { get href() { return host.url; }, toString() { return host.url; } };
        const s = host.storage;
        globalThis.localStorage = {
          getItem: (k) => s.getItem(k), setItem: (k, v) => s.setItem(k, v), removeItem: (k) => s.removeItem(k),
          clear: () => s.clear(), key: (i) => s.key(i), get length() { return s.length(); },
        };
        globalThis.navigator = { userAgent: 'FakeBrowser/1.0' };
      })();`,
      realm,
    );
    vm.runInContext(PRIMITIVES_INIT, realm); // as a browser adapter runs it at the start of each document
    return realm;
  }
}
