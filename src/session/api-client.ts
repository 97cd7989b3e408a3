import type { Cookie } from '../drivers/browser-types.js';
import { BrowserCookieJar } from '../drivers/cookie-jar.js';
import { InvalidOptionError, isBrowserActorError } from '../errors.js';
import { HttpStatusError, NetworkError, NotSignedInError } from './errors.js';
import { readBoundedText } from '../internal/bounded-body.js';
import { type Clock, systemClock } from '../internal/clock.js';
import { type Log, silentLog } from '../internal/log.js';
import { RateLimiter } from './rate-limiter.js';
import { type RetryOptions, withRetry } from './retry.js';
import { positive } from '../internal/options.js';

/**
 * The HTTP side of a session: calls the site's JSON API with the browser's cookies. Its cookie
 * jar is fed from the browser (`ExportCookies`), and `Set-Cookie` answers that change a cookie
 * are handed back (`onCookiesChanged`) so the browser gets them too: the two never drift. State-
 * changing calls carry the CSRF header. Every request passes the one {@link RateLimiter}; 429,
 * 5xx and network errors go through the one retry layer; 401/403 become `ERR_NOT_SIGNED_IN`.
 */
export interface ApiClientOptions {
  readonly baseUrl: string;
  readonly rateLimiter?: RateLimiter;
  readonly retry?: Omit<RetryOptions, 'signal'>;
  /** Called with cookies an API answer set or changed, to write them into the browser. */
  readonly onCookiesChanged?: (cookies: Cookie[]) => Promise<void> | void;
  /** Header that carries the CSRF token. Default `x-csrf-token`. */
  readonly csrfHeader?: string;
  readonly clock?: Clock;
  /** Default: the global fetch (undici). */
  readonly fetch?: typeof fetch;
  /** Deadline of each request, its answer's body included. Default 30 000 ms. A request that misses it is not retried. */
  readonly requestTimeoutMs?: number;
  /** The largest answer read, in bytes; a larger one fails with ERR_NETWORK (not retried). Default 16 MiB. */
  readonly maxResponseBytes?: number;
  /** Where each request is logged (debug: method, path, status, time; trace: its headers, redacted by the logger). */
  readonly log?: Log;
}

/** The API client's counters. */
export interface ApiStats {
  readonly requests: number;
  readonly retries: number;
  /** Answers 429 (Too Many Requests). */
  readonly throttled: number;
  /** Requests that waited for the rate limiter, and the time they waited (ms). */
  readonly rateLimitWaits: number;
  readonly rateLimitWaitMs: number;
  readonly cookiesWrittenBack: number;
  readonly cookieImports: number;
}

/** An HTTP client for a site's JSON API that uses the browser's cookies (an RFC 6265 jar), sends the CSRF token, retries what may be retried and paces every request through the rate limiter. */
export class ApiClient {
  readonly baseUrl: string;
  readonly limiter: RateLimiter;
  readonly #retry: Omit<RetryOptions, 'signal'>;
  readonly #onCookiesChanged: ApiClientOptions['onCookiesChanged'];
  readonly #csrfHeader: string;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch;
  readonly #log: Log;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  #jar = new BrowserCookieJar();
  #csrf: string | undefined;
  #stats = { requests: 0, retries: 0, throttled: 0, rateLimitWaits: 0, rateLimitWaitMs: 0, cookiesWrittenBack: 0, cookieImports: 0 };

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.limiter = options.rateLimiter ?? new RateLimiter(options.clock ? { clock: options.clock } : {});
    this.#retry = options.retry ?? {};
    this.#onCookiesChanged = options.onCookiesChanged;
    this.#csrfHeader = options.csrfHeader ?? 'x-csrf-token';
    this.#clock = options.clock ?? systemClock;
    this.#fetch = options.fetch ?? fetch;
    this.#log = options.log ?? silentLog;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    positive('requestTimeoutMs', this.#timeoutMs);
    this.#maxResponseBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
    if (!Number.isInteger(this.#maxResponseBytes) || this.#maxResponseBytes < 1)
      throw new InvalidOptionError(`maxResponseBytes must be a whole number of bytes above 0, got ${String(options.maxResponseBytes)}`);
  }

  /** Replace the jar with the browser's cookies (from `ExportCookies`). */
  setCookies(cookies: readonly Cookie[]): void {
    this.#jar.clear();
    for (const c of cookies) this.#jar.add(c);
    this.#stats.cookieImports++;
  }

  /** The cookies in the client's jar now. */
  cookies(): Cookie[] {
    return this.#jar.list();
  }

  /** The CSRF token to send with every request from now on (`undefined`: none). */
  setCsrfToken(token: string | undefined): void {
    this.#csrf = token;
  }

  /** The header the CSRF token goes in. */
  get csrfHeader(): string {
    return this.#csrfHeader;
  }

  /** Whether a CSRF token is set. */
  get hasCsrfToken(): boolean {
    return this.#csrf !== undefined;
  }

  /** GET `path` (relative to the base URL) and parse the JSON answer. */
  get<T>(path: string, options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.#call<T>('GET', path, undefined, options.signal);
  }

  /** POST `body` as JSON to `path` and parse the JSON answer. */
  post<T>(path: string, body: unknown, options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.#call<T>('POST', path, body, options.signal);
  }

  /** Requests, retries and 429s so far. */
  stats(): ApiStats {
    return { ...this.#stats };
  }

  async #call<T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const url = new URL(path, `${this.baseUrl}/`);
    return withRetry(
      async (attempt) => {
        if (attempt > 1) this.#stats.retries++;
        const waited = await this.limiter.acquire(signal);
        if (waited > 0) {
          this.#stats.rateLimitWaits++;
          this.#stats.rateLimitWaitMs += waited;
        }
        this.#stats.requests++;
        const headers: Record<string, string> = { accept: 'application/json' };
        const cookie = this.#jar.header(url);
        if (cookie) headers['cookie'] = cookie;
        if (method !== 'GET' && this.#csrf) headers[this.#csrfHeader] = this.#csrf;
        if (body !== undefined) headers['content-type'] = 'application/json';
        // One deadline for the request and its answer: a server that accepts and never answers
        // (or answers slowly forever) fails this request instead of holding it.
        const deadline = AbortSignal.timeout(this.#timeoutMs);
        const deadlineOr = (error: unknown): never => {
          if (signal?.aborted) throw signal.reason;
          if (deadline.aborted) {
            throw new NetworkError(
              `${method} ${url.pathname}: ${url.host} did not answer within ${this.#timeoutMs / 1000} s (REQUEST_TIMEOUT_SECONDS)`,
              {
                cause: error,
                details: { path: url.pathname, timeoutMs: this.#timeoutMs, timedOut: true },
              },
            );
          }
          throw error;
        };
        const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
        let res: Response;
        const sent = performance.now();
        this.#log.trace({ method, path: url.pathname, headers }, 'api request');
        try {
          res = await this.#fetch(url, {
            method,
            headers,
            redirect: 'manual',
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            signal: both,
          });
          this.#log.debug({ method, path: url.pathname, status: res.status, ms: Math.round(performance.now() - sent) }, 'api call');
        } catch (error) {
          if (signal?.aborted || deadline.aborted) deadlineOr(error);
          // Refused, reset, not resolved: undici says "fetch failed" and puts the reason in the cause.
          const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
          const why =
            typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (error as Error).message;
          throw new NetworkError(`${method} ${url.pathname} could not reach ${url.host}: ${why}`, {
            cause: error,
            details: { path: url.pathname },
          });
        }
        return this.#answer<T>(method, url, res).catch(deadlineOr);
      },
      (error) => {
        if (isBrowserActorError(error, 'ERR_NETWORK'))
          return { retry: error.details['timedOut'] !== true && error.details['tooLarge'] !== true && error.details['notJson'] !== true };
        if (isBrowserActorError(error, 'ERR_HTTP')) {
          const status = error.details['status'] as number;
          if (status === 429) return { retry: true }; // the limiter already waits out Retry-After
          if (status >= 500) return { retry: true };
        }
        return { retry: false };
      },
      { ...this.#retry, ...(signal ? { signal } : {}), clock: this.#retry.clock ?? this.#clock },
    );
  }

  /** An answer as data, or the typed error it means (429, signed out, other failures). */
  async #answer<T>(method: string, url: URL, res: Response): Promise<T> {
    await this.#takeCookies(res, url);
    if (res.status === 429) {
      const retryAfterMs = retryAfter(res.headers.get('retry-after'));
      this.#stats.throttled++;
      this.limiter.on429(retryAfterMs);
      await res.body?.cancel();
      throw new HttpStatusError(`${method} ${url.pathname} was rate-limited by the site (429)`, {
        details: { status: 429, path: url.pathname, retryAfterMs: retryAfterMs ?? null },
      });
    }
    if (
      res.status === 401 ||
      res.status === 403 ||
      (res.status >= 300 && res.status < 400 && /sign-?in|log-?in/i.test(res.headers.get('location') ?? ''))
    ) {
      await res.body?.cancel();
      throw new NotSignedInError(`${method} ${url.pathname}: the site says this session is not signed in (${res.status})`, {
        details: { status: res.status, path: url.pathname },
      });
    }
    if (!res.ok) {
      const text = (await readBoundedText(res, 64 * 1024).catch(() => undefined)) ?? '';
      const detail = /"message"\s*:\s*"([^"]{0,200})"/.exec(text)?.[1];
      throw new HttpStatusError(`${method} ${url.pathname} failed with ${res.status}${detail ? `: ${detail}` : ''}`, {
        details: { status: res.status, path: url.pathname },
      });
    }
    this.limiter.onSuccess();
    const text = await readBoundedText(res, this.#maxResponseBytes);
    if (text === undefined) {
      throw new NetworkError(
        `${method} ${url.pathname}: ${url.host} answered more than ${this.#maxResponseBytes} bytes (maxResponseBytes); the answer was dropped. Is BASE_URL the site's API?`,
        {
          details: { path: url.pathname, limit: this.#maxResponseBytes, tooLarge: true },
        },
      );
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new NetworkError(
        `${method} ${url.pathname}: ${url.host} answered ${res.status} with a body that is not JSON. Is BASE_URL the site's API?`,
        {
          cause: error,
          details: { path: url.pathname, notJson: true },
        },
      );
    }
  }

  /** Cookies the answer set, changed or deleted go into the jar, and (only those a browser would accept) back to the browser. */
  async #takeCookies(res: Response, url: URL): Promise<void> {
    const changed: Cookie[] = [];
    for (const header of res.headers.getSetCookie()) {
      // Refused (as the browser would refuse it) or unchanged: nothing to write back.
      const cookie = this.#jar.setFromHeader(header, url, { onlyChanges: true });
      if (cookie) changed.push(cookie);
    }
    if (changed.length > 0 && this.#onCookiesChanged) {
      await this.#onCookiesChanged(changed);
      this.#stats.cookiesWrittenBack += changed.length;
    }
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}
