import type { BlockedResource, Cookie, CookieInput, NavigateResult, StorageState, WaitUntil } from './browser-types.js';

/**
 * The one interface through which the runtime talks to a browser. Adapters: Playwright/CDP
 * (real Chromium) and Fake (in-memory, for unit tests). Every adapter passes the same contract
 * suite (`test/contract/driver-contract.ts`).
 *
 * Rules every adapter keeps:
 * - Every operation has a deadline: it settles within `timeoutMs`, rejecting with
 *   `DriverTimeoutError` (after cancelling the work) when time runs out.
 * - When `signal` aborts, the operation cancels its work in the browser (a running script is
 *   terminated, a navigation is stopped) and rejects with `signal.reason`.
 * - `close()` and `kill()` are idempotent, and after them no process or temporary directory of
 *   this browser remains.
 * - Pages are named by opaque ids; browser objects never leave the adapter.
 * - An operation that fails because the browser or tab is gone rejects with `targetClosedError`;
 *   one the adapter had queued and never sent adds `details.notSent: true` (it did not run).
 */
export interface Driver {
  /** Adapter name, e.g. `'playwright'`, `'webdriver'`, `'fake'`. */
  readonly name: string;
  /** What this adapter can do where adapters differ. Absent: everything ({@link FULL_CAPABILITIES}). */
  readonly capabilities?: DriverCapabilities;
  /** Start the browser (once, before any other operation); resolves with what was started. */
  launch(op: DriverOpOptions): Promise<BrowserInfo>;
  /** A new tab: in the browser's shared context, or (`isolated`) in a context of its own, closed with the tab. */
  newPage(op: DriverOpOptions, options?: NewPageOptions): Promise<PageId>;
  /** Close a tab (and its own context, when it was opened isolated). Closing a tab that is already gone resolves. */
  closePage(pageId: PageId, op: DriverOpOptions): Promise<void>;
  /**
   * Load `url` in the tab and wait for `waitUntil`; a page the browser cannot load rejects with
   * `NavigationError`. `block` (default none): the kinds of resource the tab does not load from
   * this navigation on, until a navigation with another list; an adapter without
   * {@link DriverCapabilities.blocksResources} rejects a non-empty list with `InvalidTaskError`.
   */
  navigate(
    pageId: PageId,
    url: string,
    waitUntil: WaitUntil,
    op: DriverOpOptions,
    block?: readonly BlockedResource[],
  ): Promise<NavigateResult>;
  /** The URL the tab shows now. */
  currentUrl(pageId: PageId, op: DriverOpOptions): Promise<string>;
  /** Run a script built by `page-script.ts`; script-level failures come back as outcomes, not rejections. */
  evaluate(pageId: PageId, request: EvaluateRequest, op: DriverOpOptions): Promise<EvaluateOutcome>;
  /** A PNG of the tab: the viewport, or (`fullPage`) the whole page. */
  screenshot(pageId: PageId, options: { readonly fullPage: boolean }, op: DriverOpOptions): Promise<Uint8Array>;
  /** Cookies of the shared context, or (`scope`: a page id) of that page's context. */
  cookies(op: DriverOpOptions, scope?: PageId): Promise<Cookie[]>;
  /** Add or replace cookies in the shared context, or (`scope`: a page id) in that page's context. */
  addCookies(cookies: readonly CookieInput[], op: DriverOpOptions, scope?: PageId): Promise<void>;
  /** Cookies and local storage of the shared context, or (`scope`) of that page's context. */
  storageState(op: DriverOpOptions, scope?: PageId): Promise<StorageState>;
  /**
   * A counter that moves whenever the session of the shared context (or `scope`'s context) may
   * have changed: a response set a cookie, a script wrote `document.cookie` or local storage,
   * cookies were added. It resolves only once every change made by operations that have already
   * settled is counted. `null` when the adapter cannot tell: the runtime then treats every
   * operation as a possible change.
   */
  sessionVersion(op: DriverOpOptions, scope?: PageId): Promise<number | null>;
  /** Polite close within `timeoutMs`, then force. Idempotent. */
  close(op: DriverOpOptions): Promise<void>;
  /** Force: kill the browser's processes now and remove its files. Idempotent. */
  kill(): Promise<void>;
  /**
   * Resident memory of the browser's processes in bytes, or `null` when unknown. Optional; read
   * from the operating system, never from the browser, so it is safe to call at any time.
   */
  rssBytes?(): number | null;
  /** Subscribe to faults; returns an unsubscribe function. */
  onEvent(listener: (event: DriverEvent) => void): () => void;
}

/**
 * Where adapters differ (the contract suite checks the documented behaviour of each). The
 * Playwright and Fake adapters can do all of it; WebDriver none of it.
 */
export interface DriverCapabilities {
  /** `newPage({ isolated: true })` opens a tab with a context of its own; without it, it fails with `ERR_DRIVER`. */
  readonly isolatedPages: boolean;
  /**
   * An aborted navigation or script is stopped at once. Without it, the call still rejects at
   * once with the abort reason, but the browser finishes the work (a script: at the latest at its
   * deadline) before it runs the next operation.
   */
  readonly stopsOnAbort: boolean;
  /** {@link Driver.sessionVersion} reports changes; without it, it answers `null`. */
  readonly sessionVersion: boolean;
  /** A crashed tab can be replaced by a new one while others live; without it, only when another tab of the browser is alive. */
  readonly replacesLastCrashedTab: boolean;
  /** `navigate(…, block)` keeps the tab from loading those kinds of resource; without it, a non-empty `block` is refused. */
  readonly blocksResources: boolean;
}

/** Everything the driver contract describes: what an adapter that declares no capabilities can do. */
export const FULL_CAPABILITIES: DriverCapabilities = {
  isolatedPages: true,
  stopsOnAbort: true,
  sessionVersion: true,
  replacesLastCrashedTab: true,
  blocksResources: true,
};

/** Makes a fresh, unlaunched driver. The actor calls it; nothing else sees the driver. */
export type DriverFactory = () => Driver;

/** Deadline and cancellation for one driver operation. */
export interface DriverOpOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** Options of {@link Driver.newPage}. */
export interface NewPageOptions {
  /** Give the tab a browser context of its own (own cookies and storage). Default `false`. */
  readonly isolated?: boolean;
}

/** An opaque page (tab) id. */
export type PageId = string;

/** What {@link Driver.launch} started: the browser's name, version and process id. */
export interface BrowserInfo {
  readonly name: string;
  readonly version: string;
  /** Process id of the browser (also its process group id), when it is a local process. */
  readonly pid: number | null;
}

/** Input of {@link Driver.evaluate}. */
export interface EvaluateRequest {
  readonly script: string;
  /** The arguments as a JSON array text (validated plain data). */
  readonly argsJson: string;
  readonly maxResultBytes: number;
}

/** What a script run produced. */
export type EvaluateOutcome =
  | { readonly kind: 'value'; readonly json: string }
  | { readonly kind: 'undefined' }
  | { readonly kind: 'script-error'; readonly name: string; readonly message: string }
  | { readonly kind: 'not-serializable'; readonly description: string }
  | { readonly kind: 'too-large'; readonly bytes: number };

/** Faults a driver reports. */
export type DriverEvent =
  { readonly type: 'disconnected'; readonly reason: string } | { readonly type: 'page-crashed'; readonly pageId: PageId };
