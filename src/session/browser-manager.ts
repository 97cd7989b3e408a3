import { HttpStatusError, NotSignedInError, PageGoneError } from './errors.js';
import { type BackoffOptions, nextDelayMs } from '../internal/backoff.js';
import { type Clock, sleep, systemClock } from '../internal/clock.js';
import type { ResultOf, Task } from '../runtime/tasks/types.js';

/**
 * All browser work of a session goes through the supervised actor. The manager never
 * navigates a browser that is already where it should be: `navTo` first asks the tab where it
 * is (one cheap script) and skips the navigation when the URL matches (scheme, host, path and
 * query; the fragment is ignored) and the page has loaded. On arrival it recognises the sign-in
 * page (signs in through the caller's callback, then retries once), an unavailable page (429,
 * 5xx: backs off and retries) and a gone page (404/410: a typed error). The tab itself is made
 * lazily and reused by the actor, which replaces it when its target dies.
 */
/**
 * What the session layer needs of a browser: a SessionSupervisor, or one session of a dispatcher
 * (`dispatcherSession()`: every task carries the session key, so all of them reach one browser).
 */
export interface SessionBrowser {
  submit<T extends Task>(task: T, options?: { timeoutMs?: number; restoreUrl?: boolean }): Promise<ResultOf<T>>;
  /** Resolves once a browser serves (starts it if needed). */
  ensureActorLive(): Promise<unknown>;
  health(): { readonly state: string };
}

/** Options of a {@link BrowserManager}. */
export interface BrowserManagerOptions {
  readonly supervisor: SessionBrowser;
  /** Path of the site's sign-in page. Default `/sign-in`. */
  readonly signInPath?: string;
  /** Retries of an unavailable page. Default 3. */
  readonly unavailableRetries?: number;
  readonly backoff?: BackoffOptions;
  /** Per navigation. Default 30 000 ms. */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
}

/** Where a navigation ended, and whether it was skipped because the tab was already there. */
export interface NavResult {
  readonly url: string;
  readonly status: number | null;
  /** True when the browser was already there and nothing was loaded. */
  readonly skipped: boolean;
}

export interface BrowserManagerStats {
  readonly navigations: number;
  readonly navigationsSkipped: number;
  readonly signInRedirects: number;
  readonly unavailableRetries: number;
}

/** Navigation for a session: no load when the tab is already on the URL, the sign-in page and unavailable pages recognised, gone pages as `ERR_PAGE_GONE`. */
export class BrowserManager {
  readonly supervisor: SessionBrowser;
  readonly signInPath: string;
  readonly #retries: number;
  readonly #backoff: BackoffOptions;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  #stats = { navigations: 0, navigationsSkipped: 0, signInRedirects: 0, unavailableRetries: 0 };

  constructor(options: BrowserManagerOptions) {
    this.supervisor = options.supervisor;
    this.signInPath = options.signInPath ?? '/sign-in';
    this.#retries = options.unavailableRetries ?? 3;
    this.#backoff = options.backoff ?? { baseMs: 500, factor: 2, maxMs: 8000 };
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** Make sure a browser is serving; never navigates it. */
  async ensureDriverLive(): Promise<void> {
    await this.supervisor.ensureActorLive();
  }

  /** Where the tab is and whether its page has loaded (one cheap script; no navigation). */
  async where(): Promise<{ href: string; ready: boolean }> {
    const state = await this.supervisor.submit(
      { type: 'ExecuteJS', script: 'return { href: location.href, ready: document.readyState === "complete" }', idempotent: true },
      { timeoutMs: this.#timeoutMs },
    );
    return state as { href: string; ready: boolean };
  }

  /**
   * Go to `url` unless the tab is already there. `signIn` is called when the site answers with
   * its sign-in page (once; a second sign-in page fails with ERR_NOT_SIGNED_IN).
   */
  async navTo(url: string, options: { signIn?: () => Promise<void>; force?: boolean } = {}): Promise<NavResult> {
    const target = normalizeUrl(url);
    if (!options.force) {
      const here = await this.where().catch(() => undefined);
      if (here && here.ready && normalizeUrl(here.href) === target) {
        this.#stats.navigationsSkipped++;
        return { url: here.href, status: null, skipped: true };
      }
    }
    let signedIn = false;
    for (let attempt = 0; ; attempt++) {
      this.#stats.navigations++;
      const result = await this.supervisor.submit({ type: 'Navigate', url }, { timeoutMs: this.#timeoutMs, restoreUrl: false });
      const landed = new URL(result.url);
      if (landed.pathname === this.signInPath && new URL(url).pathname !== this.signInPath) {
        this.#stats.signInRedirects++;
        if (!options.signIn || signedIn)
          throw new NotSignedInError(
            `Navigating to ${new URL(url).pathname} ended on the sign-in page${signedIn ? ' again, right after signing in' : ''}`,
            { details: { path: new URL(url).pathname } },
          );
        signedIn = true;
        await options.signIn();
        continue;
      }
      const status = result.status;
      if (status === 404 || status === 410)
        throw new PageGoneError(`${landed.pathname} is gone (${status})`, { details: { status, path: landed.pathname } });
      if (status !== null && (status === 429 || status >= 500)) {
        if (attempt >= this.#retries)
          throw new HttpStatusError(`${landed.pathname} stayed unavailable (${status}) after ${attempt + 1} tries`, {
            details: { status, path: landed.pathname },
          });
        this.#stats.unavailableRetries++;
        await sleep(this.#clock, nextDelayMs(attempt, this.#backoff));
        continue;
      }
      return { url: result.url, status, skipped: false };
    }
  }

  /** Navigations made and skipped, sign-in redirects and retries so far. */
  stats(): BrowserManagerStats {
    return { ...this.#stats };
  }
}

/** Scheme, host (lowercase, default port dropped), path and query; no fragment. */
export function normalizeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname}${u.search}`;
}
