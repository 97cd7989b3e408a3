import { randomUUID } from 'node:crypto';
import { isBrowserActorError } from '../errors.js';
import { NetworkError, NotSignedInError, SignInError } from './errors.js';
import { type Clock, sleep, systemClock } from '../internal/clock.js';
import { type Log, silentLog } from '../internal/log.js';
import { unusedTotpCode } from '../internal/totp.js';
import { cookieToInput } from '../runtime/tasks/cookie-formats.js';
import { ApiClient } from './api-client.js';
import { AuthCheckPolicy } from './auth-policy.js';
import { BrowserManager, type SessionBrowser } from './browser-manager.js';
import { ProbeCoalescer } from './probe-coalescer.js';
import { RateLimiter } from './rate-limiter.js';
import type { SessionConfig } from './session-config.js';

/** What a site looks like to the session manager. Defaults fit the reference tree site. */
export interface SiteProfile {
  readonly signInPath: string;
  readonly signInForm: string;
  readonly usernameField: string;
  readonly passwordField: string;
  readonly twoFactorPath: string;
  readonly twoFactorForm: string;
  readonly codeField: string;
  /** Shown on the sign-in pages when something went wrong. */
  readonly messageSelector: string;
  /** The message that says a second-factor code was used before (the next code is tried then). */
  readonly codeReused: RegExp;
  /** Cookies that must exist once signed in. */
  readonly essentialCookies: readonly string[];
  readonly identityPath: string;
  readonly csrfPath: string;
  readonly csrfField: string;
  /** Where a signed-in session signs out (POST, with the CSRF token); empty: the site has no sign-out. */
  readonly signOutPath: string;
}

/** How the bundled reference tree site signs in and answers: its paths, forms, fields and cookies. */
export const REFERENCE_SITE_PROFILE: SiteProfile = {
  signInPath: '/sign-in',
  signInForm: '#sign-in',
  usernameField: 'username',
  passwordField: 'password',
  twoFactorPath: '/sign-in/2fa',
  twoFactorForm: '#two-factor',
  codeField: 'code',
  messageSelector: '#message',
  codeReused: /already used/i,
  essentialCookies: ['sid'],
  identityPath: '/api/me',
  csrfPath: '/api/csrf',
  csrfField: 'token',
  signOutPath: '/api/sign-out',
};

/** Who the session is signed in as, from the site's identity endpoint. */
export interface Identity {
  readonly userId: string;
  readonly treeId: string;
  readonly referencePerson: { readonly id: string; readonly name: string; readonly lifespan?: string };
  readonly [key: string]: unknown;
}

/** Gives the second-factor code when the site asks for one. */
export type CodeProvider = () => Promise<string>;

/** Options of a {@link SessionManager}. */
export interface SessionManagerOptions {
  readonly config: SessionConfig;
  readonly supervisor: SessionBrowser;
  /** Share one rate limiter among several sessions on one site (e.g. one per dispatcher worker). Default: a limiter of its own from `config.rateLimit`. */
  readonly rateLimiter?: RateLimiter;
  readonly profile?: Partial<SiteProfile>;
  /** Default: from `config.totpSecret`; else asked on the terminal; else a clear error. */
  readonly codeProvider?: CodeProvider;
  /** A recent success younger than this skips `ensureSessionReady`'s checks. Default 60 000 ms. */
  readonly fastPathMs?: number;
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
  /** The fetch the API client uses. Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Where sign-ins, auth checks, cookie syncs and API calls are logged (redacted by the logger). Default: nowhere. */
  readonly log?: Log;
}

/** The session layer's counters: ensure calls and fast paths, auth checks, probes, sign-ins, cookie syncs, navigations and API calls. */
export interface SessionStats {
  readonly ensureCalls: number;
  readonly fastPaths: number;
  readonly authChecks: number;
  readonly authChecksSkipped: number;
  readonly probes: number;
  readonly probesCoalesced: number;
  readonly probesSkipped: number;
  readonly signIns: number;
  /** Time spent signing in through the form, ms. */
  readonly signInMs: number;
  readonly reSignIns: number;
  readonly cookieSyncs: number;
  readonly navigations: number;
  readonly navigationsSkipped: number;
  readonly apiRequests: number;
  readonly apiRetries: number;
  readonly throttled: number;
  readonly rateLimitWaits: number;
  readonly rateLimitWaitMs: number;
}

/**
 * One signed-in session: a supervised browser, an HTTP client that shares its cookies, the
 * CSRF token and the account's identity. `ensureSessionReady()` makes it usable (fast when it
 * recently was); `get`/`post` call the API with adaptive auth checks, and recover once from a
 * lost session before failing with a typed error. `mode: 'naive'` (config) reproduces the
 * original tool's behaviour for comparison: an auth check before every call, navigation to the
 * base URL on every ensure, cookies copied on every call, no probe coalescing.
 */
export class SessionManager {
  readonly config: SessionConfig;
  readonly supervisor: SessionBrowser;
  readonly browser: BrowserManager;
  readonly api: ApiClient;
  readonly profile: SiteProfile;
  readonly #codeProvider: CodeProvider;
  readonly #fastPathMs: number;
  readonly #clock: Clock;
  readonly #policy: AuthCheckPolicy;
  readonly #probe: ProbeCoalescer;
  readonly #log: Log;
  #ready = false;
  #lastSuccess = Number.NEGATIVE_INFINITY;
  #identity: Identity | undefined;
  #ensuring: Promise<void> | undefined;
  #stats = { ensureCalls: 0, fastPaths: 0, authChecks: 0, authChecksSkipped: 0, signIns: 0, signInMs: 0, reSignIns: 0, cookieSyncs: 0 };

  constructor(options: SessionManagerOptions) {
    this.config = options.config;
    this.supervisor = options.supervisor;
    this.profile = { ...REFERENCE_SITE_PROFILE, ...options.profile };
    this.#clock = options.clock ?? systemClock;
    this.#fastPathMs = options.fastPathMs ?? 60_000;
    this.#log = options.log ?? silentLog;
    this.browser = new BrowserManager({ supervisor: this.supervisor, signInPath: this.profile.signInPath, clock: this.#clock });
    this.api = new ApiClient({
      baseUrl: this.config.baseUrl,
      rateLimiter: options.rateLimiter ?? new RateLimiter({ ...this.config.rateLimit, clock: this.#clock }),
      clock: this.#clock,
      requestTimeoutMs: this.config.requestTimeoutMs,
      log: this.#log,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      // Cookies the API changes go back into the browser, so the two never drift.
      onCookiesChanged: async (cookies) => {
        await this.supervisor.submit({ type: 'ImportCookies', cookies: cookies.map(cookieToInput) }, { timeoutMs: 10_000 });
      },
    });
    this.#policy = new AuthCheckPolicy(this.#clock.now(), {
      baseIntervalMs: this.config.authCheckIntervalMs,
      maxIntervalMs: this.config.authCheckMaxIntervalMs,
    });
    this.#probe = new ProbeCoalescer(
      async () => {
        await this.#checkAuth();
      },
      { clock: this.#clock },
    );
    this.#codeProvider = options.codeProvider ?? defaultCodeProvider(this.config.totpSecret);
  }

  /** Who the session is signed in as (after the first successful `ensureSessionReady`). */
  get identity(): Identity | undefined {
    return this.#identity;
  }

  /** Whether the session has been made ready and nothing since says otherwise. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Make the session usable: browser live, signed in, cookies shared, CSRF token and identity known. */
  ensureSessionReady(): Promise<void> {
    this.#stats.ensureCalls++;
    const naive = this.config.mode === 'naive';
    if (!naive && this.#ready && this.#clock.now() - this.#lastSuccess < this.#fastPathMs && this.supervisor.health().state === 'healthy') {
      this.#stats.fastPaths++;
      return Promise.resolve();
    }
    this.#ensuring ??= this.#ensure().finally(() => {
      this.#ensuring = undefined;
    });
    return this.#ensuring;
  }

  /** "Is the session OK?" from many callers: one shared probe, reused after success (naive: always probes). */
  async isSessionOk(): Promise<boolean> {
    try {
      if (this.config.mode === 'naive') await this.#checkAuth();
      else await this.#probe.check();
      return true;
    } catch {
      return false;
    }
  }

  /** GET through the session: ready first, one re-sign-in on 401/403, paced by the rate limiter. */
  get<T>(path: string): Promise<T> {
    return this.#call<T>(() => this.api.get<T>(path));
  }

  /** POST through the session: ready first, one re-sign-in on 401/403, paced by the rate limiter. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.#call<T>(() => this.api.post<T>(path, body));
  }

  /** The session layer's counters so far. */
  stats(): SessionStats {
    const api = this.api.stats();
    const probe = this.#probe.stats();
    const nav = this.browser.stats();
    return {
      ...this.#stats,
      probes: probe.probes,
      probesCoalesced: probe.coalesced,
      probesSkipped: probe.skipped,
      navigations: nav.navigations,
      navigationsSkipped: nav.navigationsSkipped,
      apiRequests: api.requests,
      apiRetries: api.retries,
      throttled: api.throttled,
      rateLimitWaits: api.rateLimitWaits,
      rateLimitWaitMs: api.rateLimitWaitMs,
    };
  }

  async #ensure(): Promise<void> {
    await this.browser.ensureDriverLive();
    if (this.config.mode === 'naive') {
      // The original behaviour: back to the base URL every time.
      await this.browser.navTo(`${this.config.baseUrl}/`, { force: true, signIn: () => this.#signIn() });
    }
    await this.#syncCookies();
    let signedIn = await this.#checkAuth().then(
      () => true,
      (error: unknown) => {
        if (isBrowserActorError(error, 'ERR_NOT_SIGNED_IN')) return false;
        throw error;
      },
    );
    if (!signedIn) {
      await this.#signIn();
      await this.#syncCookies();
      await this.#checkAuth();
      signedIn = true;
    }
    const csrf = await this.api.get<Record<string, unknown>>(this.profile.csrfPath);
    const token = csrf[this.profile.csrfField];
    this.api.setCsrfToken(typeof token === 'string' ? token : undefined);
    this.#ready = true;
    this.#lastSuccess = this.#clock.now();
    this.#policy.setExpiry(this.#sessionExpiry(), this.#clock.now());
    this.#policy.recordSuccess(this.#clock.now());
  }

  /** GET the identity with the current cookies: the auth check. */
  async #checkAuth(): Promise<void> {
    this.#stats.authChecks++;
    const me = await this.api.get<Identity>(this.profile.identityPath);
    this.#identity = me;
    this.#log.debug({ site: this.config.baseUrl }, 'auth check: signed in');
  }

  async #call<T>(request: () => Promise<T>): Promise<T> {
    await this.ensureSessionReady();
    const naive = this.config.mode === 'naive';
    if (naive) {
      // The original behaviour: cookies copied and an auth check before every call.
      await this.#syncCookies();
      await this.#checkAuth();
    } else if (this.#policy.isDue(this.#clock.now())) {
      await this.#probe.check().then(
        () => this.#policy.recordSuccess(this.#clock.now()),
        (error: unknown) => {
          this.#policy.recordFailure(this.#clock.now());
          if (!isBrowserActorError(error, 'ERR_NOT_SIGNED_IN')) throw error;
          this.#ready = false;
        },
      );
    } else {
      this.#stats.authChecksSkipped++;
    }
    try {
      const result = await request();
      this.#lastSuccess = this.#clock.now();
      return result;
    } catch (error) {
      if (!isBrowserActorError(error, 'ERR_NOT_SIGNED_IN')) throw error;
      // The session was lost (expired, signed out elsewhere): re-establish it once, then retry once.
      this.#ready = false;
      this.#probe.invalidate();
      this.#stats.reSignIns++;
      await this.ensureSessionReady();
      try {
        return await request();
      } catch (again) {
        if (isBrowserActorError(again, 'ERR_NOT_SIGNED_IN')) {
          this.#ready = false;
          throw new NotSignedInError(`The site still refuses this session right after signing in again (${(again as Error).message})`, {
            cause: again,
          });
        }
        throw again;
      }
    }
  }

  /** Copy the browser's cookies into the API client. */
  async #syncCookies(): Promise<void> {
    const cookies = await this.supervisor.submit({ type: 'ExportCookies', format: 'json' }, { timeoutMs: 10_000 });
    this.api.setCookies(cookies);
    this.#stats.cookieSyncs++;
    this.#log.debug({ cookies: cookies.length }, 'cookies copied from the browser to the API client');
    this.#log.trace({ cookies }, 'cookies copied');
  }

  /**
   * End the session: sign out at the site from the session's own browser (so the site ends the
   * session and the browser drops the cookie the site clears), clear the site's storage there and
   * leave the page for `about:blank`; if that browser no longer held the session (a replacement
   * browser, or none), sign out through the API with the cookies here. Then forget the cookies,
   * CSRF token and identity here. For a browser that outlives the run (a worker host's), so that
   * no later job finds it signed in. Never throws: a sign-out that fails is logged as a warning
   * and answered `false`.
   */
  async signOut(options: { timeoutMs?: number } = {}): Promise<boolean> {
    const wasSignedIn = this.#ready || this.#identity !== undefined;
    this.#ready = false;
    this.#identity = undefined;
    this.#probe.invalidate();
    try {
      if (!wasSignedIn || !this.profile.signOutPath) return !wasSignedIn;
      const site = this.config.baseUrl;
      const reason = (error: unknown): string => (error instanceof Error ? error.message.slice(0, 200) : String(error));
      let outcome: unknown;
      try {
        outcome = await this.#signOutInBrowser(options.timeoutMs ?? 15_000);
      } catch (error) {
        this.#log.warn({ site, reason: reason(error) }, 'could not sign out from the browser; signing out through the API');
      }
      if (outcome !== 'signed-out') {
        try {
          await this.api.post(this.profile.signOutPath, {});
        } catch (error) {
          // Refused as not signed in: the session had already ended at the site.
          if (!isBrowserActorError(error, 'ERR_NOT_SIGNED_IN')) {
            this.#log.warn({ site, reason: reason(error) }, 'sign-out failed: the session may stay valid at the site until it expires');
            return false;
          }
        }
      }
      this.#log.info({ site }, 'signed out');
      return true;
    } finally {
      this.api.setCookies([]);
      this.api.setCsrfToken(undefined);
    }
  }

  /** The browser side of {@link signOut}: `signed-out` when the session it held has ended at the site. */
  async #signOutInBrowser(timeoutMs: number): Promise<unknown> {
    const origin = new URL(this.config.baseUrl).origin;
    const args = [origin, this.profile.csrfPath, this.profile.csrfField, this.api.csrfHeader, this.profile.signOutPath];
    // Two requests at the site: within the run's one rate limit.
    await this.api.limiter.acquire();
    await this.api.limiter.acquire();
    let outcome = await this.supervisor.submit({ type: 'ExecuteJS', script: SIGN_OUT_SCRIPT, args }, { timeoutMs, restoreUrl: false });
    if (outcome === 'elsewhere') {
      // The tab is not on the site (a restarted or replacement browser): go there first, without signing in.
      await this.supervisor.submit({ type: 'Navigate', url: `${origin}${this.profile.identityPath}` }, { timeoutMs, restoreUrl: false });
      outcome = await this.supervisor.submit({ type: 'ExecuteJS', script: SIGN_OUT_SCRIPT, args }, { timeoutMs, restoreUrl: false });
    }
    await this.supervisor.submit({ type: 'Navigate', url: 'about:blank' }, { timeoutMs, restoreUrl: false });
    return outcome;
  }

  /** Sign in through the site's form (and its second factor). Fails with ERR_SIGN_IN, never loops. */
  async #signIn(): Promise<void> {
    this.#stats.signIns++;
    const started = this.#clock.now();
    // One deadline for the whole sign-in: a site that stops answering midway fails it in time.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new NetworkError(
            `Signing in at ${this.config.baseUrl} did not finish within ${this.config.signInTimeoutMs / 1000} s (SIGN_IN_TIMEOUT_SECONDS); the site does not answer, or answers too slowly`,
            {
              details: { timeoutMs: this.config.signInTimeoutMs, timedOut: true },
            },
          ),
        );
      }, this.config.signInTimeoutMs);
    });
    const steps = this.#signInSteps();
    steps.catch(() => undefined); // after the deadline, its own failure is of no interest
    this.#log.info({ site: this.config.baseUrl, username: this.config.username }, 'signing in');
    try {
      await Promise.race([steps, deadline]);
      this.#log.info({ site: this.config.baseUrl, ms: Math.round(this.#clock.now() - started) }, 'signed in');
    } catch (error) {
      this.#log.warn(
        { site: this.config.baseUrl, errorCode: (error as { code?: string }).code, error: (error as Error).message },
        'signing in failed',
      );
      throw error;
    } finally {
      clearTimeout(timer);
      this.#stats.signInMs += this.#clock.now() - started;
    }
  }

  /**
   * The sign-in, restarted from its first page when the browser was replaced while it ran (its
   * worker host was lost, its browser crashed): the tab then no longer holds the mark the first
   * form left in its sessionStorage. A sign-in that had finished before the loss is recognised
   * (its cookies came along to the new browser) and not done again.
   */
  async #signInSteps(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const mark = randomUUID();
      try {
        await this.#signInOnce(mark);
        return;
      } catch (error) {
        if (attempt >= 3 || !(await this.#browserReplaced(mark))) throw error;
        this.#log.warn(
          { site: this.config.baseUrl, errorCode: (error as { code?: string }).code },
          'the browser was replaced during sign-in: signing in again from the start',
        );
        if (await this.#signedInAlready()) return;
      }
    }
  }

  /** Whether the tab lost the mark a sign-in left in it (or cannot be asked): another browser serves the session now. */
  async #browserReplaced(mark: string): Promise<boolean> {
    const held = await this.supervisor
      .submit(
        {
          type: 'ExecuteJS',
          script: `try { return sessionStorage.getItem(arguments[0]); } catch { return null; }`,
          args: [SIGN_IN_MARK],
          idempotent: true,
        },
        { timeoutMs: 10_000 },
      )
      .catch(() => undefined);
    return held !== mark;
  }

  /** Signed in already, by the browser's cookies: the identity answers. */
  async #signedInAlready(): Promise<boolean> {
    try {
      await this.#syncCookies();
      await this.#checkAuth();
      return true;
    } catch {
      return false;
    }
  }

  async #signInOnce(mark: string): Promise<void> {
    const p = this.profile;
    await this.browser.navTo(`${this.config.baseUrl}${p.signInPath}`, { force: true });
    await this.#submitForm(p.signInForm, { [p.usernameField]: this.config.username, [p.passwordField]: this.config.password }, mark);
    let path = await this.#waitToLeave(p.signInPath);
    // A code this process never sent may still have been used (by another run, or on a phone):
    // the site refuses it once used, so a refusal that says so gets the next code, twice at most.
    for (let attempt = 1; path === p.twoFactorPath && attempt <= 3; attempt++) {
      if (attempt > 1) {
        if (!p.codeReused.test(await this.#pageMessage())) break;
        await this.supervisor.submit({
          type: 'ExecuteJS',
          script: 'document.querySelector(arguments[0])?.remove()',
          args: [p.messageSelector],
          idempotent: true,
        });
      }
      const code = await this.#codeProvider();
      await this.#submitForm(p.twoFactorForm, { [p.codeField]: code });
      path = await this.#waitToLeave(p.twoFactorPath);
    }
    if (path === p.signInPath || path === p.twoFactorPath) {
      const text = await this.#pageMessage();
      throw new SignInError(
        `Signing in as ${this.config.username} failed${text ? `: ${text}` : ''}; check SITE_USERNAME, SITE_PASSWORD${path === p.twoFactorPath ? ' and the second-factor code' : ''}`,
        {
          details: { page: path },
        },
      );
    }
    await this.#waitForCookies(p.essentialCookies);
  }

  /** The sign-in page's error message, or '' when there is none. */
  async #pageMessage(): Promise<string> {
    const message = await this.supervisor
      .submit({
        type: 'ExecuteJS',
        script: 'return document.querySelector(arguments[0])?.textContent ?? ""',
        args: [this.profile.messageSelector],
        idempotent: true,
      })
      .catch(() => '');
    return typeof message === 'string' ? message.trim() : '';
  }

  /** Fill and submit a form; `mark` is left in the tab's sessionStorage (see {@link #signInSteps}). */
  async #submitForm(selector: string, fields: Record<string, string>, mark?: string): Promise<void> {
    // Values travel as arguments, never inside the script text.
    const done = await this.supervisor.submit(
      {
        type: 'ExecuteJS',
        script: `const form = document.querySelector(arguments[0]);
if (!form) return false;
if (arguments[2]) { try { sessionStorage.setItem(arguments[2][0], arguments[2][1]); } catch {} }
for (const [name, value] of Object.entries(arguments[1])) { const input = form.elements.namedItem(name); if (input) input.value = value; }
setTimeout(() => form.requestSubmit(), 0);
return true;`,
        args: [selector, fields, mark === undefined ? null : [SIGN_IN_MARK, mark]],
      },
      { timeoutMs: 10_000 },
    );
    if (done !== true) throw new SignInError(`The sign-in page has no form ${selector}; the site changed, or this is not its sign-in page`);
  }

  /** Wait (bounded) until the tab has left `path` and the new page has loaded; returns the new path. */
  async #waitToLeave(path: string): Promise<string> {
    const until = this.#clock.now() + 15_000;
    for (;;) {
      const here = await this.browser.where().catch(() => undefined);
      if (here?.ready) {
        const now = new URL(here.href).pathname;
        if (now !== path) return now;
        // A rejected form comes back to the same path with a message: stop waiting once it shows.
        const message = await this.supervisor
          .submit({
            type: 'ExecuteJS',
            script: 'return !!document.querySelector(arguments[0])',
            args: [this.profile.messageSelector],
            idempotent: true,
          })
          .catch(() => false);
        if (message === true) return now;
      }
      if (this.#clock.now() > until) return here ? new URL(here.href).pathname : path;
      await sleep(this.#clock, 50);
    }
  }

  async #waitForCookies(names: readonly string[]): Promise<void> {
    const until = this.#clock.now() + 10_000;
    for (;;) {
      const have = await this.supervisor.submit({ type: 'GetCookies', names: [...names] });
      if (names.every((n) => have.some((c) => c.name === n))) return;
      if (this.#clock.now() > until)
        throw new SignInError(`Signed in, but the session cookie${names.length > 1 ? 's' : ''} ${names.join(', ')} never appeared`);
      await sleep(this.#clock, 50);
    }
  }

  /** The expiry of the first essential cookie, in clock ms, when it has one. */
  #sessionExpiry(): number | undefined {
    const cookie = this.api.cookies().find((c) => this.profile.essentialCookies.includes(c.name));
    if (!cookie || cookie.expires <= 0) return undefined;
    return this.#clock.now() + (cookie.expires * 1000 - Date.now());
  }
}

/** TOTP from the configured secret; else ask on a terminal; else fail clearly. */
function defaultCodeProvider(secret: string | undefined): CodeProvider {
  return async () => {
    if (secret) return unusedTotpCode(secret);
    if (!process.stdin.isTTY) {
      throw new SignInError(
        'The site asks for a second-factor code, but TOTP_SECRET is not set and there is no terminal to ask on; set TOTP_SECRET or run interactively',
      );
    }
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return (await rl.question('Second-factor code: ')).trim();
    } finally {
      rl.close();
    }
  };
}

/** The sessionStorage key under which a sign-in marks its tab. */
const SIGN_IN_MARK = 'browser-actor:sign-in';

/**
 * Signs out from the page: reads a CSRF token and POSTs the sign-out, same-origin (the site's
 * cookie goes along, and the browser applies the cookie the site clears), then clears the
 * origin's storage. Answers `signed-out`, `not-signed-in` (this browser holds no live session),
 * `elsewhere` (the tab is on another origin) or the status the site answered.
 */
const SIGN_OUT_SCRIPT = `
const [origin, csrfPath, csrfField, csrfHeader, signOutPath] = arguments;
if (location.origin !== origin) return 'elsewhere';
const clear = () => { try { localStorage.clear(); sessionStorage.clear(); } catch {} };
const headers = {};
if (csrfPath) {
  const c = await fetch(csrfPath, { credentials: 'same-origin' });
  if (c.status === 401 || c.status === 403) { clear(); return 'not-signed-in'; }
  const body = c.ok ? await c.json().catch(() => ({})) : {};
  if (typeof body[csrfField] === 'string') headers[csrfHeader] = body[csrfField];
}
const r = await fetch(signOutPath, { method: 'POST', credentials: 'same-origin', headers });
clear();
return r.ok ? 'signed-out' : r.status === 401 ? 'not-signed-in' : 'status ' + r.status;
`;
